#include <doctest/doctest.h>

#include <cmath>

#include "models/environment/psychrometrics.hpp"

using namespace joule::models::environment;

TEST_CASE("saturation pressure matches the ASHRAE 2017 table (ch.1 table 3)") {
  // Table 3: p_ws = 2.3392 kPa at 20 °C, 7.3849 kPa at 40 °C, 0.6112 kPa at 0 °C (water),
  // 0.2600 kPa at -10 °C (ice).
  CHECK(saturation_pressure_pa(20.0) == doctest::Approx(2339.2).epsilon(5e-4));
  CHECK(saturation_pressure_pa(40.0) == doctest::Approx(7384.9).epsilon(5e-4));
  CHECK(saturation_pressure_pa(0.0) == doctest::Approx(611.2).epsilon(5e-4));
  CHECK(saturation_pressure_pa(-10.0) == doctest::Approx(260.0).epsilon(5e-4));
}

TEST_CASE("humidity ratio from its definition W = 0.621945 p_w / (p - p_w)") {
  const double pw = 0.4 * saturation_pressure_pa(35.0);
  CHECK(humidity_ratio(35.0, 0.4, 101325.0) == doctest::Approx(0.621945 * pw / (101325.0 - pw)));
}

TEST_CASE("wet-bulb temperature matches psychrometric reference values within 0.2 K") {
  // Reference wet-bulbs: psychrometric chart/table values (35 °C / 40 % → 24.0 °C; 20 °C / 50 %
  // → 13.8 °C; 25 °C / 50 % → 17.9 °C; 30 °C / 60 % → 23.8 °C) and PsychroLib 1.1, the ASHRAE
  // 2017 reference implementation, for the rest (computed independently of this code).
  struct Point {
    double dry_bulb_c, rh, pressure_pa, wet_bulb_c;
  };
  const Point points[] = {
      {35, 0.40, 101325, 24.0},    {20, 0.50, 101325, 13.8},  {25, 0.50, 101325, 17.9},
      {30, 0.60, 101325, 23.8},    {40, 0.20, 101325, 22.03}, {10, 0.80, 101325, 8.29},
      {-10, 0.80, 101325, -10.65}, {0, 0.50, 101325, -2.98},  {30, 0.50, 84000, 21.58},
      {45, 0.10, 97000, 20.86},
  };
  for (const auto& p : points) {
    CAPTURE(p.dry_bulb_c);
    CAPTURE(p.rh);
    CAPTURE(p.pressure_pa);
    const double wb = wet_bulb_c(p.dry_bulb_c, p.rh, p.pressure_pa);
    CAPTURE(wb);
    CHECK(std::abs(wb - p.wet_bulb_c) <= 0.2);
  }
}

TEST_CASE("wet-bulb solution satisfies ASHRAE eq. 33 to the solver tolerance") {
  const double t = 32.0, rh = 0.35, p = 101325.0;
  const double ts = wet_bulb_c(t, rh, p);
  const double ws = humidity_ratio(ts, 1.0, p);
  const double w_implied =
      ((2501 - 2.326 * ts) * ws - 1.006 * (t - ts)) / (2501 + 1.86 * t - 4.186 * ts);
  CHECK(w_implied == doctest::Approx(humidity_ratio(t, rh, p)).epsilon(1e-5));
}

TEST_CASE("saturated air: wet-bulb = dew point = dry-bulb") {
  CHECK(wet_bulb_c(18.0, 1.0, 101325.0) == doctest::Approx(18.0).epsilon(1e-5));
  CHECK(dew_point_c(18.0, 1.0) == doctest::Approx(18.0).epsilon(1e-5));
}

TEST_CASE("dew point inverts the saturation pressure") {
  // PsychroLib: 35 °C / 40 % → 19.38 °C; 20 °C / 50 % → 9.27 °C.
  CHECK(dew_point_c(35.0, 0.4) == doctest::Approx(19.38).epsilon(0.01 / 19.38));
  CHECK(dew_point_c(20.0, 0.5) == doctest::Approx(9.27).epsilon(0.01 / 9.27));
  const double td = dew_point_c(27.0, 0.63);
  CHECK(saturation_pressure_pa(td) ==
        doctest::Approx(0.63 * saturation_pressure_pa(27.0)).epsilon(1e-5));
  CHECK(relative_humidity_from_dew_point(27.0, td) == doctest::Approx(0.63).epsilon(1e-5));
}

TEST_CASE("wet-bulb lies between dew point and dry-bulb") {
  for (double t = -20; t <= 50; t += 7)
    for (double rh = 0.05; rh <= 1.0; rh += 0.15) {
      const double wb = wet_bulb_c(t, rh, 101325.0);
      CHECK(wb <= t + 1e-9);
      CHECK(wb >= dew_point_c(t, rh) - 1e-4);
    }
}
