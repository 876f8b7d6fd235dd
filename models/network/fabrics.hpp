// The cluster's network as one or more fabrics, each a Topology over some of the cluster's
// nodes (`cluster.network`, and `network` in an item of `cluster.pools`):
//
//   no pool network      `cluster.network` is one fabric over every node (as before pools);
//   pools with networks  each such pool gets its own fabric over its nodes alone, and
//                        `cluster.network`, when given, one fabric over the nodes of the pools
//                        that have none (it may not be given when every pool has one);
//   no network at all    no fabric: the world's two-tier estimate of hops (2 within a rack, 4
//                        across) and the default NIC for collectives apply.
//
// Accelerator i of the fabric's n-th node is host n·per_node + i of its Topology.
// Switch power = Σ_fabrics Σ_switches (P_chassis + active ports · P_port) (topology.hpp).
// Jobs run within one pool, so a job's collectives and its placement see one fabric. Between
// nodes of different fabrics no path is modelled (separate fabrics joined, if at all, by
// gateways no job uses): hops() gives `across_fabrics_hops`, more than any path inside a
// fabric, so a placement never prefers such a pair.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "models/network/collectives.hpp"
#include "sim/params.hpp"

namespace joule::models::network {

// Defined in topology.hpp, which brings in Boost.Graph: only the files that build or query a
// topology include it, not every file that reaches the cluster's fabrics (the world and what
// includes it: 76 translation units parsed Boost.Graph without using it).
class Topology;

inline constexpr int across_fabrics_hops = 1000;

class Fabrics {
public:
  // Out of line, where Topology is complete (unique_ptr<Topology> needs it to destroy one).
  Fabrics();
  ~Fabrics();
  Fabrics(Fabrics&&) noexcept;
  Fabrics& operator=(Fabrics&&) noexcept;
  // A cluster of `nodes` nodes of `accelerators_per_node` accelerators, no fabric yet.
  Fabrics(int nodes, int accelerators_per_node);

  // A fabric over `nodes` (cluster node ids, each served by no other fabric).
  void add(std::unique_ptr<Topology> topology, std::vector<int> nodes);

  bool empty() const { return fabrics_.empty(); }
  std::size_t size() const { return fabrics_.size(); }
  const Topology& topology(std::size_t fabric) const { return *fabrics_.at(fabric).topology; }
  // Whether a fabric serves `node`.
  bool serves(int node) const;
  // Σ over the fabrics' switches.
  double switch_power_w() const;
  // Hops from node `from`'s first accelerator to each node's first accelerator (by cluster node
  // id): BFS hops inside its fabric, across_fabrics_hops to nodes outside it. `from` is served.
  std::vector<int> hops_from(int from) const;
  // The inter-node link of a ring over the first accelerators of nodes a and b (Topology::
  // ring_link), or none when they are not in one fabric.
  std::optional<CollectiveLink> node_link(int a, int b) const;

private:
  struct Fabric {
    std::unique_ptr<Topology> topology;
    std::vector<int> nodes;
  };
  int per_node_ = 1;
  std::vector<int> fabric_of_;  // by node: index into fabrics_, -1 when none serves it
  std::vector<int> local_;      // by node: its position in its fabric's nodes
  std::vector<Fabric> fabrics_;
};

// A pool's `network` (null when the pool has none) and its nodes (cluster node ids).
struct PoolNetwork {
  const sim::ParamNode* network = nullptr;
  std::vector<int> nodes;
};

// Reads `cluster.network` (null when absent) and each pool's `network` into fabrics as above;
// errors (file:line:column) where a fabric has fewer hosts than its nodes' accelerators, or
// where `cluster.network` serves no node.
Fabrics fabrics_from_params(const sim::ParamNode* cluster_network,
                            const std::vector<PoolNetwork>& pools, int node_count,
                            int accelerators_per_node);

}  // namespace joule::models::network
