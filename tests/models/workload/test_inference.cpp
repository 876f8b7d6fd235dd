#include <doctest/doctest.h>

#include <cmath>

#include "io/yaml_params.hpp"
#include "models/workload/inference.hpp"

using namespace joule;
using namespace joule::models::workload;
using joule::models::compute::Op;

namespace {

// 1 PFLOP/s, 4 TB/s per accelerator.
ClusterCapabilities caps() {
  ClusterCapabilities c;
  c.peak_tensor = sim::FlopsPerSecond(1e15);
  c.hbm_bandwidth = sim::BytesPerSecond(4e12);
  return c;
}

// 10B params, 2 replicas of tp 2, 32 layers × 4096, GQA 1/8, 1000 in / 200 out tokens.
InferenceSpec spec() {
  InferenceSpec s;
  s.params = 10e9;
  s.layers = 32;
  s.d_model = 4096;
  s.kv_fraction = 0.125;
  s.tensor_parallel = 2;
  s.replicas = 2;
  s.tokens_in = 1000;
  s.tokens_out = 200;
  s.tpot_target = sim::seconds(0.02);
  s.mfu = 0.5;
  s.mean_rate_per_s = 1.0;
  return s;
}

}  // namespace

TEST_CASE("inference: per-token costs by hand") {
  const InferenceService svc(spec(), caps());
  // Weights 10e9·2 B over tp 2 at 4 TB/s: t0 = 2e10 / 8e12 = 2.5 ms.
  // KV per sequence: 2·32·4096·0.125·2 B·(1000 + 100) = 72.09 MB; t1 = 72.0896e6 / 8e12.
  const double t0 = 2e10 / 8e12, kv = 2.0 * 32 * 4096 * 0.125 * 2 * 1100, t1 = kv / 8e12;
  CHECK(svc.decode_iteration_s(10) == doctest::Approx(t0 + 10 * t1));
  // Prefill: 2N·T_in / (tp·peak·mfu) = 2e13 / 1e15 = 20 ms.
  CHECK(svc.prefill_s() == doctest::Approx(2 * 10e9 * 1000 / (2 * 1e15 * 0.5)));
  // B_max from TPOT 20 ms: (0.02 − t0)/t1, unless compute-bound first (c·B = 0.02).
  const double c = 2 * 10e9 / (2 * 1e15 * 0.5);
  CHECK(svc.max_batch() == doctest::Approx(std::min((0.02 - t0) / t1, 0.02 / c)));
}

TEST_CASE("inference: Little's law batch, op rates, saturation") {
  const InferenceService svc(spec(), caps());
  // Light load: 0.5 req/s (0.25 per replica): fewer than one sequence in flight.
  const InferenceLoad light = svc.load(0.5);
  CHECK_FALSE(light.saturated);
  CHECK(light.batch < 1);
  const double lam = 0.25;
  // Tensor FLOP/s per accelerator = λ·(T_in + T_out)·2N / tp.
  CHECK(light.rates[Op::tensor_bf16] == doctest::Approx(lam * 1200 * 2 * 10e9 / 2));
  // HBM: weights per prefill + per decoded token (batch 1) + the KV cache, / tp.
  const double kv = 2.0 * 32 * 4096 * 0.125 * 2 * 1100;
  CHECK(light.rates[Op::hbm] == doctest::Approx((lam * 2e10 + lam * 200 * (2e10 + kv)) / 2));
  CHECK(light.prefill_share == doctest::Approx(lam * svc.prefill_s()));

  // Moderate load: batch from B = λ·T_out·t_it(B)/(1 − u_p), latency under target.
  const InferenceLoad mid = svc.load(40);
  CHECK_FALSE(mid.saturated);
  const double l = 20, u_p = l * svc.prefill_s();
  CHECK(mid.batch > 1);
  CHECK(mid.batch == doctest::Approx(l * 200 * svc.decode_iteration_s(mid.batch) / (1 - u_p)));
  CHECK(mid.tpot_s <= 0.02);
  CHECK(mid.prefill_share + mid.decode_share == doctest::Approx(1.0));
  CHECK(mid.served_rate == doctest::Approx(40));

  // Overload: served rate capped at B_max, remainder unserved, shares sum to 1.
  const InferenceLoad over = svc.load(1000);
  CHECK(over.saturated);
  CHECK(over.served_rate < 1000);
  CHECK(over.batch == doctest::Approx(svc.max_batch()));
  CHECK(over.prefill_share + over.decode_share == doctest::Approx(1.0));
  CHECK(over.tpot_s == doctest::Approx(0.02).epsilon(1e-9));
  // Monotone: more offered load never serves less.
  CHECK(svc.load(100).served_rate <= over.served_rate * (1 + 1e-12));
}

TEST_CASE("inference: diurnal and hourly profiles keep the daily mean") {
  InferenceSpec s = spec();
  s.mean_rate_per_s = 10;
  s.amplitude = 0.6;
  s.peak_hour = 14;
  const InferenceService svc(s, caps());
  CHECK(svc.mean_rate(sim::Time::zero(), sim::hours(24)) == doctest::Approx(10));
  // Around the peak (an instant): 10·(1 + 0.6); mean over 14:00 ± 1 s ≈ 16.
  CHECK(svc.mean_rate(sim::hours(14) - sim::seconds(1), sim::hours(14) + sim::seconds(1)) ==
        doctest::Approx(16).epsilon(1e-6));
  // The 96 interval means average back to the daily mean.
  double sum = 0;
  for (int k = 0; k < 96; ++k) sum += svc.load_at(sim::minutes(15.0 * k + 7)).request_rate;
  CHECK(sum / 96 == doctest::Approx(10));
  CHECK(svc.interval_start(sim::minutes(37)) == sim::minutes(30));

  s.hourly.assign(24, 1.0);
  s.hourly[3] = 25.0;  // one busy hour: 48 / 24 = mean 2 → normalised multipliers 0.5 and 12.5
  const InferenceService h(s, caps());
  CHECK(h.mean_rate(sim::hours(3), sim::hours(4)) == doctest::Approx(10 * 25.0 / 2));
  CHECK(h.mean_rate(sim::hours(24 + 5), sim::hours(24 + 6)) == doctest::Approx(10 * 0.5));
  CHECK(h.mean_rate(sim::Time::zero(), sim::hours(48)) == doctest::Approx(10));
}

TEST_CASE("inference spec reads and validates") {
  const auto node = io::parse_yaml_text(
      "params: 8e9\nlayers: 32\nd_model: 4096\ntensor_parallel: 1\nreplicas: 16\n"
      "mean_rate: 20\ntpot_target: 30 ms\n",
      "s.yaml");
  const InferenceSpec s = inference_spec(sim::ParamReader(&node, inference_doc()));
  CHECK(s.replicas == 16);
  CHECK(s.tpot_target == sim::seconds(0.03));
  const auto bad = io::parse_yaml_text("hourly: [1, 2, 3]\n", "s.yaml");
  CHECK_THROWS_WITH_AS(inference_spec(sim::ParamReader(&bad, inference_doc())),
                       doctest::Contains("s.yaml:1:9: hourly must be a list of 24"),
                       sim::InputError);
}

TEST_CASE("inference: quantized weights and tensor math (int8, fp4)") {
  // The same service at 8- and 4-bit weights: the weight read per decode iteration,
  // t0 = N·b_w / (tp·B_hbm), falls from 2.5 ms (2 B) to 1.25 ms (1 B) and 0.625 ms (0.5 B);
  // the KV cache stays 16 bit, so t1 is unchanged. The caps stand for the precision's tensor
  // peak (the World passes the chip's rate for tensor_op(precision)).
  const double t0 = 2e10 / 8e12, t1 = 2.0 * 32 * 4096 * 0.125 * 2 * 1100 / 8e12;
  for (const auto& [precision, bytes] :
       {std::pair{Precision::int8, 1.0}, std::pair{Precision::fp4, 0.5}}) {
    InferenceSpec s = spec();
    s.precision = precision;
    const InferenceService svc(s, caps());
    CHECK(svc.decode_iteration_s(10) == doctest::Approx(t0 * bytes / 2 + 10 * t1));
    // The tensor work is counted in the precision's own op class.
    const InferenceLoad load = svc.load(1.0);
    CHECK(load.rates[tensor_op(precision)] > 0);
    CHECK(load.rates[Op::tensor_bf16] == 0);
  }
  CHECK(tensor_op(Precision::int8) == Op::tensor_int8);
  CHECK(tensor_op(Precision::fp4) == Op::tensor_fp4);
  // A chip without the precision (peak 0 in its catalog) is refused with the reason.
  ClusterCapabilities none = caps();
  none.peak_tensor = sim::FlopsPerSecond(0);
  InferenceSpec fp4 = spec();
  fp4.precision = Precision::fp4;
  CHECK_THROWS_WITH_AS(InferenceService(fp4, none), doctest::Contains("no fp4 tensor rate"),
                       std::domain_error);
  // The key: int8 and fp4 are accepted, others named.
  const auto node = io::parse_yaml_text("{precision: int4}", "s.yaml", "inference");
  CHECK_THROWS_WITH_AS(inference_spec(sim::ParamReader(&node, inference_doc())),
                       doctest::Contains("bf16, fp16, fp8, int8, fp4"), sim::InputError);
}

TEST_CASE("inference: a pruned model serves as a smaller one; weight-only quantization") {
  // 40 % pruned: N' = 6e9. Weights 6e9·2 B over tp 2 at 4 TB/s: t0 = 1.2e10 / 8e12 = 1.5 ms;
  // prefill 2N'·T_in / (tp·peak·mfu) = 1.2e13 / 1e15 = 12 ms; KV cache (t1) kept.
  const double t1 = 2.0 * 32 * 4096 * 0.125 * 2 * 1100 / 8e12;
  InferenceSpec pruned = spec();
  pruned.sparsity = 0.4;
  const InferenceService p(pruned, caps()), full(spec(), caps());
  CHECK(p.decode_iteration_s(10) == doctest::Approx(1.2e10 / 8e12 + 10 * t1));
  CHECK(p.prefill_s() == doctest::Approx(2 * 6e9 * 1000 / (2 * 1e15 * 0.5)));
  // Tensor work per request: 2N'(T_in + T_out), 0.6 of the full model's.
  CHECK(p.load(1.0).rates[Op::tensor_bf16] ==
        doctest::Approx(0.6 * full.load(1.0).rates[Op::tensor_bf16]));
  // W4A16: weights half a byte, math in bf16: t0 = 10e9·0.5 / 8e12; prefill unchanged.
  InferenceSpec w4 = spec();
  w4.weight_bits = 4;
  const InferenceService q(w4, caps());
  CHECK(q.decode_iteration_s(10) == doctest::Approx(5e9 / 8e12 + 10 * t1));
  CHECK(q.prefill_s() == doctest::Approx(full.prefill_s()));
  CHECK(q.load(1.0).rates[Op::tensor_bf16] ==
        doctest::Approx(full.load(1.0).rates[Op::tensor_bf16]));
  CHECK(q.load(1.0).rates[Op::hbm] < full.load(1.0).rates[Op::hbm]);

  const auto read = [](const std::string& text) {
    const auto node = io::parse_yaml_text(text, "s.yaml", "inference");
    return inference_spec(sim::ParamReader(&node, inference_doc()));
  };
  CHECK(read("{sparsity: 0.5, weight_bits: 4}").weight_bits == 4);
  CHECK_THROWS_WITH_AS(read("{sparsity: 1}"), doctest::Contains("s.yaml:1:12: inference.sparsity"),
                       sim::InputError);
  CHECK_THROWS_WITH_AS(read("{weight_bits: 6}"), doctest::Contains("must be 4, 8 or 16"),
                       sim::InputError);
  CHECK_THROWS_WITH_AS(read("{precision: fp8, weight_bits: 16}"),
                       doctest::Contains("at most the fp8 precision's 8 bits"), sim::InputError);
}
