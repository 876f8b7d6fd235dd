// Node pools in the World: each pool's node model, absent and retired pools (pools.hpp).
#include <algorithm>
#include <stdexcept>

#include "models/compute/accelerator_catalog.hpp"
#include "models/world/pools.hpp"
#include "models/world/world.hpp"

namespace joule::models::world {

std::vector<std::uint32_t> job_pools(const compute::ClusterSpec& cluster,
                                     const workload::JobRequest& job) {
  std::vector<std::uint32_t> out;
  if (!cluster.pooled) return out;  // one node type: any node
  for (std::uint32_t p = 0; p < cluster.pools.size(); ++p) {
    const compute::PoolSpec& pool = cluster.pools[p];
    if (!job.pool.empty() && pool.name != job.pool) continue;
    if (!job.chip.empty() && pool.node.accelerator->id != job.chip) continue;
    out.push_back(p);
  }
  // The preferred pool first, the others in their listed order.
  const auto preferred = std::find_if(
      out.begin(), out.end(), [&](std::uint32_t p) { return cluster.pools[p].name == job.prefer; });
  if (preferred != out.end()) std::rotate(out.begin(), preferred, preferred + 1);
  return out;
}

void World::build_pool_models(std::vector<compute::Calibration> calibrations) {
  pool_calibrations_.resize(cluster_.pools.size());
  pool_models_.resize(cluster_.pools.size());
  for (std::size_t p = 1; p < cluster_.pools.size(); ++p) {
    const compute::NodeSpec& node = cluster_.pools[p].node;
    pool_calibrations_[p] = p < calibrations.size()
                                ? std::move(calibrations[p])
                                : compute::default_calibration(*node.accelerator);
    pool_models_[p] = std::make_unique<compute::Node>(node, pool_calibrations_[p]);
  }
}

void World::set_present(std::uint32_t node, bool present) {
  if (absent_[node] == !present) return;
  (void)present_accelerator_s();  // brought up to now at the old count
  absent_[node] = !present;
  const double accelerators = cluster_.pools[state_.placement(node).pool].node.accelerators;
  present_accelerators_ += present ? accelerators : -accelerators;
}

double World::present_accelerator_s() const {
  present_accelerator_s_ += present_accelerators_ * (sim_.now() - present_since_).seconds();
  present_since_ = sim_.now();
  return present_accelerator_s_;
}

void World::set_node_absent(std::uint32_t node) {
  set_present(node, false);
  state_.set_in_service(node, false);
  set_node_state(node, scheduling::NodeState::sleeping, false);
  set_node_power(node, compute::NodePower{});
}

void World::start_pools() {
  absent_.assign(state_.node_count(), 0);
  present_accelerators_ = 0;
  for (std::uint32_t id = 0; id < state_.node_count(); ++id)
    present_accelerators_ += cluster_.pools[state_.placement(id).pool].node.accelerators;
  present_since_ = sim_.now();
  pool_handler_ =
      sim_.bind([this](std::uint64_t p) { on_pool_event(static_cast<std::uint32_t>(p)); });
  for (std::uint32_t p = 0; p < cluster_.pools.size(); ++p) {
    const compute::PoolSpec& pool = cluster_.pools[p];
    if (pool.from > sim::Time::zero()) {
      for (std::size_t r = pool.first_rack; r < pool.first_rack + pool.rack_count; ++r)
        for (std::uint32_t id = state_.rack_begin(r); id < state_.rack_end(r); ++id) {
          set_node_absent(id);
          // EASY's reservation counts the nodes from then on (easy.hpp).
          if (pool.from <= duration_) state_.set_in_service(id, false, pool.from);
        }
      if (pool.from <= duration_) sim_.at(pool.from, pool_handler_, p, -1);
    }
    if (pool.until != sim::Time::max() && pool.until <= duration_)
      sim_.at(pool.until, pool_handler_, p, -1);
  }
}

void World::on_pool_event(std::uint32_t p) {
  const compute::PoolSpec& pool = cluster_.pools[p];
  const bool coming = sim_.now() == pool.from;
  for (std::size_t r = pool.first_rack; r < pool.first_rack + pool.rack_count; ++r)
    for (std::uint32_t id = state_.rack_begin(r); id < state_.rack_end(r); ++id) {
      if (coming) {  // on, idle and free
        set_present(id, true);
        state_.set_in_service(id, true);
        set_node_state(id, scheduling::NodeState::on, true);
        set_node_idle(id);
        continue;
      }
      state_.set_in_service(id, false);  // retired: no new jobs; off now if free
      const scheduling::NodeInfo& n = state_.placement(id);
      if (n.job < 0 && n.state != scheduling::NodeState::waking) set_node_absent(id);
    }
  run_policy();
  commit();
}

std::vector<std::uint32_t> World::pool_nodes_for(const Job& job) const {
  const auto need = static_cast<std::size_t>(job.request.nodes);
  for (const std::uint32_t p : job.request.pools) {
    std::vector<std::uint32_t> out;
    for (const auto id : state_.free_nodes())
      if (state_.placement(id).pool == p && state_.placement(id).in_service) out.push_back(id);
    if (out.size() >= need) {
      out.resize(need);
      return out;
    }
  }
  return {};
}

}  // namespace joule::models::world
