// Calibration YAML writer; the key set is fixed by the format shared with models/compute.
#include "calib/calibration_yaml.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <stdexcept>

namespace joule::calib {

std::string format_number(double v, int significant) {
  if (!std::isfinite(v)) throw std::invalid_argument("format_number: not finite");
  if (v == 0.0) return "0";
  const int magnitude = static_cast<int>(std::floor(std::log10(std::abs(v))));
  const int decimals = std::max(0, significant - 1 - magnitude);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string yaml_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

void write_calibration_yaml(std::ostream& out, const CalibrationInfo& info, const FitResult& fit) {
  const auto& st = fit.static_power;
  out << "# Joule accelerator calibration (written by joule-calibrate)\n";
  out << "format: joule-calibration/1\n";
  out << "chip: " << info.chip << "\n";
  out << "device: " << yaml_quote(info.device) << "\n";
  out << "kind: " << info.kind << "\n";
  out << "source: " << yaml_quote(info.source) << "\n";
  out << "date: " << yaml_quote(info.date) << "\n";
  out << "driver: " << yaml_quote(info.driver) << "\n";
  out << "method: " << yaml_quote(info.method) << "\n";
  out << "static:\n";
  out << "  idle_power: \"" << format_number(st.idle_power_w) << " W\"\n";
  out << "  reference_temp: \"" << format_number(st.reference_temp_c, 3) << " degC\"\n";
  if (st.leakage_per_kelvin) {
    out << "  leakage_per_kelvin: " << format_number(*st.leakage_per_kelvin, 3) << "\n";
  }
  out << "energy_per_op:\n";
  for (const auto& u : kOpUnits) {
    const auto& e = fit.energy_pj[index_of(u.unit)];
    if (e) out << "  " << u.key << ": \"" << format_number(*e) << " pJ/" << u.count_unit << "\"\n";
  }
  out << "dvfs:\n";
  out << "  nominal_clock: \"" << format_number(fit.dvfs.nominal_clock_mhz) << " MHz\"\n";
  if (fit.dvfs.beta_w_per_ghz3) {
    out << "  beta_w_per_ghz3: " << format_number(*fit.dvfs.beta_w_per_ghz3) << "\n";
    out << "  tau_w_per_ghz: " << format_number(*fit.dvfs.tau_w_per_ghz) << "\n";
    out << "  p_const_w: " << format_number(*fit.dvfs.p_const_w) << "\n";
  }
  out << "fit:\n";
  out << "  windows: " << fit.windows_used << "\n";
  if (fit.loo_mape_percent) {
    out << "  loo_mape_percent: " << format_number(*fit.loo_mape_percent, 3) << "\n";
  }
  if (fit.heldout_mape_percent) {
    out << "  heldout_mape_percent: " << format_number(*fit.heldout_mape_percent, 3) << "\n";
  }
  out << "  heldout_kernels: [";
  for (std::size_t i = 0; i < fit.heldout_kernels.size(); ++i) {
    out << (i ? ", " : "") << fit.heldout_kernels[i];
  }
  out << "]\n";
}

void write_calibration_yaml_file(const std::string& path, const CalibrationInfo& info,
                                 const FitResult& fit) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error(path + ": cannot open for writing");
  write_calibration_yaml(out, info, fit);
  if (!out) throw std::runtime_error(path + ": write failed");
}

std::string chip_id_from_name(const std::string& nvml_name) {
  std::string n = nvml_name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  auto has = [&](const char* s) { return n.find(s) != std::string::npos; };
  if (has("h200")) return "h200";
  if (has("h100")) return has("pcie") ? "h100-pcie" : "h100-sxm";
  if (has("b200")) return "b200";
  if (has("a100")) {
    if (has("pcie")) return "a100-pcie";
    return has("80gb") ? "a100-sxm-80gb" : "a100-sxm-40gb";
  }
  if (has("v100")) return has("pcie") ? "v100-pcie" : "v100-sxm2";
  return "unknown";
}

}  // namespace joule::calib
