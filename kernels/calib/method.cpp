// Method text and calibration metadata; see method.hpp.
#include "calib/method.hpp"

#include <algorithm>
#include <map>

namespace joule::calib {

std::string method_text(const std::vector<Window>& windows) {
  std::map<std::pair<std::string, double>, int> reps;
  std::vector<double> durations;
  for (const auto& w : windows) {
    if (w.phase != Phase::fit) continue;
    ++reps[{w.kernel, w.intensity}];
    durations.push_back(w.duration_s);
  }
  std::vector<int> counts;
  for (const auto& [k, n] : reps) counts.push_back(n);
  int n_med = 0;
  double d_med = 0.0;
  if (!counts.empty()) {
    std::sort(counts.begin(), counts.end());
    std::sort(durations.begin(), durations.end());
    n_med = counts[counts.size() / 2];
    d_med = durations[durations.size() / 2];
  }
  return "bounded NNLS of window-average power on op rates; " + std::to_string(n_med) +
         " windows x " + format_number(d_med, 2) + " s per point";
}

CalibrationInfo info_from_meta(const CsvMeta& meta, const std::vector<Window>& windows) {
  auto get = [&](const char* k, const char* fallback) {
    const auto it = meta.find(k);
    return it == meta.end() || it->second.empty() ? std::string(fallback) : it->second;
  };
  CalibrationInfo info;
  info.device = get("device", "unknown");
  info.chip = get("chip", chip_id_from_name(info.device).c_str());
  info.driver = get("driver", "unknown");
  info.date = get("date", "unknown");
  info.source = get("source", "joule-calibrate, NVML total-energy counter");
  info.method = method_text(windows);
  if (get("mode", "full") == "quick") {
    info.kind = "estimate";
    info.method = "QUICK SMOKE TEST, NOT A CALIBRATION: " + info.method;
  }
  return info;
}

}  // namespace joule::calib
