#include "models/scheduling/deferral.hpp"

#include <algorithm>
#include <vector>

namespace joule::models::scheduling {

void Deferral::schedule(SchedulerContext& ctx) {
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

double Deferral::mean_signal(const SchedulerContext& ctx, sim::Time s, sim::Time r) const {
  if (r <= sim::Time::zero()) return signal_(ctx, s);
  double integral = 0.0;
  const sim::Time end = s + r;
  for (sim::Time t = s; t < end;) {
    const sim::Time boundary = slot_ * (t / slot_ + 1);  // next slot start (t ≥ 0)
    const sim::Time piece_end = std::min(boundary, end);
    integral += signal_(ctx, t) * (piece_end - t).seconds();
    t = piece_end;
  }
  return integral / r.seconds();
}

sim::Time Deferral::best_start(const SchedulerContext& ctx, const JobView& job) const {
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
  double best_mean = mean_signal(ctx, now, run);
  for (const sim::Time s : candidates) {
    const double m = mean_signal(ctx, s, run);
    if (m < best_mean) {
      best_mean = m;
      best = s;
    }
  }
  return best;
}

}  // namespace joule::models::scheduling
