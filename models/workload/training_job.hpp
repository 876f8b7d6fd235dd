// LLM training job: what one optimizer step costs, in time and in operations per accelerator.
//
// FLOPs per token (forward + backward, no activation recomputation), as in PaLM's MFU
// definition (Chowdhery et al. 2022, App. B), Narayanan et al. 2021 (SC'21, eq. 3 with the
// recomputation pass removed) and Hoffmann et al. 2022 (Chinchilla, App. F):
//     F_token = 6·N + 12·L·d·s
// N parameters, L layers, d model width, s sequence length. (Kaplan et al. 2020, Table 1, count
// only the QKᵀ logits and get 6·L·s·d; the attention-times-values product doubles it.)
// An evaluation pass (`forward_only`) does the forward third, F_token = 2·N + 4·L·d·s, with no
// gradient all-reduce, optimizer or checkpoint state beyond the weights.
//
// Activation recomputation (`recompute`; Korthikanti et al., "Reducing Activation Recomputation
// in Large Transformer Models", MLSys 2023, arXiv 2205.05198, §4–5) re-runs forward work before
// the backward pass: the chips execute more FLOPs than the model needs. The model FLOPs (and
// so the MFU) stay F_token; the hardware FLOPs the tensor cores execute are
//     none       H_token = F_token
//     selective  H_token = F_token + 4·L·d·s          the attention scores (QKᵀ, softmax·V)
//     full       H_token = F_token + 2·N + 4·L·d·s    the whole forward pass again (4/3·F)
// (N_a for MoE; a distillation teacher is not recomputed). The compute phase's tensor rate,
// and so the kernel efficiency η, counts H_token: η = H_step / (G · peak · t_compute), the
// hardware FLOPs utilisation (HFU) while computing.
//
// One step processes the global batch B_tok = global_batch × s tokens on G = dp·tp·pp·cp
// accelerators. Its parts:
//     t_compute  = H_token · B_tok / (G · peak · η)            forward + backward (recomputed
//                                                             passes included) at kernel
//                                                             efficiency η
//     t_bubble   = t_compute · (p − 1) / (v · m)               pipeline fill/drain (1F1B;
//                  bubble share of the pipeline (p−1)/(v·m+p−1), Narayanan et al. 2021 §2.2)
//     t_sync     = (1 − overlap) · allreduce_s(S_grad, dp·cp)  exposed gradient all-reduce
//     t_optim    = b_opt · N_shard / HBM_bw                    memory-bound Adam update
//     t_step     = t_compute + t_bubble + t_sync + t_optim
// S_grad = N/(tp·pp) · b_elem is the gradient shard every DP rank holds; N_shard is
// N/(tp·pp), divided further by dp·cp with a distributed (ZeRO-1) optimizer.
//
// Throughput has two modes (`throughput:`):
//   mfu (default)  `mfu` is the end-to-end model FLOPs utilisation, as papers report it (PaLM,
//                  Chowdhery et al. 2022, App. B: model FLOPs per second over peak, with
//                  bubbles, exposed communication and the optimizer inside). Nothing is added
//                  on top: t_step = F_token · B_tok / (G · peak · mfu), and the overheads above
//                  are carved out of that step, which sets the implied kernel efficiency
//                  η = H_step / (G · peak · t_compute) with t_compute = (t_step − t_sync −
//                  t_optim) / (1 + (p−1)/(v·m)). Where the overheads would leave η > 1, the
//                  exposed sync and optimizer are scaled down until η = 1 (the published
//                  throughput is a fact; its split is the model's).
//   predicted      `kernel_efficiency` η is given; t_step is the sum above, and the job reports
//                  the MFU it implies, F_step / (G · peak · t_step).
// `end_to_end_mfu()` and `kernel_efficiency()` return both in either mode.
//
// Checkpoint: N · b_ckpt bytes (mixed-precision Adam: 2 bf16 weights + 4 fp32 master + 4 + 4
// Adam moments = 14 byte/param; Rajbhandari et al. 2020, ZeRO §3) written at the job's
// checkpoint bandwidth (`checkpoint_bandwidth`, else the cluster's share for G accelerators).
//
// Parameters (key, default, kind):
//   checkpoint_bytes_per_param     14    from mixed-precision Adam state (ZeRO §3)
//   optimizer_hbm_bytes_per_param  28    estimate: read grad 2 + master/m/v 12, write 12 + 2
//   optimizer_flops_per_param      12    estimate (Adam update arithmetic)
//   flops_per_hbm_byte             300   estimate: H100 roofline ridge 989e12/3.35e12
//   comm_overlap                   0.8   estimate (gradient reduce overlapped with backward)
//   kernel_efficiency              0.5   estimate: dense-GEMM share of peak in large-model
//                                        training (predicted mode only)
//
// Core-bound share of each phase (OpRates::core_bound: what slows when a cap lowers the core
// clock): forward/backward spends min(1, η/η_gemm) of its time in GEMM kernels at the chip's
// GEMM efficiency η_gemm (ClusterCapabilities::gemm_efficiency) and the rest in memory-bound
// kernels and waits; the bubble waits on other stages' forward/backward (the same share); the
// gradient sync, optimizer, checkpoint and restart are link-, HBM- or storage-bound (0).
//
// Op rates per accelerator of each phase (the contract in models/compute/op_rates.hpp):
//   forward_backward: tensor = peak·η; HBM = tensor / flops_per_hbm_byte (≤ HBM_bw);
//                     NVLink = tensor-parallel all-reduces (4 per layer per token, Megatron)
//                     + pipeline point-to-point activations, spread over t_compute.
//   pipeline_bubble:  all zero (the stage waits).
//   gradient_sync:    ring all-reduce bytes 2(n−1)/n·S_grad at the collective's own rate
//                     (on NVLink when the DP group fits in a node, else through PCIe to the
//                     NIC); HBM 3× those bytes (read two operands, write the sum); vector FP32
//                     one add per element received. The overlapped share of the all-reduce
//                     draws the same rates during forward/backward.
//   optimizer:        HBM at full bandwidth; vector FP32 optimizer_flops_per_param·N_shard.
//   checkpoint:       device→host copy of the accelerator's share: PCIe = HBM = size/(G·t_ckpt).
//   restart:          all zero (processes re-launch, GPUs idle).
//
// Mixture of experts (`experts` > 0; GShard, Lepikhin et al. 2020; Switch Transformer, Fedus
// et al. 2022; DeepSpeed-MoE, Rajbhandari et al. 2022). Each MoE layer routes every token to
// top_k of E experts. From the total N and active N_a parameters:
//     N_e1 = (N − N_a)/(E − k)    one expert's parameters summed over the MoE layers
//     N_exp = E·N_e1,  N_sh = N − N_exp   expert and shared (attention, embeddings, dense) parts
// (N_a ≥ k·N/E, so that N_sh ≥ 0). Compute uses the active parameters, F_token = 6·N_a +
// 12·L·d·s (Fedus et al. compare MoE and dense models at equal FLOPs per token); the
// weights, gradients, optimizer state and checkpoint use the total N. Expert parallelism ep
// (dividing dp and E) places E/ep experts on each rank: a rank holds N_sh/(tp·pp) +
// N_exp/(ep·tp·pp) parameters; shared gradients are all-reduced over dp·cp ranks, expert
// gradients over dp·cp/ep ranks. Dispatch and combine are two all-to-alls per MoE layer in the
// forward pass and two in the backward pass, each moving k·d elements per token; a token's
// expert sits on another EP rank with probability (ep − 1)/ep (uniform routing):
//     A = T_rank · (L_moe/pp) · 2·k·d·b · passes · (ep − 1)/ep / tp     bytes sent per GPU per
//     step (T_rank = tokens per step / (dp·cp), passes 2 with backward, 1 forward only).
// EP ranks are placed next to each other after the tp ranks: the (ep_node − 1)/(ep − 1) of A
// that stays in a node (ep_node = min(ep, gpus_per_node/tp)) goes over NVLink, the rest through
// PCIe to the NIC (Op::pcie, which loads the NICs). Like the tensor-parallel all-reduces, the
// all-to-all runs during forward/backward and its time is inside mfu (or η): give the MoE run's
// own, usually lower, MFU. Load imbalance and capacity-factor padding are left out.
//
// Distillation (`teacher_params` > 0; Hinton, Vinyals & Dean 2015): a frozen teacher of N_t
// parameters runs forward on every training token, F_token += 2·N_t + 4·L_t·d_t·s (Kaplan et
// al. 2020, forward = a third of training FLOPs), with its tensor-parallel all-reduces (2 per
// layer per token); no gradient, optimizer or checkpoint state for the teacher.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/compute/op_rates.hpp"
#include "sim/params.hpp"
#include "sim/time.hpp"
#include "sim/units.hpp"

namespace joule::models::workload {

using compute::Op;
using compute::OpRates;

// What the cluster offers a job; plain inputs so that the hardware and network models can be
// wired in by the World without this file depending on them.
struct ClusterCapabilities {
  sim::FlopsPerSecond peak_tensor{0};    // dense peak per accelerator, in the job's precision
  sim::BytesPerSecond hbm_bandwidth{0};  // per accelerator
  sim::BytesPerSecond storage_write{0};  // aggregate, to checkpoint storage
  int gpus_per_node = 8;
  // The chip-to-chip fabric spans nodes (TPU ICI across a pod): collectives between nodes
  // stay on it (Op::nvlink) instead of going through PCIe to the NICs.
  bool pod_interconnect = false;
  // Share of the tensor peak a large dense GEMM sustains on the chip; 0: unknown (the whole
  // compute phase is taken as bound by the core clock).
  double gemm_efficiency = 0.0;
  // Seconds to all-reduce `bytes` (held by each of `gpus` ranks) across `gpus` ranks.
  std::function<double(double bytes, int gpus)> allreduce_s;
};

// Ring all-reduce over links of `bandwidth` per rank with per-hop latency:
// 2(n−1)/n · S / B + 2(n−1) · α. A simple stand-in until the network model supplies one.
std::function<double(double, int)> ring_allreduce(sim::BytesPerSecond bandwidth,
                                                  sim::Seconds hop_latency);

enum class PhaseKind {
  forward_backward,
  pipeline_bubble,
  gradient_sync,
  optimizer,
  checkpoint,
  restart,
  // A steady-fidelity block: several whole steps as one phase with time-averaged rates.
  steps,
  done
};
std::string_view phase_name(PhaseKind kind);

struct Phase {
  PhaseKind kind = PhaseKind::done;
  sim::Time duration;  // whole nanoseconds: every fidelity sums the same integers
  OpRates rates;       // per accelerator, at the nominal clock
};

struct Parallelism {
  int data = 1;
  int tensor = 1;
  int pipeline = 1;
  int context = 1;
  int microbatches = 1;  // m: micro-batches per step per pipeline
  int interleave = 1;    // v: virtual stages per pipeline rank (interleaved 1F1B)
  int gpus() const { return data * tensor * pipeline * context; }
};

// int8 and fp4 serve quantized inference (inference.hpp); training takes bf16, fp16, fp8, tf32.
enum class Precision { bf16, fp16, fp8, tf32, int8, fp4 };
enum class Throughput { mfu, predicted };
enum class Recompute { none, selective, full };  // activation recomputation (header)
Op tensor_op(Precision p);
std::string_view precision_name(Precision p);  // "bf16", "int8", ...
double element_bytes(Precision p);  // activations/gradients on the wire (fp8 keeps bf16 grads)

// The most optimizer steps a job may have (far beyond any training run; keeps step counts and
// their products with step times inside int64 and sim::Time).
inline constexpr std::int64_t max_training_steps = 1'000'000'000'000'000;
// Model sizes Joule accepts: (0, 1e15] parameters, 3,000× the largest model trained so far;
// keeps the shape (layers, d_model) and every count derived from it inside an int.
inline const sim::Range max_params_range{0, 1e15, true, false};

struct TrainingJobSpec {
  std::string name = "job";
  double params = 0;              // N
  std::int64_t steps = 0;         // optimizer steps
  std::int64_t global_batch = 0;  // sequences per step
  std::int64_t seq_len = 0;       // s
  int layers = 0;                 // L
  int d_model = 0;                // d
  Precision precision = Precision::bf16;
  Parallelism parallel;
  bool forward_only = false;  // evaluation/inference pass: no backward, sync or optimizer
  Throughput throughput = Throughput::mfu;
  Recompute recompute = Recompute::none;
  double mfu = 0.4;                // end-to-end (throughput: mfu)
  double kernel_efficiency = 0.5;  // η while computing (throughput: predicted)
  double comm_overlap = 0.8;
  bool distributed_optimizer = true;
  double checkpoint_bytes_per_param = 14;
  // Aggregate checkpoint write bandwidth of the job; 0: the cluster's (capabilities).
  double checkpoint_bandwidth_bps = 0;
  double optimizer_hbm_bytes_per_param = 28;
  double optimizer_flops_per_param = 12;
  double flops_per_hbm_byte = 300;
  // Mixture of experts; experts == 0: dense.
  double active_params = 0;  // N_a (MoE only)
  int experts = 0;           // E
  int top_k = 2;             // k
  int expert_parallel = 1;   // ep
  int moe_layers = 0;        // MoE layers (0: all L)
  // Distillation: a frozen teacher's forward pass per token; teacher_params == 0: none.
  double teacher_params = 0;  // N_t
  int teacher_layers = 0;     // L_t
  int teacher_d_model = 0;    // d_t

  bool moe() const { return experts > 0; }
  // Parameters each token passes through: N_a for MoE, N for dense.
  double compute_params() const { return moe() ? active_params : params; }
  // Parameters of all experts together, N_exp = E·(N − N_a)/(E − k); 0 when dense.
  double expert_params() const {
    return moe() ? experts * (params - active_params) / (experts - top_k) : 0.0;
  }
  int moe_layer_count() const { return moe() ? (moe_layers > 0 ? moe_layers : layers) : 0; }

  double tokens_per_step() const {
    return static_cast<double>(global_batch) * static_cast<double>(seq_len);
  }
  int gpus() const { return parallel.gpus(); }
};

// Shape of a dense decoder when only N is known: N ≈ 12·L·d² with d/L = 128 (Llama 2/3
// 7B: 4096/32, 405B: 16384/126); d rounded to a multiple of 128. An estimate.
struct ModelShape {
  int layers = 0;
  int d_model = 0;
};
ModelShape shape_from_params(double params);

// Keys of a single training job ("training-job").
const sim::ModelDoc& training_job_doc();
// Reads and validates; `gpus` = dp·tp·pp·cp must divide exactly.
TrainingJobSpec training_job_spec(const sim::ParamReader& r);

class TrainingJob {
public:
  TrainingJob(TrainingJobSpec spec, ClusterCapabilities caps);

  const TrainingJobSpec& spec() const { return spec_; }
  int gpus() const { return spec_.gpus(); }
  std::int64_t total_steps() const { return spec_.steps; }

  // 6N + 12·L·d·s (forward only: 2N + 4·L·d·s); N_a for MoE; + 2N_t + 4·L_t·d_t·s with a teacher
  double flops_per_token() const;
  double flops_per_step() const;  // all accelerators together
  // H_token: model FLOPs plus the recomputed forward work (header); = F_token without recompute.
  double hardware_flops_per_token() const;
  double hardware_flops_per_step() const;  // all accelerators together

  // One step, in order; zero-length phases are left out. Durations are whole ns.
  const std::vector<Phase>& step_phases() const { return phases_; }
  sim::Time step_time() const { return step_time_; }
  // Exact time-weighted mean of the step's phase rates (what a `steady` block draws).
  const OpRates& step_average_rates() const { return average_; }

  // Model FLOPs per second over peak, end to end (bubble, sync and optimizer included).
  double end_to_end_mfu() const;
  // Tensor throughput while computing over peak: H_step / (G · peak · t_compute) (hardware
  // FLOPs, recomputed forward passes included).
  double kernel_efficiency() const;

  sim::Bytes checkpoint_size() const;
  // The phase kept when the job was built; a write no sim::Time can hold throws here, as it did
  // then. Inline and by reference: a run's checkpoint copies it straight into its activity (out
  // of line and by value, it went through a copy on the stack at every checkpoint).
  const Phase& checkpoint_phase() const {
    if (!checkpoint_) [[unlikely]]
      no_checkpoint();
    return *checkpoint_;
  }
  static Phase restart_phase(sim::Time delay);

  // Seconds of each part of a step (unrounded), for reports and tests.
  struct StepBreakdown {
    double compute_s = 0, bubble_s = 0, sync_s = 0, allreduce_s = 0, optimizer_s = 0;
    // MoE all-to-all bytes each accelerator sends per step: within its node, and across.
    double all_to_all_nvlink_bytes = 0, all_to_all_network_bytes = 0;
  };
  const StepBreakdown& breakdown() const { return breakdown_; }

  // Asks for the cache lines a step's end reads (the step count, time and mean rates, the
  // checkpoint), so that their misses overlap: a running job's model is cold when its activity
  // ends.
  void prefetch_step() const;

private:
  Phase write_checkpoint() const;
  [[noreturn]] void no_checkpoint() const;  // throws what write_checkpoint() throws

  TrainingJobSpec spec_;
  ClusterCapabilities caps_;
  StepBreakdown breakdown_;
  std::vector<Phase> phases_;
  // What a step's end reads (prefetch_step()), together.
  sim::Time step_time_;
  OpRates average_;
  std::optional<Phase> checkpoint_;  // checkpoint_phase(), kept when it has a sim::Time length
};

// Time-weighted mean of phase rates: Σ r_i·t_i / Σ t_i (integers ns as weights).
OpRates time_weighted_rates(const std::vector<Phase>& phases);

}  // namespace joule::models::workload
