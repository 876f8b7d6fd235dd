// An inference service (inference.hpp) as a job: its day is cut into intervals, each one
// activity at the load of the interval's mean request rate, until `duration`. The job's clock
// is wall time since it started (a service does not slow down when throttled; its latency
// grows instead). Its power is estimated, before it starts, as a fixed job's at its `mfu`.
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
        typical_(env.reference_rates(r.mfu)) {}

  sim::Time planned_work() const override { return duration_; }
  OpRates typical_rates() const override { return typical_; }
  Activity start() override { return interval_at(sim::Time::zero()); }
  Activity advance(sim::Time tau) override {
    return tau < duration_ ? interval_at(tau) : Activity{};
  }
  bool follows_clock() const override { return false; }

private:
  // One interval of the service's day: the load at the interval's mean request rate.
  Activity interval_at(sim::Time t) const {
    Activity a;
    a.kind = PhaseKind::forward_backward;
    a.start = t;
    a.end = std::min(duration_, service_.interval_start(t) + interval_);
    a.rates = service_.load_at(t).rates;
    return a;
  }

  InferenceService service_;
  sim::Time interval_;
  sim::Time duration_;
  OpRates typical_;
};

const bool registered = JobModelRegistry::add(
    "inference",
    [](const JobRequest& r, JobEnvironment env) { return std::make_unique<InferenceJob>(r, env); });

}  // namespace

}  // namespace joule::models::workload
