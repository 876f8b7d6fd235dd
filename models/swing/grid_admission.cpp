#include "models/swing/grid_admission.hpp"

#include <optional>

namespace joule::models::swing {

world::AdmissionGate::Decision GridAdmission::admit(const scheduling::JobView& job,
                                                    double pending_w) {
  const sim::Time now = ctx_.now();
  const double it_w = ctx_.it_power().value() + pending_w;
  const auto added = [&](std::optional<double> cap) {
    return ctx_.estimate(job, cap ? std::optional<sim::Watts>(sim::Watts(*cap)) : std::nullopt)
        .added_power.value();
  };
  const auto fits = [&](double base_w, double add_w) {
    return ctx_.facility_power_at(sim::Watts(base_w + add_w)).value() <= limit_w_;
  };
  const auto close_wait = [&] {
    if (const auto it = waiting_since_.find(job.id); it != waiting_since_.end()) {
      wait_s_ += (now - it->second).seconds();
      waiting_since_.erase(it);
    }
  };
  Decision d;
  if (ramp_w_per_s_ > 0 && next_start_ && now < *next_start_) {
    waiting_since_.emplace(job.id, now);
    staggered_.insert(job.id);
    ctx_.wake_at(*next_start_);
    d.verdict = Verdict::wait;
    return d;
  }
  // Admitted with `add_w`: the next start may come when the ramp limit has absorbed its step.
  const auto admit_with = [&](double add_w) {
    if (ramp_w_per_s_ > 0) {
      const double step_w = ctx_.facility_power_at(sim::Watts(it_w + add_w)).value() -
                            ctx_.facility_power_at(sim::Watts(it_w)).value();
      next_start_ = now + sim::seconds_or_never(std::max(0.0, step_w) / ramp_w_per_s_);
    }
  };
  const double uncapped_w = added(std::nullopt);
  if (limit_w_ <= 0 || fits(it_w, uncapped_w)) {
    close_wait();
    refused_.erase(job.id);
    d.added_w = uncapped_w;
    admit_with(d.added_w);
    return d;
  }
  const auto range = ctx_.power_cap_range(job);  // the range of the job's pool
  const double min_w = added(range.min.value());
  if (fits(it_w, min_w)) {
    double lo = range.min.value(), hi = range.max.value();  // fits at lo, not at hi
    for (int i = 0; i < 40 && hi - lo > 0.5; ++i) {
      const double mid = 0.5 * (lo + hi);
      (fits(it_w, added(mid)) ? lo : hi) = mid;
    }
    close_wait();
    refused_.erase(job.id);
    capped_.insert(job.id);
    d.cap_w = lo;
    d.added_w = added(lo);
    admit_with(d.added_w);
    return d;
  }
  double idle_w = ctx_.it_power().value();
  for (const auto* r : ctx_.running())
    idle_w -= ctx_.estimate(*r, ctx_.power_cap(*r)).added_power.value();
  if (!fits(idle_w, min_w)) {
    close_wait();
    refused_.insert(job.id);
    d.verdict = Verdict::never;
    return d;
  }
  waiting_since_.emplace(job.id, now);  // keeps the first
  d.verdict = Verdict::wait;
  return d;
}

AdmissionReport GridAdmission::report() const {
  AdmissionReport r{capped_.size(), refused_.size(), wait_s_, staggered_.size()};
  for (const auto& [id, since] : waiting_since_) r.wait_s += (ctx_.now() - since).seconds();
  return r;
}

}  // namespace joule::models::swing
