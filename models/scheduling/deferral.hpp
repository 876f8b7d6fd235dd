// Temporal shifting of flexible jobs: the planner carbon-aware and price-aware share.
//
// A queued job with request.flexible and a finite request.deadline is planned once, when the
// policy first sees it: with r = estimate(job, cap).run_time and a forecast signal x(t) (grid
// carbon intensity, energy price, ...), its start is
//     s* = argmin over s in [now, max(now, deadline − r)] of  (1/r)·∫_s^{s+r} x(t) dt,
// the earliest s among equal minima. The signal is held constant over each `slot` (from
// t = 0), so the mean is piecewise linear in s with breakpoints where s or s + r crosses a slot
// boundary; the minimum lies at one of those, or at an end of the interval, and only those
// candidates are evaluated (exact for a slot-wise constant series). Until s* the job is
// invisible to the scheduler; from s* on it queues in its arrival place like any job.
// Everything else (non-flexible jobs, flexible ones without a deadline) is scheduled by EASY
// backfilling (easy.hpp). A deferred job is not guaranteed its nodes at s*: on a full cluster
// it waits, and may miss its deadline (the job table shows it).
// Temporal shifting of this kind is the scheme of Wiesner et al., "Let's wait awhile: how
// temporal workload shifting can reduce carbon emissions in the cloud", Middleware 2021.
#pragma once

#include <functional>
#include <unordered_map>

#include "models/scheduling/easy.hpp"

namespace joule::models::scheduling {

class Deferral {
public:
  // The signal to minimise at time t (any unit: only its mean over a window is compared).
  using Signal = std::function<double(const SchedulerContext&, sim::Time)>;

  // `slot`: the signal's constant steps (> 0).
  Deferral(sim::Time slot, Signal signal) : slot_(slot), signal_(std::move(signal)) {}

  // One scheduling pass: plans newly seen flexible jobs, hides those whose start has not
  // come (asking for a call then), and runs EASY backfilling over the rest.
  void schedule(SchedulerContext& ctx);

  // The planned start of `job` if it were planned now (s* above).
  sim::Time best_start(const SchedulerContext& ctx, const JobView& job) const;
  // Mean of the signal over [s, s + r], integrated slot by slot.
  double mean_signal(const SchedulerContext& ctx, sim::Time s, sim::Time r) const;

private:
  sim::Time slot_;
  Signal signal_;
  std::unordered_map<std::uint32_t, sim::Time> planned_;
  Alarm alarm_;
};

}  // namespace joule::models::scheduling
