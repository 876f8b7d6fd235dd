#include "models/workload/inference.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <stdexcept>

namespace joule::models::workload {

namespace {
constexpr double seconds_per_day = 86400.0;
}

const sim::ModelDoc& inference_doc() {
  static const sim::ModelDoc doc{
      "workload",
      "inference",
      "LLM serving: diurnal request rate → continuous batching → op rates per interval.",
      {
          {"params", "number", "70e9", "model parameters N"},
          {"layers", "integer", "80", "layers L"},
          {"d_model", "integer", "8192", "model width d"},
          {"kv_fraction", "number", "0.125", "KV heads / attention heads (GQA)"},
          {"precision", "string", "bf16",
           "weights and tensor math: bf16, fp16, fp8, int8 or fp4, where the chip's catalog has a "
           "tensor rate for it (weights 2, 1, 1, 0.5 bytes per parameter; KV cache 16 bit)"},
          {"tensor_parallel", "integer", "8", "accelerators per replica"},
          {"replicas", "integer", "1", "model replicas"},
          {"tokens_in", "number", "1024", "prompt tokens per request"},
          {"tokens_out", "number", "256", "output tokens per request"},
          {"tpot_target", "s", "50 ms", "time-per-output-token target (caps the batch)"},
          {"mfu", "number", "0.5", "tensor efficiency while compute-bound"},
          {"sparsity", "number", "0",
           "structured pruning: share of parameters removed; serves as (1 − sparsity)·params "
           "(FLOPs and weight bytes), KV cache kept; accuracy not modelled"},
          {"weight_bits", "integer", "0",
           "weight-only quantization: 4 or 8 bit stored weights, math in precision (0: the "
           "precision's width); accuracy not modelled"},
          {"mean_rate", "number", "1", "mean requests per second, whole service"},
          {"amplitude", "number", "0.5", "diurnal amplitude a: λ̄(1 + a cos(...))"},
          {"peak_hour", "number", "14", "hour of day of the peak"},
          {"hourly", "list", "", "24 relative rates (replace the sinusoid)"},
          {"interval", "s", "15 min", "rates are constant over each interval"},
      }};
  return doc;
}

// In the scenario reference (`joule list-models`), where other sections point to it.
const bool documented_inference = (sim::model_docs().push_back(&inference_doc()), true);

InferenceSpec inference_spec(const sim::ParamReader& r) {
  InferenceSpec s;
  s.params = r.number("params", max_params_range);
  s.layers = static_cast<int>(r.integer("layers", sim::Range::between(1, 1e5)));
  s.d_model = static_cast<int>(r.integer("d_model", sim::Range::between(1, 1e7)));
  s.kv_fraction = r.number("kv_fraction", {0, 1, true, false});
  const std::string p = r.choice("precision", {"bf16", "fp16", "fp8", "int8", "fp4"});
  s.precision = p == "fp16"   ? Precision::fp16
                : p == "fp8"  ? Precision::fp8
                : p == "int8" ? Precision::int8
                : p == "fp4"  ? Precision::fp4
                              : Precision::bf16;
  s.tensor_parallel = static_cast<int>(r.integer("tensor_parallel", sim::Range::between(1, 1024)));
  s.replicas = static_cast<int>(r.integer("replicas", sim::Range::between(1, 1e6)));
  s.tokens_in = r.number("tokens_in", sim::Range::positive());
  s.tokens_out = r.number("tokens_out", sim::Range::positive());
  s.tpot_target = r.duration("tpot_target", sim::Range::positive());
  s.mfu = r.number("mfu", {0, 1, true, false});
  s.sparsity = r.number("sparsity", {0, 1, false, true});
  s.weight_bits = static_cast<int>(r.integer("weight_bits", sim::Range::between(0, 16)));
  const int precision_bits = s.precision == Precision::fp4                                     ? 4
                             : s.precision == Precision::fp8 || s.precision == Precision::int8 ? 8
                                                                                               : 16;
  if (s.weight_bits != 0 && s.weight_bits != 4 && s.weight_bits != 8 && s.weight_bits != 16)
    r.fail("weight_bits", "must be 4, 8 or 16, got " + std::to_string(s.weight_bits));
  if (s.weight_bits > precision_bits)
    r.fail("weight_bits", "must be at most the " + std::string(precision_name(s.precision)) +
                              " precision's " + std::to_string(precision_bits) + " bits");
  s.mean_rate_per_s = r.number("mean_rate", sim::Range::non_negative());
  s.amplitude = r.number("amplitude", sim::Range::unit_interval());
  s.peak_hour = r.number("peak_hour", {0, 24, false, true});
  if (const sim::ParamNode* h = r.node("hourly")) {
    if (!h->is_sequence() || h->items.size() != 24)
      r.fail("hourly", "must be a list of 24 relative rates (one per hour of the day)");
    for (const auto& item : h->items) {
      const auto q = sim::parse_at(item.scalar, item.where, item.path);
      if (q.has_unit || !(q.value >= 0))
        throw sim::InputError(item.where, item.path + " must be a number >= 0");
      s.hourly.push_back(q.value);
    }
    if (std::accumulate(s.hourly.begin(), s.hourly.end(), 0.0) <= 0)
      r.fail("hourly", "must not be all 0");
  }
  s.interval = r.duration("interval", sim::Range::positive());
  return s;
}

InferenceService::InferenceService(InferenceSpec spec, ClusterCapabilities caps)
    : spec_(std::move(spec)), caps_(std::move(caps)) {
  if (!(caps_.peak_tensor.value() > 0))
    throw std::domain_error("the accelerator has no " +
                            std::string(precision_name(spec_.precision)) +
                            " tensor rate in its catalog (not supported): choose another "
                            "inference precision");
  if (!(caps_.hbm_bandwidth.value() > 0))
    throw std::invalid_argument("InferenceService: capabilities need HBM bandwidth");
  if (!spec_.hourly.empty() && spec_.hourly.size() != 24)
    throw std::invalid_argument("InferenceService: hourly profile needs 24 values");
  const double tp = spec_.tensor_parallel;
  const double bw = caps_.hbm_bandwidth.value();
  // Quantized weights: 8-bit formats 1 byte per parameter, FP4 half a byte (block scales
  // left out); the KV cache stays in 16 bit.
  // Weight-only quantization (weight_bits) overrides the width; pruning shrinks the model.
  const double weight_b = spec_.weight_bits > 0               ? spec_.weight_bits / 8.0
                          : spec_.precision == Precision::fp4 ? 0.5
                          : spec_.precision == Precision::fp8 || spec_.precision == Precision::int8
                              ? 1.0
                              : 2.0;
  const double elem = 2.0;  // KV cache and activations in 16 bit
  served_params_ = (1.0 - spec_.sparsity) * spec_.params;
  weight_bytes_ = served_params_ * weight_b;
  kv_bytes_ = 2.0 * spec_.layers * spec_.d_model * spec_.kv_fraction * elem *
              (spec_.tokens_in + spec_.tokens_out / 2.0);
  t0_ = weight_bytes_ / (tp * bw);
  t1_ = kv_bytes_ / (tp * bw);
  c_ = 2.0 * served_params_ / (tp * caps_.peak_tensor.value() * spec_.mfu);
  prefill_s_ = std::max(
      2.0 * served_params_ * spec_.tokens_in / (tp * caps_.peak_tensor.value() * spec_.mfu), t0_);
  const double tpot = spec_.tpot_target.seconds();
  feasible_ = decode_iteration_s(1.0) <= tpot;
  max_batch_ = feasible_ ? std::max(1.0, std::min((tpot - t0_) / t1_, tpot / c_)) : 1.0;
}

double InferenceService::decode_iteration_s(double batch) const {
  return std::max(t0_ + t1_ * batch, c_ * batch);
}

double InferenceService::mean_rate(sim::Time t0, sim::Time t1) const {
  const double a_s = t0.seconds(), b_s = t1.seconds();
  if (!(b_s > a_s)) throw std::invalid_argument("InferenceService::mean_rate: empty interval");
  const double mean = spec_.mean_rate_per_s;
  if (spec_.hourly.empty()) {
    // ∫ (1 + a cos(ω(t − t_p))) dt = Δ + a/ω · [sin(ω(t − t_p))]
    const double w = 2.0 * std::numbers::pi / seconds_per_day;
    const double tp = spec_.peak_hour * 3600.0;
    const double integral =
        (b_s - a_s) + spec_.amplitude / w * (std::sin(w * (b_s - tp)) - std::sin(w * (a_s - tp)));
    return mean * integral / (b_s - a_s);
  }
  const double norm = std::accumulate(spec_.hourly.begin(), spec_.hourly.end(), 0.0) / 24.0;
  double integral = 0;
  double t = a_s;
  while (t < b_s) {
    const double hour_start = std::floor(t / 3600.0) * 3600.0;
    const double end = std::min(b_s, hour_start + 3600.0);
    const auto h =
        static_cast<std::size_t>(static_cast<std::int64_t>(std::floor(t / 3600.0)) % 24 + 24) % 24;
    integral += spec_.hourly[h] / norm * (end - t);
    t = end;
  }
  return mean * integral / (b_s - a_s);
}

InferenceLoad InferenceService::load(double rate) const {
  InferenceLoad out;
  out.request_rate = rate;
  out.latency_target_feasible = feasible_;
  const double tp = spec_.tensor_parallel;
  const double t_out = spec_.tokens_out;
  double lambda = rate / spec_.replicas;  // per replica
  double batch = 0;
  const double bm = max_batch_;
  const double u_p = lambda * prefill_s_;
  const bool fits = u_p < 1.0 && lambda * t_out * decode_iteration_s(bm) / (1.0 - u_p) <= bm;
  if (lambda <= 0) {
    batch = 0;
  } else if (!fits) {
    out.saturated = true;
    batch = bm;
    lambda = bm / (t_out * decode_iteration_s(bm) + prefill_s_ * bm);
  } else {
    // f(B) = λ·T_out·t_it(B)/(1 − u_p) − B: f(0) > 0 ≥ f(B_max); f is convex, so the root
    // in between is unique. Bisection to 1e-12 relative.
    double lo = 0, hi = bm;
    for (int i = 0; i < 200 && hi - lo > 1e-12 * bm; ++i) {
      const double mid = 0.5 * (lo + hi);
      (lambda * t_out * decode_iteration_s(mid) / (1.0 - u_p) - mid > 0 ? lo : hi) = mid;
    }
    batch = hi;
  }
  out.served_rate = lambda * spec_.replicas;
  out.prefill_share = lambda * prefill_s_;
  const double tokens_per_s = lambda * t_out;  // decode tokens per replica
  double iterations_per_s = 0, per_iteration_batch = 0;
  if (batch >= 1.0) {
    iterations_per_s = tokens_per_s / batch;
    per_iteration_batch = batch;
    out.decode_share = iterations_per_s * decode_iteration_s(batch);
  } else if (lambda > 0) {
    iterations_per_s = tokens_per_s;  // one sequence at a time
    per_iteration_batch = 1.0;
    out.decode_share = tokens_per_s * decode_iteration_s(1.0);
  }
  out.batch = batch;
  out.tpot_s = decode_iteration_s(std::max(1.0, batch));

  // Per accelerator: divide the replica's work by tp.
  const Op tensor = tensor_op(spec_.precision);
  out.rates[tensor] = lambda * (spec_.tokens_in + t_out) * 2.0 * served_params_ / tp;
  out.rates[Op::hbm] = (lambda * weight_bytes_ +
                        iterations_per_s * (weight_bytes_ + per_iteration_batch * kv_bytes_)) /
                       tp;
  if (spec_.tensor_parallel > 1)
    out.rates[Op::nvlink] = lambda * (spec_.tokens_in + t_out) * 2.0 * spec_.layers *
                            spec_.d_model * 2.0 * 2.0 * (tp - 1) / tp;
  return out;
}

sim::Time InferenceService::interval_start(sim::Time t) const {
  return t - t % spec_.interval;
}

InferenceLoad InferenceService::load_at(sim::Time t) const {
  const sim::Time start = interval_start(t);
  return load(mean_rate(start, start + spec_.interval));
}

}  // namespace joule::models::workload
