// Preemptible jobs in the World: moving one to other nodes at a checkpoint
// (SchedulerContext::migrate, policy.hpp), and the rack power limits and idle node power load
// balancing reads. The
// job runner stalls the job for its restart time and re-times it (job_runner.cpp: migrate);
// here the nodes change hands.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "models/scheduling/placement.hpp"
#include "models/world/world.hpp"

namespace joule::models::world {

std::optional<sim::Watts> World::rack_power_limit(std::uint32_t rack) const {
  if (rack >= cluster_.racks.size()) return std::nullopt;
  return cluster_.racks[rack].power_limit;
}

std::optional<sim::Watts> World::idle_power(std::uint32_t node) const {
  if (node >= state_.node_count()) return std::nullopt;
  return sim::Watts(rack_idle_[state_.placement(node).rack].wall_w);
}

void World::migrate(const scheduling::JobView& view, std::vector<std::uint32_t> nodes) {
  Job& job = runner_->job(view.id);
  const std::string name = "migrate(): job '" + job.request.name + "'";
  if (!job.request.preemptible) throw std::logic_error(name + " is not preemptible");
  if (job.state != JobState::running || job.reconfiguring || job.paused)
    throw std::logic_error(name + " is not running, or is reconfiguring or paused");
  if (job.checkpoint_at != sim_.now()) throw std::logic_error(name + " is not at a checkpoint now");
  std::sort(nodes.begin(), nodes.end());
  if (std::adjacent_find(nodes.begin(), nodes.end()) != nodes.end() ||
      nodes.size() != job.nodes.size())
    throw std::logic_error(name + " holds " + std::to_string(job.nodes.size()) +
                           " nodes; it must move to as many distinct ones");
  for (const auto id : nodes)
    if (id >= state_.node_count()) throw std::logic_error(name + ": no node " + std::to_string(id));
  // It stays in the pool it runs in (its model is built for that pool's chips).
  const std::uint32_t pool = state_.placement(job.nodes.front()).pool;
  for (const auto id : nodes) {
    const scheduling::NodeInfo& n = state_.placement(id);
    const bool own = std::binary_search(job.nodes.begin(), job.nodes.end(), id);
    if (!own && !(n.free && n.state == scheduling::NodeState::on && n.in_service))
      throw std::logic_error(name + ": node " + std::to_string(id) + " is not free and on");
    if (n.pool != pool || !scheduling::may_run_on(job, n))
      throw std::logic_error(name + ": it must stay in the pool it runs in");
  }
  if (nodes == job.nodes) return;
  runner_->migrate(job, std::move(nodes));
  commit();
}

}  // namespace joule::models::world
