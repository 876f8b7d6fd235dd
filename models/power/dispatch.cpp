#include "models/power/dispatch.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace joule::models::power {

std::string_view dispatch_mode_name(DispatchMode mode) {
  switch (mode) {
    case DispatchMode::none:
      return "none";
    case DispatchMode::peak_shaving:
      return "peak-shaving";
    case DispatchMode::price:
      return "price";
    case DispatchMode::carbon:
      return "carbon";
  }
  return "none";
}

double quantile(std::span<const double> values, double q) {
  if (values.empty()) throw std::invalid_argument("quantile of no values");
  std::vector<double> v(values.begin(), values.end());
  std::sort(v.begin(), v.end());
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

double dispatch_request_w(DispatchMode mode, const DispatchLimits& l, double demand_w,
                          double signal_now, std::span<const double> forecast) {
  if (mode == DispatchMode::none) return 0.0;
  // Room under the threshold for charging (unbounded without one).
  const double room_w =
      l.peak_threshold_w ? std::max(0.0, *l.peak_threshold_w - demand_w) : l.max_charge_w;
  if (l.peak_threshold_w && demand_w > *l.peak_threshold_w)
    return demand_w - *l.peak_threshold_w;  // shave first, in every mode that has T
  if (demand_w < 0) return -std::min(l.max_charge_w, -demand_w);  // store the PV surplus
  if (mode == DispatchMode::peak_shaving) return -std::min(l.max_charge_w, room_w);
  if (forecast.empty()) return 0.0;
  const double lo = quantile(forecast, l.charge_quantile);
  const double hi = quantile(forecast, l.discharge_quantile);
  if (!(hi * l.round_trip_efficiency > lo)) return 0.0;  // the spread does not pay the losses
  if (signal_now <= lo) return -std::min(l.max_charge_w, room_w);
  if (signal_now >= hi) return std::min(l.max_discharge_w, demand_w);
  return 0.0;
}

}  // namespace joule::models::power
