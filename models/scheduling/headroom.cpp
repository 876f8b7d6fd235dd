#include "models/scheduling/headroom.hpp"

#include <algorithm>
#include <optional>

namespace joule::models::scheduling {

std::vector<RackHeadroom> HeadroomPlacer::racks(const SchedulerContext& ctx, const JobView& job,
                                                std::size_t count,
                                                std::span<const std::uint32_t> own,
                                                bool sleeping) const {
  const auto nodes = ctx.nodes();
  std::uint32_t rack_count = 0;
  for (const NodeInfo& n : nodes) rack_count = std::max(rack_count, n.rack + 1);
  std::vector<RackHeadroom> out(rack_count);
  std::vector<int> members(rack_count, 0);
  for (const NodeInfo& n : nodes) {
    RackHeadroom& r = out[n.rack];
    r.inlet_c += n.inlet_c;
    r.rise_k += n.inlet_rise_k;
    r.power_w += n.power_w;
    r.busy += n.free ? 0 : 1;
    ++members[n.rack];
  }
  for (std::uint32_t id = 0; id < rack_count; ++id) {
    RackHeadroom& r = out[id];
    if (members[id] > 0) {
      r.inlet_c /= members[id];
      r.rise_k /= members[id];
    }
    if (const auto limit = ctx.rack_power_limit(id)) r.limit_w = limit->value();
  }
  if (own.empty() && sleeping) {
    auto usable = [&](const NodeInfo& n) {
      return n.free && n.in_service && may_run_on(job, n) &&
             (n.state == NodeState::on || n.state == NodeState::sleeping);
    };
    std::vector<std::size_t> per_pool;
    for (const NodeInfo& n : nodes) {
      if (!usable(n)) continue;
      if (per_pool.size() <= n.pool) per_pool.resize(n.pool + 1, 0);
      ++per_pool[n.pool];
    }
    std::optional<std::uint32_t> pool;  // the first it may use with room (any without pools)
    if (job.request.pools.empty())
      pool = std::nullopt;
    else
      for (const auto p : job.request.pools)
        if (p < per_pool.size() && per_pool[p] >= count) {
          pool = p;
          break;
        }
    if (!job.request.pools.empty() && !pool) return out;
    for (const NodeInfo& n : nodes) {
      if (!usable(n) || (pool && n.pool != *pool)) continue;
      out[n.rack].free.push_back(n.id);
      const auto idle = ctx.idle_power(n.id);
      out[n.rack].wake_w.push_back(
          n.state == NodeState::sleeping && idle ? std::max(0.0, idle->value() - n.power_w) : 0.0);
    }
    return out;
  }
  if (own.empty()) {
    for (const auto id : startable_nodes(ctx, &job, count)) out[nodes[id].rack].free.push_back(id);
    return out;
  }
  // A move: the job leaves its nodes, which then draw their idle power (the job's own power
  // goes as it is, capped or not), and its racks' inlets fall by the rise per node; it may
  // take them again or free, on nodes of its pool.
  const std::uint32_t pool = nodes[own.front()].pool;
  for (const auto id : own) {
    RackHeadroom& r = out[nodes[id].rack];
    r.inlet_c -= r.rise_k;
    if (const auto idle = ctx.idle_power(id)) r.power_w -= nodes[id].power_w - idle->value();
    r.busy -= 1;
  }
  for (const NodeInfo& n : nodes) {
    const bool mine = std::find(own.begin(), own.end(), n.id) != own.end();
    if (mine || (n.free && n.state == NodeState::on && n.in_service && n.pool == pool &&
                 may_run_on(job, n)))
      out[n.rack].free.push_back(n.id);
  }
  return out;
}

double HeadroomPlacer::added_per_node_w(const SchedulerContext& ctx, const JobView& job) {
  const JobEstimate e = ctx.estimate(job, ctx.power_cap(job));
  return e.added_power.value() / std::max(1, job.request.nodes);
}

std::vector<std::uint32_t> HeadroomPlacer::take(std::vector<RackHeadroom>& racks, std::size_t count,
                                                double added_w) const {
  std::size_t free = 0;
  for (const RackHeadroom& r : racks) free += r.free.size();
  if (free < count) return {};
  std::vector<std::size_t> next(racks.size(), 0);  // per rack, its next free node
  // What taking rack i's next node adds to its power beyond `added_w` (waking it).
  auto wake_w = [&](std::size_t i) {
    const RackHeadroom& r = racks[i];
    return next[i] < r.wake_w.size() ? r.wake_w[next[i]] : 0.0;
  };
  auto fits = [&](std::size_t i) {
    const RackHeadroom& r = racks[i];
    return r.inlet_c + r.rise_k <= max_inlet_c_ && r.power_w + added_w + wake_w(i) <= r.limit_w;
  };
  // Spread order: true when rack a should take the next node before rack b.
  auto cooler = [&](std::size_t a, std::size_t b) {
    const RackHeadroom &ra = racks[a], &rb = racks[b];
    const double ta = ra.inlet_c + ra.rise_k, tb = rb.inlet_c + rb.rise_k;
    if (ta != tb) return ta < tb;
    const double ha = ra.limit_w - ra.power_w, hb = rb.limit_w - rb.power_w;
    if (ha != hb) return ha > hb;
    if (ra.power_w != rb.power_w) return ra.power_w < rb.power_w;
    if (ra.busy != rb.busy) return ra.busy < rb.busy;
    return a < b;
  };
  std::vector<std::uint32_t> out;
  out.reserve(count);
  while (out.size() < count) {
    std::size_t best = racks.size();
    bool best_fits = false;
    for (std::size_t i = 0; i < racks.size(); ++i) {
      if (next[i] >= racks[i].free.size()) continue;
      const bool f = fits(i);
      if (best == racks.size() || f != best_fits) {
        if (best == racks.size() || f) best = i, best_fits = f;
        continue;
      }
      const bool better = mode_ == Balance::pack && f && racks[i].busy != racks[best].busy
                              ? racks[i].busy > racks[best].busy
                              : cooler(i, best);
      if (better) best = i;
    }
    RackHeadroom& r = racks[best];
    r.power_w += added_w + wake_w(best);
    out.push_back(r.free[next[best]++]);
    r.inlet_c += r.rise_k;
    r.busy += 1;
  }
  std::sort(out.begin(), out.end());
  return out;
}

Placement HeadroomPlacer::placement() const {
  return [self = *this](const SchedulerContext& ctx, std::size_t count, const JobView* job) {
    if (!job) return lowest_ids(ctx, count);  // no job to weigh: as start() would
    std::vector<RackHeadroom> r = self.racks(ctx, *job, count);
    return self.take(r, count, added_per_node_w(ctx, *job));
  };
}

HeadroomPlacer::Outcome HeadroomPlacer::outcome(const SchedulerContext& ctx,
                                                std::span<const RackHeadroom> racks,
                                                std::span<const std::uint32_t> nodes,
                                                double added_w) const {
  std::vector<int> k(racks.size(), 0);
  for (const auto id : nodes) ++k[ctx.nodes()[id].rack];
  Outcome o;
  for (std::size_t i = 0; i < racks.size(); ++i) {
    const RackHeadroom& r = racks[i];
    if (r.busy + k[i] > 0) ++o.busy_racks;
    if (k[i] == 0) continue;
    o.hottest_c = std::max(o.hottest_c, r.inlet_c + k[i] * r.rise_k);
    o.excess_w += std::max(0.0, r.power_w + k[i] * added_w - r.limit_w);
  }
  return o;
}

}  // namespace joule::models::scheduling
