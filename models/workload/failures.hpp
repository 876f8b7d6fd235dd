// Failures and checkpoint intervals of synchronous training jobs.
//
// Failures are Poisson per component class c with a rate λ_c per accelerator; a job on G
// accelerators fails at rate Λ = G·Σ_c λ_c (any failure stops a synchronous job), the class
// drawn with probability λ_c/Σλ. Memorylessness lets the World draw the next failure afresh
// whenever it likes (at job start and after each failure).
//
// Defaults: "The Llama 3 Herd of Models" (Dubey et al. 2024), §3.3.4 and Table 5: 419
// unexpected interruptions in 54 days on 16,384 H100 GPUs (a measurement), i.e. one per
// 16,384·54·24/419 = 50,677 GPU-hours. Table 5 rows grouped into classes (counts):
//   gpu      196 = faulty GPU 148 + GPU SRAM 19 + GPU system processor 17
//                  + silent data corruption 6 + GPU thermal interface/sensor 6
//   hbm       72 = GPU HBM3 memory
//   network   35 = network switch/cable
//   host      53 = host maintenance 32 + NIC 7 + SSD 3 + power supply 3 + chassis 2
//                  + IO expansion board 2 + CPU 2 + system memory 2
//   software  63 = software bug 54 + NCCL watchdog timeouts 7 + dependency 2
// Note: the paper prints 30.1 % beside "faulty GPU, 148", but 148/419 = 35.3 % (the other
// rows match count/419); its "58.7 % GPU-related" sums the printed percentages. We use the
// counts, which sum to 419: GPU-related (gpu + hbm) = 268/419 = 64.0 %.
//
// Checkpoint interval (compute time τ between checkpoints of cost δ, job MTBF M = 1/Λ):
//   Young 1974 ("A first order approximation to the optimum checkpoint interval", CACM 17):
//       τ_Y = √(2·δ·M)
//   Daly 2006 ("A higher order estimate of the optimum checkpoint interval for restart
//   dumps", FGCS 22, eq. 37):
//       τ_D = √(2δM)·[1 + ⅓·√(δ/(2M)) + (1/9)·δ/(2M)] − δ   for δ < 2M, else M.
// Expected wall time of one segment of τ + δ under rate Λ with restart R (a failure during a
// restart restarts it), Daly 2006 eq. 13 form:  E[T] = e^{ΛR}·(e^{Λ(τ+δ)} − 1)/Λ.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "sim/params.hpp"
#include "sim/random.hpp"
#include "sim/time.hpp"
#include "sim/units.hpp"

namespace joule::models::workload {

enum class FailureClass : std::size_t { gpu, hbm, network, host, software, count };
inline constexpr std::size_t failure_class_count = static_cast<std::size_t>(FailureClass::count);
std::string_view failure_class_name(FailureClass c);

// Llama 3 Table 5 counts per class (see header), over 16,384 GPUs × 54 days.
inline constexpr std::array<double, failure_class_count> llama3_interruptions = {196, 72, 35, 53,
                                                                                 63};
inline constexpr double llama3_gpu_hours = 16384.0 * 54.0 * 24.0;

enum class CheckpointRule { fixed, young, daly };

struct FailureSpec {
  // Failures per accelerator-second, per class.
  std::array<double, failure_class_count> rate_per_gpu_s{};
  sim::Time restart = sim::minutes(10);  // estimate: re-launch + reload, not stated by Llama 3
  CheckpointRule checkpoint_rule = CheckpointRule::young;
  sim::Time checkpoint_every = sim::minutes(30);  // for CheckpointRule::fixed
  bool enabled = true;

  double rate_per_gpu_total() const;
  static FailureSpec llama3();  // the rates above
};

// Keys of a `failures:` map: mtbf_per_gpu, shares per class, restart, checkpoint_every.
const sim::ModelDoc& failures_doc();
FailureSpec failure_spec(const sim::ParamReader& r);

sim::Time young_interval(sim::Time checkpoint_cost, sim::Time mtbf);
sim::Time daly_interval(sim::Time checkpoint_cost, sim::Time mtbf);
// E[wall time] of a segment of `work` (compute + checkpoint) with failure rate `rate_per_s`
// and restart R, failures possible during restarts.
double expected_segment_s(double work_s, double restart_s, double rate_per_s);

struct Failure {
  sim::Time at;
  FailureClass cls = FailureClass::gpu;
};

// Superposed Poisson failures of one job's G accelerators.
class FailureProcess {
public:
  FailureProcess(const FailureSpec& spec, int gpus);
  double rate_per_s() const { return rate_per_s_; }
  sim::Time mtbf() const;  // Time::max() when no failures
  // The next failure after `now`, drawn from `rng` (one exponential and one class draw).
  // Returns at = Time::max() when the rate is zero.
  Failure next(sim::Time now, sim::Rng& rng) const;

private:
  std::array<double, failure_class_count> class_rate_{};
  double rate_per_s_ = 0;
};

}  // namespace joule::models::workload
