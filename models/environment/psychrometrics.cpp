#include "models/environment/psychrometrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace joule::models::environment {

namespace {

constexpr double molar_mass_ratio = 0.621945;  // M_water / M_dry_air
constexpr double solve_tolerance_k = 1e-5;

// Bisection for f(x) = 0 on [lo, hi] with f(lo) and f(hi) of opposite sign (or zero).
template <class F>
double bisect(F f, double lo, double hi) {
  double f_lo = f(lo);
  if (f_lo == 0) return lo;
  for (int i = 0; i < 200 && hi - lo > solve_tolerance_k; ++i) {
    const double mid = 0.5 * (lo + hi);
    const double f_mid = f(mid);
    if (f_mid == 0) return mid;
    if ((f_mid < 0) == (f_lo < 0)) {
      lo = mid;
      f_lo = f_mid;
    } else {
      hi = mid;
    }
  }
  return 0.5 * (lo + hi);
}

void check_range(double temp_c, const char* what) {
  if (!(temp_c >= -100.0 && temp_c <= 200.0))
    throw std::domain_error(std::string(what) + " " + std::to_string(temp_c) +
                            " degC is outside the psychrometric range -100..200 degC");
}

}  // namespace

double saturation_pressure_pa(double temp_c) {
  check_range(temp_c, "temperature");
  const double t = temp_c + sim::kelvin_offset;
  if (temp_c < 0.0) {
    constexpr double c1 = -5.6745359e3, c2 = 6.3925247, c3 = -9.6778430e-3, c4 = 6.2215701e-7,
                     c5 = 2.0747825e-9, c6 = -9.4840240e-13, c7 = 4.1635019;
    return std::exp(c1 / t + c2 + c3 * t + c4 * t * t + c5 * t * t * t + c6 * t * t * t * t +
                    c7 * std::log(t));
  }
  constexpr double c8 = -5.8002206e3, c9 = 1.3914993, c10 = -4.8640239e-2, c11 = 4.1764768e-5,
                   c12 = -1.4452093e-8, c13 = 6.5459673;
  return std::exp(c8 / t + c9 + c10 * t + c11 * t * t + c12 * t * t * t + c13 * std::log(t));
}

double humidity_ratio_from_vapor_pressure(double vapor_pressure_pa, double pressure_pa) {
  if (!(vapor_pressure_pa >= 0.0) || !(vapor_pressure_pa < pressure_pa))
    throw std::domain_error("vapour pressure must be in [0, total pressure)");
  return molar_mass_ratio * vapor_pressure_pa / (pressure_pa - vapor_pressure_pa);
}

double humidity_ratio(double dry_bulb_c, double relative_humidity, double pressure_pa) {
  return humidity_ratio_from_vapor_pressure(relative_humidity * saturation_pressure_pa(dry_bulb_c),
                                            pressure_pa);
}

double dew_point_c(double dry_bulb_c, double relative_humidity) {
  if (!(relative_humidity > 0.0 && relative_humidity <= 1.0))
    throw std::domain_error("relative humidity must be in (0, 1] for a dew point");
  const double vapor_pa = relative_humidity * saturation_pressure_pa(dry_bulb_c);
  // p_ws is increasing in t: bracket between the lower validity bound and the dry-bulb.
  return bisect([&](double td) { return saturation_pressure_pa(td) - vapor_pa; }, -100.0,
                dry_bulb_c);
}

double relative_humidity_from_dew_point(double dry_bulb_c, double dew_point_c) {
  return std::min(1.0, saturation_pressure_pa(dew_point_c) / saturation_pressure_pa(dry_bulb_c));
}

double wet_bulb_c(double dry_bulb_c, double relative_humidity, double pressure_pa) {
  if (!(relative_humidity >= 0.0 && relative_humidity <= 1.0))
    throw std::domain_error("relative humidity must be in [0, 1]");
  const double w = humidity_ratio(dry_bulb_c, relative_humidity, pressure_pa);
  const double t = dry_bulb_c;
  // Humidity ratio implied by a trial wet-bulb t*: increasing in t*, equal to W at the answer.
  auto implied_w = [&](double ts) {
    const double ws = humidity_ratio_from_vapor_pressure(saturation_pressure_pa(ts), pressure_pa);
    if (ts >= 0.0)
      return ((2501.0 - 2.326 * ts) * ws - 1.006 * (t - ts)) / (2501.0 + 1.86 * t - 4.186 * ts);
    return ((2830.0 - 0.24 * ts) * ws - 1.006 * (t - ts)) / (2830.0 + 1.86 * t - 2.1 * ts);
  };
  // t* lies between the dew point and the dry-bulb; the dew point needs φ > 0, so use the
  // validity bound for bone-dry air.
  const double lo = relative_humidity > 0.0 ? dew_point_c(t, relative_humidity) : -100.0;
  return bisect([&](double ts) { return implied_w(ts) - w; }, lo, t);
}

}  // namespace joule::models::environment
