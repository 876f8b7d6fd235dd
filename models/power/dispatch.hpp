// How the behind-the-meter battery is dispatched, one control step at a time.
//
// Inputs: the facility's demand D at the bus (consumption − PV, W; < 0 is PV surplus), the grid
// signal s now (price or carbon intensity) and its forecast over the coming `window` (hourly
// values, known exactly: the site's series). Output: the requested battery power, > 0
// discharge, < 0 charge; the battery clips it to its power and energy limits.
//
//   every mode but `none`: a PV surplus (D < 0) charges the battery at min(max charge, −D)
//                          before anything is exported or curtailed;
//   peak-shaving:          D > T → discharge D − T;  D < T → recharge at min(max charge, T − D)
//                          (recharging never lifts the grid above T);
//   price / carbon:        with q_lo, q_hi the charge and discharge quantiles of the forecast,
//                          s ≤ q_lo → charge at max charge, s ≥ q_hi → discharge min(max
//                          discharge, D) (never exporting), else idle; only while the spread
//                          pays for the round trip, q_hi · η_rt > q_lo. With a threshold T as
//                          well, charging stays under T and demand above T is shaved first.
//
// The quantile rule is the textbook threshold policy for storage arbitrage under a known price
// path (charge in the cheapest hours of the day, discharge in the dearest: e.g. Sioshansi et
// al. 2009, "Estimating the value of electricity storage in PJM", Energy Economics 31(2)); the
// quantiles 0.25 / 0.75 are defaults (estimates), not tuned to any case.
#pragma once

#include <optional>
#include <span>
#include <string>

namespace joule::models::power {

enum class DispatchMode { none, peak_shaving, price, carbon };

// "none", "peak-shaving", "price", "carbon".
std::string_view dispatch_mode_name(DispatchMode mode);

struct DispatchLimits {
  double max_charge_w = 0;
  double max_discharge_w = 0;
  double round_trip_efficiency = 1;
  std::optional<double> peak_threshold_w;  // T
  double charge_quantile = 0.25;
  double discharge_quantile = 0.75;
};

// The battery request for demand `demand_w` (W at the bus, before the battery), signal `now`
// and its forecast over the window (empty for none and peak-shaving).
double dispatch_request_w(DispatchMode mode, const DispatchLimits& limits, double demand_w,
                          double signal_now, std::span<const double> forecast);

// q-quantile of `values` by linear interpolation between order statistics (values not empty).
double quantile(std::span<const double> values, double q);

}  // namespace joule::models::power
