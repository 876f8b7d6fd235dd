// An inference service (inference.hpp) as a job: its day is cut into intervals, each one
// activity at the load of the interval's mean request rate, until `duration`. The job's clock
// is wall time since it started (a service does not slow down when throttled; its latency
// grows instead). Its power is estimated, before it starts (policies, `joule estimate`), from
// its typical rates: the time-weighted mean of its intervals' op rates over its first day (or
// its whole run when shorter), which the accelerator model, linear in the rates, turns into
// the mean power of that day up to clock and thermal effects.
#include <algorithm>

#include "models/workload/inference.hpp"
#include "models/workload/job_model.hpp"

namespace joule::models::workload {

namespace {

class InferenceJob final : public JobModel {
public:
  InferenceJob(const JobRequest& r, const JobEnvironment& env)
      : service_(*r.inference, env.capabilities(r.inference->precision)),
        interval_(r.inference->interval),
        duration_(r.duration),
        typical_(mean_rates(service_, r.inference->interval, r.duration)),
        tokens_in_(r.inference->tokens_in),
        tokens_out_(r.inference->tokens_out),
        flop_per_token_(2 * r.inference->params),
        gpus_(env.gpus) {}

  sim::Time planned_work() const override { return duration_; }
  OpRates typical_rates() const override { return typical_; }
  Activity start() override { return interval_at(sim::Time::zero()); }
  Activity advance(sim::Time tau) override {
    done_ = add_interval(done_, current_.start, tau);
    if (tau < duration_) return interval_at(tau);
    current_ = Activity{};
    return current_;
  }
  bool follows_clock() const override { return false; }
  // The intervals served so far, and the current one up to τ, each at its constant load.
  WorkDone work(sim::Time tau, int) const override {
    return add_interval(done_, current_.start, std::min(tau, current_.end));
  }

private:
  // Op rates averaged over [0, min(duration, 1 d)), interval by interval.
  static OpRates mean_rates(const InferenceService& service, sim::Time interval,
                            sim::Time duration) {
    const sim::Time horizon = std::min(duration, sim::days(1));
    OpRates mean;
    if (horizon <= sim::Time::zero()) return service.load_at(sim::Time::zero()).rates;
    for (sim::Time t = sim::Time::zero(); t < horizon;) {
      const sim::Time end = std::min(horizon, service.interval_start(t) + interval);
      const double w = (end - t).seconds() / horizon.seconds();
      const OpRates r = service.load_at(t).rates;
      for (std::size_t k = 0; k < r.per_s.size(); ++k) mean.per_s[k] += w * r.per_s[k];
      mean.core_bound += w * r.core_bound;
      t = end;
    }
    mean.core_bound -= 1.0;  // OpRates starts at core_bound = 1
    return mean;
  }

  // One interval of the service's day: the load at the interval's mean request rate.
  Activity interval_at(sim::Time t) {
    load_ = service_.load_at(t);
    current_.kind = PhaseKind::forward_backward;
    current_.start = t;
    current_.end = std::min(duration_, service_.interval_start(t) + interval_);
    current_.rates = load_.rates;
    return current_;
  }
  // `w` plus [t0, t1) of the current interval's load (requests = rate × time).
  WorkDone add_interval(WorkDone w, sim::Time t0, sim::Time t1) const {
    if (current_.done() || !(t1 > t0)) return w;
    const double dt_s = (t1 - t0).seconds();
    const double served = load_.served_rate * dt_s;
    w.requests_offered += load_.request_rate * dt_s;
    w.requests_served += served;
    w.prompt_tokens += served * tokens_in_;
    w.output_tokens += served * tokens_out_;
    w.model_flop += served * (tokens_in_ + tokens_out_) * flop_per_token_;
    w.saturated_s += load_.saturated ? dt_s : 0.0;
    w.service_s += dt_s;
    w.useful_gpu_s += gpus_ * dt_s;
    return w;
  }

  InferenceService service_;
  sim::Time interval_;
  sim::Time duration_;
  OpRates typical_;
  double tokens_in_, tokens_out_;
  double flop_per_token_;  // forward pass, 2N (attention scores left out: inference.hpp)
  int gpus_;
  Activity current_{};  // the interval being served (kind done before the start and after the end)
  InferenceLoad load_;
  WorkDone done_{.serves = true};  // intervals that have ended
};

const bool registered = JobModelRegistry::add(
    "inference",
    [](const JobRequest& r, JobEnvironment env) { return std::make_unique<InferenceJob>(r, env); });

}  // namespace

}  // namespace joule::models::workload
