#include <doctest/doctest.h>

#include <cmath>

#include "models/power/battery.hpp"
#include "models/power/grid.hpp"
#include "models/power/psu.hpp"
#include "models/power/pv.hpp"
#include "models/power/transformer.hpp"
#include "models/power/ups.hpp"

using namespace joule::models::power;
namespace sim = joule::sim;

TEST_CASE("PSU at the 80 PLUS points gives exactly the published efficiency") {
  const Psu titanium(psu_curve("titanium-230v"), sim::Watts(3000), 1);
  // 230 V internal redundant Titanium: 90 / 94 / 96 / 91 % at 10 / 20 / 50 / 100 % load.
  const double load[] = {0.10, 0.20, 0.50, 1.00};
  const double eff[] = {0.90, 0.94, 0.96, 0.91};
  for (int i = 0; i < 4; ++i) {
    const double dc_w = load[i] * 3000;
    CHECK(titanium.input_w(dc_w) == doctest::Approx(dc_w / eff[i]));
    CHECK(dc_w / titanium.input_w(dc_w) == doctest::Approx(eff[i]));
  }
  const Psu platinum(psu_curve("platinum-230v"), sim::Watts(3000), 1);
  CHECK(600 / platinum.input_w(600) == doctest::Approx(0.90));
  CHECK(1500 / platinum.input_w(1500) == doctest::Approx(0.94));
  CHECK(3000 / platinum.input_w(3000) == doctest::Approx(0.91));
  const Psu gold(psu_curve("gold-230v"), sim::Watts(3000), 1);
  CHECK(1500 / gold.input_w(1500) == doctest::Approx(0.92));
}

TEST_CASE("PSU: linear between points, held no-load loss below the lowest, redundancy shares") {
  const PsuCurve& c = psu_curve("titanium-230v");
  CHECK(psu_efficiency(c, 0.35) == doctest::Approx(0.94 + (0.35 - 0.2) / 0.3 * (0.96 - 0.94)));
  // Below 10 %: loss stays at the 10 % loss, 0.1·3000·(1/0.9 − 1) = 33.3 W.
  const Psu one(c, sim::Watts(3000), 1);
  const double loss_10_w = 0.1 * 3000 * (1 / 0.9 - 1);
  CHECK(one.loss_w(150) == doctest::Approx(loss_10_w));
  CHECK(one.loss_w(0) == doctest::Approx(loss_10_w));
  CHECK(150 / one.input_w(150) < 0.90);
  // 6 supplies of 3.3 kW sharing 9.9 kW: each at 50 % → 96 %.
  const Psu six(c, sim::Watts(3300), 6);
  CHECK(six.load_fraction(9900) == doctest::Approx(0.5));
  CHECK(six.input_power(sim::Watts(9900)).value() == doctest::Approx(9900 / 0.96));
}

TEST_CASE("UPS: efficiency from the loss curve matches the hand computation") {
  UpsSpec spec;  // double-conversion defaults a0 = 0.013, a1 = 0.008, a2 = 0.015
  spec.redundancy = Redundancy::n;
  spec.unit_rating = sim::Watts(1e6);
  const UpsSystem ups(spec, sim::Watts(1e6));
  REQUIRE(ups.units_installed() == 1);
  // 10 % load: loss = 1 MW·(0.013 + 0.008·0.1 + 0.015·0.01) = 13.95 kW.
  CHECK(ups.loss_w(1e5) == doctest::Approx(1e6 * (0.013 + 0.008 * 0.1 + 0.015 * 0.01)));
  CHECK(ups.efficiency(1e5) == doctest::Approx(1e5 / (1e5 + 13950)));
  // 50 % load: loss = 1 MW·(0.013 + 0.004 + 0.00375) = 20.75 kW → 96.0 %.
  CHECK(ups.efficiency(5e5) == doctest::Approx(5e5 / (5e5 + 20750)));
  CHECK(ups.efficiency(5e5) > 0.94);
  CHECK(ups.efficiency(5e5) < 0.97);
  CHECK(ups.efficiency(1e5) < ups.efficiency(5e5) - 0.05);  // much worse at light load

  UpsSpec eco = spec;
  eco.type = UpsType::eco;
  eco.no_load_loss = 0.003;
  eco.proportional_loss = 0.003;
  eco.square_loss = 0.004;
  CHECK(UpsSystem(eco, sim::Watts(1e6)).efficiency(5e5) > 0.985);
}

TEST_CASE("UPS redundancy: N+1 adds a unit, 2N halves each unit's load") {
  UpsSpec spec;
  spec.unit_rating = sim::Watts(1e6);
  spec.redundancy = Redundancy::n;
  const UpsSystem n(spec, sim::Watts(3.5e6));
  spec.redundancy = Redundancy::n_plus_1;
  const UpsSystem n1(spec, sim::Watts(3.5e6));
  spec.redundancy = Redundancy::two_n;
  const UpsSystem two_n(spec, sim::Watts(3.5e6));
  CHECK(n.units_installed() == 4);
  CHECK(n1.units_installed() == 5);
  CHECK(two_n.units_installed() == 8);
  const double load_w = 3.5e6;
  CHECK(two_n.unit_load_fraction(load_w) == doctest::Approx(0.5 * n.unit_load_fraction(load_w)));
  CHECK(two_n.unit_load_fraction(load_w) <= 0.5);
  // Each of 8 units at x = 3.5/8: loss = 8 MW·(a0 + a1·x + a2·x²).
  const double x = 3.5 / 8;
  CHECK(two_n.loss_w(load_w) == doctest::Approx(8e6 * (0.013 + 0.008 * x + 0.015 * x * x)));
  CHECK(two_n.loss_w(load_w) > n.loss_w(load_w));  // more idle units, more no-load loss
}

TEST_CASE("transformer: no-load plus load loss ∝ (load/rated)²") {
  TransformerSpec spec;  // 2.5 MW, p0 = 0.0008, pk = 0.007
  spec.count = 2;
  const Transformer t(spec, sim::Watts(0));
  const double x = 2.5e6 / 5e6;
  CHECK(t.loss_w(2.5e6) == doctest::Approx(5e6 * (0.0008 + 0.007 * x * x)));
  CHECK(t.loss_w(0) == doctest::Approx(5e6 * 0.0008));
  CHECK(2.5e6 / (2.5e6 + t.loss_w(2.5e6)) > 0.994);
  spec.count = 0;  // auto: ceil(1.5 · 10 MW / 2.5 MW) = 6
  CHECK(Transformer(spec, sim::Watts(10e6)).units() == 6);
}

TEST_CASE("battery respects power and energy limits and its round-trip efficiency") {
  BatterySpec spec;
  spec.capacity = sim::Joules(100e3 * 3600);  // 100 kWh
  spec.max_charge = sim::Watts(50e3);
  spec.max_discharge = sim::Watts(80e3);
  spec.round_trip_efficiency = 0.81;  // η_c = η_d = 0.9
  spec.soc_min = 0.1;
  spec.soc_max = 0.9;
  spec.initial_soc = 0.1;
  Battery b(spec);

  // Power limit.
  CHECK(b.step(60, -1e6).power_w == doctest::Approx(-50e3));
  CHECK(b.stored_j() == doctest::Approx(10e3 * 3600 + 50e3 * 60 * 0.9));
  // Energy limit: one minute of charge holds 2.7 MJ, which delivers 2.7 MJ · 0.9 over 60 s.
  CHECK(b.step(60, 1e6).power_w == doctest::Approx(50e3 * 0.9 * 0.9));
  CHECK(b.soc() == doctest::Approx(0.1));
  BatterySpec half_spec = spec;
  half_spec.initial_soc = 0.5;
  Battery half(half_spec);
  CHECK(half.step(60, 1e6).power_w == doctest::Approx(80e3));  // discharge power limit

  // Charge from empty to full, then discharge to empty: energy out / energy in = η_rt.
  Battery c(spec);
  double in_j = 0, out_j = 0, loss_j = 0;
  for (int i = 0; i < 10000 && c.soc() < 0.9; ++i) {
    const auto s = c.step(60, -50e3);
    in_j -= s.power_w * 60;
    loss_j += s.loss_w * 60;
    CHECK(c.soc() <= 0.9 + 1e-12);
  }
  CHECK(c.soc() == doctest::Approx(0.9));
  CHECK(c.step(60, -50e3).power_w == 0.0);  // full: no more charge
  for (int i = 0; i < 10000 && c.soc() > 0.1; ++i) {
    const auto s = c.step(60, 80e3);
    out_j += s.power_w * 60;
    loss_j += s.loss_w * 60;
    CHECK(c.soc() >= 0.1 - 1e-12);
  }
  CHECK(c.soc() == doctest::Approx(0.1));
  CHECK(c.step(60, 80e3).power_w == 0.0);  // empty: no more discharge
  CHECK(in_j == doctest::Approx(80e3 * 3600 / 0.9));
  CHECK(out_j / in_j == doctest::Approx(0.81));
  CHECK(in_j - out_j == doctest::Approx(loss_j));
}

TEST_CASE("peak shaving holds grid demand at the threshold and recharges below it") {
  BatterySpec spec;
  spec.capacity = sim::Joules(1e9);
  spec.max_charge = sim::Watts(100e3);
  spec.max_discharge = sim::Watts(500e3);
  spec.peak_shave_above = sim::Watts(1e6);
  const auto request = [&](DispatchMode mode, double demand_w) {
    return dispatch_request_w(mode, spec.limits(), demand_w, 0, {});
  };
  CHECK(request(DispatchMode::peak_shaving, 1.3e6) == doctest::Approx(0.3e6));
  CHECK(request(DispatchMode::peak_shaving, 0.95e6) == doctest::Approx(-50e3));  // room up to T
  CHECK(request(DispatchMode::peak_shaving, 0.2e6) == doctest::Approx(-100e3));  // charge limit
  spec.peak_shave_above.reset();
  CHECK(request(DispatchMode::none, 5e6) == 0.0);
}

TEST_CASE("PV: nameplate × GHI/1000 × PR, zero at night") {
  PvSpec pv;
  pv.peak = sim::Watts(2e6);
  pv.performance_ratio = 0.8;
  CHECK(pv_power_w(pv, 0.0) == 0.0);
  CHECK(pv_power_w(pv, 800.0) == doctest::Approx(2e6 * 0.8 * 0.8));
}

TEST_CASE("grid accounting: energy × intensity and × price") {
  const sim::Joules mwh(3.6e9);
  const auto ci = sim::CarbonIntensity(sim::parse_quantity("400 gCO2e/kWh").value);
  const auto price = sim::UsdPerJoule(sim::parse_quantity("80 USD/MWh").value);
  CHECK(emissions(mwh, ci).value() == doctest::Approx(400.0));  // 1 MWh × 0.4 kg/kWh
  CHECK(cost(mwh, price).value() == doctest::Approx(80.0));
  GridMeter meter;
  meter.add(mwh * 2.0, ci, price);
  meter.add(mwh * -0.5, ci, price);  // export: credited at the price, no carbon credit
  CHECK(meter.imported().value() == doctest::Approx(7.2e9));
  CHECK(meter.exported().value() == doctest::Approx(1.8e9));
  CHECK(meter.emissions_total().value() == doctest::Approx(800.0));
  CHECK(meter.cost_total().value() == doctest::Approx(160.0 - 40.0));
}
