// GPU-granular allocation: jobs smaller than a node share it.
//
// A job that asks for one node and fewer GPUs than the node has (request.gpus < G, the node's
// accelerators) is a *sub-node* job. Sub-node jobs are placed on a node that already holds
// sub-node jobs when one has room (best fit: the fewest free GPUs that still fit, then the
// lowest id), else on a free node, which then becomes shared. A shared node is busy (not free)
// while any job is on it; its GPUs that no job holds idle without a context. Jobs of whole
// nodes never share. Slurm's select/cons_tres places jobs on GPUs the same way (consumable
// trackable resources; best fit is its default for partially allocated nodes).
//
// Each job on a shared node is charged the node's power in proportion to its GPUs:
//   P_job = Σ_nodes P_node · g_job / Σ_{jobs on the node} g_j
// so the jobs' powers add up to the node's (energy is conserved; the idle GPUs and the host are
// shared out by GPUs held).
//
// This table only keeps which job holds how many GPUs of which node; the World puts the loads
// on the nodes (compute::Node::evaluate_shared).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace joule::models::world {

class NodeSharing {
public:
  NodeSharing(std::size_t nodes, int gpus_per_node);

  int gpus_per_node() const { return gpus_per_node_; }
  // Whether a request of `nodes` nodes and `gpus` GPUs is a sub-node job.
  bool sub_node(int nodes, int gpus) const {
    return nodes == 1 && gpus > 0 && gpus < gpus_per_node_;
  }
  // Whether some shared node has a free GPU.
  bool any_room() const { return !open_.empty(); }
  // A node already shared with room for `gpus` more GPUs (best fit), if any.
  std::optional<std::uint32_t> fit(int gpus) const;
  // Job `job` takes `gpus` GPUs of `node`; returns false if they are not free.
  bool add(std::uint32_t node, std::uint32_t job, int gpus);
  // Job `job` gives its GPUs of `node` back.
  void remove(std::uint32_t node, std::uint32_t job);
  // The jobs on `node` and the GPUs each holds, in the order they came.
  const std::vector<std::pair<std::uint32_t, int>>& jobs(std::uint32_t node) const {
    return nodes_.at(node);
  }
  int used(std::uint32_t node) const;
  // Job `job`'s share of `node`'s power (its GPUs over the GPUs held there; 1 if not there).
  double share(std::uint32_t node, std::uint32_t job) const;

private:
  int gpus_per_node_;
  std::vector<std::vector<std::pair<std::uint32_t, int>>> nodes_;
  std::set<std::uint32_t> open_;  // shared nodes with a free GPU
  void update_open(std::uint32_t node);
};

}  // namespace joule::models::world
