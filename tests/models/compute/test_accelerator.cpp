// Accelerator power model: catalog bounds, cap/DVFS, leakage, throttling, calibration files.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "io/yaml_params.hpp"
#include "models/compute/accelerator.hpp"
#include "models/compute/accelerator_catalog.hpp"
#include "models/compute/calibration.hpp"

using namespace joule;
using namespace joule::models::compute;

namespace {
const AcceleratorSpec& chip(const char* id) {
  const AcceleratorSpec* c = find_accelerator(id);
  REQUIRE(c != nullptr);
  return *c;
}
double e(const AcceleratorSpec& c, Op op) {
  return c.energy_j[static_cast<std::size_t>(op)].value;
}
AcceleratorSettings capped(double cap_w) {
  AcceleratorSettings s;
  s.power_cap = sim::Watts(cap_w);
  return s;
}
}  // namespace

TEST_CASE("catalog: every entry is sourced and inside its sanity bounds") {
  REQUIRE(accelerator_catalog().size() == 11);
  for (const auto& c : accelerator_catalog()) {
    CAPTURE(c.id);
    for (const auto& p : c.peak) CHECK_FALSE(p.source.empty());
    for (const auto& x : c.energy_j) CHECK_FALSE(x.source.empty());
    CHECK(c.peak_rate(Op::hbm) > 0);
    CHECK(c.tdp_w.value > c.context_w.value);
    CHECK(c.context_w.value >= c.idle_w.value);
    CHECK(c.min_clock_hz.value < c.nominal_clock_hz.value);
    // HBM between ~30 and ~150 pJ/B; interconnect around 1.3 pJ/bit (0.5–3 pJ/bit).
    CHECK(e(c, Op::hbm) >= 30e-12);
    CHECK(e(c, Op::hbm) <= 150e-12);
    CHECK(e(c, Op::nvlink) / 8 >= 0.5e-12);
    CHECK(e(c, Op::nvlink) / 8 <= 3e-12);
    // No calibration run exists yet: every energy is an estimate (or marks an unsupported op).
    for (std::size_t k = 0; k < op_count; ++k)
      if (c.energy_j[k].value > 0) CHECK(c.energy_j[k].kind == SourceKind::estimate);
    // Reference training mix (45 % MFU + 40 % HBM) lands under TDP + 2 %, and above 75 % of
    // TDP for the GPUs (their TDP is what they draw in training). TPU v2/v3 boards have TDPs
    // far above what the chips draw (v3: 450 W against 262 W measured at most, Jouppi et al.
    // 2023); their mix sits above 45 % of TDP. The V100 SXM3's extra 50 W is clock headroom.
    const Accelerator a(c, default_calibration(c), capped(1e5));
    const double mix_w = a.evaluate(reference_training_rates(c), 25.0).power_w;
    const bool headroom = c.id == "tpu-v2" || c.id == "tpu-v3" || c.id == "v100-sxm3";
    CHECK(mix_w >= (headroom ? 0.45 : 0.75) * c.tdp_w.value);
    CHECK(mix_w <= 1.02 * c.tdp_w.value);
  }
  const auto& h100 = chip("h100-sxm");
  CHECK(e(h100, Op::tensor_bf16) >= 0.71e-12);  // board-level bound (docs/design.md §8)
  CHECK(e(h100, Op::nvlink) == doctest::Approx(1.3e-12 * 8));
  CHECK(h100.idle_w.value == doctest::Approx(70));
  CHECK(h100.idle_w.kind == SourceKind::measurement);
  CHECK(h100.tdp_w.kind == SourceKind::spec);
}

TEST_CASE("low-precision tensor rates: where each chip has INT8 and FP4, from its datasheet") {
  // Dense peaks (datasheets quote twice these with 2:4 sparsity).
  CHECK(chip("h100-sxm").peak_rate(Op::tensor_int8) == doctest::Approx(1978.9e12));
  CHECK(chip("h100-sxm").peak_rate(Op::tensor_fp4) == 0);  // no FP4 before Blackwell
  CHECK(chip("h200").peak_rate(Op::tensor_int8) == chip("h100-sxm").peak_rate(Op::tensor_int8));
  CHECK(chip("a100-sxm-80gb").peak_rate(Op::tensor_int8) ==
        doctest::Approx(2 * chip("a100-sxm-80gb").peak_rate(Op::tensor_bf16)));  // 624 = 2 × 312
  CHECK(chip("b200").peak_rate(Op::tensor_fp4) ==
        doctest::Approx(2 * chip("b200").peak_rate(Op::tensor_fp8)));  // 9 = 2 × 4.5 PFLOP/s
  CHECK(chip("v100-sxm2").peak_rate(Op::tensor_int8) == 0);
  CHECK(chip("tpu-v5e").peak_rate(Op::tensor_int8) == doctest::Approx(394e12));
  // Every supported rate has a positive energy per op, every unsupported one none, and a
  // lower-precision op costs no more energy than a higher-precision one on the same chip.
  for (const AcceleratorSpec& c : accelerator_catalog()) {
    for (Op op : {Op::tensor_int8, Op::tensor_fp4}) {
      CHECK_FALSE(c.peak[static_cast<std::size_t>(op)].source.empty());
      CHECK((c.peak_rate(op) > 0) == (e(c, op) > 0));
    }
    if (c.peak_rate(Op::tensor_int8) > 0 && c.peak_rate(Op::tensor_bf16) > 0)
      CHECK(e(c, Op::tensor_int8) <= e(c, Op::tensor_bf16));
    if (c.peak_rate(Op::tensor_fp4) > 0) CHECK(e(c, Op::tensor_fp4) <= e(c, Op::tensor_fp8));
  }
}

TEST_CASE("H100 at 40–50 % MFU plus HBM traffic draws 600–700 W; idle is ~70 W") {
  const auto& c = chip("h100-sxm");
  // At the reference die temperature the leakage term vanishes, so P = context + Σ e·r exactly.
  AcceleratorSettings no_limits = capped(1e5);
  no_limits.r_th = sim::KelvinsPerWatt(1e-9);
  const Accelerator a(c, default_calibration(c), no_limits);
  const double t_ref = c.reference_temp_c.value;  // 22 + (45/700)·70 = 26.5 °C
  for (double mfu : {0.40, 0.45, 0.50}) {
    const OpRates r = reference_training_rates(c, mfu, 0.40);
    const double by_hand = 145 + 0.95e-12 * mfu * 989.4e12 + 60e-12 * 0.40 * 3.35e12;
    const double p = a.evaluate(r, t_ref).power_w;
    CHECK(p == doctest::Approx(by_hand));
    CHECK(p >= 600);
    CHECK(p <= 700);
  }
  CHECK(a.idle(t_ref).power_w == doctest::Approx(70));
}

TEST_CASE("DVFS ratio g(s) and its inverse") {
  const auto& c = chip("h100-sxm");
  const Accelerator a(c, default_calibration(c));
  CHECK(a.clock_power_ratio(1.0) == doctest::Approx(1.0));
  CHECK(a.clock_power_ratio(0.5) == doctest::Approx(0.6 * 0.125 + 0.4 * 0.5));
  for (double s : {0.3, 0.5, 0.71, 0.9, 1.0})
    CHECK(a.clock_fraction_for_ratio(a.clock_power_ratio(s)) == doctest::Approx(s).epsilon(1e-12));
}

TEST_CASE("a GPU demanding more than its cap settles at the cap with f below nominal") {
  const auto& c = chip("h100-sxm");
  const Accelerator a(c, default_calibration(c), capped(500));
  OpRates r = reference_training_rates(c, 0.45, 0.40);  // ~660 W at nominal
  r.core_bound = 1.0;  // compute-bound: the whole load follows the clock
  const auto s = a.evaluate(r, 25.0);
  CHECK(s.throttled == Throttle::power_cap);
  CHECK(s.power_w == doctest::Approx(500));
  CHECK(s.clock_fraction < 1.0);
  CHECK(s.clock_fraction > a.min_clock_fraction());
  CHECK_FALSE(s.at_min_clock);
  // Check by hand: static at T_die, core power scaled by g(s) and HBM power by s (its energy
  // per byte does not depend on core voltage) reproduce the cap.
  const double t_die = 25.0 + a.r_th_k_per_w() * 500;
  const double static_w = 70 * (1 + 0.008 * (t_die - c.reference_temp_c.value));
  const double hbm_w = 60e-12 * r[Op::hbm];
  CHECK(a.memory_power_w(r) == doctest::Approx(hbm_w));
  const double core_w = 75 + a.op_power_w(r) - hbm_w;
  const double f = s.clock_fraction;
  CHECK(static_w + core_w * a.clock_power_ratio(f) + hbm_w * f == doctest::Approx(500));
  CHECK(s.die_temp_c == doctest::Approx(t_die));

  // Uncapped (700 W) this demand fits: nominal clock, no throttling.
  const Accelerator free(c, default_calibration(c));
  const auto u = free.evaluate(r, 25.0);
  CHECK(u.throttled == Throttle::none);
  CHECK(u.clock_fraction == 1.0);
  CHECK(u.power_w > 500);
}

TEST_CASE("a cap below what the minimum clock can reach leaves power above the cap") {
  const auto& c = chip("h100-sxm");
  const Accelerator a(c, default_calibration(c), capped(100));
  const auto s = a.evaluate(reference_training_rates(c), 25.0);
  CHECK(s.at_min_clock);
  CHECK(s.clock_fraction == doctest::Approx(0.5));
  CHECK(s.power_w > 100);
}

TEST_CASE("V100 under a 150 W cap vs 250 W: slower steps, less energy per step (Zeus)") {
  // Zeus (You et al., NSDI 2023) measured +22 % time and −20 % energy (as quoted; see
  // validation/compute/zeus-v100-power-cap.yaml). Only the GEMM share of the step slows with f.
  const auto& c = chip("v100-sxm2");
  const OpRates r = reference_training_rates(c, 0.50, 0.40);  // ~275 W demand at nominal
  CHECK(r.core_bound == doctest::Approx(0.50 / 0.66));        // GEMM share, Markidis et al.
  const Accelerator at250(c, default_calibration(c), capped(250));
  const Accelerator at150(c, default_calibration(c), capped(150));
  const auto s250 = at250.evaluate(r, 25.0), s150 = at150.evaluate(r, 25.0);
  const double time_ratio = s250.speed / s150.speed;  // time per unit of work ∝ 1/x
  const double energy_ratio = (s150.power_w / s150.speed) / (s250.power_w / s250.speed);
  std::printf(
      "V100 cap 250 W: %.1f W, f = %.3f; cap 150 W: %.1f W, f = %.3f; time %+.1f %%, "
      "energy/step %+.1f %% (Zeus: +22 %%, -20 %%)\n",
      s250.power_w, s250.clock_fraction, s150.power_w, s150.clock_fraction, 100 * (time_ratio - 1),
      100 * (energy_ratio - 1));
  CHECK(s150.power_w == doctest::Approx(150));
  CHECK(time_ratio > 1.10);
  CHECK(time_ratio < 1.60);
  CHECK(energy_ratio < 0.95);
  CHECK(energy_ratio > 0.65);
}

TEST_CASE("under a cap only the core-bound share of the work slows with the clock") {
  // x(s) = 1/(φ/s + 1 − φ): φ = 1 is the compute-bound x = s; φ = 0 never slows.
  CHECK(Accelerator::work_rate(0.5, 1.0) == doctest::Approx(0.5));
  CHECK(Accelerator::work_rate(0.5, 0.0) == doctest::Approx(1.0));
  CHECK(Accelerator::work_rate(0.5, 0.6) == doctest::Approx(1.0 / (0.6 / 0.5 + 0.4)));
  CHECK(Accelerator::work_rate(1.0, 0.3) == doctest::Approx(1.0));

  const auto& c = chip("h100-sxm");
  const Accelerator a(c, default_calibration(c), capped(450));
  OpRates r = reference_training_rates(c, 0.45, 0.40);
  r.core_bound = 1.0;
  const auto compute_bound = a.evaluate(r, 25.0);
  CHECK(compute_bound.speed == doctest::Approx(compute_bound.clock_fraction));
  r.core_bound = 0.5;
  const auto mixed = a.evaluate(r, 25.0);
  CHECK(mixed.throttled == Throttle::power_cap);
  CHECK(mixed.power_w == doctest::Approx(450));
  const double s = mixed.clock_fraction, x = mixed.speed;
  CHECK(x == doctest::Approx(1.0 / (0.5 / s + 0.5)));
  CHECK(x > s);
  // The memory-bound half keeps its pace, so more work per second must fit in the same 450 W:
  // the clock sits lower, yet the work goes faster than with a compute-bound load.
  CHECK(s < compute_bound.clock_fraction);
  CHECK(x > compute_bound.speed);
  // By hand: static at T_die + context·g(s) + core ops·x·g(s)/s + HBM·x = 450 W.
  const double t_die = 25.0 + a.r_th_k_per_w() * 450;
  const double static_w = 70 * (1 + 0.008 * (t_die - chip("h100-sxm").reference_temp_c.value));
  const double hbm_w = a.memory_power_w(r);
  const double ops_w = a.op_power_w(r) - hbm_w;
  const double g = a.clock_power_ratio(s);
  CHECK(static_w + 75 * g + ops_w * x * g / s + hbm_w * x == doctest::Approx(450).epsilon(1e-6));
}

TEST_CASE("leakage rises with die temperature") {
  const auto& c = chip("h100-sxm");
  const Accelerator a(c, default_calibration(c));
  const double cold = a.idle(20.0).power_w, warm = a.idle(40.0).power_w;
  CHECK(warm > cold);
  // Closed-form fixed point: P = idle·(1 + λ(T_in − T_ref)) / (1 − idle·λ·R).
  const double r = a.r_th_k_per_w();
  const double t_ref = c.reference_temp_c.value;
  CHECK(warm == doctest::Approx(70 * (1 + 0.008 * (40 - t_ref)) / (1 - 70 * 0.008 * r)));
  CHECK(cold == doctest::Approx(70 * (1 + 0.008 * (20 - t_ref)) / (1 - 70 * 0.008 * r)));
  const auto st = a.idle(40.0);
  CHECK(st.die_temp_c == doctest::Approx(40 + r * st.power_w));
  CHECK(st.power_w == doctest::Approx(70 * (1 + 0.008 * (st.die_temp_c - t_ref))));
}

TEST_CASE("above the throttle limit the clock drops until the die is at the limit") {
  const auto& c = chip("h100-sxm");
  const Accelerator air(c, default_calibration(c));  // R_th = 45 K / 700 W
  const OpRates r = reference_training_rates(c);
  const auto cool = air.evaluate(r, 25.0);
  CHECK(cool.throttled == Throttle::none);
  CHECK(cool.die_temp_c < 87);
  const auto hot = air.evaluate(r, 50.0);  // inlet 50 °C: 50 + 0.064·650 > 87
  CHECK(hot.throttled == Throttle::thermal);
  CHECK(hot.die_temp_c == doctest::Approx(87));
  CHECK(hot.clock_fraction < 1.0);
  CHECK(hot.power_w == doctest::Approx((87 - 50) / air.r_th_k_per_w()));
  // A cold plate (R_th = 25 K / 700 W) with 45 °C water keeps the same job unthrottled.
  AcceleratorSettings cold_plate;
  cold_plate.cooling = Cooling::cold_plate;
  const Accelerator plate(c, default_calibration(c), cold_plate);
  CHECK(plate.r_th_k_per_w() < air.r_th_k_per_w());
  CHECK(plate.evaluate(r, 45.0).throttled == Throttle::none);
}

TEST_CASE("calibration file round trip") {
  const std::string text = R"(format: joule-calibration/1
chip: h100-sxm
device: "NVIDIA H100 80GB HBM3"
kind: measurement               # measurement | estimate
source: "joule-calibrate 0.1, NVML total-energy counter"
date: "2026-11-22"
driver: "550.54.15"
method: "bounded NNLS ..."
static: {idle_power: "70 W", reference_temp: "40 degC", leakage_per_kelvin: 0.008}
energy_per_op: {tensor_bf16: "0.95 pJ/FLOP", tensor_fp16: "0.95 pJ/FLOP", tensor_fp8: "0.5 pJ/FLOP", tensor_tf32: "1.9 pJ/FLOP", tensor_fp64: "15 pJ/FLOP", vector_fp32: "4 pJ/FLOP", hbm: "60 pJ/B", l2: "15 pJ/B", smem: "5 pJ/B", nvlink: "10 pJ/B"}
dvfs: {nominal_clock: "1980 MHz", beta_w_per_ghz3: 40.0, tau_w_per_ghz: 100.0, p_const_w: 80.0}
fit: {windows: 250, loo_mape_percent: 6.1, heldout_mape_percent: 8.3, heldout_kernels: [gemm_stream_mix]}
)";
  const auto root = io::parse_yaml_text(text, "h100.calibration.yaml");
  const Calibration cal = calibration_from_params(root);
  CHECK(cal.chip == "h100-sxm");
  CHECK(cal.device == "NVIDIA H100 80GB HBM3");
  CHECK(cal.kind == SourceKind::measurement);
  CHECK(cal.source == "joule-calibrate 0.1, NVML total-energy counter");
  CHECK(cal.date == "2026-11-22");
  CHECK(cal.driver == "550.54.15");
  CHECK(cal.method == "bounded NNLS ...");
  CHECK(cal.static_power.idle_power.value() == doctest::Approx(70));
  CHECK(cal.static_power.reference_temp.value == doctest::Approx(40));
  CHECK(cal.static_power.leakage_per_kelvin == doctest::Approx(0.008));
  CHECK_FALSE(cal.static_power.context_power.has_value());
  auto ep = [&](Op op) { return cal.energy_per_op[static_cast<std::size_t>(op)]; };
  CHECK(*ep(Op::tensor_bf16) == doctest::Approx(0.95e-12));
  CHECK(*ep(Op::tensor_fp8) == doctest::Approx(0.5e-12));
  CHECK(*ep(Op::tensor_fp64) == doctest::Approx(15e-12));
  CHECK(*ep(Op::vector_fp32) == doctest::Approx(4e-12));
  CHECK(*ep(Op::hbm) == doctest::Approx(60e-12));
  CHECK(*ep(Op::l2) == doctest::Approx(15e-12));
  CHECK(*ep(Op::smem) == doctest::Approx(5e-12));
  CHECK(*ep(Op::nvlink) == doctest::Approx(10e-12));
  CHECK_FALSE(ep(Op::pcie).has_value());
  REQUIRE(cal.dvfs.has_value());
  CHECK(cal.dvfs->nominal_clock.value() == doctest::Approx(1.98e9));
  CHECK(cal.dvfs->beta_w_per_ghz3 == doctest::Approx(40));
  CHECK(cal.dvfs->tau_w_per_ghz == doctest::Approx(100));
  CHECK(cal.dvfs->p_const_w == doctest::Approx(80));
  REQUIRE(cal.fit.has_value());
  CHECK(*cal.fit->windows == 250);
  CHECK(*cal.fit->loo_mape_percent == doctest::Approx(6.1));
  CHECK(*cal.fit->heldout_mape_percent == doctest::Approx(8.3));
  CHECK(cal.fit->heldout_kernels == std::vector<std::string>{"gemm_stream_mix"});

  // Overlaid on the catalog: the file's values win, the catalog fills what the file omits.
  const auto& c = chip("h100-sxm");
  const Calibration merged = overlay(default_calibration(c), cal);
  CHECK(merged.kind == SourceKind::measurement);
  CHECK(*merged.energy_per_op[static_cast<std::size_t>(Op::tensor_fp64)] ==
        doctest::Approx(15e-12));
  CHECK(*merged.energy_per_op[static_cast<std::size_t>(Op::pcie)] == doctest::Approx(40e-12));
  CHECK(merged.static_power.context_power->value() == doctest::Approx(145));
  // The file's DVFS fit drives the cap solver: cubic share = 40·1.98³ / (40·1.98³ + 100·1.98).
  const Accelerator a(c, merged);
  const double cubic = 40 * 1.98 * 1.98 * 1.98, lin = 100 * 1.98;
  CHECK(a.clock_power_ratio(0.5) ==
        doctest::Approx(cubic / (cubic + lin) * 0.125 + lin / (cubic + lin) * 0.5));
}

TEST_CASE("calibration file errors point into the file") {
  auto parse = [](const std::string& text) {
    return calibration_from_params(io::parse_yaml_text(text, "cal.yaml"));
  };
  const std::string head = "format: joule-calibration/1\nchip: h100-sxm\n";
  CHECK_THROWS_WITH_AS(parse("format: joule-calibration/2\nchip: x\nstatic: {idle_power: 70 W, "
                             "reference_temp: 40 degC}\n"),
                       doctest::Contains("must be 'joule-calibration/1'"), sim::InputError);
  CHECK_THROWS_WITH_AS(parse(head), doctest::Contains("static is required"), sim::InputError);
  CHECK_THROWS_WITH_AS(parse(head + "static: {idle_power: 70 degC, reference_temp: 40 degC}\n"),
                       doctest::Contains("cal.yaml:3"), sim::InputError);
  CHECK_THROWS_WITH_AS(parse(head + "static: {idle_power: 70 W, reference_temp: 40 degC}\n"
                                    "energy_per_op: {tensor_bf16: \"-1 pJ/FLOP\"}\n"),
                       doctest::Contains("must be >= 0"), sim::InputError);
  CHECK_THROWS_WITH_AS(parse(head + "static: {idle_power: 70 W, reference_temp: 40 degC}\n"
                                    "energy_per_op: {hbm: \"60 pJ/FLOP\"}\n"),
                       doctest::Contains("energy_per_op.hbm"), sim::InputError);
  CHECK_THROWS_WITH_AS(parse(head + "static: {idle_power: 70 W, reference_temp: 40 degC}\n"
                                    "energy_per_op: {tensor_bf61: \"1 pJ/FLOP\"}\n"),
                       doctest::Contains("did you mean 'tensor_bf16'"), sim::InputError);
}

TEST_CASE("catalog printout names kind and source") {
  std::ostringstream out;
  print_accelerator_catalog(out);
  CHECK(out.str().find("h100-sxm") != std::string::npos);
  CHECK(out.str().find("measurement") != std::string::npos);
  CHECK(out.str().find("NVIDIA H100 Tensor Core GPU datasheet") != std::string::npos);
}

TEST_CASE("catalog: the idle reference temperature is the model's own idle die temperature") {
  // T_ref is the die temperature of the idle reading (22 °C inlet air). An idle, air-cooled
  // device there must sit at T_ref and draw exactly its idle power: the leakage term vanishes.
  // H100: T_ref = 22 + (45 K / 700 W)·70 W = 26.5 °C.
  CHECK(chip("h100-sxm").reference_temp_c.value == doctest::Approx(22.0 + 45.0 / 700.0 * 70.0));
  for (const auto& c : accelerator_catalog()) {
    CAPTURE(c.id);
    const Accelerator a(c, default_calibration(c));
    const AcceleratorState idle = a.idle(22.0);
    CHECK(idle.die_temp_c == doctest::Approx(c.reference_temp_c.value).epsilon(1e-12));
    CHECK(idle.power_w == doctest::Approx(c.idle_w.value).epsilon(1e-12));
    // 10 K warmer air: the die warms and leaks more, by λ per kelvin of die temperature.
    const AcceleratorState warm = a.idle(32.0);
    CHECK(warm.power_w > idle.power_w);
    CHECK(warm.die_temp_c > idle.die_temp_c + 10.0);
  }
}
