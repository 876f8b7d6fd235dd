// Elastic jobs in the World: resizing a running job (SchedulerContext::resize, policy.hpp),
// starting a queued one on another node count, and their estimates. The job runner stalls the
// job and re-times it (job_runner.cpp: resize); here the nodes change hands.
#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/world/world.hpp"

namespace joule::models::world {

namespace {

void check_range(const Job& job, std::size_t nodes, const char* what) {
  const auto& e = job.request.elastic;
  if (nodes < static_cast<std::size_t>(e.min_nodes) ||
      nodes > static_cast<std::size_t>(e.max_nodes))
    throw std::logic_error(std::string(what) + ": job '" + job.request.name + "' runs on " +
                           std::to_string(e.min_nodes) + " to " + std::to_string(e.max_nodes) +
                           " nodes, not " + std::to_string(nodes));
}

}  // namespace

void World::set_elastic_size(Job& job, std::size_t nodes) {
  check_range(job, nodes, "start()");
  job.request.nodes = static_cast<int>(nodes);
  job.request.gpus = job.request.nodes * std::max(1, cluster_.node.accelerators);
}

void World::resize(const scheduling::JobView& view, int count) {
  Job& job = runner_->job(view.id);
  if (!job.request.elastic.enabled())
    throw std::logic_error("resize(): job '" + job.request.name + "' is not elastic");
  if (job.state != JobState::running || job.reconfiguring || job.paused)
    throw std::logic_error("resize(): job '" + job.request.name +
                           "' is not running, or is reconfiguring or paused");
  check_range(job, static_cast<std::size_t>(count), "resize()");
  const auto n = static_cast<std::size_t>(count);
  if (n == job.nodes.size()) return;
  std::vector<std::uint32_t> nodes = job.nodes;
  if (n < nodes.size()) {
    nodes.resize(n);  // keeps the lowest-numbered (job.nodes is sorted)
  } else {
    // A job runs within one node pool: it grows onto free nodes of the pool it runs in.
    const std::uint32_t pool = state_.placement(nodes.front()).pool;
    for (const auto id : state_.free_nodes())
      if (nodes.size() < n && state_.placement(id).pool == pool) nodes.push_back(id);
    if (nodes.size() < n)
      throw std::logic_error("resize(): not enough free nodes in its pool to grow job '" +
                             job.request.name + "'");
    std::sort(nodes.begin(), nodes.end());
  }
  runner_->resize(job, std::move(nodes));
  commit();
}

void World::reassign(const Job& job, const std::vector<std::uint32_t>& added,
                     const std::vector<std::uint32_t>& removed) {
  // Its runs were cut from the nodes it held before (job.nodes lists the new set): those
  // nodes' records written, the runs cut afresh at its next phase.
  std::vector<std::uint32_t> held;
  std::set_difference(job.nodes.begin(), job.nodes.end(), added.begin(), added.end(),
                      std::back_inserter(held));
  const std::size_t kept = held.size();
  held.insert(held.end(), removed.begin(), removed.end());
  std::inplace_merge(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(kept), held.end());
  forget_runs(job.id, held);
  for (const auto id : removed) {
    state_.assign(id, -1);
    set_node_state(id, scheduling::NodeState::on, true);
    set_node_idle(id);
  }
  for (const auto id : added) {
    state_.assign(id, static_cast<std::int32_t>(job.id));
    set_node_state(id, scheduling::NodeState::on, false);
  }
}

scheduling::JobEstimate World::elastic_estimate(const Job& job, double clock,
                                                double added_w) const {
  // Remaining work on the nominal clock at the speedup of the nodes it holds (or would start
  // on), then at the speed this cap allows; a running job's stall first.
  const auto& e = job.request.elastic;
  const double rate = std::max(clock * e.speedup(job.request.nodes), 1e-6);
  if (job.state != JobState::running)
    return {sim::seconds_or_never(job.request.work.seconds() / rate), sim::Watts(added_w)};
  const double stall_s =
      job.reconfiguring ? std::max(0.0, (job.reconfigured_at - sim_.now()).seconds()) : 0.0;
  return {sim::seconds_or_never(stall_s + runner_->nominal_left(job).seconds() / rate),
          sim::Watts(std::max(0.0, added_w))};
}

}  // namespace joule::models::world
