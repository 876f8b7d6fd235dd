// The calibration fit; equations in fit.hpp. Rates enter the regression in units of 1e12 op/s
// so that the coefficients come out directly in pJ/op (1 pJ * 1e12 /s = 1 W).
#include "calib/fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <stdexcept>

#include "calib/nnls.hpp"

namespace joule::calib {

namespace {

constexpr double kTera = 1e12;

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double dynamic_w(const std::array<std::optional<double>, kNumOpUnits>& e, const Window& w) {
  double p = 0.0;
  for (const auto& info : kOpUnits) {
    const auto& ek = e[index_of(info.unit)];
    if (ek) p += *ek * w.rate(info.unit) / kTera;
  }
  return p;
}

}  // namespace

std::string_view phase_name(Phase p) {
  switch (p) {
    case Phase::fit:
      return "fit";
    case Phase::idle:
      return "idle";
    case Phase::heldout:
      return "heldout";
    case Phase::sweep:
      return "sweep";
  }
  return "fit";
}

Phase phase_from_name(std::string_view name) {
  for (Phase p : {Phase::fit, Phase::idle, Phase::heldout, Phase::sweep}) {
    if (phase_name(p) == name) return p;
  }
  throw std::invalid_argument("unknown phase '" + std::string(name) +
                              "'. Valid: fit, idle, heldout, sweep");
}

double FitResult::predict_w(const Window& w) const {
  return static_power.at(w.temp_c) + dynamic_w(energy_pj, w);
}

double mape_percent(const std::vector<double>& measured, const std::vector<double>& predicted) {
  if (measured.size() != predicted.size() || measured.empty()) {
    throw std::invalid_argument("mape_percent: need equal, non-empty vectors");
  }
  double sum = 0.0;
  for (std::size_t i = 0; i < measured.size(); ++i) {
    sum += std::abs(predicted[i] - measured[i]) / measured[i];
  }
  return 100.0 * sum / static_cast<double>(measured.size());
}

StaticFit fit_static(const std::vector<Window>& idle, const FitConfig& config) {
  if (idle.empty()) throw std::runtime_error("no usable idle windows: static power unknown");
  StaticFit s;
  s.windows = static_cast<int>(idle.size());
  double p_mean = 0.0, t_mean = 0.0, t_min = 1e300, t_max = -1e300;
  for (const auto& w : idle) {
    p_mean += w.avg_power_w();
    t_mean += w.temp_c;
    t_min = std::min(t_min, w.temp_c);
    t_max = std::max(t_max, w.temp_c);
  }
  p_mean /= static_cast<double>(idle.size());
  t_mean /= static_cast<double>(idle.size());
  s.idle_power_w = p_mean;
  s.reference_temp_c = t_mean;
  // Leakage: ordinary least squares of idle power on temperature about the mean,
  // P = P_mean + b (T - T_mean), reported as lambda = b / P_mean per kelvin.
  if (idle.size() >= 3 && t_max - t_min >= config.min_leakage_span_k) {
    double sxy = 0.0, sxx = 0.0;
    for (const auto& w : idle) {
      sxy += (w.temp_c - t_mean) * (w.avg_power_w() - p_mean);
      sxx += (w.temp_c - t_mean) * (w.temp_c - t_mean);
    }
    const double b = sxy / sxx;
    if (b >= 0.0) s.leakage_per_kelvin = b / p_mean;
  }
  return s;
}

std::array<std::optional<double>, kNumOpUnits> fit_energy_per_op(const std::vector<Window>& fit,
                                                                 const StaticFit& stat,
                                                                 const FitConfig& config) {
  std::vector<OpUnit> active;
  for (const auto& info : kOpUnits) {
    for (const auto& w : fit) {
      if (w.ops[index_of(info.unit)] > 0.0) {
        active.push_back(info.unit);
        break;
      }
    }
  }
  std::array<std::optional<double>, kNumOpUnits> e{};
  if (active.empty() || fit.empty()) return e;
  Matrix a(fit.size(), active.size());
  std::vector<double> b(fit.size());
  std::vector<double> lo(active.size()), hi(active.size());
  for (std::size_t j = 0; j < active.size(); ++j) {
    lo[j] = config.lower_pj[index_of(active[j])];
    hi[j] = config.upper_pj[index_of(active[j])];
  }
  for (std::size_t i = 0; i < fit.size(); ++i) {
    for (std::size_t j = 0; j < active.size(); ++j) a(i, j) = fit[i].rate(active[j]) / kTera;
    b[i] = fit[i].avg_power_w() - stat.at(fit[i].temp_c);
  }
  const LsqResult r = bounded_least_squares(a, b, lo, hi);
  for (std::size_t j = 0; j < active.size(); ++j) e[index_of(active[j])] = r.x[j];
  return e;
}

DvfsFit fit_dvfs(const std::vector<double>& clock_mhz, const std::vector<double>& power_w) {
  DvfsFit d;
  std::vector<double> distinct;
  for (double f : clock_mhz) {
    if (std::none_of(distinct.begin(), distinct.end(),
                     [&](double g) { return std::abs(g - f) < 1.0; })) {
      distinct.push_back(f);
    }
  }
  d.points = static_cast<int>(clock_mhz.size());
  if (distinct.size() < 3 || clock_mhz.size() != power_w.size()) return d;
  Matrix a(clock_mhz.size(), 3);
  for (std::size_t i = 0; i < clock_mhz.size(); ++i) {
    const double f_ghz = clock_mhz[i] / 1000.0;
    a(i, 0) = f_ghz * f_ghz * f_ghz;
    a(i, 1) = f_ghz;
    a(i, 2) = 1.0;
  }
  const LsqResult r = nnls(a, power_w);
  d.beta_w_per_ghz3 = r.x[0];
  d.tau_w_per_ghz = r.x[1];
  d.p_const_w = r.x[2];
  std::vector<double> pred(power_w.size());
  for (std::size_t i = 0; i < power_w.size(); ++i) {
    pred[i] = r.x[0] * a(i, 0) + r.x[1] * a(i, 1) + r.x[2];
  }
  d.mape_percent = mape_percent(power_w, pred);
  return d;
}

FitResult fit_calibration(const std::vector<Window>& windows, const FitConfig& config) {
  FitResult result;
  std::vector<Window> fit, idle, heldout, sweep;
  for (const auto& w : windows) {
    if (w.duration_s <= 0.0 || w.energy_j <= 0.0) {
      ++result.windows_dropped;
      continue;
    }
    // A power-limit sweep measures exactly the capped regime, so only thermal throttling
    // disqualifies a sweep window.
    const bool drop = w.phase == Phase::sweep ? (w.throttle_reasons & kThermalMask) != 0
                                              : config.drop_flagged && w.flagged;
    if (drop) {
      ++result.windows_dropped;
      continue;
    }
    switch (w.phase) {
      case Phase::fit:
        fit.push_back(w);
        break;
      case Phase::idle:
        idle.push_back(w);
        break;
      case Phase::heldout:
        heldout.push_back(w);
        if (std::find(result.heldout_kernels.begin(), result.heldout_kernels.end(), w.kernel) ==
            result.heldout_kernels.end()) {
          result.heldout_kernels.push_back(w.kernel);
        }
        break;
      case Phase::sweep:
        sweep.push_back(w);
        break;
    }
  }
  if (fit.empty()) throw std::runtime_error("no usable fit windows: nothing to regress");
  result.windows_used = static_cast<int>(fit.size() + idle.size() + heldout.size() + sweep.size());
  result.static_power = fit_static(idle, config);
  if (!result.static_power.leakage_per_kelvin) {
    char msg[160];
    std::snprintf(msg, sizeof msg,
                  "leakage not measured: idle windows span less than %.3g K or power fell with "
                  "temperature",
                  config.min_leakage_span_k);
    result.warnings.push_back(msg);
  }
  result.energy_pj = fit_energy_per_op(fit, result.static_power, config);

  // Leave-one-point-out: a point is one kernel at one intensity (all its repetitions), so the
  // left-out windows are not near-copies of rows still in the fit.
  std::map<std::pair<std::string, double>, std::vector<std::size_t>> points;
  for (std::size_t i = 0; i < fit.size(); ++i) {
    points[{fit[i].kernel, fit[i].intensity}].push_back(i);
  }
  std::vector<double> loo_pred(fit.size(), 0.0);
  if (points.size() >= 2) {
    for (const auto& [key, members] : points) {
      std::vector<Window> rest;
      for (std::size_t i = 0; i < fit.size(); ++i) {
        if (std::find(members.begin(), members.end(), i) == members.end()) rest.push_back(fit[i]);
      }
      const auto e = fit_energy_per_op(rest, result.static_power, config);
      for (std::size_t i : members) {
        loo_pred[i] = result.static_power.at(fit[i].temp_c) + dynamic_w(e, fit[i]);
      }
    }
  }
  std::vector<double> meas, full_pred;
  for (std::size_t i = 0; i < fit.size(); ++i) {
    meas.push_back(fit[i].avg_power_w());
    full_pred.push_back(result.predict_w(fit[i]));
    result.predictions.push_back(
        {fit[i].kernel, fit[i].intensity, Phase::fit, meas.back(), full_pred.back(), loo_pred[i]});
  }
  if (points.size() >= 2) result.loo_mape_percent = mape_percent(meas, loo_pred);

  if (!heldout.empty()) {
    std::vector<double> hm, hp;
    for (const auto& w : heldout) {
      hm.push_back(w.avg_power_w());
      hp.push_back(result.predict_w(w));
      result.predictions.push_back(
          {w.kernel, w.intensity, Phase::heldout, hm.back(), hp.back(), hp.back()});
    }
    result.heldout_mape_percent = mape_percent(hm, hp);
  }

  std::vector<double> clocks;
  for (const auto& w : fit) clocks.push_back(w.sm_clock_mhz);
  const double nominal = median(clocks);
  std::vector<double> sweep_f, sweep_p;
  for (const auto& w : sweep) {
    sweep_f.push_back(w.sm_clock_mhz);
    sweep_p.push_back(w.avg_power_w());
  }
  result.dvfs = fit_dvfs(sweep_f, sweep_p);
  result.dvfs.nominal_clock_mhz = nominal;
  if (!result.dvfs.beta_w_per_ghz3) {
    result.warnings.push_back("DVFS not fitted: need sweep windows at >= 3 distinct clocks");
  }
  for (const auto& info : kOpUnits) {
    if (!result.energy_pj[index_of(info.unit)]) {
      result.warnings.push_back(std::string(info.key) +
                                " not measured (no fit window exercised it)");
    }
  }
  return result;
}

std::vector<std::string> sanity_warnings(const FitResult& fit, const std::string& chip) {
  std::vector<std::string> out;
  auto fmt = [](double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  };
  const auto& e = fit.energy_pj;
  if (const auto& hbm = e[index_of(OpUnit::hbm)]; hbm && (*hbm < 30.0 || *hbm > 150.0)) {
    out.push_back("hbm = " + fmt(*hbm) + " pJ/B is outside the published 30-150 pJ/B range");
  }
  if (const auto& bf16 = e[index_of(OpUnit::tensor_bf16)];
      bf16 && chip == "h100-sxm" && *bf16 < 0.71) {
    out.push_back("tensor_bf16 = " + fmt(*bf16) +
                  " pJ/FLOP is below the H100 board-level floor of 0.71 pJ/FLOP "
                  "(700 W / 989 TFLOP/s)");
  }
  // NVLink ~1.3 pJ/bit = 10.4 pJ/B; a factor of 3 either way means the fit is not separating
  // link energy from the HBM traffic of the copy.
  if (const auto& nv = e[index_of(OpUnit::nvlink)]; nv && (*nv < 10.4 / 3 || *nv > 10.4 * 3)) {
    out.push_back("nvlink = " + fmt(*nv) + " pJ/B is more than 3x away from ~1.3 pJ/bit");
  }
  if (fit.loo_mape_percent && *fit.loo_mape_percent > 15.0) {
    out.push_back("leave-one-out MAPE " + fmt(*fit.loo_mape_percent) +
                  " % exceeds 15 % (AccelWattch 7.5-9.2 %, Wattchmen 12 %)");
  }
  return out;
}

}  // namespace joule::calib
