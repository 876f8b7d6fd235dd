// GPU-granular allocation (rules in node_sharing.hpp).
#include "models/world/node_sharing.hpp"

#include <algorithm>

namespace joule::models::world {

NodeSharing::NodeSharing(std::size_t nodes, int gpus_per_node)
    : gpus_per_node_(gpus_per_node), nodes_(nodes) {}

int NodeSharing::used(std::uint32_t node) const {
  int sum = 0;
  for (const auto& [job, gpus] : nodes_.at(node)) sum += gpus;
  return sum;
}

std::optional<std::uint32_t> NodeSharing::fit(int gpus) const {
  std::optional<std::uint32_t> best;
  int best_free = gpus_per_node_ + 1;
  for (const std::uint32_t id : open_) {  // free nodes are the policy's to hand out
    const int free = gpus_per_node_ - used(id);
    if (free >= gpus && free < best_free) {
      best = id;
      best_free = free;
    }
  }
  return best;
}

bool NodeSharing::add(std::uint32_t node, std::uint32_t job, int gpus) {
  if (gpus <= 0 || used(node) + gpus > gpus_per_node_) return false;
  nodes_.at(node).emplace_back(job, gpus);
  update_open(node);
  return true;
}

void NodeSharing::update_open(std::uint32_t node) {
  const int u = used(node);
  if (u > 0 && u < gpus_per_node_)
    open_.insert(node);
  else
    open_.erase(node);
}

void NodeSharing::remove(std::uint32_t node, std::uint32_t job) {
  std::erase_if(nodes_.at(node), [job](const auto& e) { return e.first == job; });
  update_open(node);
}

double NodeSharing::share(std::uint32_t node, std::uint32_t job) const {
  const int total = used(node);
  for (const auto& [j, gpus] : nodes_.at(node))
    if (j == job && total > 0) return static_cast<double>(gpus) / total;
  return 1.0;
}

}  // namespace joule::models::world
