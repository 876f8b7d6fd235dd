// Racks and the cluster: racks group nodes and carry a rack power limit.
//
//   cluster:
//     racks: {count: 128, nodes_per_rack: 4, power_limit: "40 kW",
//             overrides: [{rack: 3, power_limit: "30 kW"}]}
//     node: {type: dgx-h100, gpu_power_cap: "600 W"}
//     network: {type: fat-tree, radix: 64}      # read by models/network (topology.hpp)
//     storage: {servers: 4}                     # storage_system.hpp
//
// Rack power limit: when the rack's nodes would draw more than the limit at the wall, a uniform
// accelerator power cap is lowered (bisection on the cap, to 1e-6 W) until the rack fits — the
// way rack-level power managers distribute a budget to GPU caps. Non-accelerator power is not
// controllable, so a limit below the rack's floor leaves it above the limit (`limited` and
// `over_limit` say so).
#pragma once

#include <cstdint>
#include <optional>
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

struct ClusterSpec {
  NodeSpec node;
  std::vector<RackSpec> racks;
  StorageSpec storage;                      // `cluster.storage` (servers = 0 when absent)
  int node_count() const;
  int accelerator_count() const { return node_count() * node.accelerators; }
};

const sim::ModelDoc& cluster_doc();
const sim::ModelDoc& racks_doc();
// Reads `cluster` (racks, node; `network` is read by models/network: topology_from_params).
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
