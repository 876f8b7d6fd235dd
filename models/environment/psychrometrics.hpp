// Psychrometrics of moist air (ASHRAE Handbook — Fundamentals 2017, chapter 1, SI).
//
//   Saturation pressure (Hyland–Wexler), T in K, p_ws in Pa:
//     over ice, −100..0 °C  (eq. 5):  ln p_ws = C1/T + C2 + C3·T + C4·T² + C5·T³ + C6·T⁴ + C7·ln T
//     over water, 0..200 °C (eq. 6):  ln p_ws = C8/T + C9 + C10·T + C11·T² + C12·T³ + C13·ln T
//   Humidity ratio (eq. 20, 22):      W = 0.621945 · p_w / (p − p_w),  p_w = φ · p_ws(t)
//   Thermodynamic wet-bulb t* (eq. 33 above freezing, eq. 35 below), solved for t* by bisection
//   between the dew point and the dry-bulb temperature to 1e-5 K (the brief asks 1e-4 K):
//     W = ((2501 − 2.326 t*) W*_s − 1.006 (t − t*)) / (2501 + 1.86 t − 4.186 t*)      t* ≥ 0
//     W = ((2830 − 0.24 t*) W*_s − 1.006 (t − t*)) / (2830 + 1.86 t − 2.1 t*)        t* < 0
//   Dew point: the t_d with p_ws(t_d) = p_w, by bisection (over ice below 0 °C, i.e. frost
//   point, as ASHRAE does).
//
// | constant | value | source |
// |---|---|---|
// | C1..C7, C8..C13 | Hyland & Wexler (1983), as tabulated in ASHRAE 2017 ch.1 | reference |
// | 0.621945 | ratio of molar masses water/dry air | reference |
//
// Checked against PsychroLib 1.1 (the ASHRAE 2017 reference implementation, Meyer & Thevenard
// 2019) and psychrometric tables: 35 °C / 40 % / 101.325 kPa → t* = 23.93 °C;
// 20 °C / 50 % → 13.78 °C.
#pragma once

#include "sim/units.hpp"

namespace joule::models::environment {

inline constexpr double standard_pressure_pa = 101325.0;

// Saturation vapour pressure (Pa) at `temp_c`, over ice below 0 °C; valid −100..200 °C.
double saturation_pressure_pa(double temp_c);
// Humidity ratio (kg water / kg dry air) from partial vapour pressure and total pressure.
double humidity_ratio_from_vapor_pressure(double vapor_pressure_pa, double pressure_pa);
// Humidity ratio from dry-bulb, relative humidity (0..1) and total pressure.
double humidity_ratio(double dry_bulb_c, double relative_humidity, double pressure_pa);
// Dew point (°C) from dry-bulb and relative humidity (0 < φ ≤ 1).
double dew_point_c(double dry_bulb_c, double relative_humidity);
// Thermodynamic wet-bulb temperature (°C) from dry-bulb, relative humidity (0..1), pressure.
double wet_bulb_c(double dry_bulb_c, double relative_humidity, double pressure_pa);
// Relative humidity (0..1) from dry-bulb and dew point.
double relative_humidity_from_dew_point(double dry_bulb_c, double dew_point_c);

// Typed conveniences.
inline sim::Celsius wet_bulb(sim::Celsius dry_bulb, double relative_humidity,
                             sim::Pascals pressure) {
  return sim::Celsius{wet_bulb_c(dry_bulb.value, relative_humidity, pressure.value())};
}
inline sim::Celsius dew_point(sim::Celsius dry_bulb, double relative_humidity) {
  return sim::Celsius{dew_point_c(dry_bulb.value, relative_humidity)};
}

}  // namespace joule::models::environment
