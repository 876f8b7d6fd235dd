#include "models/scheduling/easy.hpp"

#include <algorithm>
#include <map>

namespace joule::models::scheduling {

sim::Time later(sim::Time t, sim::Time d) {
  return t >= sim::Time::max() - d ? sim::Time::max() : t + d;
}

Reservation reserve(const SchedulerContext& ctx, const JobView& head, bool count_sleeping) {
  const sim::Time now = ctx.now();
  std::map<std::uint32_t, sim::Time> busy_until;
  for (const JobView* job : ctx.running()) {
    const sim::Time end = std::max(now, ctx.estimated_end(*job));
    for (const auto id : job->nodes) busy_until[id] = end;
  }
  const sim::Time wake_ready = later(now, ctx.power_management().wake_latency);
  struct Slot {
    sim::Time at;
    bool sleeping;
  };
  std::vector<Slot> slots;
  for (const NodeInfo& n : ctx.nodes()) {
    if (!may_run_on(head, n)) continue;
    if (!n.in_service) {  // a pool still to come: on, idle and free at its `from`; retired: never
      if (n.in_service_from != sim::Time::max())
        slots.push_back({std::max(now, n.in_service_from), false});
      continue;
    }
    if (!n.free) {
      const auto it = busy_until.find(n.id);
      slots.push_back({it == busy_until.end() ? sim::Time::max() : it->second, false});
    } else if (n.state == NodeState::on) {
      slots.push_back({now, false});
    } else if (n.state == NodeState::waking) {
      slots.push_back({std::max(now, n.ready_at), false});
    } else if (count_sleeping) {
      slots.push_back({wake_ready, true});
    }
  }
  // Ties: a node that needs no wake first, so the fewest nodes are woken for the same shadow.
  std::stable_sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) {
    return a.at != b.at ? a.at < b.at : (!a.sleeping && b.sleeping);
  });
  Reservation r;
  r.head = &head;
  const auto need = static_cast<std::size_t>(head.request.nodes);
  if (need == 0 || need > slots.size() || slots[need - 1].at == sim::Time::max()) return r;
  r.shadow = slots[need - 1].at;
  for (std::size_t i = 0; i < need; ++i) r.sleeping_needed += slots[i].sleeping;
  // Nodes usable at the shadow time: those that need no wake, plus the ones woken for the head
  // (a sleeping node nobody wakes is not there at S).
  std::size_t by_shadow = r.sleeping_needed;
  for (const Slot& s : slots) by_shadow += !s.sleeping && s.at <= r.shadow;
  r.extra = by_shadow - need;
  return r;
}

std::optional<Reservation> easy_backfill(SchedulerContext& ctx,
                                         const std::vector<const JobView*>& jobs,
                                         const EasyOptions& options) {
  std::optional<Reservation> reservation;
  std::size_t free = ctx.free_nodes();
  // A job asking for pools fits if one of them has the nodes (counted only for such jobs).
  auto free_in_pools = [&](const JobView& job) {
    return job.request.pools.empty() ? free : free_nodes_for(ctx, job);
  };
  enum class Outcome { started, no_room, wait, never };
  auto try_start = [&](const JobView& job) {
    const auto need = static_cast<std::size_t>(job.request.nodes);
    if (need > free || need > free_in_pools(job)) return Outcome::no_room;
    if (options.admit) {
      const Admission a = options.admit(ctx, job);
      if (a == Admission::wait) return Outcome::wait;
      if (a == Admission::never) return Outcome::never;
    }
    std::vector<std::uint32_t> nodes = options.place(ctx, need, &job);
    if (nodes.size() != need) return Outcome::no_room;
    ctx.start(job, std::move(nodes));
    free -= need;
    return Outcome::started;
  };
  for (const JobView* job : jobs) {
    if (job->state != JobState::queued) continue;
    if (!reservation) {
      const Outcome outcome = try_start(*job);
      if (outcome == Outcome::wait) return std::nullopt;
      if (outcome != Outcome::no_room) continue;
      Reservation r = reserve(ctx, *job, options.count_sleeping);
      if (r.shadow == sim::Time::max()) continue;  // can never run: does not block
      reservation = r;
      continue;
    }
    const auto need = static_cast<std::size_t>(job->request.nodes);
    if (need > free || need > free_in_pools(*job)) continue;
    const sim::Time ends = later(ctx.now(), ctx.estimate(*job, ctx.power_cap(*job)).run_time);
    const bool before_shadow = ends <= reservation->shadow;
    if (!before_shadow && need > reservation->extra) continue;
    if (try_start(*job) == Outcome::started && !before_shadow) reservation->extra -= need;
  }
  return reservation;
}

void Alarm::request(SchedulerContext& ctx, sim::Time when) {
  const sim::Time now = ctx.now();
  pending_.erase(pending_.begin(), pending_.upper_bound(now));
  if (when <= now || when == sim::Time::max() || pending_.count(when)) return;
  pending_.insert(when);
  ctx.wake_at(when);
}

sim::Time Alarm::next(sim::Time now) const {
  const auto it = pending_.upper_bound(now);
  return it == pending_.end() ? sim::Time::max() : *it;
}

}  // namespace joule::models::scheduling
