#include "models/workload/training_job.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

namespace joule::models::workload {

std::function<double(double, int)> ring_allreduce(sim::BytesPerSecond bandwidth,
                                                  sim::Seconds hop_latency) {
  const double bw = bandwidth.value(), alpha_s = hop_latency.value();
  if (!(bw > 0)) throw std::invalid_argument("ring_allreduce: bandwidth must be > 0");
  return [bw, alpha_s](double bytes, int n) {
    if (n <= 1) return 0.0;
    const double hops = 2.0 * (n - 1);
    return hops / n * bytes / bw + hops * alpha_s;
  };
}

std::string_view phase_name(PhaseKind kind) {
  switch (kind) {
    case PhaseKind::forward_backward:
      return "forward_backward";
    case PhaseKind::pipeline_bubble:
      return "pipeline_bubble";
    case PhaseKind::gradient_sync:
      return "gradient_sync";
    case PhaseKind::optimizer:
      return "optimizer";
    case PhaseKind::checkpoint:
      return "checkpoint";
    case PhaseKind::restart:
      return "restart";
    case PhaseKind::steps:
      return "steps";
    case PhaseKind::done:
      return "done";
  }
  return "?";
}

Op tensor_op(Precision p) {
  switch (p) {
    case Precision::bf16:
      return Op::tensor_bf16;
    case Precision::fp16:
      return Op::tensor_fp16;
    case Precision::fp8:
      return Op::tensor_fp8;
    case Precision::tf32:
      return Op::tensor_tf32;
    case Precision::int8:
      return Op::tensor_int8;
    case Precision::fp4:
      return Op::tensor_fp4;
  }
  return Op::tensor_bf16;
}

std::string_view precision_name(Precision p) {
  switch (p) {
    case Precision::bf16:
      return "bf16";
    case Precision::fp16:
      return "fp16";
    case Precision::fp8:
      return "fp8";
    case Precision::tf32:
      return "tf32";
    case Precision::int8:
      return "int8";
    case Precision::fp4:
      return "fp4";
  }
  return "?";
}

double element_bytes(Precision p) {
  return p == Precision::tf32 ? 4.0 : 2.0;
}

ModelShape shape_from_params(double params) {
  // N = 12·L·d² and L = d/128  ⇒  d³ = 128·N/12.
  const double d = std::cbrt(128.0 * params / 12.0);
  const int d_model = std::max(128, static_cast<int>(std::lround(d / 128.0)) * 128);
  const int layers =
      std::max(1, static_cast<int>(std::lround(params / (12.0 * d_model * d_model))));
  return {layers, d_model};
}

const sim::ModelDoc& training_job_doc() {
  static const sim::ModelDoc doc{
      "workload",
      "training-job",
      "One LLM pre-training job: step time and per-phase op rates from 6N + 12·L·d·s FLOP/token.",
      {
          {"params", "number", "", "model parameters N"},
          {"tokens", "number", "0", "training tokens D (steps = ceil(D / (global_batch·seq_len)))"},
          {"steps", "integer", "0", "optimizer steps (instead of tokens)"},
          {"global_batch", "integer", "1024", "sequences per step"},
          {"seq_len", "integer", "4096", "sequence length s in tokens"},
          {"layers", "integer", "0",
           "transformer layers L (0: from params, or active_params for MoE; d/L = 128)"},
          {"d_model", "integer", "0", "model width d (0: from params, or active_params for MoE)"},
          {"precision", "string", "bf16", "tensor precision: bf16, fp16, fp8, tf32"},
          {"gpus", "integer", "", "accelerators G = dp·tp·pp·cp"},
          {"tensor_parallel", "integer", "1", "tensor-parallel degree tp"},
          {"pipeline_parallel", "integer", "1", "pipeline-parallel degree pp"},
          {"context_parallel", "integer", "1", "context-parallel degree cp"},
          {"microbatches", "integer", "0", "micro-batches m per step (0: global_batch / dp)"},
          {"interleave", "integer", "1", "virtual pipeline stages v per rank"},
          {"throughput", "string", "mfu",
           "mfu (step time from the end-to-end mfu, nothing added) | predicted (step time from "
           "kernel_efficiency + bubble + exposed sync + optimizer; reports the implied MFU)"},
          {"mfu", "number", "0.4",
           "end-to-end model FLOPs utilisation (model FLOP/s over peak, all overheads inside)"},
          {"kernel_efficiency", "number", "0.5",
           "predicted mode: tensor throughput while computing over peak (FLOPs executed, "
           "recomputation included)"},
          {"comm_overlap", "number", "0.8", "share of the gradient all-reduce hidden by backward"},
          {"distributed_optimizer", "bool", "true", "optimizer state sharded over dp·cp (ZeRO-1)"},
          {"recompute", "string", "none",
           "activation recomputation: none | selective (attention scores re-run) | full (the "
           "forward pass re-run before backward, 4/3 of the model FLOPs executed; Korthikanti "
           "et al. 2022). Raises the FLOPs the chips execute, not the model FLOPs or the MFU"},
          {"forward_only", "bool", "false",
           "evaluation pass: forward FLOPs only (2N + 4·L·d·s per token), no gradient sync or "
           "optimizer"},
          {"checkpoint_bytes_per_param", "number", "14", "checkpoint bytes per parameter"},
          {"checkpoint_bandwidth", "B/s", "(cluster share)",
           "aggregate checkpoint write bandwidth of the job"},
          {"optimizer_hbm_bytes_per_param", "number", "28", "HBM bytes per parameter per update"},
          {"optimizer_flops_per_param", "number", "12", "vector FLOP per parameter per update"},
          {"flops_per_hbm_byte", "number", "300",
           "arithmetic intensity of forward/backward (FLOP per HBM byte)"},
          {"experts", "integer", "0",
           "mixture of experts: experts E per MoE layer (0: dense; then give active_params)"},
          {"active_params", "number", "",
           "MoE: parameters each token passes through N_a (FLOPs 6·N_a per token; weights, "
           "optimizer and checkpoint use params); at least top_k/experts·params"},
          {"top_k", "integer", "2",
           "MoE: experts each token is routed to (2 as in GShard and Mixtral; Switch uses 1)"},
          {"expert_parallel", "integer", "1",
           "MoE: expert-parallel degree ep (divides experts and dp); all-to-all on the fabric"},
          {"moe_layers", "integer", "0", "MoE: layers with experts (0: all layers)"},
          {"teacher_params", "number", "0",
           "distillation: frozen teacher parameters N_t, forward pass per token (0: none)"},
          {"teacher_layers", "integer", "0",
           "distillation: teacher layers (0: from teacher_params)"},
          {"teacher_d_model", "integer", "0",
           "distillation: teacher width (0: from teacher_params)"},
      }};
  return doc;
}

// In the scenario reference (`joule list-models`), where other sections point to it.
namespace {
const bool documented_training_job = (sim::model_docs().push_back(&training_job_doc()), true);
}  // namespace

namespace {

void read_moe(const sim::ParamReader& r, TrainingJobSpec& s) {
  s.experts = static_cast<int>(r.integer("experts", sim::Range::between(0, 1e6)));
  if (s.experts == 0) {
    for (const char* key : {"active_params", "top_k", "expert_parallel", "moe_layers"})
      if (r.has(key)) r.fail(key, "is read only for a mixture of experts (give experts > 0)");
    return;
  }
  if (!r.has("active_params"))
    r.fail("experts", "needs active_params (the parameters each token passes through)");
  s.top_k = static_cast<int>(r.integer("top_k", sim::Range::between(1, 1e6)));
  if (s.top_k >= s.experts)
    r.fail("top_k", "must be below experts (" + std::to_string(s.experts) + "), got " +
                        std::to_string(s.top_k));
  s.active_params = r.number("active_params", sim::Range::positive());
  // N_sh = N − E·(N − N_a)/(E − k) ≥ 0  ⇔  N_a ≥ k·N/E; N_a < N.
  const double least = s.top_k * s.params / s.experts;
  if (!(s.active_params >= least * (1 - 1e-12)) || !(s.active_params < s.params)) {
    char text[96];
    std::snprintf(text, sizeof text, "must be in [top_k/experts·params, params) = [%.4g, %.4g)",
                  least, s.params);
    r.fail("active_params", text);
  }
  s.expert_parallel = static_cast<int>(r.integer("expert_parallel", sim::Range::between(1, 1e6)));
  if (s.experts % s.expert_parallel != 0 || s.parallel.data % s.expert_parallel != 0)
    r.fail("expert_parallel", "must divide experts (" + std::to_string(s.experts) +
                                  ") and the data-parallel degree (" +
                                  std::to_string(s.parallel.data) + ")");
  // A MoE's width and depth are those of a dense model of its active parameters (Mixtral
  // 8x7B: 32 layers × 4096, Mistral 7B's; Jiang et al. 2024), not of its total.
  const ModelShape shape = shape_from_params(s.active_params);
  if (r.integer("layers", sim::Range::between(0, 1e5)) == 0) s.layers = shape.layers;
  if (r.integer("d_model", sim::Range::between(0, 1e7)) == 0) s.d_model = shape.d_model;
  s.moe_layers = static_cast<int>(r.integer("moe_layers", sim::Range::between(0, 1e5)));
  if (s.moe_layers > s.layers)
    r.fail("moe_layers", "must be at most layers (" + std::to_string(s.layers) + ")");
}

void read_teacher(const sim::ParamReader& r, TrainingJobSpec& s) {
  s.teacher_params = r.number("teacher_params", sim::Range::between(0, max_params_range.max));
  if (s.teacher_params == 0) {
    for (const char* key : {"teacher_layers", "teacher_d_model"})
      if (r.has(key)) r.fail(key, "is read only for distillation (give teacher_params > 0)");
    return;
  }
  if (s.forward_only)
    r.fail("teacher_params", "distils a student in training; forward_only has no student update");
  const ModelShape shape = shape_from_params(s.teacher_params);
  s.teacher_layers = static_cast<int>(r.integer("teacher_layers", sim::Range::between(0, 1e5)));
  s.teacher_d_model = static_cast<int>(r.integer("teacher_d_model", sim::Range::between(0, 1e7)));
  if (s.teacher_layers == 0) s.teacher_layers = shape.layers;
  if (s.teacher_d_model == 0) s.teacher_d_model = shape.d_model;
}

}  // namespace

TrainingJobSpec training_job_spec(const sim::ParamReader& r) {
  TrainingJobSpec s;
  s.params = r.number("params", max_params_range);
  const double tokens = r.number("tokens", sim::Range::non_negative());
  const std::int64_t steps = r.integer("steps", sim::Range::non_negative());
  if ((tokens > 0) == (steps > 0)) r.fail("tokens", "or steps: give exactly one of them (> 0)");
  s.global_batch = r.integer("global_batch", sim::Range::between(1, 1e9));
  s.seq_len = r.integer("seq_len", sim::Range::between(1, 1e9));
  // A step count must be countable (and simulable): 1e15 steps is far beyond any training run.
  const double steps_for_tokens = std::ceil(tokens / s.tokens_per_step());
  if (steps == 0 && !(steps_for_tokens <= max_training_steps)) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", steps_for_tokens);
    r.fail("tokens",
           "gives " + std::string(text) + " optimizer steps; a job may have at most 1e15");
  }
  s.steps = steps > 0 ? steps : static_cast<std::int64_t>(steps_for_tokens);
  if (s.steps > max_training_steps) r.fail("steps", "must be at most 1e15");
  const ModelShape shape = shape_from_params(s.params);
  s.layers = static_cast<int>(r.integer("layers", sim::Range::between(0, 1e5)));
  s.d_model = static_cast<int>(r.integer("d_model", sim::Range::between(0, 1e7)));
  if (s.layers == 0) s.layers = shape.layers;
  if (s.d_model == 0) s.d_model = shape.d_model;
  const std::string prec = r.choice("precision", {"bf16", "fp16", "fp8", "tf32"});
  s.precision = prec == "fp16"   ? Precision::fp16
                : prec == "fp8"  ? Precision::fp8
                : prec == "tf32" ? Precision::tf32
                                 : Precision::bf16;
  const auto gpus = r.integer("gpus", sim::Range::between(1, 1e8));
  auto& p = s.parallel;
  p.tensor = static_cast<int>(r.integer("tensor_parallel", sim::Range::between(1, 1e5)));
  p.pipeline = static_cast<int>(r.integer("pipeline_parallel", sim::Range::between(1, 1e5)));
  p.context = static_cast<int>(r.integer("context_parallel", sim::Range::between(1, 1e5)));
  const std::int64_t model_parallel = std::int64_t{p.tensor} * p.pipeline * p.context;
  if (gpus % model_parallel != 0)
    r.fail("gpus", "must be a multiple of tensor_parallel·pipeline_parallel·context_parallel = " +
                       std::to_string(model_parallel) + ", got " + std::to_string(gpus));
  p.data = static_cast<int>(gpus / model_parallel);
  if (s.global_batch < p.data)
    r.fail("global_batch", "must be at least the data-parallel degree " + std::to_string(p.data) +
                               " (one sequence per replica)");
  const auto m = r.integer("microbatches", sim::Range::between(0, 1e9));
  p.microbatches = static_cast<int>(m > 0 ? m : s.global_batch / p.data);
  p.interleave = static_cast<int>(r.integer("interleave", sim::Range::between(1, 1e5)));
  const bool predicted = r.choice("throughput", {"mfu", "predicted"}) == "predicted";
  s.throughput = predicted ? Throughput::predicted : Throughput::mfu;
  if (predicted && r.has("mfu"))
    r.fail("mfu",
           "is the end-to-end input of throughput: mfu; with throughput: predicted give "
           "kernel_efficiency (the MFU is then computed)");
  if (!predicted && r.has("kernel_efficiency"))
    r.fail("kernel_efficiency", "is read only with throughput: predicted (mfu is end to end)");
  s.mfu = r.number("mfu", {0, 1, true, false});
  s.kernel_efficiency = r.number("kernel_efficiency", {0, 1, true, false});
  s.comm_overlap = r.number("comm_overlap", sim::Range::unit_interval());
  s.distributed_optimizer = r.boolean("distributed_optimizer");
  s.forward_only = r.boolean("forward_only");
  const std::string recompute = r.choice("recompute", {"none", "selective", "full"});
  s.recompute = recompute == "full"        ? Recompute::full
                : recompute == "selective" ? Recompute::selective
                                           : Recompute::none;
  if (s.forward_only && s.recompute != Recompute::none)
    r.fail("recompute", "re-runs forward work for a backward pass; forward_only has none");
  s.checkpoint_bytes_per_param = r.number("checkpoint_bytes_per_param", sim::Range::positive());
  if (r.has("checkpoint_bandwidth"))
    s.checkpoint_bandwidth_bps =
        r.quantity<sim::BytesPerSecond>("checkpoint_bandwidth", sim::Range::positive()).value();
  s.optimizer_hbm_bytes_per_param =
      r.number("optimizer_hbm_bytes_per_param", sim::Range::non_negative());
  s.optimizer_flops_per_param = r.number("optimizer_flops_per_param", sim::Range::non_negative());
  s.flops_per_hbm_byte = r.number("flops_per_hbm_byte", sim::Range::positive());
  read_moe(r, s);
  read_teacher(r, s);
  return s;
}

OpRates time_weighted_rates(const std::vector<Phase>& phases) {
  OpRates sum;
  double total_ns = 0, core_bound_ns = 0;
  for (const auto& ph : phases) {
    const double w = static_cast<double>(ph.duration.ns());
    total_ns += w;
    core_bound_ns += ph.rates.core_bound * w;
    for (std::size_t k = 0; k < compute::op_count; ++k) sum.per_s[k] += ph.rates.per_s[k] * w;
  }
  if (!(total_ns > 0)) return OpRates{};
  OpRates mean = sum.scaled(1.0 / total_ns);
  mean.core_bound = core_bound_ns / total_ns;  // shares of time add
  return mean;
}

TrainingJob::TrainingJob(TrainingJobSpec spec, ClusterCapabilities caps)
    : spec_(std::move(spec)), caps_(std::move(caps)) {
  const auto& p = spec_.parallel;
  if (!(spec_.params > 0) || spec_.steps < 1 || spec_.tokens_per_step() <= 0 || p.gpus() < 1 ||
      p.microbatches < 1 || p.interleave < 1 || !(spec_.mfu > 0 && spec_.mfu <= 1) ||
      !(spec_.kernel_efficiency > 0 && spec_.kernel_efficiency <= 1))
    throw std::invalid_argument("TrainingJob: spec not validated (" + spec_.name + ")");
  if (!(caps_.peak_tensor.value() > 0) || !(caps_.hbm_bandwidth.value() > 0) ||
      !(caps_.storage_write.value() > 0) || !caps_.allreduce_s)
    throw std::invalid_argument("TrainingJob: cluster capabilities incomplete");

  const double gpus = p.gpus();
  const double peak = caps_.peak_tensor.value();
  const double hbm_bw = caps_.hbm_bandwidth.value();
  const double elem = element_bytes(spec_.precision);
  const Op tensor = tensor_op(spec_.precision);

  // The overheads of a step that do not scale with compute time: the exposed gradient
  // all-reduce of the DP shard (over the dp·cp ranks holding the same weights) and the
  // memory-bound optimizer update of the local shard.
  // With experts, the shared part as above and each rank's E/ep experts, whose gradients are
  // reduced over the dp·cp/ep ranks holding the same experts.
  const int reduce_ranks = p.data * p.context;
  const int ep = spec_.moe() ? spec_.expert_parallel : 1;
  const int expert_reduce_ranks = reduce_ranks / ep;
  const double expert_shard_params = spec_.expert_params() / (ep * p.tensor * p.pipeline);
  const double shard_params = (spec_.params - spec_.expert_params()) / (p.tensor * p.pipeline);
  const double grad_bytes = shard_params * elem;
  const double expert_grad_bytes = expert_shard_params * elem;
  const bool update = !spec_.forward_only;  // an evaluation pass updates nothing
  breakdown_.allreduce_s =
      update && reduce_ranks > 1 ? caps_.allreduce_s(grad_bytes, reduce_ranks) : 0.0;
  if (update && expert_reduce_ranks > 1 && expert_grad_bytes > 0)
    breakdown_.allreduce_s += caps_.allreduce_s(expert_grad_bytes, expert_reduce_ranks);
  breakdown_.sync_s = (1.0 - spec_.comm_overlap) * breakdown_.allreduce_s;
  const double opt_params =
      spec_.distributed_optimizer
          ? shard_params / reduce_ranks + expert_shard_params / expert_reduce_ranks
          : shard_params + expert_shard_params;
  breakdown_.optimizer_s = update ? spec_.optimizer_hbm_bytes_per_param * opt_params / hbm_bw : 0;

  // Compute time: from η (predicted), or carved out of the end-to-end step (mfu). The sync and
  // optimizer phases draw the op rates of their modelled durations; when they must shrink to
  // fit the end-to-end step, they move fewer bytes in less time.
  const double modelled_sync_s = breakdown_.sync_s, modelled_optimizer_s = breakdown_.optimizer_s;
  const double bubble_ratio =
      static_cast<double>(p.pipeline - 1) / (static_cast<double>(p.interleave) * p.microbatches);
  const double peak_s = hardware_flops_per_step() / (gpus * peak);  // t_compute at η = 1
  if (spec_.throughput == Throughput::predicted) {
    breakdown_.compute_s = peak_s / spec_.kernel_efficiency;
  } else {
    const double step_s = flops_per_step() / (gpus * peak) / spec_.mfu;
    const double fixed_s = breakdown_.sync_s + breakdown_.optimizer_s;
    breakdown_.compute_s = (step_s - fixed_s) / (1.0 + bubble_ratio);
    if (breakdown_.compute_s < peak_s) {  // η would exceed 1: shrink the fixed overheads
      breakdown_.compute_s = peak_s;
      const double room_s = std::max(0.0, step_s - peak_s * (1.0 + bubble_ratio));
      const double k = fixed_s > 0 ? room_s / fixed_s : 0.0;
      breakdown_.sync_s *= k;
      breakdown_.optimizer_s *= k;
    }
  }
  breakdown_.bubble_s = breakdown_.compute_s * bubble_ratio;

  // Forward + backward.
  const double tensor_rate = hardware_flops_per_step() / (gpus * breakdown_.compute_s);
  Phase fb{PhaseKind::forward_backward, sim::seconds(breakdown_.compute_s), {}};
  fb.rates[tensor] = tensor_rate;
  fb.rates[Op::hbm] = std::min(hbm_bw, tensor_rate / spec_.flops_per_hbm_byte);
  // Tensor-parallel all-reduces: 4 per layer per token (2 forward, 2 backward) of d elements,
  // ring traffic 2(t−1)/t each; pipeline sends: one activation per token per stage boundary,
  // forward and backward. Tokens and layers are shared among dp·cp replicas and pp stages.
  const double tokens_per_replica = spec_.tokens_per_step() / (p.data * p.context);
  const double layers_per_stage = static_cast<double>(spec_.layers) / p.pipeline;
  const double directions = spec_.forward_only ? 1.0 : 2.0;  // forward (and backward)
  double link_bytes = 0;
  if (p.tensor > 1)
    link_bytes += tokens_per_replica * layers_per_stage * 2.0 * directions * spec_.d_model * elem *
                  2.0 * (p.tensor - 1) / p.tensor;
  if (p.pipeline > 1)
    link_bytes += tokens_per_replica * directions * spec_.d_model * elem / p.tensor;
  // A distillation teacher's forward all-reduces: 2 per layer per token.
  if (spec_.teacher_params > 0 && p.tensor > 1)
    link_bytes += tokens_per_replica * static_cast<double>(spec_.teacher_layers) / p.pipeline *
                  2.0 * spec_.teacher_d_model * elem * 2.0 * (p.tensor - 1) / p.tensor;
  // MoE dispatch and combine all-to-alls (header): A bytes per accelerator per step, the share
  // to EP ranks in the node over NVLink, the rest to the NIC.
  if (spec_.moe() && ep > 1) {
    const double all_to_all = tokens_per_replica * spec_.moe_layer_count() / p.pipeline * 2.0 *
                              spec_.top_k * spec_.d_model * elem * directions * (ep - 1) / ep /
                              p.tensor;
    const int ep_node =
        caps_.pod_interconnect ? ep : std::clamp(caps_.gpus_per_node / p.tensor, 1, ep);
    const double in_node = all_to_all * (ep_node - 1) / (ep - 1);
    breakdown_.all_to_all_nvlink_bytes = in_node;
    breakdown_.all_to_all_network_bytes = all_to_all - in_node;
    link_bytes += in_node;
    fb.rates[Op::pcie] = (all_to_all - in_node) / breakdown_.compute_s;
  }
  fb.rates[Op::nvlink] = link_bytes / breakdown_.compute_s;
  fb.rates.core_bound =
      caps_.gemm_efficiency > 0 ? std::min(1.0, tensor_rate / peak / caps_.gemm_efficiency) : 1.0;

  // Pipeline bubble: each stage idles (p−1)/(v·m) of its compute time, waiting on the other
  // stages' forward/backward (so it stretches as they do).
  Phase bubble{PhaseKind::pipeline_bubble, sim::seconds(breakdown_.bubble_s), {}};
  bubble.rates.core_bound = fb.rates.core_bound;

  Phase sync{PhaseKind::gradient_sync, sim::seconds(breakdown_.sync_s), {}};
  sync.rates.core_bound = 0.0;  // link-bound
  if (breakdown_.allreduce_s > 0) {
    // The all-reduce moves its bytes at the collective's own rate, sent / t_allreduce: the
    // overlapped share (1 − exposed) alongside forward/backward, the rest in the exposed
    // phase. Ring traffic 2(n−1)/n·S; HBM reads two operands and writes the sum (3×); one
    // FP32 add per element received.
    double sent = 2.0 * (reduce_ranks - 1) / reduce_ranks * grad_bytes;
    if (expert_reduce_ranks > 1)
      sent += 2.0 * (expert_reduce_ranks - 1) / expert_reduce_ranks * expert_grad_bytes;
    const int ranks_in_node = std::max(1, caps_.gpus_per_node / p.tensor);
    const Op link = reduce_ranks <= ranks_in_node || caps_.pod_interconnect ? Op::nvlink : Op::pcie;
    OpRates collective;
    collective[link] = sent / breakdown_.allreduce_s;
    collective[Op::hbm] = 3.0 * sent / breakdown_.allreduce_s;
    collective[Op::vector_fp32] = sent / 2.0 / elem / breakdown_.allreduce_s;
    collective.core_bound = 0.0;
    if (breakdown_.sync_s > 0) sync.rates = collective;
    const double overlapped_s = breakdown_.allreduce_s - modelled_sync_s;
    for (std::size_t k = 0; k < compute::op_count; ++k)
      fb.rates.per_s[k] += collective.per_s[k] * std::min(1.0, overlapped_s / breakdown_.compute_s);
  }

  Phase opt{PhaseKind::optimizer, sim::seconds(breakdown_.optimizer_s), {}};
  opt.rates.core_bound = 0.0;  // HBM-bound
  if (breakdown_.optimizer_s > 0) {
    opt.rates[Op::hbm] = hbm_bw;
    opt.rates[Op::vector_fp32] =
        spec_.optimizer_flops_per_param * opt_params / modelled_optimizer_s;
  }

  for (const Phase& ph : {fb, bubble, sync, opt})
    if (ph.duration > sim::Time::zero()) phases_.push_back(ph);
  if (phases_.empty()) throw std::invalid_argument("TrainingJob: a step takes no time");
  for (const auto& ph : phases_) step_time_ += ph.duration;
  average_ = time_weighted_rates(phases_);
  // Kept: a run writes one at every checkpoint. A write no sim::Time can hold (no bandwidth, an
  // absurd size) throws where the phase is asked for, as when it was computed at each call.
  try {
    checkpoint_ = write_checkpoint();
  } catch (const std::exception&) {
  }
}

double TrainingJob::flops_per_token() const {
  const double passes = spec_.forward_only ? 1.0 : 3.0;  // forward, or forward + 2× backward
  const double s = static_cast<double>(spec_.seq_len);
  const double student = passes * (2.0 * spec_.compute_params() +
                                   4.0 * spec_.layers * static_cast<double>(spec_.d_model) * s);
  if (!(spec_.teacher_params > 0)) return student;
  return student + 2.0 * spec_.teacher_params +
         4.0 * spec_.teacher_layers * static_cast<double>(spec_.teacher_d_model) * s;
}

double TrainingJob::flops_per_step() const {
  return flops_per_token() * spec_.tokens_per_step();
}

double TrainingJob::hardware_flops_per_token() const {
  const double attention =
      4.0 * spec_.layers * static_cast<double>(spec_.d_model) * static_cast<double>(spec_.seq_len);
  switch (spec_.recompute) {
    case Recompute::none:
      return flops_per_token();
    case Recompute::selective:
      return flops_per_token() + attention;
    case Recompute::full:
      return flops_per_token() + 2.0 * spec_.compute_params() + attention;
  }
  return flops_per_token();
}

double TrainingJob::hardware_flops_per_step() const {
  return hardware_flops_per_token() * spec_.tokens_per_step();
}

double TrainingJob::end_to_end_mfu() const {
  return flops_per_step() / (gpus() * caps_.peak_tensor.value() * step_time_.seconds());
}

double TrainingJob::kernel_efficiency() const {
  return hardware_flops_per_step() / (gpus() * caps_.peak_tensor.value() * breakdown_.compute_s);
}

sim::Bytes TrainingJob::checkpoint_size() const {
  return sim::Bytes(spec_.params * spec_.checkpoint_bytes_per_param);
}

void TrainingJob::no_checkpoint() const {
  write_checkpoint();  // threw when the job was built, and throws again
  throw std::logic_error("TrainingJob: no checkpoint phase kept");
}

Phase TrainingJob::write_checkpoint() const {
  const double bytes = checkpoint_size().value();
  const double bandwidth = spec_.checkpoint_bandwidth_bps > 0 ? spec_.checkpoint_bandwidth_bps
                                                              : caps_.storage_write.value();
  const double write_s = bytes / bandwidth;
  Phase ph{PhaseKind::checkpoint, sim::seconds(write_s), {}};
  const double per_gpu_rate = bytes / gpus() / write_s;
  ph.rates[Op::pcie] = per_gpu_rate;
  ph.rates[Op::hbm] = per_gpu_rate;
  ph.rates.core_bound = 0.0;  // storage-bound
  return ph;
}

// Each of step_time_, average_ and checkpoint_ asked for at offsets 0, 64, ... and at its last
// byte: every line the three touch, the counts constants, the prefetches unrolled (a walk over
// the range from its first line took a compare and a branch per line).
void TrainingJob::prefetch_step() const {
  constexpr std::size_t line = 64;
  __builtin_prefetch(&spec_.steps);
  __builtin_prefetch(&spec_.parallel);
  const auto lines = [](const auto& member) {
    const char* const p = reinterpret_cast<const char*>(&member);
    for (std::size_t at = 0; at + 1 < sizeof(member); at += line) __builtin_prefetch(p + at);
    __builtin_prefetch(p + sizeof(member) - 1);
  };
  lines(step_time_);
  lines(average_);
  lines(checkpoint_);
}

Phase TrainingJob::restart_phase(sim::Time delay) {
  Phase ph{PhaseKind::restart, delay, {}};
  ph.rates.core_bound = 0.0;  // waits on process launch, not on the core clock
  return ph;
}

}  // namespace joule::models::workload
