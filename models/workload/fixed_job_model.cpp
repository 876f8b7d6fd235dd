// A job known only by its duration (a trace row, a listed job, a generated GPU job): one
// activity of dense tensor work at the job's `mfu`, `duration` long on its nominal clock.
#include "models/workload/job_model.hpp"

namespace joule::models::workload {

namespace {

class FixedJob final : public JobModel {
public:
  FixedJob(sim::Time duration, OpRates rates) : duration_(duration), rates_(rates) {}

  sim::Time planned_work() const override { return duration_; }
  OpRates typical_rates() const override { return rates_; }
  Activity start() override {
    Activity a;
    a.kind = PhaseKind::forward_backward;
    a.start = sim::Time::zero();
    a.end = duration_;
    a.rates = rates_;
    return a;
  }
  Activity advance(sim::Time) override { return Activity{}; }  // done

private:
  sim::Time duration_;
  OpRates rates_;
};

const bool registered = JobModelRegistry::add("fixed", [](const JobRequest& r, JobEnvironment env) {
  return std::make_unique<FixedJob>(r.duration, env.reference_rates(r.mfu));
});

}  // namespace

}  // namespace joule::models::workload
