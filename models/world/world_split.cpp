// The World's side of the four-way split (energy_split.hpp): each node's power in parts, owned
// by the job on it, or by the jobs sharing it in proportion to their GPUs (node_sharing.hpp).
#include "models/world/world.hpp"

namespace joule::models::world {

namespace {
// The link I/O of a job's busy accelerators on one node at the nominal clock.
double job_link_io_w(const Job& job, const compute::Accelerator& accelerator) {
  return job.load.busy_accelerators * EnergySplit::link_io_w(accelerator, job.load.per_accelerator);
}
}  // namespace

EnergySplit::Parts World::job_parts(const Job& job, const compute::NodePower& p) const {
  const double io_w = 0.0 + job_link_io_w(job, pool_model(job.model_pool).accelerator());
  return EnergySplit::node_parts(p, io_w * p.busy.speed);
}

void World::record_split(std::uint32_t node, const compute::NodePower& p,
                         const EnergySplit::Parts* parts) {
  split_owners_.clear();
  const std::int32_t j = state_.placement(node).job;
  if (j >= 0 && sharing_ && !sharing_->jobs(node).empty()) {
    double io_w = 0.0;  // the accelerators' link I/O at the nominal clock
    for (const auto& [id, gpus] : sharing_->jobs(node)) {
      const Job& job = runner_->job(id);
      split_owners_.emplace_back(id, sharing_->share(node, id));
      io_w += job_link_io_w(job, pool_model(job.model_pool).accelerator());
    }
    split_->set_node(node, split_owners_, EnergySplit::node_parts(p, io_w * p.busy.speed));
    return;
  }
  if (j < 0) {
    split_->set_node(node, split_owners_, EnergySplit::node_parts(p, 0.0 * p.busy.speed));
    return;
  }
  const Job& job = runner_->job(static_cast<std::uint32_t>(j));
  split_owners_.emplace_back(job.id, 1.0);
  split_->set_node(node, split_owners_, parts ? *parts : job_parts(job, p));
}

}  // namespace joule::models::world
