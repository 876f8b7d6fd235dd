// A job's behaviour over its life, one implementation per kind of work.
//
// The World runs every job the same way: it asks the job's model for an activity (what each of
// its accelerators does, at which op rates, until which instant of the job's nominal clock τ),
// applies that load to the job's nodes, and calls the model again when the activity ends or a
// failure strikes. The World never asks which kind of job it runs; what differs between kinds
// lives in their models:
//
//   kind        file                      activities                           failures
//   training    training_job_model.cpp    TrainingRun's compute blocks/phases, yes (FailureProcess)
//                                         checkpoints, restarts
//   inference   inference_job_model.cpp   one per interval of the service's    no
//                                         day, at the interval's mean rate
//   fixed       fixed_job_model.cpp       one, `duration` long, dense tensor   no
//                                         work at `mfu` (trace rows, lists)
//
// A kind registers itself with one line in its own file:
//   const bool registered = JobModelRegistry::add("training", factory);
// and a generator selects it through JobRequest::kind (or, when that is empty, by the spec the
// request carries: job_kind()). Adding a kind of work is one file plus its registration
// (docs/design.md walks through one).
#pragma once

#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/workload/generator.hpp"
#include "models/workload/training_run.hpp"
#include "sim/random.hpp"
#include "sim/time.hpp"
#include "sim/units.hpp"

namespace joule::models::workload {

// What a job model may know of the cluster it runs on.
struct JobEnvironment {
  // Per-accelerator rates of dense tensor work at model-FLOPs utilisation `mfu` with the
  // cluster's reference memory traffic (what a job known only by its duration runs).
  std::function<OpRates(double mfu)> reference_rates;
  // Accelerator peaks, storage and collective costs, in a job's precision.
  std::function<ClusterCapabilities(Precision)> capabilities;
  // Accelerators allocated to the job.
  int gpus = 0;
  // The job's own random stream for failures ("failures.<job id>").
  sim::Rng failure_rng{0};
};

// The work a job has done up to a moment of its nominal clock: what energy is divided by
// (models/world/work_kpis.cpp). Zero where the kind does not produce it.
struct WorkDone {
  // What the job produces, set by its model: training tokens, served requests (a job that has
  // not finished a step yet still trains: its energy counts against the tokens to come).
  bool trains = false;
  bool serves = false;
  // Accelerator-seconds of useful work: training steps done (each t_step·G, lost work and
  // checkpoints excluded), or G × time for kinds without progress accounting.
  double useful_gpu_s = 0;
  double model_flop = 0;        // model FLOPs of that work (training: 6N + attention per token)
  double training_tokens = 0;   // tokens of the training steps done
  double requests_offered = 0;  // inference: requests that arrived
  double requests_served = 0;   // inference: requests served (the rest exceeded capacity)
  double prompt_tokens = 0;     // inference: prompt tokens of the served requests
  double output_tokens = 0;     // inference: tokens generated for the served requests
  double saturated_s = 0;       // inference: time the replicas were saturated
  double service_s = 0;         // inference: time the service ran
};

// What a job's current activity asks of the shared storage system (compute/storage_system.hpp).
struct StorageTraffic {
  double write_bytes_per_s = 0;  // checkpoint writes, the whole job
  double read_tokens_per_s = 0;  // training data read, in tokens (bytes per token: the storage's)
};

class JobModel {
public:
  virtual ~JobModel() = default;

  // Nominal run time at full speed without failures: what policies plan with.
  virtual sim::Time planned_work() const = 0;
  // Per-accelerator op rates of a typical moment, for power estimates before the job starts.
  virtual OpRates typical_rates() const = 0;

  // The first activity, at nominal time zero.
  virtual Activity start() = 0;
  // The current activity ended at nominal time `tau`: the next one (done() when finished).
  virtual Activity advance(sim::Time tau) = 0;

  // Wall time from now to the job's next failure (Time::max(): none). Called when the job
  // starts and after each failure; a model without failures never fails.
  virtual sim::Time next_failure() { return sim::Time::max(); }
  // A failure struck at nominal time `tau`, inside the current activity: the next activity.
  virtual Activity on_failure(sim::Time tau);

  // Whether the activity advance() just returned begins right after a checkpoint (or a restart
  // from one): all the job's progress is in its last checkpoint, so it may move to other nodes
  // without losing work (preemptible.hpp). False for kinds that never checkpoint.
  virtual bool at_checkpoint() const { return false; }
  // Whether throttling stretches the job: its nominal clock follows the slowest accelerator's
  // clock while it computes. A service serves its interval whatever the clock (throttling
  // costs latency, not time).
  virtual bool follows_clock() const { return true; }
  // Remaining nominal time by the plan, `elapsed` after the start; nullopt: the model has no
  // plan beyond its current activity (the World then uses the activity's end).
  virtual std::optional<sim::Time> planned_remaining(sim::Time /*elapsed*/) const {
    return std::nullopt;
  }
  // Progress accounting (useful, lost, checkpoint and restart accelerator-seconds), for kinds
  // that track it; null otherwise.
  virtual const RunStats* stats() const { return nullptr; }
  // Storage traffic of `activity` (the current one), at nominal speed; none by default.
  virtual StorageTraffic storage_traffic(const Activity& /*activity*/) const { return {}; }
  // The work done up to nominal time `tau` (τ of a job still running; any τ past the end once
  // it is done) on `gpus` accelerators. The default: `gpus` × τ of useful accelerator time.
  virtual WorkDone work(sim::Time tau, int gpus) const;
  // End-to-end model-FLOPs utilisation and kernel efficiency of the job's plan, for kinds that
  // have one (training); NaN otherwise.
  virtual double end_to_end_mfu() const { return std::nan(""); }
  virtual double kernel_efficiency() const { return std::nan(""); }

  // Power per accelerator the job fixes itself, its host share included (replaying a
  // publication's measured average, JobRequest::power_per_accelerator): the node model is then
  // bypassed and rack limits leave the job alone. Any kind may replay.
  std::optional<sim::Watts> fixed_power_per_accelerator() const { return fixed_power_; }

private:
  friend class JobModelRegistry;
  std::optional<sim::Watts> fixed_power_;
};

using JobModelFactory = std::function<std::unique_ptr<JobModel>(const JobRequest&, JobEnvironment)>;

class JobModelRegistry {
public:
  static bool add(const std::string& kind, JobModelFactory factory);
  // Builds the model of `request`'s kind; an unknown kind lists the valid ones.
  static std::unique_ptr<JobModel> create(const JobRequest& request, JobEnvironment env);
  static std::vector<std::string> kinds();
};

// The kind of a request: JobRequest::kind when set, else the kind its spec implies (a
// training spec: "training"; an inference spec: "inference"; neither: "fixed").
std::string job_kind(const JobRequest& request);

}  // namespace joule::models::workload
