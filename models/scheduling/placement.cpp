#include "models/scheduling/placement.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace joule::models::scheduling {

bool may_run_on(const JobView& job, const NodeInfo& node) {
  const auto& pools = job.request.pools;
  return pools.empty() || std::find(pools.begin(), pools.end(), node.pool) != pools.end();
}

namespace {
// Free, on nodes per pool id.
std::map<std::uint32_t, std::size_t> free_per_pool(const SchedulerContext& ctx) {
  std::map<std::uint32_t, std::size_t> out;
  for (const NodeInfo& n : ctx.nodes())
    if (n.free && n.state == NodeState::on) ++out[n.pool];
  return out;
}
}  // namespace

std::size_t free_nodes_for(const SchedulerContext& ctx, const JobView& job) {
  if (job.request.pools.empty()) return ctx.free_nodes();
  const auto free = free_per_pool(ctx);
  std::size_t most = 0;
  for (const auto p : job.request.pools)
    if (const auto it = free.find(p); it != free.end()) most = std::max(most, it->second);
  return most;
}

std::vector<std::uint32_t> startable_nodes(const SchedulerContext& ctx, const JobView* job,
                                           std::size_t count) {
  std::vector<std::uint32_t> out;
  if (!job || job->request.pools.empty()) {
    for (const NodeInfo& n : ctx.nodes())
      if (n.free && n.state == NodeState::on) out.push_back(n.id);
    return out;
  }
  const auto free = free_per_pool(ctx);
  for (const auto p : job->request.pools) {
    const auto it = free.find(p);
    if (it == free.end() || it->second < std::max<std::size_t>(count, 1)) continue;
    for (const NodeInfo& n : ctx.nodes())
      if (n.pool == p && n.free && n.state == NodeState::on) out.push_back(n.id);
    return out;
  }
  return out;
}

std::vector<std::uint32_t> lowest_ids(const SchedulerContext& ctx, std::size_t count,
                                      const JobView* job) {
  std::vector<std::uint32_t> free = startable_nodes(ctx, job, count);
  if (free.size() < count) return {};
  free.resize(count);
  return free;
}

std::vector<std::uint32_t> coolest_racks(const SchedulerContext& ctx, std::size_t count,
                                         const JobView* job) {
  std::vector<std::uint32_t> free = startable_nodes(ctx, job, count);
  if (free.size() < count) return {};
  // Expected inlet of every rack once one more node works there: its mean inlet now (all its
  // nodes, busy or not: the rack's air, not the free part) plus the steady rise one node at
  // nameplate power adds through recirculation. With equal inlets (a cold start) the rack that
  // recirculates least wins, not the lowest id.
  std::map<std::uint32_t, std::pair<double, int>> sums;
  for (const NodeInfo& n : ctx.nodes()) {
    auto& [sum_c, k] = sums[n.rack];
    sum_c += n.inlet_c + n.inlet_rise_k;
    ++k;
  }
  const auto nodes = ctx.nodes();
  auto rack_inlet_c = [&](std::uint32_t id) {
    const auto& [sum_c, k] = sums[nodes[id].rack];
    return sum_c / k;
  };
  std::stable_sort(free.begin(), free.end(), [&](std::uint32_t a, std::uint32_t b) {
    const double ra = rack_inlet_c(a), rb = rack_inlet_c(b);
    if (ra != rb) return ra < rb;
    if (nodes[a].rack != nodes[b].rack) return nodes[a].rack < nodes[b].rack;
    return nodes[a].inlet_c < nodes[b].inlet_c;
  });
  free.resize(count);
  std::sort(free.begin(), free.end());
  return free;
}

std::vector<std::uint32_t> fewest_racks(const SchedulerContext& ctx, std::size_t count,
                                        const JobView* job) {
  const std::vector<std::uint32_t> free = startable_nodes(ctx, job, count);
  if (free.size() < count) return {};
  std::map<std::uint32_t, std::vector<std::uint32_t>> by_rack;  // rack → free nodes, id order
  const auto nodes = ctx.nodes();
  for (const auto id : free) by_rack[nodes[id].rack].push_back(id);
  std::vector<std::uint32_t> out;
  std::size_t left = count;
  while (left > 0) {
    auto best = by_rack.end();
    for (auto it = by_rack.begin(); it != by_rack.end(); ++it) {  // best fit for what is left
      if (it->second.size() < left) continue;
      if (best == by_rack.end() || it->second.size() < best->second.size()) best = it;
    }
    if (best == by_rack.end())  // none holds it all: the fullest rack
      for (auto it = by_rack.begin(); it != by_rack.end(); ++it)
        if (best == by_rack.end() || it->second.size() > best->second.size()) best = it;
    const std::size_t take = std::min(left, best->second.size());
    out.insert(out.end(), best->second.begin(), best->second.begin() + static_cast<long>(take));
    left -= take;
    by_rack.erase(best);
  }
  std::sort(out.begin(), out.end());
  return out;
}

long pairwise_hops(const SchedulerContext& ctx, std::span<const std::uint32_t> nodes) {
  long sum = 0;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (std::size_t j = i + 1; j < nodes.size(); ++j) sum += ctx.hops(nodes[i], nodes[j]);
  return sum;
}

std::vector<std::uint32_t> fewest_hops(const SchedulerContext& ctx, std::size_t count,
                                       const JobView* job) {
  const std::vector<std::uint32_t> free = startable_nodes(ctx, job, count);
  if (free.size() < count) return {};
  if (count == 0) return {};
  const auto nodes = ctx.nodes();
  std::vector<std::uint32_t> best;
  long best_cost = std::numeric_limits<long>::max();
  std::uint32_t last_rack = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::pair<int, std::uint32_t>> by_distance(free.size());
  for (const auto seed : free) {
    if (nodes[seed].rack == last_rack) continue;  // one seed per rack: its first free node
    last_rack = nodes[seed].rack;
    for (std::size_t i = 0; i < free.size(); ++i)
      by_distance[i] = {ctx.hops(seed, free[i]), free[i]};
    std::partial_sort(by_distance.begin(), by_distance.begin() + static_cast<long>(count),
                      by_distance.end());
    std::vector<std::uint32_t> set;
    for (std::size_t i = 0; i < count; ++i) set.push_back(by_distance[i].second);
    std::sort(set.begin(), set.end());
    const long cost = pairwise_hops(ctx, set);
    if (cost < best_cost || (cost == best_cost && set < best)) {
      best_cost = cost;
      best = std::move(set);
    }
  }
  return best;
}

}  // namespace joule::models::scheduling
