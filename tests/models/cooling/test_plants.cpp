#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "io/yaml_params.hpp"
#include "models/cooling/chiller.hpp"
#include "models/cooling/plant.hpp"
#include "sim/error.hpp"

using namespace joule::models::cooling;
namespace sim = joule::sim;

namespace {

struct Built {
  sim::ParamNode node;
  std::unique_ptr<CoolingPlant> plant;
};

PlantSizing sizing_1mw() {
  PlantSizing s;
  s.chip_heat = sim::Watts(0.7e6);
  s.other_heat = sim::Watts(0.3e6);
  return s;
}

std::unique_ptr<CoolingPlant> build(const std::string& yaml,
                                    const PlantSizing& sizing = sizing_1mw()) {
  const auto node = joule::io::parse_yaml_text(yaml, "cooling.yaml", "cooling");
  return make_cooling_plant(&node, sizing);
}

PlantInputs inputs(double it_fraction, double drybulb_c, double wetbulb_c, double rh = 0.5) {
  PlantInputs in;
  in.chip_heat = sim::Watts(0.7e6 * 0.95 * it_fraction);
  in.other_it_heat = sim::Watts(0.25e6 * 0.95 * it_fraction);
  in.room_losses = sim::Watts(0.05e6 * 0.95 * it_fraction);
  in.outdoor_drybulb = sim::Celsius{drybulb_c};
  in.outdoor_wetbulb = sim::Celsius{wetbulb_c};
  in.outdoor_rh = rh;
  return in;
}

const std::vector<std::string> plant_variants = {
    "type: air\n",
    "type: air\neconomizer: air-side\n",
    "type: chilled-water\n",
    "type: chilled-water\neconomizer: water-side\n",
    "type: chilled-water\nchiller: trane-cvhe-1407kw-vsd\npump_control: riding-curve\n",
    "type: liquid\n",
    "type: liquid\nassist: trim-chiller\n",
    "type: liquid\nair_side: {type: air, economizer: air-side}\n",
    "type: liquid\ncapture_fraction: 0.7\nair_side: {type: chilled-water, economizer: "
    "water-side}\n",
};

}  // namespace

TEST_CASE("plants: heat balance, breakdown and PUE >= 1 over a grid of loads and weather") {
  for (const auto& yaml : plant_variants) {
    CAPTURE(yaml);
    auto plant = build(yaml);
    long step = 0;
    for (double load : {0.05, 0.3, 0.6, 0.9, 1.0}) {
      for (double db : {-10.0, 0.0, 10.0, 18.0, 25.0, 32.0, 40.0}) {
        const double wb = db - 3 - 0.2 * std::max(db, 0.0);  // drier when hotter
        const PlantInputs in = inputs(load, db, wb);
        const PlantOutputs out = plant->step(sim::minutes(30.0 * step++), in);
        CAPTURE(load);
        CAPTURE(db);
        double sum_w = 0;
        for (const auto& p : out.component_power) {
          CHECK(p.value() >= 0);
          sum_w += p.value();
        }
        CHECK(out.power.value() == doctest::Approx(sum_w).epsilon(1e-12));
        CHECK(out.heat_in.value() == doctest::Approx(in.heat_in().value()));
        // Rejected heat + heat not removed = heat in + every watt of cooling power.
        const double lhs = out.heat_rejected.value() + out.unmet_heat.value();
        const double rhs = in.heat_in().value() + out.power.value();
        CHECK(std::fabs(lhs - rhs) <= 1e-9 * rhs);
        const double it_w = in.chip_heat.value() + in.other_it_heat.value();
        CHECK((it_w + out.power.value()) / it_w >= 1.0);
        CHECK(out.water_use.value() >= 0);
        CHECK(out.free_cooling_fraction >= 0);
        CHECK(out.free_cooling_fraction <= 1 + 1e-12);
        CHECK(out.over_capacity == (out.unmet_heat.value() > 0));
        // The design conditions stay within capacity for every plant.
        if (db <= 32 && load <= 1.0) {
          CHECK_FALSE(out.over_capacity);
          CHECK(out.heat_rejected.value() ==
                doctest::Approx(in.heat_in().value() + out.power.value()).epsilon(1e-12));
        }
      }
    }
  }
}

TEST_CASE("plants: breakdown names are stable") {
  CHECK(component_names.size() == component_count);
  CHECK(component_names[static_cast<std::size_t>(Component::crah_fans)] == "crah_fans");
  CHECK(component_names[static_cast<std::size_t>(Component::trim_chiller)] == "trim_chiller");
}

TEST_CASE("plants: which components draw power") {
  const PlantInputs warm = inputs(0.8, 30, 22);
  const PlantOutputs cw = build("type: chilled-water\n")->evaluate(warm);
  CHECK(cw[Component::chillers].value() > 0);
  CHECK(cw[Component::towers].value() > 0);
  CHECK(cw[Component::pumps].value() > 0);
  CHECK(cw[Component::crah_fans].value() > 0);
  CHECK(cw[Component::dry_coolers].value() == 0);
  CHECK(cw.water_use.value() > 0);
  CHECK(cw.supply_air.value == doctest::Approx(22));
  CHECK(cw.facility_water.value == doctest::Approx(10));
  const PlantOutputs air = build("type: air\n")->evaluate(warm);
  CHECK(air.water_use.value() == 0);
  CHECK(air[Component::towers].value() == 0);
  CHECK(std::isnan(air.facility_water.value));
  const PlantOutputs dlc = build("type: liquid\n")->evaluate(inputs(0.8, 20, 14));
  CHECK(dlc[Component::dry_coolers].value() > 0);
  CHECK(dlc[Component::trim_chiller].value() == 0);
  CHECK(dlc.facility_water.value == doctest::Approx(32));
}

TEST_CASE("plants: DLC needs less cooling power than air cooling for the same IT load") {
  for (double db : {5.0, 15.0, 25.0}) {
    CAPTURE(db);
    const PlantInputs in = inputs(0.8, db, db - 5);
    const double air_w = build("type: air\n")->evaluate(in).power.value();
    const double cw_w = build("type: chilled-water\n")->evaluate(in).power.value();
    const double dlc_w = build("type: liquid\n")->evaluate(in).power.value();
    const double it_w = in.chip_heat.value() + in.other_it_heat.value();
    std::printf("T_db %4.1f C: cooling/IT  air %.3f  chilled-water %.3f  liquid %.3f\n", db,
                air_w / it_w, cw_w / it_w, dlc_w / it_w);
    CHECK(dlc_w < air_w);
    CHECK(dlc_w < cw_w);
  }
}

TEST_CASE("plants: economizers cut cooling power in cold weather") {
  const PlantInputs cold = inputs(0.8, 2, 0, 0.5);
  CHECK(build("type: air\neconomizer: air-side\n")->evaluate(cold).power <
        build("type: air\n")->evaluate(cold).power);
  // 0 °C wet-bulb: even at full fan speed the tower leaves ~10 K above the wet-bulb
  // (YorkCalc), so the HX cannot reach the 10 °C supply alone: partial, chillers trim a little.
  auto wse = build("type: chilled-water\neconomizer: water-side\n");
  const PlantOutputs out = wse->step(sim::Time::zero(), cold);
  CHECK(out.economizer == EconomizerMode::partial);
  CHECK(out.free_cooling_fraction > 0.9);
  CHECK(out.power < build("type: chilled-water\n")->evaluate(cold).power);
  // −10 °C wet-bulb: full economizer, chillers off.
  auto wse2 = build("type: chilled-water\neconomizer: water-side\n");
  const PlantOutputs frozen = wse2->step(sim::Time::zero(), inputs(0.8, -8, -10, 0.5));
  CHECK(frozen.economizer == EconomizerMode::full);
  CHECK(frozen[Component::chillers].value() == 0);
  CHECK(frozen.free_cooling_fraction == doctest::Approx(1.0));
}

TEST_CASE("plants: liquid assist when the outdoor air is too warm for the dry coolers") {
  // 30 °C air: the water returns at ~39 °C and the dry coolers take ~0.56 of their design
  // heat at full speed, short of the ~0.70 the loop carries.
  const PlantInputs hot = inputs(0.8, 30, 20);
  const PlantOutputs evap = build("type: liquid\n")->evaluate(hot);
  const PlantOutputs mild = build("type: liquid\n")->evaluate(inputs(0.8, 15, 10));
  CHECK(evap.water_use > mild.water_use);
  CHECK_FALSE(evap.over_capacity);
  const PlantOutputs trim = build("type: liquid\nassist: trim-chiller\n")->evaluate(hot);
  CHECK(trim[Component::trim_chiller].value() > 0);
  CHECK(trim.water_use < evap.water_use);
}

TEST_CASE("plants: capacity flag names the component") {
  auto plant = build("type: chilled-water\ncapacity_margin: 0\n");
  const PlantOutputs out = plant->evaluate(inputs(1.3 / 0.95, 25, 18));
  CHECK(out.over_capacity);
  CHECK(out.unmet_heat.value() > 0);
  CHECK(out.limiting_component == "crah_fans");
  CHECK(out.supply_air.value > 22);
}

TEST_CASE("plants: spec errors point at the value") {
  // A tower rating the YorkCalc correlation cannot reach is refused at the key.
  CHECK_THROWS_WITH_AS(build("type: chilled-water\ntower_approach: 0.2 K\n"),
                       doctest::Contains("cooling.yaml:2:17: cooling.tower_approach is outside "
                                         "what the YorkCalc correlation reaches"),
                       sim::InputError);
  CHECK_THROWS_WITH_AS(build("type: liquid\ncapture_other: 1.5\n"),
                       doctest::Contains("cooling.capture_other"), sim::InputError);
  CHECK_THROWS_WITH_AS(build("type: air\ncop: -3\n"), doctest::Contains("must be > 0"),
                       sim::InputError);
  CHECK_THROWS_WITH_AS(build("type: air\ncop: -3\n"), doctest::Contains("cooling.cop"),
                       sim::InputError);
  CHECK_THROWS_WITH_AS(build("type: chiled-water\n"),
                       doctest::Contains("did you mean 'chilled-water'"), sim::InputError);
  CHECK_THROWS_WITH_AS(build("type: chilled-water\neconomiser: water-side\n"),
                       doctest::Contains("did you mean 'economizer'"), sim::InputError);
  CHECK_THROWS_WITH_AS(build("type: chilled-water\nchiller: york\n"),
                       doctest::Contains("york-yk-2159kw"), sim::InputError);
  CHECK_THROWS_WITH_AS(build("type: chilled-water\nchw_supply: 25 degC\n"),
                       doctest::Contains("must be below supply_air"), sim::InputError);
  CHECK_THROWS_WITH_AS(build("type: liquid\ncapture_fraction: 1.5\n"),
                       doctest::Contains("must be in [0, 1]"), sim::InputError);
  CHECK_THROWS_WITH_AS(build("type: liquid\nair_side: {type: liquid}\n"),
                       doctest::Contains("cannot itself be a liquid"), sim::InputError);
  CHECK_THROWS_WITH_AS(build("type: liquid\nair_side: {type: air, cop: 0}\n"),
                       doctest::Contains("cooling.air_side.cop must be > 0"), sim::InputError);
}

TEST_CASE("chilled-water plant: a load reset of supply air and chilled water saves chiller power") {
  // Half the design heat (1 MW × 1.15 margin): the reset is 3 K × (1 − 0.5) = 1.5 K, so the
  // chilled water leaves at 11.5 °C instead of 10 °C and the supply air is 23.5 °C.
  PlantSizing sizing;
  sizing.other_heat = sim::Watts(1e6);
  auto fixed = build("type: chilled-water\n", sizing);
  auto reset = build("type: chilled-water\nreset: load\n", sizing);
  PlantInputs in;
  in.other_it_heat = sim::Watts(0.5 * 1.15e6);
  // Cold, dry weather: the towers hold the condenser water at the chiller's minimum.
  in.outdoor_drybulb = sim::Celsius{8};
  in.outdoor_wetbulb = sim::Celsius{5};
  const PlantOutputs a = fixed->step(sim::Time::zero(), in);
  const PlantOutputs b = reset->step(sim::Time::zero(), in);
  CHECK(a.facility_water.value == doctest::Approx(10.0));
  CHECK(b.facility_water.value == doctest::Approx(11.5));
  CHECK(b.supply_air.value == doctest::Approx(23.5));
  // Same load, same condenser water: above the 8.89 °C fit the chiller's EIR scales with the
  // Carnot EIR (chiller.hpp), T_cl = 15.56 + 5.56 = 21.12 °C:
  //   P(11.5)/P(10) = [(21.12 − 11.5)/284.65] / [(21.12 − 10)/283.15] = 0.8605
  const double t_cl = find_chiller("york-yk-2159kw")->cond_entering_min_c + 5.56;
  const double carnot = ((t_cl - 11.5) / (11.5 + 273.15)) / ((t_cl - 10.0) / (10.0 + 273.15));
  CHECK(carnot == doctest::Approx(0.8605).epsilon(1e-3));
  CHECK(b[Component::chillers].value() ==
        doctest::Approx(carnot * a[Component::chillers].value()).epsilon(1e-9));
  // The fans follow the heat, not the temperatures; the condenser pump carries less compressor
  // heat, so the pumps draw a little less.
  CHECK(b[Component::crah_fans].value() == doctest::Approx(a[Component::crah_fans].value()));
  CHECK(b[Component::pumps].value() < a[Component::pumps].value());
  // At the design heat there is no reset.
  in.other_it_heat = sim::Watts(1.15e6);
  CHECK(reset->evaluate(in).facility_water.value == doctest::Approx(10.0));
}

TEST_CASE("chilled-water plant: a reset past ASHRAE's recommended inlet is an input error") {
  CHECK_THROWS_AS(build("type: chilled-water\nreset: load\nsupply_air: 25 degC\nreset_span: 3 K\n"),
                  sim::InputError);
}

TEST_CASE("plants: a controller's set-points move the chiller power as a reset would") {
  // The load-reset case above, reached by a controller instead: the same 1.5 K warmer supply
  // air and chilled water give the same Carnot-scaled chiller power, 0.8605 of the fixed plant.
  PlantSizing sizing;
  sizing.other_heat = sim::Watts(1e6);
  auto fixed = build("type: chilled-water\n", sizing);
  auto moved = build("type: chilled-water\n", sizing);
  PlantInputs in;
  in.other_it_heat = sim::Watts(0.5 * 1.15e6);
  in.outdoor_drybulb = sim::Celsius{8};
  in.outdoor_wetbulb = sim::Celsius{5};
  const Setpoints held = moved->set_setpoints({23.5, 11.5});
  CHECK(held.supply_air_c == 23.5);
  CHECK(held.chilled_water_c == 11.5);
  const PlantOutputs a = fixed->step(sim::Time::zero(), in);
  const PlantOutputs b = moved->step(sim::Time::zero(), in);
  CHECK(b.facility_water.value == doctest::Approx(11.5));
  CHECK(b.supply_air.value == doctest::Approx(23.5));
  const double t_cl = find_chiller("york-yk-2159kw")->cond_entering_min_c + 5.56;
  const double carnot = ((t_cl - 11.5) / (11.5 + 273.15)) / ((t_cl - 10.0) / (10.0 + 273.15));
  CHECK(b[Component::chillers].value() ==
        doctest::Approx(carnot * a[Component::chillers].value()).epsilon(1e-9));
}

TEST_CASE("plants: set-points are clamped to the plant's range") {
  auto cw = build("type: chilled-water\n");  // supply air 22 degC, chilled water 10 degC
  CHECK(cw->setpoint_min().supply_air_c == 18.0);
  CHECK(cw->setpoint_max().supply_air_c == 27.0);
  // NaN leaves a set-point alone; the supply air stops at ASHRAE's 18 degC.
  Setpoints h = cw->set_setpoints({15.0, std::nan("")});
  CHECK(h.supply_air_c == 18.0);
  CHECK(h.chilled_water_c == 10.0);
  // The chilled water stays 1 K below the supply air, and follows it down.
  h = cw->set_setpoints({std::nan(""), 30.0});
  CHECK(h.chilled_water_c == 17.0);
  h = cw->set_setpoints({30.0, 24.0});
  CHECK(h.supply_air_c == 27.0);
  CHECK(h.chilled_water_c == 24.0);
  h = cw->set_setpoints({20.0, std::nan("")});
  CHECK(h.chilled_water_c == 19.0);
  CHECK(cw->setpoints().chilled_water_c == 19.0);
  // With a load reset the supply air tops out at 27 - span, as the scenario check requires.
  CHECK(build("type: chilled-water\nreset: load\n")->setpoint_max().supply_air_c == 24.0);
  // An air plant has supply air only; a liquid plant answers for its air side.
  auto air = build("type: air\n");
  h = air->set_setpoints({25.0, 12.0});
  CHECK(h.supply_air_c == 25.0);
  CHECK(std::isnan(h.chilled_water_c));
  auto liquid = build("type: liquid\nair_side: {type: chilled-water}\n");
  h = liquid->set_setpoints({24.0, 12.0});
  CHECK(h.supply_air_c == 24.0);
  CHECK(h.chilled_water_c == 12.0);
  CHECK(liquid->capture().coolant_c == build("type: liquid\n")->capture().coolant_c);
  auto fixed_pue = build("type: fixed-pue\npue: 1.2\n");
  CHECK(std::isnan(fixed_pue->set_setpoints({24.0, 12.0}).supply_air_c));
}

TEST_CASE(
    "chilled-water plant: a step repeats the previous one's outputs only where nothing moved") {
  // step() keeps its last outputs for a step whose heat, weather, economizer mode and set-points
  // are the same bits; every step must still equal evaluate() at the state it leaves.
  auto plant = build("type: chilled-water\neconomizer: water-side\n");
  const auto steps_as_evaluate = [&](sim::Time now, const PlantInputs& in) {
    const PlantOutputs out = plant->step(now, in);
    const PlantOutputs want = plant->evaluate(in);
    CHECK(out.power.value() == want.power.value());
    for (std::size_t i = 0; i < component_count; ++i)
      CHECK(out.component_power[i].value() == want.component_power[i].value());
    CHECK(out.heat_rejected.value() == want.heat_rejected.value());
    CHECK(out.water_use.value() == want.water_use.value());
    CHECK(out.supply_air.value == want.supply_air.value);
    CHECK(out.economizer == want.economizer);
    return out;
  };
  const PlantInputs warm = inputs(0.8, 30, 24);
  const PlantOutputs first = steps_as_evaluate(sim::Time::zero(), warm);
  CHECK(first.economizer == EconomizerMode::off);
  CHECK(steps_as_evaluate(sim::minutes(1), warm).power.value() == first.power.value());
  // The dry-bulb alone moves: the basin heaters come on below their 2 degC setpoint.
  PlantInputs frost = warm;
  frost.outdoor_drybulb = sim::Celsius{-5};
  CHECK(steps_as_evaluate(sim::minutes(2), frost)[Component::towers] > first[Component::towers]);
  // The same heat in another split between chips and room losses: the same outputs.
  PlantInputs split = warm;
  split.chip_heat = split.chip_heat + split.room_losses;
  split.room_losses = sim::Watts(0);
  CHECK(steps_as_evaluate(sim::minutes(3), split).power.value() == first.power.value());
  // A set-point moves, the inputs do not: warmer chilled water, less chiller power.
  plant->set_setpoints({std::nan(""), 12.0});
  CHECK(steps_as_evaluate(sim::minutes(4), warm)[Component::chillers] < first[Component::chillers]);
  // Cold weather from minute 5 on: the economizer waits out its 20-minute dwell in `off` (mode
  // since minute 0), then switches at minute 20 under the same inputs as minute 19.
  const PlantInputs cold = inputs(0.8, 5, 2);
  PlantOutputs last;
  for (int k = 5; k < 20; ++k) last = steps_as_evaluate(sim::minutes(k), cold);
  CHECK(last.economizer == EconomizerMode::off);
  const PlantOutputs switched = steps_as_evaluate(sim::minutes(20), cold);
  CHECK(switched.economizer != EconomizerMode::off);
  CHECK(switched[Component::chillers] < last[Component::chillers]);
}

TEST_CASE("chilled-water plant: the economizer is judged at each step's own heat and wet-bulb") {
  // step() keeps the tower's full-fan approach for a step whose heat and wet-bulb are the last
  // step's bits. A fresh plant's first step takes the economizer's mode at once: the warmest
  // wet-bulb at which it is on, at a given heat, is found that way, unaffected by any earlier
  // step. A plant that stepped at another wet-bulb (or heat) first, twenty minutes before (the
  // dwell), must then judge a wet-bulb just above it as the fresh plant does: off.
  const std::string yaml = "type: chilled-water\neconomizer: water-side\n";
  const auto mode_at_first_step = [&](double it_fraction, double wetbulb_c) {
    return build(yaml)
        ->step(sim::Time::zero(), inputs(it_fraction, wetbulb_c + 5, wetbulb_c))
        .economizer;
  };
  const auto warmest_on_c = [&](double it_fraction) {
    double on_c = -20, off_c = 20;  // on and off at the ends, checked
    REQUIRE(mode_at_first_step(it_fraction, on_c) != EconomizerMode::off);
    REQUIRE(mode_at_first_step(it_fraction, off_c) == EconomizerMode::off);
    for (int i = 0; i < 60; ++i) {
      const double mid_c = 0.5 * (on_c + off_c);
      (mode_at_first_step(it_fraction, mid_c) != EconomizerMode::off ? on_c : off_c) = mid_c;
    }
    return off_c;  // the coldest wet-bulb found off
  };
  // The wet-bulb moves, the heat holds: a warmer wet-bulb first (a smaller full-fan approach,
  // which would turn the economizer on just above the threshold), then just above it.
  const double off_c = warmest_on_c(0.8);
  auto plant = build(yaml);
  CHECK(plant->step(sim::Time::zero(), inputs(0.8, off_c + 10, off_c + 5)).economizer ==
        EconomizerMode::off);
  CHECK(plant->step(sim::minutes(20), inputs(0.8, off_c + 5, off_c)).economizer ==
        EconomizerMode::off);
  // The heat moves, the wet-bulb holds: less heat first (a smaller approach: on at once), then
  // the full heat just above its threshold, after the dwell.
  plant = build(yaml);
  CHECK(plant->step(sim::Time::zero(), inputs(0.2, off_c + 5, off_c)).economizer !=
        EconomizerMode::off);
  CHECK(plant->step(sim::minutes(20), inputs(0.8, off_c + 5, off_c)).economizer ==
        EconomizerMode::off);
}
