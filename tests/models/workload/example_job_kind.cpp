// Example kind of work (docs/design.md, "Adding a kind of work"): a job that first stages its
// data for a tenth of its duration (its accelerators wait: no tensor work), then computes at its
// `mfu` for the rest. Registered in the test binary only; the product's kinds live in
// models/workload/.
#include "models/workload/job_model.hpp"

namespace joule::models::workload {

namespace {

class StagedJob final : public JobModel {
public:
  StagedJob(sim::Time duration, OpRates rates) : duration_(duration), rates_(rates) {}

  sim::Time planned_work() const override { return duration_; }
  OpRates typical_rates() const override { return rates_; }
  Activity start() override {
    const sim::Time staged = sim::Time::from_ns(duration_.ns() / 10);
    return {PhaseKind::pipeline_bubble, sim::Time::zero(), staged, OpRates{}};
  }
  Activity advance(sim::Time tau) override {
    if (tau >= duration_) return Activity{};  // done
    return {PhaseKind::forward_backward, tau, duration_, rates_};
  }

private:
  sim::Time duration_;
  OpRates rates_;
};

const bool registered =
    JobModelRegistry::add("example-staged", [](const JobRequest& r, JobEnvironment env) {
      return std::make_unique<StagedJob>(r.duration, env.reference_rates(r.mfu));
    });

}  // namespace

}  // namespace joule::models::workload
