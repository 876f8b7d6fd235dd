// A job known only by its duration (a trace row, a listed job, a generated GPU job): one
// activity of dense tensor work at the job's `mfu`, `duration` long on its nominal clock. A
// preemptible one (preemptible.hpp) runs the same work as blocks of `checkpoint_every`, each
// block's end a checkpoint at which it may move: same rates, same total length.
#include <algorithm>

#include "models/workload/job_model.hpp"

namespace joule::models::workload {

namespace {

class FixedJob final : public JobModel {
public:
  // `block` zero: one activity.
  FixedJob(sim::Time duration, OpRates rates, sim::Time block)
      : duration_(duration), rates_(rates), block_(block) {}

  sim::Time planned_work() const override { return duration_; }
  OpRates typical_rates() const override { return rates_; }
  Activity start() override { return from(sim::Time::zero()); }
  Activity advance(sim::Time tau) override {
    at_checkpoint_ = tau < duration_;
    return tau < duration_ ? from(tau) : Activity{};  // done after the last block
  }
  bool at_checkpoint() const override { return at_checkpoint_; }
  std::optional<sim::Time> planned_remaining(sim::Time elapsed) const override {
    if (block_ == sim::Time::zero()) return std::nullopt;  // the activity's end says it
    return std::max(sim::Time::zero(), duration_ - elapsed);
  }

private:
  Activity from(sim::Time tau) const {
    Activity a;
    a.kind = PhaseKind::forward_backward;
    a.start = tau;
    a.end = block_ == sim::Time::zero() ? duration_ : std::min(duration_, tau + block_);
    a.rates = rates_;
    return a;
  }

  sim::Time duration_;
  OpRates rates_;
  sim::Time block_;
  bool at_checkpoint_ = false;
};

const bool registered = JobModelRegistry::add("fixed", [](const JobRequest& r, JobEnvironment env) {
  const sim::Time block = r.preemptible ? r.preemptible->checkpoint_every : sim::Time::zero();
  return std::make_unique<FixedJob>(r.duration, env.reference_rates(r.mfu), block);
});

}  // namespace

}  // namespace joule::models::workload
