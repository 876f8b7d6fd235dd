// Carbon-aware deferral: flexible jobs wait for the lowest-carbon window before their deadline.
//
// A queued job with request.flexible and a finite request.deadline is planned once, when the
// policy first sees it: with r = estimate(job, cap).run_time and the forecast intensity c(t),
// its start is
//     s* = argmin over s in [now, max(now, deadline − r)] of  (1/r)·∫_s^{s+r} c(t) dt,
// the earliest s among equal minima. The grid series is held constant over each hour (`slot`,
// default 1 h, from t = 0), so the mean is piecewise linear in s with breakpoints where s or
// s + r crosses a slot boundary; the minimum lies at one of those, or at an end of the
// interval, and only those candidates are evaluated (exact for a slot-wise constant series).
// Until s* the job is invisible to the scheduler; from s* on it queues in its arrival place
// like any job. Everything else (non-flexible jobs, flexible ones without a deadline) is
// scheduled by EASY backfilling (easy.hpp). A deferred job is not guaranteed its nodes at s*:
// on a full cluster it waits, and may miss its deadline (the job table shows it).
// Temporal shifting of this kind is the scheme of Wiesner et al., "Let's wait awhile: how
// temporal workload shifting can reduce carbon emissions in the cloud", Middleware 2021.
//
//   key   default  meaning
//   slot  1 h      length of the forecast's constant steps (the carbon series' resolution)
#include <algorithm>
#include <unordered_map>

#include "models/scheduling/easy.hpp"

namespace joule::models::scheduling {

namespace {

class CarbonAware final : public Policy {
public:
  // `slot`: the forecast's constant steps (> 0).
  explicit CarbonAware(sim::Time slot) : slot_(slot) {}

  void schedule(SchedulerContext& ctx) override {
    const sim::Time now = ctx.now();
    std::vector<const JobView*> eligible;
    for (const JobView* job : ctx.queue()) {
      if (job->request.flexible && job->request.deadline != sim::Time::max()) {
        auto [it, fresh] = planned_.try_emplace(job->id, now);
        if (fresh) it->second = best_start(ctx, *job);
        if (it->second > now) {
          alarm_.request(ctx, it->second);
          continue;
        }
      }
      eligible.push_back(job);
    }
    easy_backfill(ctx, eligible);
    for (const JobView* job : eligible)
      if (job->state != JobState::queued) planned_.erase(job->id);
  }

private:
  // Mean intensity over [s, s + r], integrating slot by slot (kg/J).
  double mean_intensity(const SchedulerContext& ctx, sim::Time s, sim::Time r) const {
    if (r <= sim::Time::zero()) return ctx.carbon_intensity(s).value();
    double integral = 0.0;
    const sim::Time end = s + r;
    for (sim::Time t = s; t < end;) {
      const sim::Time boundary = slot_ * (t / slot_ + 1);  // next slot start (t ≥ 0)
      const sim::Time piece_end = std::min(boundary, end);
      integral += ctx.carbon_intensity(t).value() * (piece_end - t).seconds();
      t = piece_end;
    }
    return integral / r.seconds();
  }

  sim::Time best_start(const SchedulerContext& ctx, const JobView& job) const {
    const sim::Time now = ctx.now();
    const sim::Time run = ctx.estimate(job, ctx.power_cap(job)).run_time;
    const sim::Time deadline = job.request.deadline;
    if (deadline - now <= run) return now;  // no slack: run at once
    const sim::Time latest = deadline - run;
    std::vector<sim::Time> candidates{now, latest};
    // Starts on a slot boundary, and starts whose end falls on one.
    for (sim::Time b = slot_ * (now / slot_ + 1); b <= latest; b += slot_) candidates.push_back(b);
    for (sim::Time b = slot_ * ((now + run) / slot_ + 1); b - run <= latest; b += slot_)
      candidates.push_back(b - run);
    std::sort(candidates.begin(), candidates.end());
    sim::Time best = now;
    double best_mean = mean_intensity(ctx, now, run);
    for (const sim::Time s : candidates) {
      const double m = mean_intensity(ctx, s, run);
      if (m < best_mean) {
        best_mean = m;
        best = s;
      }
    }
    return best;
  }

  sim::Time slot_;
  std::unordered_map<std::uint32_t, sim::Time> planned_;
  Alarm alarm_;
};

const bool registered = PolicyRegistry::add(
    policy_doc("carbon-aware",
               "Flexible jobs with a deadline wait for the lowest-carbon window before it; the "
               "rest run under EASY backfilling",
               {{"slot", "s", "1 h", "length of the carbon forecast's constant steps"}}),
    [](const sim::ParamReader& r) {
      return std::make_unique<CarbonAware>(r.duration("slot", sim::Range::positive()));
    });

}  // namespace

}  // namespace joule::models::scheduling
