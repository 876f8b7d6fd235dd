#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/yaml_params.hpp"
#include "models/workload/failures.hpp"
#include "models/workload/training_job.hpp"
#include "models/workload/training_run.hpp"
#include "sim/random.hpp"

using namespace joule;
using namespace joule::models::workload;
namespace compute = joule::models::compute;
using compute::Op;

namespace {

// 8 GPUs, 1 PFLOP/s peak, 2 TB/s HBM, 10 GB/s storage, 100 GB/s zero-latency ring.
ClusterCapabilities small_cluster(double storage_bps = 10e9) {
  ClusterCapabilities c;
  c.peak_tensor = sim::FlopsPerSecond(1e15);
  c.hbm_bandwidth = sim::BytesPerSecond(2e12);
  c.storage_write = sim::BytesPerSecond(storage_bps);
  c.gpus_per_node = 8;
  c.allreduce_s = ring_allreduce(sim::BytesPerSecond(100e9), sim::Seconds(0));
  return c;
}

// N = 1e9, L = 16, d = 2048, s = 2048, 64 sequences per step; tp 2 × pp 2 × dp 2.
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

// Linear power of one accelerator: 100 W + Σ e_k · r_k.
double linear_power_w(const compute::OpRates& r) {
  return 100.0 + 1e-12 * r[Op::tensor_bf16] + 50e-12 * r[Op::hbm] + 10e-12 * r[Op::nvlink] +
         10e-12 * r[Op::pcie] + 2e-12 * r[Op::vector_fp32];
}

sim::ParamNode yaml(const std::string& text) {
  return io::parse_yaml_text(text, "test.yaml");
}

}  // namespace

TEST_CASE("predicted mode: step time of a small job, by hand, and the MFU it implies") {
  TrainingJobSpec spec = small_spec();
  spec.throughput = Throughput::predicted;
  spec.kernel_efficiency = 0.5;
  const TrainingJob job(spec, small_cluster());
  // FLOP/token = 6N + 12·L·d·s = 6e9 + 12·16·2048·2048.
  const double flop_token = 6e9 + 12.0 * 16 * 2048 * 2048;
  CHECK(job.flops_per_token() == doctest::Approx(flop_token));
  const double flop_step = flop_token * 64 * 2048;
  // Compute: FLOP/step / (G · peak · η) = / (8 · 1e15 · 0.5).
  const double compute_s = flop_step / (8 * 1e15 * 0.5);
  // Bubble: (p−1)/(v·m) of compute = 1/32.
  const double bubble_s = compute_s * 1.0 / 32.0;
  // Gradient shard N/(tp·pp)·2 B = 5e8 B; ring over dp = 2: 2·1/2·5e8/1e11 = 5 ms; half exposed.
  const double sync_s = 0.5 * (5e8 / 100e9);
  // Optimizer: 28 B/param over N/(tp·pp·dp) = 1.25e8 params at 2 TB/s.
  const double optim_s = 28.0 * 1.25e8 / 2e12;
  const auto& b = job.breakdown();
  CHECK(b.compute_s == doctest::Approx(compute_s));
  CHECK(b.bubble_s == doctest::Approx(bubble_s));
  CHECK(b.sync_s == doctest::Approx(sync_s));
  CHECK(b.optimizer_s == doctest::Approx(optim_s));
  const double step_s = compute_s + bubble_s + sync_s + optim_s;
  CHECK(job.step_time().seconds() == doctest::Approx(step_s).epsilon(1e-8));
  // Pipeline bubble share of the pipeline = (p−1)/(m+p−1) = 1/33.
  CHECK(bubble_s / (compute_s + bubble_s) == doctest::Approx(1.0 / 33.0));
  // Implied end-to-end MFU: FLOP/step / (G · peak · t_step) = 0.5 · t_compute / t_step.
  CHECK(job.end_to_end_mfu() == doctest::Approx(0.5 * compute_s / step_s).epsilon(1e-8));
  CHECK(job.kernel_efficiency() == doctest::Approx(0.5).epsilon(1e-8));

  // Phases in order, with tensor rate peak·η while computing and nothing in the bubble.
  const auto& ph = job.step_phases();
  REQUIRE(ph.size() == 4);
  CHECK(ph[0].kind == PhaseKind::forward_backward);
  CHECK(ph[0].rates[Op::tensor_bf16] == doctest::Approx(0.5e15));
  // The all-reduce runs at its own rate, 2·1/2·5e8 B in 5 ms = 1e11 B/s: the overlapped half
  // (2.5 ms) alongside forward/backward, with 3× the bytes through HBM.
  CHECK(ph[0].rates[Op::hbm] == doctest::Approx(0.5e15 / 300 + 3e11 * 2.5e-3 / compute_s));
  CHECK(ph[1].kind == PhaseKind::pipeline_bubble);
  CHECK(ph[1].rates[Op::tensor_bf16] == 0);
  CHECK(ph[2].kind == PhaseKind::gradient_sync);
  // The DP group (2 ranks, tp 2) fits in one 8-GPU node: NVLink carries the exposed half.
  CHECK(ph[2].rates[Op::nvlink] == doctest::Approx(1e11));
  CHECK(ph[2].rates[Op::nvlink] * ph[2].duration.seconds() == doctest::Approx(2.5e8).epsilon(1e-6));
  CHECK(ph[3].kind == PhaseKind::optimizer);
  CHECK(ph[3].rates[Op::hbm] == doctest::Approx(2e12));

  // Checkpoint: 14 B/param · 1e9 = 14 GB at 10 GB/s = 1.4 s.
  CHECK(job.checkpoint_size().value() == doctest::Approx(14e9));
  CHECK(job.checkpoint_phase().duration.seconds() == doctest::Approx(1.4));
  CHECK(job.checkpoint_phase().rates[Op::pcie] == doctest::Approx(14e9 / 8 / 1.4));
}

TEST_CASE("mfu mode: the end-to-end MFU sets the step; overheads are carved out, not added") {
  const TrainingJob job(small_spec(), small_cluster());  // mfu 0.5, end to end
  const double flop_step = (6e9 + 12.0 * 16 * 2048 * 2048) * 64 * 2048;
  const double step_s = flop_step / (8 * 1e15 * 0.5);
  const double sync_s = 0.5 * (5e8 / 100e9), optim_s = 28.0 * 1.25e8 / 2e12;
  // t_compute·(1 + 1/32) = t_step − t_sync − t_optim.
  const double compute_s = (step_s - sync_s - optim_s) / (1.0 + 1.0 / 32.0);
  const auto& b = job.breakdown();
  CHECK(b.compute_s == doctest::Approx(compute_s));
  CHECK(b.bubble_s == doctest::Approx(compute_s / 32.0));
  CHECK(job.step_time().seconds() == doctest::Approx(step_s).epsilon(1e-8));
  CHECK(job.end_to_end_mfu() == doctest::Approx(0.5).epsilon(1e-8));
  // The kernels run faster than the end-to-end rate: η = 0.5 · t_step / t_compute > 0.5.
  CHECK(job.kernel_efficiency() == doctest::Approx(0.5 * step_s / compute_s));
  CHECK(job.kernel_efficiency() > 0.5);
  CHECK(job.step_phases()[0].rates[Op::tensor_bf16] ==
        doctest::Approx(1e15 * job.kernel_efficiency()));

  // An mfu so high that the overheads cannot fit: η is held at 1 and the fixed overheads
  // shrink so that the step still matches the end-to-end rate.
  TrainingJobSpec hot = small_spec();
  hot.mfu = 0.97;  // 1/(1 + 1/32) = 0.9697: the bubble alone leaves no room
  const TrainingJob capped(hot, small_cluster());
  CHECK(capped.kernel_efficiency() == doctest::Approx(1.0));
  CHECK(capped.breakdown().sync_s == doctest::Approx(0.0).epsilon(1e-12));
  CHECK(capped.end_to_end_mfu() == doctest::Approx(1.0 / (1.0 + 1.0 / 32.0)).epsilon(1e-6));
}

TEST_CASE("an evaluation pass: forward FLOPs only, no gradient sync, no optimizer") {
  TrainingJobSpec spec = small_spec();
  spec.forward_only = true;
  const TrainingJob job(spec, small_cluster());
  // 2N + 4·L·d·s = a third of 6N + 12·L·d·s.
  CHECK(job.flops_per_token() == doctest::Approx(2e9 + 4.0 * 16 * 2048 * 2048));
  CHECK(job.breakdown().sync_s == 0);
  CHECK(job.breakdown().optimizer_s == 0);
  // End-to-end mfu 0.5: the step is the forward FLOPs at half of peak, bubble carved out.
  const double step_s = job.flops_per_step() / (8 * 1e15 * 0.5);
  CHECK(job.step_time().seconds() == doctest::Approx(step_s).epsilon(1e-8));
  CHECK(job.breakdown().compute_s == doctest::Approx(step_s / (1 + 1.0 / 32)));
  for (const auto& ph : job.step_phases())
    CHECK((ph.kind == PhaseKind::forward_backward || ph.kind == PhaseKind::pipeline_bubble));
}

TEST_CASE("activation recomputation: more FLOPs executed, same model FLOPs and MFU") {
  // Model FLOP/token 6N + 12·L·d·s = 6e9 + 12·16·2048·2048; the recomputed forward work adds
  // 4·L·d·s (selective: attention scores) or 2N + 4·L·d·s (full: the whole forward pass).
  const double model_token = 6e9 + 12.0 * 16 * 2048 * 2048;
  const double attention = 4.0 * 16 * 2048 * 2048;
  const TrainingJob plain(small_spec(), small_cluster());  // mfu 0.5
  CHECK(plain.hardware_flops_per_token() == doctest::Approx(model_token));

  TrainingJobSpec full_spec = small_spec();
  full_spec.recompute = Recompute::full;
  const TrainingJob full(full_spec, small_cluster());
  CHECK(full.flops_per_token() == doctest::Approx(model_token));
  CHECK(full.hardware_flops_per_token() == doctest::Approx(model_token + 2e9 + attention));
  // Exactly 4/3 of the model FLOPs: the forward pass is a third of forward + backward.
  CHECK(full.hardware_flops_per_token() == doctest::Approx(4.0 / 3.0 * model_token));
  // mfu mode: the step (set by the model FLOPs at the end-to-end mfu) and its overheads do not
  // change; the tensor cores run 4/3 as fast while computing.
  CHECK(full.step_time() == plain.step_time());
  CHECK(full.breakdown().compute_s == doctest::Approx(plain.breakdown().compute_s));
  CHECK(full.end_to_end_mfu() == doctest::Approx(0.5).epsilon(1e-8));
  CHECK(full.kernel_efficiency() == doctest::Approx(4.0 / 3.0 * plain.kernel_efficiency()));
  CHECK(full.step_phases()[0].rates[Op::tensor_bf16] ==
        doctest::Approx(4.0 / 3.0 * plain.step_phases()[0].rates[Op::tensor_bf16]));
  // HBM traffic of forward/backward follows the tensor rate (flops_per_hbm_byte 300), up to
  // the 2 TB/s peak: 4/3 · ~0.52 PFLOP/s / 300 ≈ 2.3 TB/s is held at 2 TB/s.
  const double tensor = plain.step_phases()[0].rates[Op::tensor_bf16];
  const double hbm_extra =
      full.step_phases()[0].rates[Op::hbm] - plain.step_phases()[0].rates[Op::hbm];
  CHECK(hbm_extra ==
        doctest::Approx(std::min(2e12, 4.0 / 3.0 * tensor / 300) - std::min(2e12, tensor / 300)));
  // ... plus the overlapped half of the all-reduce's HBM traffic, 3e11 B/s for 2.5 ms.
  CHECK(full.step_phases()[0].rates[Op::hbm] ==
        doctest::Approx(2e12 + 3e11 * 2.5e-3 / full.breakdown().compute_s));

  TrainingJobSpec sel_spec = small_spec();
  sel_spec.recompute = Recompute::selective;
  const TrainingJob sel(sel_spec, small_cluster());
  CHECK(sel.hardware_flops_per_token() == doctest::Approx(model_token + attention));

  // predicted mode: η is the hardware rate, so the compute time grows with the executed FLOPs,
  // H_step / (G · peak · η) = 4/3 · F_step / (8 · 1e15 · 0.5), and the implied MFU falls.
  full_spec.throughput = Throughput::predicted;
  full_spec.kernel_efficiency = 0.5;
  const TrainingJob predicted(full_spec, small_cluster());
  const double model_step = model_token * 64 * 2048;
  CHECK(predicted.breakdown().compute_s ==
        doctest::Approx(4.0 / 3.0 * model_step / (8 * 1e15 * 0.5)));
  CHECK(predicted.kernel_efficiency() == doctest::Approx(0.5).epsilon(1e-8));
  // The MFU counts model FLOPs only: 0.5 · 3/4 while computing, diluted by the overheads.
  CHECK(predicted.end_to_end_mfu() ==
        doctest::Approx(0.375 * predicted.breakdown().compute_s / predicted.step_time().seconds())
            .epsilon(1e-8));
}

TEST_CASE("checkpoint bandwidth from the job's key overrides the cluster's") {
  TrainingJobSpec spec = small_spec();
  spec.checkpoint_bandwidth_bps = 2e9;
  const TrainingJob job(spec, small_cluster());
  CHECK(job.checkpoint_phase().duration.seconds() == doctest::Approx(14e9 / 2e9));
}

TEST_CASE("core-bound share: the GEMM time of forward/backward, none of sync and optimizer") {
  ClusterCapabilities caps = small_cluster();
  const TrainingJob unknown(small_spec(), caps);  // no GEMM efficiency: all of compute
  for (const auto& ph : unknown.step_phases())
    if (ph.kind == PhaseKind::forward_backward) CHECK(ph.rates.core_bound == 1.0);
  caps.gemm_efficiency = 0.8;
  const TrainingJob job(small_spec(), caps);
  const double eta = job.kernel_efficiency();
  double core_s = 0, total_s = 0;
  for (const auto& ph : job.step_phases()) {
    CAPTURE(phase_name(ph.kind));
    const double expected = ph.kind == PhaseKind::forward_backward  ? std::min(1.0, eta / 0.8)
                            : ph.kind == PhaseKind::pipeline_bubble ? std::min(1.0, eta / 0.8)
                                                                    : 0.0;
    CHECK(ph.rates.core_bound == doctest::Approx(expected));
    core_s += ph.rates.core_bound * ph.duration.seconds();
    total_s += ph.duration.seconds();
  }
  // The steady block's share is the time-weighted mean (shares of time add).
  CHECK(job.step_average_rates().core_bound == doctest::Approx(core_s / total_s));
  CHECK(job.checkpoint_phase().rates.core_bound == 0.0);
}

TEST_CASE("steady rates are the exact time-weighted mean of the step's phases") {
  const TrainingJob job(small_spec(), small_cluster());
  double tensor_flop = 0;
  sim::Time total;
  for (const auto& ph : job.step_phases()) {
    tensor_flop += ph.rates[Op::tensor_bf16] * ph.duration.seconds();
    total += ph.duration;
  }
  CHECK(total == job.step_time());
  CHECK(job.step_average_rates()[Op::tensor_bf16] * job.step_time().seconds() ==
        doctest::Approx(tensor_flop).epsilon(1e-12));
  // Tensor FLOP delivered in a step = FLOP/step / G (up to ns rounding of t_compute).
  CHECK(tensor_flop == doctest::Approx(job.flops_per_step() / 8).epsilon(1e-8));
}

TEST_CASE("training-job spec: derivations and errors") {
  const auto node =
      yaml("params: 70e9\ntokens: 1.4e12\ngpus: 1024\ntensor_parallel: 8\npipeline_parallel: 4\n");
  const auto s = training_job_spec(sim::ParamReader(&node, training_job_doc()));
  CHECK(s.parallel.data == 32);
  CHECK(s.parallel.microbatches == 1024 / 32);
  // steps = ceil(1.4e12 / (1024·4096)).
  CHECK(s.steps == static_cast<std::int64_t>(std::ceil(1.4e12 / (1024.0 * 4096))));
  // Shape from N: d³ = 128·N/12, rounded to 128; L = N/(12 d²).
  CHECK(s.d_model == 9088);
  CHECK(s.layers == static_cast<int>(std::lround(70e9 / (12.0 * 9088 * 9088))));

  const auto bad = yaml("params: 7e9\nsteps: 10\ngpus: 100\ntensor_parallel: 8\n");
  CHECK_THROWS_WITH_AS(training_job_spec(sim::ParamReader(&bad, training_job_doc())),
                       doctest::Contains("test.yaml:3:7: gpus must be a multiple of"),
                       sim::InputError);
  const auto both = yaml("params: 7e9\nsteps: 10\ntokens: 1e9\ngpus: 8\n");
  CHECK_THROWS_WITH_AS(training_job_spec(sim::ParamReader(&both, training_job_doc())),
                       doctest::Contains("give exactly one"), sim::InputError);
  const auto mfu = yaml("params: 7e9\nsteps: 10\ngpus: 8\nmfu: 1.5\n");
  CHECK_THROWS_WITH_AS(training_job_spec(sim::ParamReader(&mfu, training_job_doc())),
                       doctest::Contains("mfu must be in (0, 1]"), sim::InputError);
  const auto mixed = yaml("params: 7e9\nsteps: 10\ngpus: 8\nthroughput: predicted\nmfu: 0.4\n");
  CHECK_THROWS_WITH_AS(training_job_spec(sim::ParamReader(&mixed, training_job_doc())),
                       doctest::Contains("test.yaml:5:6: mfu is the end-to-end input"),
                       sim::InputError);
  const auto eta = yaml("params: 7e9\nsteps: 10\ngpus: 8\nkernel_efficiency: 0.6\n");
  CHECK_THROWS_WITH_AS(training_job_spec(sim::ParamReader(&eta, training_job_doc())),
                       doctest::Contains("kernel_efficiency is read only with"), sim::InputError);
  const auto rec = yaml("params: 7e9\nsteps: 10\ngpus: 8\nrecompute: full\n");
  CHECK(training_job_spec(sim::ParamReader(&rec, training_job_doc())).recompute == Recompute::full);
  const auto rec_bad = yaml("params: 7e9\nsteps: 10\ngpus: 8\nrecompute: half\n");
  CHECK_THROWS_WITH_AS(training_job_spec(sim::ParamReader(&rec_bad, training_job_doc())),
                       doctest::Contains("test.yaml:4:12"), sim::InputError);
  const auto rec_eval =
      yaml("params: 7e9\nsteps: 10\ngpus: 8\nforward_only: true\nrecompute: selective\n");
  CHECK_THROWS_WITH_AS(training_job_spec(sim::ParamReader(&rec_eval, training_job_doc())),
                       doctest::Contains("test.yaml:5:12: recompute re-runs forward work"),
                       sim::InputError);
  const auto ckpt = yaml("params: 7e9\nsteps: 10\ngpus: 8\ncheckpoint_bandwidth: 5 GB/s\n");
  CHECK(training_job_spec(sim::ParamReader(&ckpt, training_job_doc())).checkpoint_bandwidth_bps ==
        doctest::Approx(5e9));
}

TEST_CASE("state machine: accounting identity and explicit transitions") {
  const TrainingJob job(small_spec(), small_cluster());
  RunPolicy pol;
  pol.fidelity = Fidelity::iteration;
  pol.checkpoint_every_steps = 100;
  pol.restart_delay = sim::minutes(5);
  TrainingRun run(job, pol);
  Activity a = run.start(sim::Time::zero());
  CHECK(a.kind == PhaseKind::forward_backward);
  CHECK_THROWS_AS(run.on_step_done(a.end), std::logic_error);  // phases left in the step
  CHECK_THROWS_AS(run.advance(a.end - sim::seconds(0.001)), std::logic_error);  // too early
  // Through 150 steps (1 checkpoint after step 100), then a failure mid-step 151.
  sim::Time ckpt_end;
  while (run.stats().steps_done < 150) {
    const bool was_ckpt = a.kind == PhaseKind::checkpoint;
    a = run.advance(a.end);
    if (was_ckpt) ckpt_end = a.start;
  }
  CHECK(run.stats().checkpoints == 1);
  CHECK(run.stats().steps_committed == 100);
  const sim::Time fail_at = a.start + sim::Time::from_ns((a.end - a.start).ns() / 2);
  a = run.on_failure(fail_at, FailureClass::hbm);
  CHECK(a.kind == PhaseKind::restart);
  CHECK(a.end - a.start == sim::minutes(5));
  CHECK(run.stats().steps_done == 100);
  CHECK(run.stats().interruptions_by_class[static_cast<std::size_t>(FailureClass::hbm)] == 1);
  // Lost: everything since the checkpoint ended (50 steps and half a phase), on 8 GPUs.
  CHECK(run.stats().lost_gpu_s == doctest::Approx(8 * (fail_at - ckpt_end).seconds()));
  CHECK((fail_at - ckpt_end).seconds() > 50 * job.step_time().seconds());
  while (!a.done()) a = run.advance(a.end);
  const auto& st = run.stats();
  CHECK(st.steps_committed == 1000);
  CHECK(st.checkpoints == 10);  // 9 periodic + the final one
  CHECK(st.useful_gpu_s == doctest::Approx(8 * 1000 * job.step_time().seconds()));
  CHECK(st.restart_gpu_s == doctest::Approx(8 * 300.0));
  CHECK(st.checkpoint_gpu_s == doctest::Approx(8 * 10 * 1.4));
  // total = useful + lost + checkpoint + restart = G · wall time.
  CHECK(st.total_gpu_s() == doctest::Approx(8 * (a.end - run.started_at()).seconds()));
  CHECK(st.goodput() < 1.0);
  CHECK_THROWS_AS(run.on_failure(a.end), std::logic_error);
}

TEST_CASE("every activity returned is the run's own current one, to the bit") {
  // The run keeps its activity and returns another copy of it, each written from the phase
  // (TrainingRun::begin): both fidelities, through steps, checkpoints, a failure and a restart.
  const TrainingJob job(small_spec(), small_cluster());
  const auto same = [](const Activity& a, const Activity& b) {
    if (a.kind != b.kind || a.start != b.start || a.end != b.end) return false;
    if (std::bit_cast<std::uint64_t>(a.rates.core_bound) !=
        std::bit_cast<std::uint64_t>(b.rates.core_bound))
      return false;
    for (std::size_t k = 0; k < compute::op_count; ++k)
      if (std::bit_cast<std::uint64_t>(a.rates.per_s[k]) !=
          std::bit_cast<std::uint64_t>(b.rates.per_s[k]))
        return false;
    return true;
  };
  for (const Fidelity fidelity : {Fidelity::iteration, Fidelity::steady}) {
    CAPTURE(static_cast<int>(fidelity));
    RunPolicy pol;
    pol.fidelity = fidelity;
    pol.checkpoint_every_steps = 100;
    pol.restart_delay = sim::minutes(5);
    TrainingRun run(job, pol);
    Activity a = run.start(sim::Time::zero());
    CHECK(same(a, run.current()));
    int activities = 0, checkpoints = 0, failed = 0;
    while (!a.done()) {
      if (!failed && run.stats().steps_done >= 150 && a.end > a.start + sim::Time::from_ns(1)) {
        a = run.on_failure(a.start + sim::Time::from_ns((a.end - a.start).ns() / 2));
        failed = 1;
        CHECK(a.kind == PhaseKind::restart);
        CHECK(a.rates.core_bound == 0.0);  // the restart's own rates, not the step's
      } else {
        a = run.advance(a.end);
      }
      checkpoints += a.kind == PhaseKind::checkpoint;
      if (!same(a, run.current())) FAIL("activity ", activities, " differs from current()");
      ++activities;
    }
    CHECK(failed == 1);
    CHECK(checkpoints >= 10);
    CHECK(run.current().kind == PhaseKind::done);
  }
}

TEST_CASE("iteration and steady fidelity give the same energy (within 1 %), failures included") {
  ClusterCapabilities caps = small_cluster();
  TrainingJobSpec spec = small_spec();
  spec.steps = 20000;
  const TrainingJob job(spec, caps);
  FailureSpec fs = FailureSpec::llama3();
  // Job MTBF 20 min on 8 GPUs, to see several failures in the ~1.3 h run.
  for (auto& r : fs.rate_per_gpu_s) r *= (50677.0 * 3 / 8.0);
  const FailureProcess failures(fs, job.gpus());
  fs.checkpoint_rule = CheckpointRule::fixed;
  fs.checkpoint_every = sim::minutes(10);

  // No failures: identical to rounding.
  {
    const FailureProcess none(FailureSpec{}, job.gpus());
    sim::Rng r1(1), r2(1);
    const auto it =
        drive_run(job, run_policy(job, fs, Fidelity::iteration), none, r1, {}, linear_power_w);
    const auto st =
        drive_run(job, run_policy(job, fs, Fidelity::steady), none, r2, {}, linear_power_w);
    CHECK(it.end == st.end);
    CHECK(st.energy_j == doctest::Approx(it.energy_j).epsilon(1e-12));
  }
  const sim::RandomStreams streams(7);
  auto r1 = streams.stream("failures/job-1");
  auto r2 = streams.stream("failures/job-1");
  const auto it =
      drive_run(job, run_policy(job, fs, Fidelity::iteration), failures, r1, {}, linear_power_w);
  const auto st =
      drive_run(job, run_policy(job, fs, Fidelity::steady), failures, r2, {}, linear_power_w);
  REQUIRE(it.stats.interruptions >= 2);
  CHECK(it.stats.interruptions == st.stats.interruptions);
  CHECK(it.end == st.end);
  CHECK(it.stats.lost_gpu_s == doctest::Approx(st.stats.lost_gpu_s));
  const double rel = std::fabs(st.energy_j - it.energy_j) / it.energy_j;
  MESSAGE("iteration vs steady energy: ", it.energy_j, " J vs ", st.energy_j, " J, rel diff ", rel,
          ", interruptions ", it.stats.interruptions);
  CHECK(rel < 0.01);
}

TEST_CASE("goodput under failures matches the closed form E[T] = e^{ΛR}(e^{Λ(τ+δ)}−1)/Λ") {
  // δ = 14 GB / 1 GB/s = 14 s; job MTBF M = 2 h; restart R = 60 s; τ ≈ 600 s.
  TrainingJobSpec long_spec = small_spec();
  long_spec.steps = 1000000;
  const TrainingJob base(long_spec, small_cluster(1e9));
  const double delta_s = base.checkpoint_phase().duration.seconds();
  CHECK(delta_s == doctest::Approx(14.0));
  const std::int64_t k = steps_for_interval(base, sim::seconds(600));
  const int segments = 40;
  TrainingJobSpec spec = small_spec();
  spec.steps = k * segments;
  const TrainingJob job(spec, small_cluster(1e9));
  const double tau_s = (job.step_time() * k).seconds();

  FailureSpec fs;
  const double mtbf_s = 7200;
  fs.rate_per_gpu_s[0] = 1.0 / (mtbf_s * job.gpus());
  const FailureProcess failures(fs, job.gpus());
  RunPolicy pol;
  pol.checkpoint_every_steps = k;
  pol.restart_delay = sim::seconds(60);

  const sim::RandomStreams streams(2024);
  const int jobs = 2000;
  double sum = 0, sum2 = 0, useful = 0, total = 0;
  for (int j = 0; j < jobs; ++j) {
    auto rng = streams.stream("goodput/" + std::to_string(j));
    const auto out = drive_run(job, pol, failures, rng);
    const double t = (out.end - out.start).seconds();
    sum += t;
    sum2 += t * t;
    useful += out.stats.useful_gpu_s;
    total += out.stats.total_gpu_s();
  }
  const double mean = sum / jobs;
  const double se = std::sqrt((sum2 / jobs - mean * mean) / (jobs - 1));
  const double expect = segments * expected_segment_s(tau_s + delta_s, 60.0, 1.0 / mtbf_s);
  MESSAGE("job wall time: simulated ", mean, " s ± ", se, " (1 SE), closed form ", expect,
          " s; goodput ", useful / total, " vs ", segments * tau_s / expect);
  // Mean of 2000 iid job times: |error| < 4 SE (false alarm ~6e-5 under the CLT).
  CHECK(std::fabs(mean - expect) < 4 * se);
  CHECK(useful / total == doctest::Approx(segments * tau_s / expect).epsilon(4 * se / expect));
}

TEST_CASE("the checkpoint interval that maximises simulated goodput is near Young's") {
  // δ = 14 s, job MTBF M = 2 h: τ_Young = √(2·14·7200) = 449 s.
  TrainingJobSpec spec = small_spec();
  const TrainingJob probe(spec, small_cluster(1e9));
  const double delta_s = probe.checkpoint_phase().duration.seconds();
  const double mtbf_s = 7200, restart_s = 60;
  const double young_s = young_interval(sim::seconds(delta_s), sim::seconds(mtbf_s)).seconds();
  CHECK(young_s == doctest::Approx(std::sqrt(2 * 14.0 * 7200)));

  FailureSpec fs;
  fs.rate_per_gpu_s[0] = 1.0 / (mtbf_s * 8);
  const FailureProcess failures(fs, 8);
  spec.steps = static_cast<std::int64_t>(200 * mtbf_s / probe.step_time().seconds());
  const TrainingJob job(spec, small_cluster(1e9));
  const sim::RandomStreams streams(99);

  auto analytic = [&](double tau_s) {
    return tau_s / expected_segment_s(tau_s + delta_s, restart_s, 1.0 / mtbf_s);
  };
  // Sweep τ from 0.4× to 2.5× Young on a geometric grid; the same streams for every τ (common
  // random numbers), 100 independent jobs of ~200 MTBF each per τ.
  const int points = 25, reps = 100;
  double best_tau = 0, best_g = 0, best_se = 0, max_analytic = 0;
  std::vector<double> taus, goods;
  for (int i = 0; i < points; ++i) {
    const double tau_target = young_s * 0.4 * std::pow(2.5 / 0.4, i / (points - 1.0));
    RunPolicy pol;
    pol.checkpoint_every_steps = steps_for_interval(job, sim::seconds(tau_target));
    pol.restart_delay = sim::seconds(restart_s);
    pol.final_checkpoint = false;
    const double tau_s = (job.step_time() * pol.checkpoint_every_steps).seconds();
    double u = 0, t = 0, s = 0, s2 = 0;
    for (int j = 0; j < reps; ++j) {
      auto rng = streams.stream("sweep/" + std::to_string(j));
      const auto out = drive_run(job, pol, failures, rng);
      u += out.stats.useful_gpu_s;
      t += out.stats.total_gpu_s();
      const double g = out.stats.goodput();
      s += g;
      s2 += g * g;
    }
    const double g = u / t;
    const double se = std::sqrt((s2 / reps - (s / reps) * (s / reps)) / (reps - 1));
    taus.push_back(tau_s);
    goods.push_back(g);
    max_analytic = std::max(max_analytic, analytic(tau_s));
    if (g > best_g) best_g = g, best_tau = tau_s, best_se = se;
  }
  // Statistical tolerance: the simulated optimum is acceptable wherever the closed-form
  // goodput is within 3 SE of its maximum (the curve is flat there: noise decides).
  const double band = 3 * best_se;
  CHECK(analytic(best_tau) > max_analytic - band);
  // Young's interval itself lies in that near-optimal band, and the simulated optimum is
  // within a factor 1.5 of Young's (the band's width for these δ/M).
  CHECK(analytic(young_s) > max_analytic - band);
  MESSAGE("Young ", young_s, " s, Daly ",
          daly_interval(sim::seconds(delta_s), sim::seconds(mtbf_s)).seconds(),
          " s; simulated best τ ", best_tau, " s, goodput ", best_g, " ± ", best_se,
          "; closed-form max ", max_analytic);
  CHECK(best_tau > young_s / 1.5);
  CHECK(best_tau < young_s * 1.5);
}

TEST_CASE("failure spec: Llama 3 defaults and overrides") {
  const auto node = yaml("{}");
  const FailureSpec s = failure_spec(sim::ParamReader(&node, failures_doc()));
  // 419 interruptions over 16,384 GPUs × 54 d: per-GPU MTBF = 16384·54·24/419 h ≈ 50,677 h.
  CHECK(1.0 / s.rate_per_gpu_total() / 3600 == doctest::Approx(50677).epsilon(1e-4));
  CHECK(s.rate_per_gpu_s[static_cast<std::size_t>(FailureClass::hbm)] / s.rate_per_gpu_total() ==
        doctest::Approx(72.0 / 419).epsilon(1e-3));
  CHECK(s.checkpoint_rule == CheckpointRule::young);
  // The whole Llama 3 cluster: one failure per 50,677 h / 16,384 = 3.09 h.
  CHECK(FailureProcess(FailureSpec::llama3(), 16384).mtbf().hours() ==
        doctest::Approx(54.0 * 24 / 419));

  const auto fixed = yaml("mtbf_per_gpu: 50000 h\nrestart: 10 min\ncheckpoint_every: 30 min\n");
  const FailureSpec f = failure_spec(sim::ParamReader(&fixed, failures_doc()));
  CHECK(f.checkpoint_rule == CheckpointRule::fixed);
  CHECK(f.checkpoint_every == sim::minutes(30));
  CHECK(1.0 / f.rate_per_gpu_total() == doctest::Approx(50000.0 * 3600));
  const auto bad = yaml("checkpoint_every: often\n");
  CHECK_THROWS_AS(failure_spec(sim::ParamReader(&bad, failures_doc())), sim::InputError);

  // Class draws follow the class shares (fixed seed, 4 SE).
  const FailureProcess p(FailureSpec::llama3(), 16384);
  auto rng = sim::RandomStreams(5).stream("classes");
  int hbm = 0;
  const int n = 100000;
  sim::Time now;
  for (int i = 0; i < n; ++i) {
    const Failure f1 = p.next(now, rng);
    hbm += f1.cls == FailureClass::hbm;
    now = f1.at;
  }
  const double share = 72.0 / 419;
  CHECK(std::fabs(hbm / double(n) - share) < 4 * std::sqrt(share * (1 - share) / n));
  // n failures span n·MTBF on average (4 SE: SE of a sum of n exponentials = √n·MTBF).
  CHECK(std::fabs(now.seconds() - n * p.mtbf().seconds()) < 4 * std::sqrt(n) * p.mtbf().seconds());
}

TEST_CASE("Young and Daly intervals") {
  // δ = 5 min, M = 10 h: Young √(2·300·36000) = 4648 s; Daly adds ⅓√(δ/2M)+δ/(18M) and − δ.
  const double y = std::sqrt(2 * 300.0 * 36000);
  CHECK(young_interval(sim::minutes(5), sim::hours(10)).seconds() == doctest::Approx(y));
  const double x = 300.0 / 72000;
  CHECK(daly_interval(sim::minutes(5), sim::hours(10)).seconds() ==
        doctest::Approx(y * (1 + std::sqrt(x) / 3 + x / 9) - 300));
  CHECK(daly_interval(sim::hours(30), sim::hours(10)) == sim::hours(10));
}

TEST_CASE("MoE: compute from active parameters, state from total, all-to-all bytes by hand") {
  // 3e9 parameters, 1e9 active, 8 experts, top-2: one expert N_e1 = (3e9 − 1e9)/(8 − 2),
  // all experts N_exp = 8·N_e1 = 2.667e9, shared N_sh = 3e9 − N_exp = 0.333e9.
  // 8 GPUs: dp 4 × tp 2, expert_parallel 4; 4 GPUs per node. Predicted mode, no overlap: the
  // forward/backward phase has the dense job's length and tensor rate.
  ClusterCapabilities caps = small_cluster();
  caps.gpus_per_node = 4;
  TrainingJobSpec dense = small_spec();
  dense.parallel = {.data = 4, .tensor = 2, .pipeline = 1, .context = 1, .microbatches = 16};
  dense.throughput = Throughput::predicted;
  dense.kernel_efficiency = 0.5;
  dense.comm_overlap = 0.0;
  TrainingJobSpec moe = dense;
  moe.params = 3e9;
  moe.active_params = 1e9;
  moe.experts = 8;
  moe.top_k = 2;
  moe.expert_parallel = 4;
  const double n_exp = 8 * (3e9 - 1e9) / 6, n_sh = 3e9 - n_exp;
  CHECK(moe.expert_params() == doctest::Approx(n_exp));

  const TrainingJob d(dense, caps), m(moe, caps);
  CHECK(m.flops_per_token() == doctest::Approx(d.flops_per_token()));  // 6·N_a + 12·L·d·s
  CHECK(m.flops_per_token() == doctest::Approx(6 * 1e9 + 12.0 * 16 * 2048 * 2048));
  const Phase& fd = d.step_phases().front();
  const Phase& fm = m.step_phases().front();
  REQUIRE(fm.kind == PhaseKind::forward_backward);
  CHECK(fm.duration == fd.duration);
  CHECK(fm.rates[Op::tensor_bf16] == doctest::Approx(fd.rates[Op::tensor_bf16]));
  CHECK(fm.rates[Op::hbm] == doctest::Approx(fd.rates[Op::hbm]));

  // All-to-all per GPU per step: T_rank = 64·2048/4 tokens, 16 MoE layers, dispatch + combine
  // of k·d bf16 elements forward and backward, (ep − 1)/ep leaves the GPU, / tp.
  const double a2a = 64.0 * 2048 / 4 * 16 * 2 * 2 * 2048 * 2 * 2 * 3.0 / 4 / 2;
  // EP ranks in a node: 4 GPUs / tp 2 = 2 ⇒ (2 − 1)/(4 − 1) of it on NVLink, the rest off node.
  const auto& b = m.breakdown();
  CHECK(b.all_to_all_nvlink_bytes == doctest::Approx(a2a / 3));
  CHECK(b.all_to_all_network_bytes == doctest::Approx(a2a * 2 / 3));
  const double t = fm.duration.seconds();
  CHECK(fm.rates[Op::nvlink] * t - fd.rates[Op::nvlink] * t == doctest::Approx(a2a / 3));
  CHECK(fm.rates[Op::pcie] * t == doctest::Approx(a2a * 2 / 3));
  CHECK(fd.rates[Op::pcie] == 0.0);
  // Energy of forward/backward (linear power model, 10 pJ/B on NVLink and PCIe): the dense
  // job's, plus the all-to-all's bytes times their energy.
  CHECK(linear_power_w(fm.rates) * t ==
        doctest::Approx(linear_power_w(fd.rates) * t + 10e-12 * a2a).epsilon(1e-9));

  // State from the total: checkpoint 14·N; distributed optimizer 28·N/G bytes per GPU at
  // 2 TB/s; gradients of the shared part all-reduced over dp = 4 ranks (ring, 100 GB/s), the
  // experts' over dp/ep = 1 rank (none).
  CHECK(m.checkpoint_size().value() == doctest::Approx(14 * 3e9));
  CHECK(b.optimizer_s == doctest::Approx(28 * 3e9 / 8 / 2e12));
  CHECK(b.allreduce_s == doctest::Approx(2.0 * 3 / 4 * (n_sh / 2 * 2) / 100e9));
  // Without expert parallelism nothing crosses GPUs for the experts.
  moe.expert_parallel = 1;
  const TrainingJob local(moe, caps);
  CHECK(local.breakdown().all_to_all_nvlink_bytes + local.breakdown().all_to_all_network_bytes ==
        0.0);
  CHECK(local.step_phases().front().rates[Op::pcie] == 0.0);
}

TEST_CASE("distillation: the teacher's forward pass adds 2·N_t + 4·L_t·d_t·s per token") {
  TrainingJobSpec student = small_spec();
  TrainingJobSpec distil = student;
  distil.teacher_params = 8e9;
  distil.teacher_layers = 32;
  distil.teacher_d_model = 4096;
  const TrainingJob s(student, small_cluster()), t(distil, small_cluster());
  const double teacher = 2 * 8e9 + 4.0 * 32 * 4096 * 2048;
  CHECK(t.flops_per_token() == doctest::Approx(s.flops_per_token() + teacher));
  // mfu mode: the step lengthens by the teacher's FLOPs at the same MFU; the checkpoint and
  // the optimizer are the student's alone.
  CHECK(t.step_time().seconds() ==
        doctest::Approx(s.step_time().seconds() * (s.flops_per_token() + teacher) /
                        s.flops_per_token())
            .epsilon(1e-6));
  CHECK(t.checkpoint_size().value() == s.checkpoint_size().value());
  CHECK(t.breakdown().optimizer_s == doctest::Approx(s.breakdown().optimizer_s));
}

TEST_CASE("MoE and distillation keys: derivations and errors") {
  const auto ok = yaml(
      "params: 46.7e9\nsteps: 10\ngpus: 64\ntensor_parallel: 8\nexperts: 8\ntop_k: 2\n"
      "active_params: 12.9e9\nexpert_parallel: 8\nteacher_params: 70e9\n");
  const auto s = training_job_spec(sim::ParamReader(&ok, training_job_doc()));
  CHECK(s.moe());
  CHECK(s.moe_layer_count() == s.layers);
  CHECK(s.compute_params() == 12.9e9);
  CHECK(s.teacher_d_model == shape_from_params(70e9).d_model);
  const auto spec_of = [](const std::string& text) {
    const auto node = yaml(text);
    return training_job_spec(sim::ParamReader(&node, training_job_doc()));
  };
  CHECK_THROWS_WITH_AS(spec_of("params: 7e9\nsteps: 10\ngpus: 8\nexperts: 8\n"),
                       doctest::Contains("test.yaml:4:10: experts needs active_params"),
                       sim::InputError);
  CHECK_THROWS_WITH_AS(
      spec_of("params: 7e9\nsteps: 10\ngpus: 8\nexperts: 8\nactive_params: 1e9\n"),
      doctest::Contains("test.yaml:5:16: active_params must be in [top_k/experts·params"),
      sim::InputError);
  CHECK_THROWS_WITH_AS(
      spec_of("params: 7e9\nsteps: 10\ngpus: 8\nexperts: 8\ntop_k: 8\nactive_params: 7e9\n"),
      doctest::Contains("test.yaml:5:8: top_k must be below experts"), sim::InputError);
  CHECK_THROWS_WITH_AS(spec_of("params: 7e9\nsteps: 10\ngpus: 8\nexperts: 6\nactive_params: 3e9\n"
                               "expert_parallel: 4\n"),
                       doctest::Contains("test.yaml:6:18: expert_parallel must divide experts"),
                       sim::InputError);
  CHECK_THROWS_WITH_AS(spec_of("params: 7e9\nsteps: 10\ngpus: 8\ntop_k: 2\n"),
                       doctest::Contains("test.yaml:4:8: top_k is read only for a mixture"),
                       sim::InputError);
  CHECK_THROWS_WITH_AS(spec_of("params: 7e9\nsteps: 10\ngpus: 8\nteacher_layers: 2\n"),
                       doctest::Contains("teacher_layers is read only for distillation"),
                       sim::InputError);
  CHECK_THROWS_WITH_AS(
      spec_of("params: 7e9\nsteps: 10\ngpus: 8\nforward_only: true\nteacher_params: 7e10\n"),
      doctest::Contains("test.yaml:5:17: teacher_params distils"), sim::InputError);
}

TEST_CASE("the checkpoint phase is computed once, with the figures of the per-call form") {
  // 14 B/param · 1e9 = 14 GB at 10 GB/s: 1.4 s; each of the 8 GPUs copies 14e9 / 8 B in it.
  const TrainingJob job(small_spec(), small_cluster());
  const Phase ck = job.checkpoint_phase();
  CHECK(ck.kind == PhaseKind::checkpoint);
  CHECK(ck.duration == sim::seconds(14e9 / 10e9));
  CHECK(ck.rates[Op::pcie] == 14e9 / 8 / (14e9 / 10e9));
  CHECK(ck.rates[Op::hbm] == ck.rates[Op::pcie]);
  CHECK(ck.rates.core_bound == 0.0);
  // A copy of the job (a model holds its own) answers the same.
  const TrainingJob copy = job;
  CHECK(copy.checkpoint_phase().duration == ck.duration);
  CHECK(copy.checkpoint_phase().rates.per_s == ck.rates.per_s);
  // Prefetching reads nothing the answers depend on.
  copy.prefetch_step();
  TrainingRun run(copy, RunPolicy{});
  run.prefetch();
  CHECK(run.start(sim::Time::zero()).end == copy.step_time() * copy.total_steps());
}

TEST_CASE("a checkpoint too long for sim::Time throws when asked for, not when the job is built") {
  // 14 GB at 1 mB/s: 1.4e13 s, past the 292 years a sim::Time holds.
  TrainingJobSpec spec = small_spec();
  spec.checkpoint_bandwidth_bps = 1e-3;
  const TrainingJob job(spec, small_cluster());
  CHECK(job.step_time() > sim::Time::zero());
  CHECK_THROWS_AS(job.checkpoint_phase(), std::overflow_error);
}
