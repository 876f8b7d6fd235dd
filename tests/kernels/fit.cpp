// The calibration fit (kernels/calib/fit.hpp): recovery of known coefficients from noisy
// synthetic windows, bounds, hand-computed LOO and held-out MAPE, static leakage, DVFS cubic.
#include "calib/fit.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "synthetic.hpp"

using namespace joule::calib;
using joule::calib::testing::make_window;
using joule::calib::testing::synthetic_windows;
using joule::calib::testing::true_energy_pj;

TEST_CASE("fit recovers known energies per op from noisy synthetic windows") {
  // 1 % Gaussian power noise, 5 repetitions x 4 intensities per unit, idle 100 W.
  const auto windows = synthetic_windows(100.0, 0.01, 42);
  const FitResult fit = fit_calibration(windows);
  const OpArray truth = true_energy_pj();
  CHECK(fit.static_power.idle_power_w == doctest::Approx(100.0).epsilon(0.01));
  for (const auto& info : kOpUnits) {
    const auto& e = fit.energy_pj[index_of(info.unit)];
    if (info.unit == OpUnit::nvlink) {
      CHECK_FALSE(e.has_value());  // no window exercised it -> not measured, not zero
      continue;
    }
    REQUIRE(e.has_value());
    CHECK(*e >= 0.0);  // bound holds, including for the true-zero tensor_fp8
    const double t = truth[index_of(info.unit)];
    if (t > 0) {
      INFO(info.key);
      CHECK(*e == doctest::Approx(t).epsilon(0.05));
    }
  }
  // True zero: with P ~ 100 W + noise of 1 W and fp8 rate up to 1.2e15/s, the fitted value
  // should be within a few hundredths of a pJ of 0.
  CHECK(*fit.energy_pj[index_of(OpUnit::tensor_fp8)] < 0.02);
  REQUIRE(fit.loo_mape_percent.has_value());
  CHECK(*fit.loo_mape_percent < 3.0);
}

TEST_CASE("a negative-looking coefficient is held at its lower bound") {
  // hbm windows say 60 pJ/B; l2 windows draw LESS than idle, which unconstrained LS would
  // turn into a negative e_l2. The bound keeps it at 0 (and at a custom floor when given).
  std::vector<Window> w;
  OpArray none{};
  for (int r = 0; r < 3; ++r) w.push_back(make_window("idle", 0, r, Phase::idle, 100, none));
  for (double i : {0.5, 1.0}) {
    OpArray hbm{}, l2{};
    hbm[index_of(OpUnit::hbm)] = 2e12 * i;
    l2[index_of(OpUnit::l2)] = 4e12 * i;
    w.push_back(make_window("hbm", i, 0, Phase::fit, 100 + 60 * 2 * i, hbm));
    w.push_back(make_window("l2", i, 0, Phase::fit, 100 - 5 * i, l2));
  }
  const FitResult fit = fit_calibration(w);
  CHECK(*fit.energy_pj[index_of(OpUnit::hbm)] == doctest::Approx(60.0));
  CHECK(*fit.energy_pj[index_of(OpUnit::l2)] == 0.0);

  FitConfig floor;
  floor.lower_pj[index_of(OpUnit::l2)] = 2.0;
  const FitResult fit2 = fit_calibration(w, floor);
  CHECK(*fit2.energy_pj[index_of(OpUnit::l2)] == doctest::Approx(2.0));
}

TEST_CASE("leave-one-point-out and held-out MAPE on a hand case") {
  // Idle 10 W. One unit (hbm), three points, one window each, 1 s:
  //   r = 1, 2, 3 TB/s, P = 12, 14, 17 W  -> dynamic d = 2, 4, 7 W.
  // Full fit (no intercept): e = sum r d / sum r^2 = (2 + 8 + 21) / (1 + 4 + 9) = 31/14 pJ/B.
  // LOO:  drop r=1: e = (8+21)/(4+9) = 29/13, P^ = 10 + 29/13 = 12.2308, APE = 0.2308/12
  //       drop r=2: e = (2+21)/(1+9) = 2.3,   P^ = 10 + 4.6   = 14.6,    APE = 0.6/14
  //       drop r=3: e = (2+8)/(1+4)  = 2,     P^ = 10 + 6     = 16,      APE = 1/17
  // Held out: a mix window at 1.5 TB/s measuring 13 W: P^ = 10 + 1.5 * 31/14 = 13.3214.
  std::vector<Window> w;
  OpArray none{};
  w.push_back(make_window("idle", 0, 0, Phase::idle, 10, none, 40, 1));
  w.push_back(make_window("idle", 0, 1, Phase::idle, 10, none, 40, 1));
  const double r[] = {1e12, 2e12, 3e12}, p[] = {12, 14, 17}, intensity[] = {0.25, 0.5, 1};
  for (int i = 0; i < 3; ++i) {
    OpArray rates{};
    rates[index_of(OpUnit::hbm)] = r[i];
    w.push_back(make_window("hbm_read", intensity[i], 0, Phase::fit, p[i], rates, 40, 1));
  }
  OpArray mix{};
  mix[index_of(OpUnit::hbm)] = 1.5e12;
  w.push_back(make_window("gemm_stream_mix", 1, 0, Phase::heldout, 13, mix, 40, 1));

  const FitResult fit = fit_calibration(w);
  CHECK(*fit.energy_pj[index_of(OpUnit::hbm)] == doctest::Approx(31.0 / 14.0));
  const double loo = 100.0 / 3.0 * ((10 + 29.0 / 13 - 12) / 12 + 0.6 / 14 + 1.0 / 17);
  REQUIRE(fit.loo_mape_percent.has_value());
  CHECK(*fit.loo_mape_percent == doctest::Approx(loo));
  REQUIRE(fit.heldout_mape_percent.has_value());
  CHECK(*fit.heldout_mape_percent == doctest::Approx(100.0 * (10 + 1.5 * 31.0 / 14 - 13) / 13));
  REQUIRE(fit.heldout_kernels.size() == 1);
  CHECK(fit.heldout_kernels[0] == "gemm_stream_mix");
  CHECK(fit.windows_used == 6);
}

TEST_CASE("mape_percent arithmetic") {
  // |110-100|/100 = 0.1, |45-50|/50 = 0.1 -> 10 %.
  CHECK(mape_percent({100, 50}, {110, 45}) == doctest::Approx(10.0));
  CHECK_THROWS(mape_percent({}, {}));
}

TEST_CASE("flagged windows are dropped, and a throttled sweep window only for thermal bits") {
  auto w = synthetic_windows(100.0, 0.0, 1, 2);
  const std::size_t n = w.size();
  Window bad = w.back();
  bad.energy_j *= 0.5;  // a power-capped window reading low
  bad.flagged = true;
  bad.throttle_reasons = kReasonSwPowerCap;
  w.push_back(bad);
  const FitResult fit = fit_calibration(w);
  CHECK(fit.windows_dropped == 1);
  CHECK(fit.windows_used == static_cast<int>(n));
  FitConfig keep;
  keep.drop_flagged = false;
  CHECK(fit_calibration(w, keep).windows_used == static_cast<int>(n + 1));
}

TEST_CASE("static power and leakage from idle windows at two temperatures") {
  // P_idle(T) = 70 * (1 + 0.008 (T - 50)): 64.4 W at 40 degC, 75.6 W at 60 degC.
  std::vector<Window> w;
  OpArray none{}, hbm{};
  hbm[index_of(OpUnit::hbm)] = 1e12;
  for (int r = 0; r < 3; ++r) {
    w.push_back(make_window("idle", 0, r, Phase::idle, 64.4, none, 40));
    w.push_back(make_window("idle", 0, 3 + r, Phase::idle, 75.6, none, 60));
  }
  // One hbm window at 60 degC: dynamic = P - P_static(60) = 135.6 - 75.6 = 60 W -> 60 pJ/B.
  w.push_back(make_window("hbm_read", 1, 0, Phase::fit, 135.6, hbm, 60));
  const FitResult fit = fit_calibration(w);
  CHECK(fit.static_power.idle_power_w == doctest::Approx(70.0));
  CHECK(fit.static_power.reference_temp_c == doctest::Approx(50.0));
  REQUIRE(fit.static_power.leakage_per_kelvin.has_value());
  CHECK(*fit.static_power.leakage_per_kelvin == doctest::Approx(0.008));
  CHECK(*fit.energy_pj[index_of(OpUnit::hbm)] == doctest::Approx(60.0));
  CHECK_FALSE(fit.loo_mape_percent.has_value());  // one point: nothing to leave out
}

TEST_CASE("DVFS cubic fit recovers beta, tau and P_const") {
  // P = 40 f^3 + 100 f + 80 (f in GHz). At 1.98 GHz: 40 * 7.762392 + 198 + 80 = 588.50 W.
  std::vector<double> f_mhz, p_w;
  for (double f : {800.0, 1000.0, 1200.0, 1400.0, 1600.0, 1800.0, 1980.0}) {
    const double g = f / 1000;
    f_mhz.push_back(f);
    p_w.push_back(40 * g * g * g + 100 * g + 80);
  }
  CHECK(p_w.back() == doctest::Approx(588.4957).epsilon(1e-6));
  DvfsFit d = fit_dvfs(f_mhz, p_w);
  REQUIRE(d.beta_w_per_ghz3.has_value());
  CHECK(*d.beta_w_per_ghz3 == doctest::Approx(40.0));
  CHECK(*d.tau_w_per_ghz == doctest::Approx(100.0));
  CHECK(*d.p_const_w == doctest::Approx(80.0));
  CHECK(*d.mape_percent < 1e-6);

  // With 0.5 % noise, 3 repetitions per clock: within 10 % / 15 % / 10 %.
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0.0, 0.005);
  std::vector<double> fn, pn;
  for (std::size_t i = 0; i < f_mhz.size(); ++i)
    for (int r = 0; r < 3; ++r) {
      fn.push_back(f_mhz[i]);
      pn.push_back(p_w[i] * (1 + noise(rng)));
    }
  d = fit_dvfs(fn, pn);
  CHECK(*d.beta_w_per_ghz3 == doctest::Approx(40.0).epsilon(0.10));
  CHECK(*d.tau_w_per_ghz == doctest::Approx(100.0).epsilon(0.15));
  CHECK(*d.p_const_w == doctest::Approx(80.0).epsilon(0.10));

  // Two clocks cannot fix three parameters.
  CHECK_FALSE(fit_dvfs({1000, 1980, 1000}, {300, 500, 300}).beta_w_per_ghz3.has_value());
}

TEST_CASE("fit pipeline uses sweep windows for DVFS and the fit-window clock as nominal") {
  auto w = synthetic_windows(100.0, 0.0, 5, 2);
  OpArray bf16{};
  for (double f : {1000.0, 1400.0, 1980.0}) {
    const double g = f / 1000;
    Window s = make_window("tensor_bf16", 1, 0, Phase::sweep, 40 * g * g * g + 100 * g + 80, bf16);
    s.sm_clock_mhz = f;
    s.sweep_setting = f;
    w.push_back(s);
  }
  const FitResult fit = fit_calibration(w);
  CHECK(fit.dvfs.nominal_clock_mhz == 1980.0);
  REQUIRE(fit.dvfs.beta_w_per_ghz3.has_value());
  CHECK(*fit.dvfs.beta_w_per_ghz3 == doctest::Approx(40.0));
}

TEST_CASE("fit refuses data with no fit windows or no idle windows") {
  std::vector<Window> only_idle{make_window("idle", 0, 0, Phase::idle, 70, OpArray{})};
  CHECK_THROWS_WITH(fit_calibration(only_idle), doctest::Contains("no usable fit windows"));
  OpArray hbm{};
  hbm[index_of(OpUnit::hbm)] = 1e12;
  std::vector<Window> no_idle{make_window("hbm_read", 1, 0, Phase::fit, 130, hbm)};
  CHECK_THROWS_WITH(fit_calibration(no_idle), doctest::Contains("no usable idle windows"));
}

TEST_CASE("sanity warnings fire outside the published anchors") {
  FitResult fit;
  fit.energy_pj[index_of(OpUnit::hbm)] = 200.0;        // > 150 pJ/B
  fit.energy_pj[index_of(OpUnit::tensor_bf16)] = 0.5;  // < 0.71 pJ/FLOP on H100
  fit.energy_pj[index_of(OpUnit::nvlink)] = 10.0;      // ~1.25 pJ/bit: fine
  const auto w = sanity_warnings(fit, "h100-sxm");
  CHECK(w.size() == 2);
  CHECK(sanity_warnings(fit, "a100-sxm-80gb").size() == 1);  // BF16 floor is H100-only
}
