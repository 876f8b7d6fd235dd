// GPU-granular allocation in the World: sub-node jobs share nodes (rules and the power split
// in node_sharing.hpp). A shared node's power is evaluated once for all its jobs
// (compute::Node::evaluate_shared: each job's accelerators in their own state, the node's other
// accelerators idle, one host); each job is charged its GPUs' share of it.
//
// Placement: a sub-node job the policy starts goes to a shared node with room when there is
// one, else to the node the policy gave. After every policy pass, queued sub-node jobs that fit
// on free GPUs of shared nodes start there at once, in queue order: they take no free node,
// but they keep a shared node busy longer, which policies that plan with running jobs' ends
// (EASY's reservation) do not see: a policy takes a shared node to free when the job it lists
// (NodeInfo::job, the oldest there) ends. Flexible jobs are left to the policy (carbon- or
// price-aware deferral). Jobs replaying a published power per accelerator do not share.
//
// Approximations, stated: a shared node runs at the lowest clock of its jobs (a capped job
// slows the others on its node); a rack power limit sees a shared node's jobs merged into one
// load (GPU-weighted mean rates).
#include <algorithm>
#include <stdexcept>

#include "models/world/world.hpp"

namespace joule::models::world {

bool World::shares(const Job& job) const {
  return sharing_ && sharing_->sub_node(job.request.nodes, job.request.gpus) && job.model &&
         !job.model->fixed_power_per_accelerator();
}

std::optional<std::uint32_t> World::shared_node_for(const Job& job) const {
  if (!shares(job)) return std::nullopt;
  return sharing_->fit(job.request.gpus);
}

double World::node_share(const Job& job, std::uint32_t node) const {
  return shares(job) ? sharing_->share(node, job.id) : 1.0;
}

void World::occupy_shared(const Job& job) {
  const std::uint32_t node = job.nodes.front();
  const bool first = sharing_->jobs(node).empty();
  if (!sharing_->add(node, job.id, job.request.gpus))
    throw std::logic_error("occupy(): node " + std::to_string(node) + " has no " +
                           std::to_string(job.request.gpus) + " free GPUs");
  if (first) {
    state_.assign(node, static_cast<std::int32_t>(job.id));
    set_node_state(node, scheduling::NodeState::on, false);
  }
}

void World::release_shared(const Job& job) {
  const std::uint32_t node = job.nodes.front();
  sharing_->remove(node, job.id);
  const auto& rest = sharing_->jobs(node);
  if (rest.empty()) {
    state_.assign(node, -1);
    set_node_state(node, scheduling::NodeState::on, true);
    set_node_idle(node);
    return;
  }
  state_.assign(node, static_cast<std::int32_t>(rest.front().first));
  place_shared(node);
  refresh_others(node, job.id);
}

void World::place_shared(std::uint32_t node) {
  const std::uint32_t rack = state_.placement(node).rack;
  std::vector<compute::Node::Group> groups;
  std::vector<compute::GpuPowerHistogram::Group> bins;
  double cpu = 0.0, nic = 0.0;
  for (const auto& [id, gpus] : sharing_->jobs(node)) {
    const Job& j = runner_->job(id);
    const compute::NodePower own = node_power(j, rack);  // its cap, its rates
    groups.push_back({j.load.busy_accelerators, own.busy});
    bins.push_back({j.load.busy_accelerators, own.busy.power_w});
    cpu += j.load.cpu_util;
    nic += j.load.nic_util;
  }
  const compute::NodePower p =
      node_model_->evaluate_shared(groups, cpu, nic, state_.rack_inlet_c(rack));
  set_node_power(node, p);
  gpu_hist_->set(node, sim_.now(), bins, p.idle.power_w);
  state_.set_node_clock(node, p.busy.throughput_factor());
}

void World::refresh_others(std::uint32_t node, std::uint32_t except) {
  // Copy: refresh() never changes the sharing table, but keep the loop independent of it.
  const auto on_node = sharing_->jobs(node);
  for (const auto& [id, gpus] : on_node)
    if (id != except) runner_->refresh(runner_->job(id));
}

void World::pack_sub_node_jobs() {
  if (!sharing_ || !sharing_->any_room()) return;
  const std::vector<std::uint32_t> queued = runner_->queued();  // start() edits the queue
  for (const auto id : queued) {
    if (!sharing_->any_room()) break;
    Job& job = runner_->job(id);
    if (job.state != JobState::queued || job.request.flexible) continue;
    if (const auto node = shared_node_for(job)) runner_->start(job, {*node});
  }
}

void World::jobs_on(std::uint32_t node, std::vector<std::int32_t>& out) const {
  const std::int32_t j = state_.placement(node).job;
  if (j < 0) return;
  if (sharing_ && !sharing_->jobs(node).empty()) {
    for (const auto& [id, gpus] : sharing_->jobs(node))
      out.push_back(static_cast<std::int32_t>(id));
    return;
  }
  out.push_back(j);
}

compute::NodeLoad World::node_load_of(std::uint32_t node) const {
  const std::int32_t j = state_.placement(node).job;
  if (j < 0) return {};
  if (!sharing_ || sharing_->jobs(node).size() < 2)
    return runner_->job(static_cast<std::uint32_t>(j)).load;
  compute::NodeLoad merged;
  for (const auto& [id, gpus] : sharing_->jobs(node)) {
    const compute::NodeLoad& l = runner_->job(id).load;
    merged.busy_accelerators += l.busy_accelerators;
    for (std::size_t k = 0; k < compute::op_count; ++k)
      merged.per_accelerator.per_s[k] += l.busy_accelerators * l.per_accelerator.per_s[k];
    merged.per_accelerator.core_bound += l.busy_accelerators * l.per_accelerator.core_bound;
    merged.cpu_util += l.cpu_util;
    merged.nic_util += l.nic_util;
  }
  if (merged.busy_accelerators > 0) {
    const double n = merged.busy_accelerators;
    for (auto& r : merged.per_accelerator.per_s) r /= n;
    merged.per_accelerator.core_bound /= n;
  }
  return merged;
}

}  // namespace joule::models::world
