// LLM inference serving: request rate over the day → batch → busy shares → op rates,
// piecewise constant per interval (default 15 min).
//
// Request rate λ(t): a diurnal sinusoid  λ̄·(1 + a·cos(2π(h − h_peak)/24))  (h = hour of day,
// t = 0 at midnight), or 24 hourly multipliers (normalised to mean 1) times λ̄. Each interval
// uses the exact mean of λ over it, so the day's request count is preserved.
//
// Per replica (tp accelerators, tensor-parallel), requests of T_in prompt and T_out output
// tokens, served with continuous batching (Yu et al. 2022, Orca; Kwon et al. 2023, vLLM):
//   prefill (compute-bound)  t_pf = max(2N·T_in / (tp·peak·mfu), W / (tp·B_hbm))
//   decode iteration, B sequences in flight (memory-bound while small):
//        t_it(B) = max(t0 + t1·B, c·B),   t0 = W/(tp·B_hbm), t1 = KV/(tp·B_hbm),
//        c = 2N/(tp·peak·mfu)
//   W = N·b_w weight bytes; KV = 2·L·d·f_kv·b_e·(T_in + T_out/2) cache bytes per sequence
//   (f_kv = KV heads / heads: grouped-query attention, 8/64 in Llama 2/3 70B).
//   Prefill share u_p = λ·t_pf. Sequences in flight follow Little's law:
//        B = λ·T_out·t_it(B) / (1 − u_p)
//   solved on [0, B_max], B_max the largest batch meeting the per-output-token latency target
//   (t_it(B_max) = TPOT). No solution ⇒ saturated: B = B_max and the served rate is
//   λ_s = B_max / (T_out·t_it(B_max) + t_pf·B_max); the rest is reported as unserved.
//   B < 1 ⇒ the replica decodes one sequence at a time, busy λ·T_out·t_it(1) of the time.
// Op rates per accelerator: tensor = λ_s·(T_in+T_out)·2N/tp (the attention-score FLOPs are
// left out: < 5 % for T ≤ 4k at d ≥ 4096); HBM = weight reads per prefill and per decode
// iteration + KV reads; NVLink = 2 all-reduces per layer per token of d elements (Megatron).
// All defaults below are estimates except where a paper is named.
//
// Smaller or cheaper models:
//   sparsity s      structured pruning (heads, channels or layers removed; LLM-Pruner, Ma et al.,
//                   NeurIPS 2023; Sheared LLaMA, Xia et al., ICLR 2024): the model serves as a
//                   dense one of N' = (1 − s)·N parameters, so FLOPs and weight bytes scale by
//                   1 − s; layers, width and KV cache are kept. Unstructured sparsity saves
//                   nothing on dense tensor cores (give s = 0); 2:4 sparse tensor cores are not
//                   modelled.
//   weight_bits     weight-only quantization (GPTQ, Frantar et al., ICLR 2023; AWQ, Lin et al.,
//                   MLSys 2024): weights stored in 4 or 8 bits (b_w = bits/8, scales left out)
//                   and widened to the tensor precision to compute; decode, bound by the weight
//                   read, speeds up, prefill does not.
// Joule models the energy, time and throughput of a model; what pruning or quantization does
// to its answers is the scenario's assumption to state.
#pragma once

#include <vector>

#include "models/workload/training_job.hpp"
#include "sim/params.hpp"
#include "sim/time.hpp"

namespace joule::models::workload {

struct InferenceSpec {
  double params = 70e9;
  int layers = 80;
  int d_model = 8192;
  double kv_fraction = 0.125;  // KV heads / attention heads
  Precision precision = Precision::bf16;
  int tensor_parallel = 8;
  int replicas = 1;
  double tokens_in = 1024;
  double tokens_out = 256;
  sim::Time tpot_target = sim::seconds(0.05);
  double mfu = 0.5;     // tensor efficiency of prefill / compute-bound decode
  double sparsity = 0;  // pruned share of the parameters (structured)
  int weight_bits = 0;  // stored weight width; 0: the precision's

  double mean_rate_per_s = 1.0;  // λ̄, requests per second, whole service
  double amplitude = 0.5;        // diurnal a in [0, 1]
  double peak_hour = 14;         // h_peak
  std::vector<double> hourly;    // 24 multipliers; when set, replaces the sinusoid
  sim::Time interval = sim::minutes(15);
};

const sim::ModelDoc& inference_doc();
InferenceSpec inference_spec(const sim::ParamReader& r);

struct InferenceLoad {
  double request_rate = 0;   // offered, requests/s (whole service)
  double served_rate = 0;    // served, requests/s
  double batch = 0;          // sequences in flight per replica while decoding
  double prefill_share = 0;  // of each replica's time
  double decode_share = 0;
  double tpot_s = 0;  // time per output token
  bool saturated = false;
  bool latency_target_feasible = true;  // t_it(1) ≤ TPOT
  OpRates rates;                        // per accelerator
};

class InferenceService {
public:
  InferenceService(InferenceSpec spec, ClusterCapabilities caps);

  int gpus() const { return spec_.tensor_parallel * spec_.replicas; }
  // Exact mean request rate over [t0, t1).
  double mean_rate(sim::Time t0, sim::Time t1) const;
  // The load at a constant offered rate.
  InferenceLoad load(double request_rate_per_s) const;
  // The interval containing `t` ([k·Δ, (k+1)·Δ)) and its load, for the World's interval events.
  sim::Time interval_start(sim::Time t) const;
  InferenceLoad load_at(sim::Time t) const;

  double decode_iteration_s(double batch) const;
  double prefill_s() const { return prefill_s_; }
  double max_batch() const { return max_batch_; }

private:
  InferenceSpec spec_;
  ClusterCapabilities caps_;
  double served_params_ = 0;  // N' = (1 − sparsity)·N
  double weight_bytes_ = 0, kv_bytes_ = 0, t0_ = 0, t1_ = 0, c_ = 0, prefill_s_ = 0;
  double max_batch_ = 1;
  bool feasible_ = true;
};

}  // namespace joule::models::workload
