// Fit report: one table of coefficients, one of per-point measured vs predicted power (point =
// kernel x intensity, repetitions averaged), then the warnings.
#include "calib/report.hpp"

#include <cstdio>
#include <map>
#include <ostream>

#include "calib/calibration_yaml.hpp"

namespace joule::calib {

void print_fit_report(std::ostream& out, const FitResult& fit, const std::string& chip) {
  const auto& st = fit.static_power;
  out << "static: idle " << format_number(st.idle_power_w) << " W at "
      << format_number(st.reference_temp_c, 3) << " degC";
  if (st.leakage_per_kelvin)
    out << ", leakage " << format_number(*st.leakage_per_kelvin, 3) << "/K";
  out << " (" << st.windows << " idle windows)\n";
  out << "energy per op:\n";
  for (const auto& u : kOpUnits) {
    const auto& e = fit.energy_pj[index_of(u.unit)];
    if (e) out << "  " << u.key << ": " << format_number(*e) << " pJ/" << u.count_unit << "\n";
  }
  out << "dvfs: nominal clock " << format_number(fit.dvfs.nominal_clock_mhz) << " MHz";
  if (fit.dvfs.beta_w_per_ghz3) {
    out << ", P = " << format_number(*fit.dvfs.beta_w_per_ghz3) << " f^3 + "
        << format_number(*fit.dvfs.tau_w_per_ghz) << " f + " << format_number(*fit.dvfs.p_const_w)
        << " W (f in GHz, " << fit.dvfs.points << " windows, MAPE "
        << format_number(fit.dvfs.mape_percent.value_or(0), 3) << " %)";
  }
  out << "\n";
  out << "windows used " << fit.windows_used << ", dropped " << fit.windows_dropped << "\n";
  out << "leave-one-point-out MAPE: "
      << (fit.loo_mape_percent ? format_number(*fit.loo_mape_percent, 3) + " %" : "n/a") << "\n";
  out << "held-out MAPE: "
      << (fit.heldout_mape_percent ? format_number(*fit.heldout_mape_percent, 3) + " %" : "n/a")
      << "\n";

  struct Acc {
    double meas = 0, pred = 0, loo = 0;
    int n = 0;
  };
  std::map<std::tuple<int, std::string, double>, Acc> points;
  for (const auto& p : fit.predictions) {
    auto& a = points[{p.phase == Phase::heldout ? 1 : 0, p.kernel, p.intensity}];
    a.meas += p.measured_w;
    a.pred += p.predicted_w;
    a.loo += p.loo_predicted_w;
    ++a.n;
  }
  char line[160];
  std::snprintf(line, sizeof line, "%-20s %9s %9s %9s %9s %7s\n", "point", "intensity", "meas_W",
                "fit_W", "loo_W", "n");
  out << line;
  for (const auto& [key, a] : points) {
    const auto& [held, kernel, intensity] = key;
    std::snprintf(line, sizeof line, "%-20s %9.3f %9.1f %9.1f %9s %7d\n",
                  (kernel + (held ? "*" : "")).c_str(), intensity, a.meas / a.n, a.pred / a.n,
                  held ? "-" : format_number(a.loo / a.n, 4).c_str(), a.n);
    out << line;
  }
  out << "(* = held out, never used in the fit)\n";
  for (const auto& w : fit.warnings) out << "note: " << w << "\n";
  for (const auto& w : sanity_warnings(fit, chip)) out << "WARNING: " << w << "\n";
}

}  // namespace joule::calib
