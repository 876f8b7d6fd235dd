// Job models: the registry, and each kind's activities, plan and failures by hand.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "models/workload/job_model.hpp"
#include "models/workload/training_job.hpp"
#include "models/workload/training_run.hpp"
#include "sim/error.hpp"

using namespace joule;
using namespace joule::models::workload;
namespace compute = joule::models::compute;
using compute::Op;

namespace {

// 8 GPUs at 1 PFLOP/s, 2 TB/s HBM, 10 GB/s storage, a 100 GB/s zero-latency ring.
ClusterCapabilities small_cluster(Precision) {
  ClusterCapabilities c;
  c.peak_tensor = sim::FlopsPerSecond(1e15);
  c.hbm_bandwidth = sim::BytesPerSecond(2e12);
  c.storage_write = sim::BytesPerSecond(10e9);
  c.gpus_per_node = 8;
  c.allreduce_s = ring_allreduce(sim::BytesPerSecond(100e9), sim::Seconds(0));
  return c;
}

// Reference rates: dense work at mfu × 1 PFLOP/s, nothing else (easy to recognise).
OpRates reference(double mfu) {
  OpRates r{};
  r[Op::tensor_bf16] = mfu * 1e15;
  return r;
}

JobEnvironment environment(int gpus = 8) {
  JobEnvironment env;
  env.reference_rates = reference;
  env.capabilities = small_cluster;
  env.gpus = gpus;
  env.failure_rng = sim::Rng(7);
  return env;
}

TrainingJobSpec small_spec() {
  TrainingJobSpec s;
  s.params = 1e9;
  s.steps = 1000;
  s.global_batch = 64;
  s.seq_len = 2048;
  s.layers = 16;
  s.d_model = 2048;
  s.parallel = {.data = 2, .tensor = 2, .pipeline = 2, .context = 1, .microbatches = 32};
  s.mfu = 0.5;
  s.comm_overlap = 0.5;
  return s;
}

}  // namespace

TEST_CASE("job kinds: registered by name, implied by the request's spec") {
  const auto kinds = JobModelRegistry::kinds();
  for (const char* k : {"fixed", "inference", "training"})
    CHECK(std::find(kinds.begin(), kinds.end(), k) != kinds.end());
  JobRequest r;
  CHECK(job_kind(r) == "fixed");
  r.training = small_spec();
  CHECK(job_kind(r) == "training");
  r.kind = "fixed";  // an explicit kind wins
  CHECK(job_kind(r) == "fixed");
  r.kind = "elastic";
  r.id = "j7";
  CHECK_THROWS_WITH_AS(JobModelRegistry::create(r, environment()),
                       doctest::Contains("job 'j7': unknown kind of work 'elastic'. Valid: "),
                       sim::InputError);
}

TEST_CASE("fixed job: one activity of its duration at the reference rates, then done") {
  JobRequest r;
  r.duration = sim::hours(2);
  r.mfu = 0.3;
  const auto job = JobModelRegistry::create(r, environment());
  CHECK(job->planned_work() == sim::hours(2));
  CHECK(job->typical_rates()[Op::tensor_bf16] == doctest::Approx(0.3e15));
  const Activity a = job->start();
  CHECK(a.start == sim::Time::zero());
  CHECK(a.end == sim::hours(2));
  CHECK(a.rates[Op::tensor_bf16] == doctest::Approx(0.3e15));
  CHECK(job->advance(a.end).done());
  CHECK(job->next_failure() == sim::Time::max());
  CHECK_THROWS_AS(job->on_failure(sim::hours(1)), std::logic_error);
  CHECK(job->follows_clock());
  CHECK_FALSE(job->planned_remaining(sim::hours(1)).has_value());
  CHECK(job->stats() == nullptr);
  CHECK_FALSE(job->fixed_power_per_accelerator().has_value());
  // Any kind may replay a published power per accelerator.
  r.power_per_accelerator = sim::Watts(430);
  CHECK(JobModelRegistry::create(r, environment())->fixed_power_per_accelerator()->value() == 430);
}

TEST_CASE("training job: the plan counts every step and checkpoint; its run is the state machine") {
  JobRequest r;
  r.training = small_spec();
  const FailureSpec failures;  // no failure rates: never fails
  r.failures = failures;
  const auto job = JobModelRegistry::create(r, environment());
  // The same TrainingJob and RunPolicy by hand.
  const TrainingJob tj(small_spec(), small_cluster(Precision::bf16));
  const RunPolicy policy = run_policy(tj, failures, Fidelity::steady);
  const std::int64_t ckpts =
      policy.checkpoint_every_steps > 0 ? tj.total_steps() / policy.checkpoint_every_steps : 1;
  const sim::Time work = tj.step_time() * tj.total_steps() + tj.checkpoint_phase().duration * ckpts;
  CHECK(job->planned_work() == work);
  CHECK(*job->planned_remaining(sim::Time::zero()) == work);
  CHECK(*job->planned_remaining(work + sim::hours(1)) == sim::Time::zero());
  // Typical rates: the time-weighted mean over the plan, checkpoints (no tensor work, PCIe at
  // the write rate) included.
  const double steps_s = (tj.step_time() * tj.total_steps()).seconds();
  const double ckpt_s = (tj.checkpoint_phase().duration * ckpts).seconds();
  CHECK(job->typical_rates()[Op::tensor_bf16] ==
        doctest::Approx(tj.step_average_rates()[Op::tensor_bf16] * steps_s / (steps_s + ckpt_s)));
  CHECK(job->typical_rates()[Op::pcie] ==
        doctest::Approx((tj.step_average_rates()[Op::pcie] * steps_s +
                         tj.checkpoint_phase().rates[Op::pcie] * ckpt_s) /
                        (steps_s + ckpt_s)));
  CHECK(job->next_failure() == sim::Time::max());
  // Running it activity by activity reaches done with every step useful (no failures).
  Activity a = job->start();
  int activities = 0;
  while (!a.done() && activities < 100000) {
    a = job->advance(a.end);
    ++activities;
  }
  REQUIRE(a.done());
  REQUIRE(job->stats() != nullptr);
  CHECK(job->stats()->steps_committed == 1000);
  CHECK(job->stats()->lost_gpu_s == 0.0);
  CHECK(job->stats()->useful_gpu_s == doctest::Approx(8 * 1000 * tj.step_time().seconds()));
}

// What a training job's storage reads and writes at each activity (World::place_load() asks at
// every activity end), and the run's accounts, to the bit of the job's own figures: a copy of
// any of them kept to save the model's cache lines must give the same bits (stop 60, lines60,
// tried such copies; each mutation of one failed this case).
TEST_CASE("training job: storage traffic and the run's accounts to the bit at every activity") {
  const TrainingJob tj(small_spec(), small_cluster(Precision::bf16));
  JobRequest r;
  r.training = small_spec();
  FailureSpec failures;
  failures.checkpoint_rule = CheckpointRule::fixed;
  failures.checkpoint_every = tj.step_time() * 100;  // ten checkpoints in the run
  r.failures = failures;
  const auto job = JobModelRegistry::create(r, environment());
  const double gpus = tj.gpus();
  const double tokens_per_s = tj.spec().tokens_per_step() / tj.step_time().seconds();
  Activity a = job->start();
  int computing = 0, checkpoints = 0;
  double useful_s = 0.0, checkpoint_s = 0.0;
  for (int n = 0; !a.done() && n < 100000; ++n) {
    const StorageTraffic t = job->storage_traffic(a);
    if (a.kind == PhaseKind::checkpoint) {
      ++checkpoints;
      CHECK(t.write_bytes_per_s == a.rates[Op::pcie] * tj.gpus());
      CHECK(t.read_tokens_per_s == 0.0);
      checkpoint_s += gpus * (a.end - a.start).seconds();
    } else {
      ++computing;
      CHECK(t.read_tokens_per_s == tokens_per_s);
      CHECK(t.write_bytes_per_s == 0.0);
      useful_s += gpus * (a.end - a.start).seconds();
    }
    a = job->advance(a.end);
  }
  REQUIRE(a.done());
  CHECK(checkpoints == 10);
  CHECK(computing == checkpoints);  // a block of steps before each checkpoint, the last one too
  CHECK(job->stats()->steps_done == tj.total_steps());
  CHECK(job->stats()->steps_committed == tj.total_steps());
  CHECK(job->stats()->checkpoints == checkpoints);
  // The same sums, in the same order, as the run's: the same bits.
  CHECK(job->stats()->useful_gpu_s == useful_s);
  CHECK(job->stats()->checkpoint_gpu_s == checkpoint_s);
}

TEST_CASE("a kind of work registered in its own file is built by name") {
  // example_job_kind.cpp, compiled into this test binary: a tenth staging, then compute.
  JobRequest r;
  r.kind = "example-staged";
  r.duration = sim::hours(10);
  r.mfu = 0.5;
  const auto job = JobModelRegistry::create(r, environment());
  Activity a = job->start();
  CHECK(a.kind == PhaseKind::pipeline_bubble);
  CHECK(a.end == sim::hours(1));
  CHECK(a.rates[Op::tensor_bf16] == 0.0);
  a = job->advance(a.end);
  CHECK(a.kind == PhaseKind::forward_backward);
  CHECK(a.start == sim::hours(1));
  CHECK(a.end == sim::hours(10));
  CHECK(a.rates[Op::tensor_bf16] == doctest::Approx(0.5e15));
  CHECK(job->advance(a.end).done());
  CHECK(job->planned_work() == sim::hours(10));
}
