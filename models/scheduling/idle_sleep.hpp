// Idle-node sleep for policies that power nodes down (energy-packing, load-balance with
// `sleep`): a free, on node idle for at least a threshold sleeps, except the `keep` free nodes
// in the busiest racks; the sleeping nodes a waiting head needs are woken, from the racks with
// the most nodes awake first. The sleep/wake energy rule is policy.hpp's.
#pragma once

#include "models/scheduling/easy.hpp"

namespace joule::models::scheduling {

class IdleSleep {
public:
  explicit IdleSleep(sim::Time idle_threshold) : idle_threshold_(idle_threshold) {}

  // Wakes `count` sleeping nodes, from the racks with the most nodes awake first.
  void wake(SchedulerContext& ctx, std::size_t count);
  // Powers down free, on nodes idle for at least the threshold, keeping `keep` free nodes on
  // (those in the busiest racks), and asks to be called when the next one crosses it.
  void power_down_idle(SchedulerContext& ctx, std::size_t keep);

private:
  sim::Time idle_threshold_;
  Alarm alarm_;
};

}  // namespace joule::models::scheduling
