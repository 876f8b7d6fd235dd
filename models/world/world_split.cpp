// The World's side of the four-way split (energy_split.hpp): each node's power in parts, owned
// by the job on it, or by the jobs sharing it in proportion to their GPUs (node_sharing.hpp).
#include "models/world/world.hpp"

namespace joule::models::world {

void World::record_split(std::uint32_t node, const compute::NodePower& p) {
  split_owners_.clear();
  double io_w = 0.0;  // the accelerators' link I/O at the nominal clock
  const auto add = [&](std::uint32_t id, double share) {
    const Job& job = runner_->job(id);
    split_owners_.emplace_back(id, share);
    io_w +=
        job.load.busy_accelerators *
        EnergySplit::link_io_w(pool_model(job.model_pool).accelerator(), job.load.per_accelerator);
  };
  const std::int32_t j = state_.node(node).job;
  if (j >= 0 && sharing_ && !sharing_->jobs(node).empty()) {
    for (const auto& [id, gpus] : sharing_->jobs(node)) add(id, sharing_->share(node, id));
  } else if (j >= 0) {
    add(static_cast<std::uint32_t>(j), 1.0);
  }
  split_->set_node(node, split_owners_, EnergySplit::node_parts(p, io_w * p.busy.speed));
}

}  // namespace joule::models::world
