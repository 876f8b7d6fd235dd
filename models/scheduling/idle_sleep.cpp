#include "models/scheduling/idle_sleep.hpp"

#include <algorithm>
#include <map>

namespace joule::models::scheduling {

namespace {

// Per rack, how many nodes run a job (`awake` false) or are not asleep (`awake` true).
std::map<std::uint32_t, int> count_per_rack(const SchedulerContext& ctx, bool awake) {
  std::map<std::uint32_t, int> count;
  for (const NodeInfo& n : ctx.nodes())
    count[n.rack] += awake ? n.state != NodeState::sleeping : !n.free;
  return count;
}

}  // namespace

void IdleSleep::wake(SchedulerContext& ctx, std::size_t count) {
  const auto awake = count_per_rack(ctx, true);
  std::vector<const NodeInfo*> sleeping;
  for (const NodeInfo& n : ctx.nodes())
    if (n.free && n.state == NodeState::sleeping) sleeping.push_back(&n);
  std::stable_sort(sleeping.begin(), sleeping.end(), [&](const NodeInfo* a, const NodeInfo* b) {
    return awake.at(a->rack) > awake.at(b->rack);
  });
  for (std::size_t i = 0; i < count && i < sleeping.size(); ++i) ctx.power_up(sleeping[i]->id);
}

void IdleSleep::power_down_idle(SchedulerContext& ctx, std::size_t keep) {
  const sim::Time now = ctx.now();
  const auto busy = count_per_rack(ctx, false);
  std::vector<const NodeInfo*> idle;  // free and on
  for (const NodeInfo& n : ctx.nodes())
    if (n.free && n.state == NodeState::on) idle.push_back(&n);
  // Keep the nodes in the busiest racks, most recently idle first; sleep the rest in order.
  std::stable_sort(idle.begin(), idle.end(), [&](const NodeInfo* a, const NodeInfo* b) {
    if (busy.at(a->rack) != busy.at(b->rack)) return busy.at(a->rack) > busy.at(b->rack);
    return a->since > b->since;
  });
  sim::Time next = sim::Time::max();
  for (std::size_t i = keep; i < idle.size(); ++i) {
    const sim::Time due = later(idle[i]->since, idle_threshold_);
    if (due <= now)
      ctx.power_down(idle[i]->id);
    else
      next = std::min(next, due);
  }
  alarm_.request(ctx, next);
}

}  // namespace joule::models::scheduling
