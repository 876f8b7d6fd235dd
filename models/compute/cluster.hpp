// Racks and the cluster: racks group nodes and carry a rack power limit.
//
//   cluster:
//     racks: {count: 128, nodes_per_rack: 4, power_limit: "40 kW",
//             overrides: [{rack: 3, power_limit: "30 kW"}]}
//     node: {type: dgx-h100, gpu_power_cap: "600 W"}
//     network: {type: fat-tree, radix: 64}      # read by models/network (topology.hpp)
//     storage: {servers: 4}                     # storage_system.hpp
//
// or, for a facility with several kinds of node, pools instead of `racks` and `node` (exactly
// one of the two forms):
//
//   cluster:
//     pools:
//       - {name: hopper, node: {type: dgx-h100}, racks: {count: 64, nodes_per_rack: 4}}
//       - {name: blackwell, node: {type: dgx-b200}, racks: {count: 32, nodes_per_rack: 4},
//          from: 90 d,                            # refresh: in service from day 90
//          network: {type: rail-optimized}}       # its own fabric (network/fabrics.hpp)
//
// Racks are numbered pool by pool (the first pool's racks first), and so are nodes. A pool
// with `from` is absent before that time after the start of the run (no power, no jobs); a
// pool with `until` takes no new jobs from then on and each node powers off (0 W) once its
// job ends (pool_events.hpp in models/world runs both). All pools' nodes must carry the same
// number of accelerators (jobs are sized in whole nodes from `gpus`), and a calibration file
// applies to the single-node form only.
//
// Rack power limit: when the rack's nodes would draw more than the limit at the wall, a uniform
// accelerator power cap is lowered (bisection on the cap, to 1e-6 W) until the rack fits — the
// way rack-level power managers distribute a budget to GPU caps. Non-accelerator power is not
// controllable, so a limit below the rack's floor leaves it above the limit (`limited` and
// `over_limit` say so).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/compute/node.hpp"
#include "models/compute/storage_system.hpp"
#include "sim/params.hpp"

namespace joule::models::compute {

struct RackSpec {
  int nodes = 1;
  std::optional<sim::Watts> power_limit;  // wall power of the rack's nodes
};

// The largest cluster Joule builds (cluster_spec checks it).
inline constexpr std::int64_t max_cluster_accelerators = 8'000'000;

// A node pool: racks of one node type, in service between two times (`cluster.pools[]`).
struct PoolSpec {
  std::string name;
  NodeSpec node;
  std::size_t first_rack = 0;  // racks [first_rack, first_rack + rack_count) of the cluster
  std::size_t rack_count = 0;
  sim::Time from = sim::Time::zero();  // in service from (after the start of the run)
  sim::Time until = sim::Time::max();  // drained from: no new jobs, nodes off when free
};

struct ClusterSpec {
  NodeSpec node;  // the first pool's node (the only node type in the single-node form)
  std::vector<RackSpec> racks;
  StorageSpec storage;  // `cluster.storage` (servers = 0 when absent)
  // One pool per node type; the single-node form gives one pool named after its node type.
  std::vector<PoolSpec> pools;
  bool pooled = false;  // written with `pools:` (several pools may differ in node type)
  int node_count() const;
  int accelerator_count() const { return node_count() * node.accelerators; }
  // The pool a rack belongs to.
  std::size_t pool_of_rack(std::size_t rack) const;
  int pool_node_count(std::size_t pool) const;
};

const sim::ModelDoc& cluster_doc();
const sim::ModelDoc& racks_doc();
const sim::ModelDoc& pool_doc();
// Reads `cluster` (racks, node; `network`, the cluster's and each pool's, is read by
// models/network: fabrics_from_params).
ClusterSpec cluster_spec(const sim::ParamReader& r);

struct RackPower {
  double wall_w = 0.0;
  double accelerator_cap_w = 0.0;  // cap in force (the node's own cap when not limited)
  bool limited = false;            // the rack limit lowered the cap
  bool over_limit = false;         // still above the limit at the lowest cap
  std::vector<NodePower> nodes;
};

class Rack {
public:
  Rack(const NodeSpec& node, const Calibration& calibration, const RackSpec& spec);
  // Loads: one per node (missing nodes are idle).
  RackPower evaluate(const std::vector<NodeLoad>& loads, double inlet_c) const;
  int nodes() const { return spec_.nodes; }
  const RackSpec& spec() const { return spec_; }

private:
  RackPower evaluate_at(const std::vector<NodeLoad>& loads, double inlet_c, double cap_w) const;
  RackSpec spec_;
  mutable Node node_;  // one model evaluated for every node (they share spec and calibration)
  double own_cap_w_;
};

}  // namespace joule::models::compute
