// Fluid properties and performance-curve forms shared by the cooling components.
//
// Properties are constants at data-center conditions (air near 25 °C and sea level, liquid
// water near 20 °C); the latent heat of vaporisation is temperature dependent:
//   h_fg(T) = 2.5008e6 − 2.36e3·T  J/kg   (T in °C; 2.442 MJ/kg at 25 °C)
// a linear fit to the steam tables between 0 and 40 °C (error < 0.1 %).
//
// Curve forms are those of EnergyPlus (Input Output Reference, "Curve:Biquadratic",
// "Curve:Quadratic", "Curve:Cubic"): coefficients in the order constant, x, x², (y, y², x·y)
// or (x³). Biquadratic inputs are clamped to the range the curve was fitted over, as
// EnergyPlus does with the curve's Minimum/Maximum Value of x and y.
#pragma once

#include <algorithm>
#include <array>

namespace joule::models::cooling {

inline constexpr double cp_air_j_per_kg_k = 1006.0;    // dry air, 25 °C
inline constexpr double rho_air_kg_per_m3 = 1.2;       // 20–25 °C, sea level
inline constexpr double cp_water_j_per_kg_k = 4186.0;  // liquid water, 20 °C
inline constexpr double rho_water_kg_per_m3 = 998.0;   // liquid water, 20 °C

// Latent heat of vaporisation of water at `temp_c`, J/kg.
constexpr double latent_heat_j_per_kg(double temp_c) {
  return 2.5008e6 - 2.36e3 * temp_c;
}

// z = c0 + c1·x + c2·x² + c3·y + c4·y² + c5·x·y, with x and y clamped to [x_min, x_max] and
// [y_min, y_max].
struct Biquadratic {
  std::array<double, 6> c{};
  double x_min = -1e300, x_max = 1e300, y_min = -1e300, y_max = 1e300;
  constexpr double operator()(double x, double y) const {
    x = std::clamp(x, x_min, x_max);
    y = std::clamp(y, y_min, y_max);
    return c[0] + c[1] * x + c[2] * x * x + c[3] * y + c[4] * y * y + c[5] * x * y;
  }
};

// y = c0 + c1·x + c2·x²
struct Quadratic {
  std::array<double, 3> c{};
  constexpr double operator()(double x) const { return c[0] + x * (c[1] + x * c[2]); }
};

// y = c0 + c1·x + c2·x² + c3·x³
struct Cubic {
  std::array<double, 4> c{};
  constexpr double operator()(double x) const { return c[0] + x * (c[1] + x * (c[2] + x * c[3])); }
};

}  // namespace joule::models::cooling
