// Fitting the accelerator power model to measurement windows (models/compute/accelerator.hpp, kernels/README.md).
//
//   static:   P_static(T) = P_idle * (1 + lambda * (T - T_ref))  from the idle windows
//             (lambda only when the idle windows span >= min_leakage_span_k kelvin).
//   dynamic:  P_w - P_static(T_w) = sum_k e_k * r_k,w            bounded NNLS over fit windows
//             (e_k in pJ/op, r_k in 1e12 op/s, so e_k * r_k is in W).
//   DVFS:     P(f) = beta f^3 + tau f + P_const                  NNLS over sweep windows, f in GHz
//             (dynamic power ~ f V^2 with V roughly linear in f; AccelWattch, MICRO 2021).
//
// Errors: leave-one-point-out MAPE (all repetitions of one kernel+intensity point removed,
// coefficients refitted, that point predicted) and MAPE on held-out mixed kernels that the fit
// never saw. MAPE = mean_w |P_pred - P_meas| / P_meas * 100.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "calib/op_units.hpp"
#include "calib/window.hpp"

namespace joule::calib {

struct FitConfig {
  bool drop_flagged = true;         // drop throttled windows from fit/idle/heldout phases
  double min_leakage_span_k = 5.0;  // idle temperature spread needed to fit leakage
  OpArray lower_pj{};               // per-unit bounds on e_k, pJ/op (default 0)
  OpArray upper_pj = [] {           // default +inf
    OpArray a{};
    a.fill(1e300);
    return a;
  }();
};

struct StaticFit {
  double idle_power_w = 0.0;
  double reference_temp_c = 0.0;
  std::optional<double> leakage_per_kelvin;  // fractional, 1/K
  int windows = 0;
  double at(double temp_c) const {
    return idle_power_w * (1.0 + leakage_per_kelvin.value_or(0.0) * (temp_c - reference_temp_c));
  }
};

struct DvfsFit {
  double nominal_clock_mhz = 0.0;  // median SM clock of the fit windows
  std::optional<double> beta_w_per_ghz3;
  std::optional<double> tau_w_per_ghz;
  std::optional<double> p_const_w;
  int points = 0;
  std::optional<double> mape_percent;  // in-sample error of the cubic
};

struct Prediction {
  std::string kernel;
  double intensity = 0.0;
  Phase phase = Phase::fit;
  double measured_w = 0.0;
  double predicted_w = 0.0;      // full fit (in-sample for fit windows)
  double loo_predicted_w = 0.0;  // fit windows: with their point left out
};

struct FitResult {
  StaticFit static_power;
  std::array<std::optional<double>, kNumOpUnits> energy_pj{};  // unset = unit not measured
  DvfsFit dvfs;
  int windows_used = 0;  // fit + idle + heldout + sweep windows that entered the fit
  int windows_dropped = 0;
  std::optional<double> loo_mape_percent;
  std::optional<double> heldout_mape_percent;
  std::vector<std::string> heldout_kernels;
  std::vector<Prediction> predictions;
  std::vector<std::string> warnings;

  // Model power for a window under this fit (static at its temperature + dynamic).
  double predict_w(const Window& w) const;
};

double mape_percent(const std::vector<double>& measured, const std::vector<double>& predicted);

// Fit e_k (pJ/op) to the fit windows given static power; units with no ops are left unset.
std::array<std::optional<double>, kNumOpUnits> fit_energy_per_op(const std::vector<Window>& fit,
                                                                 const StaticFit& stat,
                                                                 const FitConfig& config);

StaticFit fit_static(const std::vector<Window>& idle, const FitConfig& config);

// Cubic DVFS fit on (clock MHz, power W) pairs; needs >= 3 distinct clocks.
DvfsFit fit_dvfs(const std::vector<double>& clock_mhz, const std::vector<double>& power_w);

// The whole pipeline: throws std::runtime_error when there are no idle or no fit windows.
FitResult fit_calibration(const std::vector<Window>& windows, const FitConfig& config = {});

// Sanity checks against published anchors (docs/design.md §8); each failure is one message.
std::vector<std::string> sanity_warnings(const FitResult& fit, const std::string& chip);

}  // namespace joule::calib
