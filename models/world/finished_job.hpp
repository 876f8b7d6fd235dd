// What a finished job keeps.
//
// A job's model (its plan, phase tables, failure streams) and its generator request are needed
// only while the job runs; once it is done, the run reads from it only the figures the jobs
// table and the KPIs report. A year of a large cluster runs hundreds of thousands of jobs, so
// JobRunner::finish() swaps the model for a FinishedModel holding those figures, taken from the
// full model at the instant the job finished (so every output is the same to the bit), and
// frees the request's heap state.
#pragma once

#include <optional>

#include "models/workload/job_model.hpp"
#include "models/workload/training_run.hpp"

namespace joule::models::world {

class FinishedModel final : public workload::JobModel {
public:
  // `model` is the finished job's model; `gpus` the accelerators the job ran on.
  FinishedModel(const workload::JobModel& model, int gpus);

  sim::Time planned_work() const override { return planned_work_; }
  workload::OpRates typical_rates() const override { return typical_rates_; }
  // A finished job has no further activity: these are errors of the caller.
  workload::Activity start() override;
  workload::Activity advance(sim::Time tau) override;
  workload::Activity on_failure(sim::Time tau) override;
  bool follows_clock() const override { return follows_clock_; }
  std::optional<sim::Time> planned_remaining(sim::Time /*elapsed*/) const override {
    return sim::Time::zero();
  }
  const workload::RunStats* stats() const override { return stats_ ? &*stats_ : nullptr; }
  // Done: all of its work, whatever τ past the end (the model's contract). Other `gpus` than
  // the job's are an error.
  workload::WorkDone work(sim::Time tau, int gpus) const override;
  double end_to_end_mfu() const override { return end_to_end_mfu_; }
  double kernel_efficiency() const override { return kernel_efficiency_; }

private:
  sim::Time planned_work_;
  workload::OpRates typical_rates_;
  bool follows_clock_ = true;
  std::optional<workload::RunStats> stats_;
  int gpus_ = 0;
  workload::WorkDone work_;
  double end_to_end_mfu_, kernel_efficiency_;
};

}  // namespace joule::models::world
