// Job generators: where a scenario's jobs come from.
//
// A generator is a pull-based sequence of JobRequests in submit order; the World asks for the
// next one when the previous has arrived. Generators are registered by name in
//   sim::Registry<JobGenerator, const GeneratorContext&>
// (one line in each generator's own file: llm_training_generator.cpp, gpu_jobs_generator.cpp,
// trace_generator.cpp), selected by `workload.generator`.
//
// Building blocks here, each drawing from its own named sim::Rng stream so that a change in one
// (say the size mix) leaves the others' draws (the arrival times) unchanged:
//   Arrivals  poisson: i.i.d. exponential gaps with mean m.
//             mmpp:    Markov-modulated Poisson, two states (calm: mean gap m; burst: mean gap
//                      m_b) with exponential sojourns of mean T_calm, T_burst (Fischer &
//                      Meier-Hellstern 1993). Long-run mean gap =
//                      (T_calm+T_burst)/(T_calm/m + T_burst/m_b).
//             batch:   batch Poisson: batches with exponential gaps of mean m, each of
//                      1 + Geometric jobs with mean size b, all submitted at the batch instant.
//   Distribution  a constant, a weighted discrete list ([a, b, c] = equal weights, or
//                 {values: [...], weights: [...]}), or {lognormal: {median: x, sigma: s}}
//                 (ln X ~ N(ln median, s²)); values may carry units ("2 h").
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/workload/elasticity.hpp"
#include "models/workload/failures.hpp"
#include "models/workload/inference.hpp"
#include "models/workload/preemption.hpp"
#include "models/workload/training_job.hpp"
#include "models/workload/training_run.hpp"
#include "sim/params.hpp"
#include "sim/random.hpp"
#include "sim/registry.hpp"
#include "sim/time.hpp"

namespace joule::models::workload {

struct JobRequest {
  std::string id;
  // The kind of work (a JobModelRegistry name: training, inference, fixed, ...); empty: the
  // kind the specs below imply (job_model.hpp: job_kind()).
  std::string kind;
  sim::Time submit;
  int gpus = 0;
  int nodes = 0;  // whole nodes asked for; 0 = enough nodes for `gpus`
  // A modelled LLM training job: the World builds TrainingJob(training, capabilities) and a
  // TrainingRun with these failures. Empty for replayed / fixed-duration jobs.
  std::optional<TrainingJobSpec> training;
  std::optional<FailureSpec> failures;
  // An inference service: its request rate over the day sets the load, interval by interval,
  // for `duration`.
  std::optional<InferenceSpec> inference;
  // steady: phase-averaged blocks of steps (months-long studies); iteration: every phase of
  // every step as its own event (power-swing studies).
  Fidelity fidelity = Fidelity::steady;
  sim::Time duration;  // fixed run time when `training` is empty
  std::string state;   // trace state (COMPLETED, FAILED, ...); "" for generated jobs
  // Load of a fixed-duration job: accelerators at `mfu` of dense peak (operation node model),
  // or the node at `utilization` (linear node model); or, replaying a publication, exactly
  // `power_per_accelerator` (its share of host power included) per accelerator.
  double mfu = 0.4;
  double utilization = 1.0;
  std::optional<sim::Watts> power_per_accelerator;
  // Scheduling hints: a flexible job may be deferred by a policy until its deadline.
  bool flexible = false;
  sim::Time deadline = sim::Time::max();
  // Where it may run (pool_request.hpp): a pool by name or any pool carrying a chip (empty:
  // any pool), and the pool to try first (empty: none).
  std::string pool, chip, prefer;
  // An elastic job: policies may run it on other node counts and resize it (elastic.hpp).
  std::optional<Elasticity> elastic;
  // A preemptible job: policies may move it to other nodes at its checkpoints (preemptible.hpp).
  std::optional<Preemption> preemptible;
  // Where the job is written in the user's file (a listed job's entry; line 0 for generated
  // jobs): errors about its work point there.
  sim::Location where;
};

class JobGenerator {
public:
  virtual ~JobGenerator() = default;
  // The next job in submit order, or nothing when the generator is exhausted.
  virtual std::optional<JobRequest> next() = 0;
};

struct GeneratorContext {
  sim::RandomStreams streams{0};
  std::string stream_prefix = "workload";  // streams are "<prefix>.arrivals", "<prefix>.jobs"
  std::string base_dir;                    // relative file names (traces) resolve here
  // The cluster the jobs will run on (0: unknown, nothing checked): a job that can never fit
  // is an input error when the scenario is loaded, at the key or trace row that asks for it.
  int cluster_nodes = 0;
  int cluster_gpus = 0;
  // The cluster's node pools (cluster.pools; one in a cluster of one node type): what jobs'
  // `pool`, `chip` and `prefer` keys are checked against.
  struct Pool {
    std::string name, chip;
    int nodes = 0;
  };
  std::vector<Pool> pools;
};

// Fails at `key` when `gpus` accelerators exceed the cluster's.
void check_fits(const sim::ParamReader& r, const char* key, double gpus,
                const GeneratorContext& ctx);

using JobGeneratorRegistry = sim::Registry<JobGenerator, const GeneratorContext&>;

// Reads `workload:` (its `generator:` key names the generator) and builds it.
std::unique_ptr<JobGenerator> make_job_generator(const sim::ParamNode& workload,
                                                 const GeneratorContext& ctx);

// --- Distributions -----------------------------------------------------------------------

class Distribution {
public:
  static Distribution constant(double v);
  static Distribution discrete(std::vector<double> values, std::vector<double> weights);
  static Distribution lognormal(double median, double sigma);

  double sample(sim::Rng& rng) const;
  double mean() const;
  const std::vector<double>& values() const { return values_; }
  // Bounds that draws stay within: a discrete distribution's smallest and largest value; for a
  // lognormal, the quantiles 6 standard deviations out (median·e^(∓6σ): one draw in 10^9
  // falls beyond), to which its draws are clamped, so that the bounds checked when the
  // scenario is loaded hold for every draw of the run.
  double lowest() const;
  double highest() const;

private:
  enum class Kind { discrete, lognormal } kind_ = Kind::discrete;
  std::vector<double> values_;
  std::vector<double> cumulative_;  // normalised cumulative weights
  double median_ = 0, sigma_ = 0;
};

// Reads a distribution from a node (scalar, sequence or map), values in the unit of Q
// (e.g. sim::Seconds; sim::Ratio for plain numbers). Errors point at the offending item.
template <class Q>
Distribution read_distribution(const sim::ParamNode& node, sim::Range range = sim::Range::any());

// --- Arrivals ------------------------------------------------------------------------------

struct ArrivalSpec {
  enum class Process { poisson, mmpp, batch } process = Process::poisson;
  sim::Time mean_interarrival = sim::hours(6);
  sim::Time burst_interarrival = sim::minutes(30);  // mmpp
  sim::Time calm_duration = sim::hours(24);         // mmpp: mean sojourn in calm
  sim::Time burst_duration = sim::hours(2);         // mmpp: mean sojourn in burst
  double mean_batch_size = 4;                       // batch
};
const sim::ModelDoc& arrivals_doc();
ArrivalSpec arrival_spec(const sim::ParamReader& r);

class ArrivalProcess {
public:
  ArrivalProcess(ArrivalSpec spec, sim::Rng rng);
  // The next submit time (non-decreasing; equal times within a batch).
  sim::Time next();
  double mean_interarrival_s() const;  // long-run mean gap between jobs

private:
  ArrivalSpec spec_;
  sim::Rng rng_;
  sim::Time now_;
  bool burst_ = false;
  sim::Time state_ends_;
  std::int64_t batch_left_ = 0;
};

}  // namespace joule::models::workload
