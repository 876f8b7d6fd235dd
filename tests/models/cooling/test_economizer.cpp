#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "io/yaml_params.hpp"
#include "models/cooling/plant.hpp"
#include "models/cooling/water_economizer.hpp"

using namespace joule::models::cooling;
namespace sim = joule::sim;

// Defaults: CHW 10/16 °C, tower approach 3.9 K, HX approach 1.5 K, deadband 1 K:
//   enabled when T_wb < 16 − 3.9 − 1.5 − 1 = 9.6 °C; full when T_wb ≤ 10 − 5.4 = 4.6 °C.
TEST_CASE("water-side economizer: desired mode thresholds") {
  const WaterSideEconomizer e({});
  CHECK(e.desired_mode(16, 10, 9.7, 3.9) == EconomizerMode::off);
  CHECK(e.desired_mode(16, 10, 9.5, 3.9) == EconomizerMode::partial);
  CHECK(e.desired_mode(16, 10, 4.6, 3.9) == EconomizerMode::full);
  // HX share with tower water at 8 °C: (16 − 9.5) / 6
  CHECK(e.hx_fraction(16, 10, 8) == 1.0);  // (16 − 9.5)/6 > 1: clamped
  CHECK(e.hx_fraction(16, 10, 12) == doctest::Approx((16 - 13.5) / 6.0));
  CHECK(e.hx_fraction(16, 10, 20) == 0.0);
}

TEST_CASE("water-side economizer: no mode flips within the 20-minute dwell") {
  WaterSideEconomizer e({});
  std::vector<sim::Time> changes;
  EconomizerMode last = e.step(sim::Time::zero(), 16, 10, 12, 3.9);
  CHECK(last == EconomizerMode::off);
  // Wet-bulb toggles across the enable threshold every 5 minutes for 3 hours.
  for (int k = 1; k <= 36; ++k) {
    const sim::Time now = sim::minutes(5.0 * k);
    const double wetbulb_c = k % 2 ? 8.0 : 11.0;
    const EconomizerMode m = e.step(now, 16, 10, wetbulb_c, 3.9);
    if (m != last) changes.push_back(now);
    last = m;
  }
  REQUIRE(changes.size() >= 2);  // it does switch, but only after dwelling
  for (std::size_t i = 1; i < changes.size(); ++i)
    CHECK((changes[i] - changes[i - 1]).seconds() >= 20 * 60);
  CHECK((changes[0] - sim::Time::zero()).seconds() >= 20 * 60);
}

TEST_CASE("water-side economizer: full drops to partial at once when it cannot hold") {
  WaterSideEconomizer e({});
  CHECK(e.step(sim::Time::zero(), 16, 10, 2, 3.9) == EconomizerMode::full);
  CHECK(e.step(sim::minutes(1), 16, 10, 7, 3.9) == EconomizerMode::partial);  // protection
  // ...but partial → off still waits for the dwell.
  CHECK(e.step(sim::minutes(2), 16, 10, 12, 3.9) == EconomizerMode::partial);
  CHECK(e.step(sim::minutes(21), 16, 10, 12, 3.9) == EconomizerMode::off);
}

namespace {

// Hours per year with the economizer on, for a synthetic wet-bulb series
// T_wb(h) = mean + seasonal·cos(2π(h/8760 − 0.55)) + daily·cos(2π(h/24 − 0.6)).
int economizer_hours(double mean_c, double seasonal_k, double daily_k) {
  const auto node = joule::io::parse_yaml_text("type: chilled-water\neconomizer: water-side\n",
                                                "cooling.yaml", "cooling");
  PlantSizing sizing;
  sizing.chip_heat = sim::Watts(0.7e6);
  sizing.other_heat = sim::Watts(0.3e6);
  auto plant = make_cooling_plant(&node, sizing);
  int hours = 0;
  for (int h = 0; h < 8760; ++h) {
    const double tau = 2 * std::numbers::pi;
    const double wb = mean_c + seasonal_k * std::cos(tau * (h / 8760.0 - 0.55)) +
                      daily_k * std::cos(tau * (h / 24.0 - 0.6));
    PlantInputs in;
    in.chip_heat = sim::Watts(0.6e6);
    in.other_it_heat = sim::Watts(0.25e6);
    in.outdoor_wetbulb = sim::Celsius{wb};
    in.outdoor_drybulb = sim::Celsius{wb + 5};
    const PlantOutputs out = plant->step(sim::hours(h), in);
    if (out.economizer != EconomizerMode::off) ++hours;
  }
  return hours;
}

}  // namespace

TEST_CASE("water-side economizer: more hours in a cold climate than a hot one") {
  const int cold = economizer_hours(4, 10, 4);  // cool-temperate (Seattle/Chicago-like)
  const int hot = economizer_hours(20, 6, 4);   // hot-humid (Dallas-like)
  MESSAGE("economizer hours: cold ", cold, ", hot ", hot);
  CHECK(cold > hot);
  CHECK(cold > 4000);
  CHECK(hot < 2000);
}
