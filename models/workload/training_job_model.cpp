// An LLM training job: a TrainingJob (step time and op rates from its parallel layout) run by a
// TrainingRun (compute, checkpoints, restarts; training_run.hpp) and interrupted by a
// FailureProcess drawing from the job's own random stream (failures.hpp).
#include "models/workload/job_model.hpp"

namespace joule::models::workload {

namespace {

class TrainingJobModel final : public JobModel {
public:
  TrainingJobModel(const JobRequest& r, JobEnvironment env)
      : job_(*r.training, env.capabilities(r.training->precision)),
        failures_(r.failures ? *r.failures : FailureSpec{}),
        policy_(run_policy(job_, failures_, r.fidelity)),
        run_(job_, policy_),
        process_(failures_, env.gpus),
        rng_(std::move(env.failure_rng)) {
    // Planning estimate: every step plus the checkpoints, without failures.
    const std::int64_t ckpts = policy_.checkpoint_every_steps > 0
                                   ? job_.total_steps() / policy_.checkpoint_every_steps
                                   : 1;
    const sim::Time steps_time = sim::saturating_mul(job_.step_time(), job_.total_steps());
    const sim::Time ckpt_time = sim::saturating_mul(job_.checkpoint_phase().duration, ckpts);
    work_ = sim::saturating_add(steps_time, ckpt_time);
    // Typical rates: the time-weighted mean over the planned work, checkpoints included (a
    // large checkpoint, as a MoE's total state, is a long low-power share of the run).
    typical_ = job_.step_average_rates();
    if (ckpt_time > sim::Time::zero() && work_ < sim::Time::max()) {
      const double w_ckpt = ckpt_time.seconds() / work_.seconds();
      const OpRates ckpt = job_.checkpoint_phase().rates;
      for (std::size_t k = 0; k < compute::op_count; ++k)
        typical_.per_s[k] = (1 - w_ckpt) * typical_.per_s[k] + w_ckpt * ckpt.per_s[k];
      typical_.core_bound = (1 - w_ckpt) * typical_.core_bound + w_ckpt * ckpt.core_bound;
    }
  }

  sim::Time planned_work() const override { return work_; }
  OpRates typical_rates() const override { return typical_; }
  Activity start() override { return run_.start(sim::Time::zero()); }
  Activity advance(sim::Time tau) override {
    run_.prefetch();
    const PhaseKind ended = run_.current_kind();
    Activity next = run_.advance(tau);
    at_checkpoint_ = (ended == PhaseKind::checkpoint || ended == PhaseKind::restart) &&
                     run_.state() == TrainingRun::State::computing;
    return next;
  }
  bool at_checkpoint() const override { return at_checkpoint_; }
  sim::Time next_failure() override {
    const Failure f = process_.next(sim::Time::zero(), rng_);
    pending_ = f.cls;
    return f.at;
  }
  Activity on_failure(sim::Time tau) override {
    at_checkpoint_ = false;
    return run_.on_failure(tau, pending_);
  }
  std::optional<sim::Time> planned_remaining(sim::Time elapsed) const override {
    return std::max(sim::Time::zero(), work_ - elapsed);
  }
  const RunStats* stats() const override { return &run_.stats(); }
  // Checkpoints write the job's state (PCIe rate × G); compute reads the step's tokens.
  StorageTraffic storage_traffic(const Activity& a) const override {
    StorageTraffic t;
    if (a.kind == PhaseKind::checkpoint)
      t.write_bytes_per_s = a.rates[compute::Op::pcie] * job_.gpus();
    else if (run_.state() == TrainingRun::State::computing)
      t.read_tokens_per_s = job_.spec().tokens_per_step() / job_.step_time().seconds();
    return t;
  }
  // Steps done, with the whole steps already computed inside a steady block (the run counts a
  // block's steps when it ends); a failure takes the steps since the last checkpoint back.
  WorkDone work(sim::Time tau, int) const override {
    auto steps = static_cast<double>(run_.stats().steps_done);
    const sim::Time start = run_.current_start();
    if (run_.state() == TrainingRun::State::computing && policy_.fidelity == Fidelity::steady &&
        tau > start)
      steps += static_cast<double>((std::min(tau, run_.current_end()) - start).ns() /
                                   job_.step_time().ns());
    WorkDone w;
    w.trains = true;
    w.training_tokens = steps * job_.spec().tokens_per_step();
    w.model_flop = w.training_tokens * job_.flops_per_token();
    w.useful_gpu_s = steps * job_.step_time().seconds() * job_.gpus();
    return w;
  }
  double end_to_end_mfu() const override { return job_.end_to_end_mfu(); }
  double kernel_efficiency() const override { return job_.kernel_efficiency(); }

private:
  // First, in the line of the object's vtable pointer, which the call of advance() has just
  // read: after the run (the job's rate tables between the two), its store at every activity
  // end was a cache line of its own, cold since the job's last activity.
  bool at_checkpoint_ = false;
  TrainingJob job_;
  FailureSpec failures_;
  RunPolicy policy_;
  TrainingRun run_;  // holds a reference to job_
  FailureProcess process_;
  sim::Rng rng_;
  FailureClass pending_ = FailureClass::gpu;
  sim::Time work_;
  OpRates typical_;
};

const bool registered =
    JobModelRegistry::add("training", [](const JobRequest& r, JobEnvironment env) {
      return std::make_unique<TrainingJobModel>(r, std::move(env));
    });

}  // namespace

}  // namespace joule::models::workload
