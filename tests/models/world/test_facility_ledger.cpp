// The facility's grid ledger over days of real weather: closure in every interval, PV
// curtailment at an export limit, and a battery that cannot hand out free energy.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "io/yaml_params.hpp"
#include "models/world/facility.hpp"

using namespace joule;
using namespace joule::models;

namespace {

const std::string scenarios = std::string(JOULE_SOURCE_DIR) + "/scenarios";

struct Run {
  std::vector<world::FacilityTotals> steps;  // totals after each control step
  world::BatterySettlement settlement;
  double final_soc = 0;
};

// A 5 MW facility of one rack in Leesburg from 10 July 2023, at 400 g/kWh and `price`, for
// `duration`; `chain_yaml` is the power_chain section, `cooling_yaml` the cooling one (none if
// empty).
world::Facility leesburg(const std::string& chain_yaml, sim::Time duration,
                         const std::string& price = "80 USD/MWh",
                         const std::string& cooling_yaml = "") {
  const sim::ParamNode site = io::parse_yaml_text(
      "{weather: data/weather/USA_VA_Leesburg.Exec.epw, start: 2023-07-10T00:00, "
      "price: " +
          price + ", carbon: 400 gCO2e/kWh}",
      "site.yaml");
  const sim::ParamNode chain = io::parse_yaml_text(chain_yaml, "chain.yaml");
  const sim::ParamNode cooling =
      io::parse_yaml_text(cooling_yaml.empty() ? "{}" : cooling_yaml, "cooling.yaml");
  world::FacilitySections s;
  s.site = &site;
  s.power_chain = &chain;
  if (!cooling_yaml.empty()) s.cooling = &cooling;
  world::FacilityDesign design;
  design.it_w = 5e6;
  design.chip_heat_w = 3e6;
  design.racks = 1;
  return world::Facility(world::facility_spec(s, scenarios, duration, design), design);
}

// Three July days in Leesburg at `price` (flat 80 USD/MWh by default); IT swings 2–4 MW over
// the day.
Run three_days(const std::string& chain_yaml, const std::string& price = "80 USD/MWh") {
  world::Facility f = leesburg(chain_yaml, sim::days(3), price);
  const std::vector<double> rack_w(1, 0.0);
  Run run;
  for (int k = 0; k < 3 * 1440; ++k) {
    const sim::Time now = sim::minutes(k);
    const double it_w = 3e6 + 1e6 * std::sin(2 * M_PI * k / 1440.0);
    f.set_it(now, it_w, 0.6 * it_w);
    f.control_step(now, sim::minutes(1), rack_w);
    f.update_to(now + sim::minutes(1));
    run.steps.push_back(f.totals());
  }
  run.settlement = f.battery_settlement();
  run.final_soc = f.battery_soc();
  return run;
}

}  // namespace

TEST_CASE("grid import − export + PV + discharge − charge = consumption in every interval") {
  const Run run = three_days(
      "{pv: {peak: 8 MW}, export_limit: 500 kW, battery: {capacity: 10 MWh, max_charge: 2 MW, "
      "max_discharge: 2 MW, dispatch: price}}",
      "data/prices/US-MIDA-PJM_2023.csv");
  world::FacilityTotals last;
  double exported_max_w = 0;
  for (const auto& t : run.steps) {
    const power::LedgerTotals &m = t.ledger, &l = last.ledger;
    const double supply_j = (m.import_j - l.import_j) - (m.export_j - l.export_j) +
                            (m.pv_j - l.pv_j) + (m.discharge_j - l.discharge_j) -
                            (m.charge_j - l.charge_j);
    const double use_j = (t.facility_j - last.facility_j) + (t.export_loss_j - last.export_loss_j);
    CHECK(supply_j == doctest::Approx(use_j).epsilon(1e-9));
    exported_max_w = std::max(exported_max_w, (m.export_j - l.export_j) / 60);
    last = t;
  }
  const world::FacilityTotals& t = run.steps.back();
  MESSAGE("3 July days, 8 MW PV, 500 kW export limit: PV "
          << t.ledger.pv_j / (sim::joules_per_kwh * 1e3) << " MWh, curtailed "
          << t.ledger.pv_curtailed_j / (sim::joules_per_kwh * 1e3) << " MWh, exported "
          << t.ledger.export_j / (sim::joules_per_kwh * 1e3));
  CHECK(t.ledger.pv_curtailed_j > 0);  // 8 MW of July sun on a 2–4 MW load
  CHECK(exported_max_w <= 500e3 * (1 + 1e-9));
  CHECK(t.ledger.charge_j > 0);
  CHECK(t.ledger.discharge_j > 0);
  // Whole-run closure, and the meter's net equals the chain's grid energy.
  CHECK(t.ledger.import_j - t.ledger.export_j == doctest::Approx(t.grid_j).epsilon(1e-12));
}

TEST_CASE("a battery that starts full and ends empty pays for its energy") {
  // peak_shave_above 0 W: discharge whenever there is demand, never recharge.
  const Run with = three_days(
      "{battery: {capacity: 10 MWh, max_charge: 2 MW, max_discharge: 2 MW, initial_soc: 0.9, "
      "peak_shave_above: 0 W}}");
  const Run without = three_days("{}");
  CHECK(with.final_soc == doctest::Approx(0.1));
  // 8 MWh left the cells: recharging takes 8 MWh / √0.85 from the bus, settled at 80 USD/MWh
  // and 400 kg/MWh.
  const double mwh = (sim::joules_per_kwh * 1e3), eta = std::sqrt(0.85);
  CHECK(with.settlement.energy_j == doctest::Approx(8 * mwh / eta));
  CHECK(with.settlement.cost_usd == doctest::Approx(8 / eta * 80));
  CHECK(with.settlement.co2e_kg == doctest::Approx(8 / eta * 400));
  const double cost_with = with.steps.back().cost_usd + with.settlement.cost_usd;
  const double cost_without = without.steps.back().cost_usd;
  // Delivered 8 · η MWh, paid 8 / η MWh: the round trip's loss, 8 (1/η − η) MWh × 80 USD,
  // ≈ 104 USD (less a little transformer loss the lighter bus saved).
  MESSAGE("cost without battery " << cost_without << " USD, with it (settled) " << cost_with);
  CHECK(cost_with > cost_without);
  CHECK(cost_with - cost_without == doctest::Approx(8 * (1 / eta - eta) * 80).epsilon(0.05));
  // Unsettled, the initial charge would have been free energy.
  CHECK(with.steps.back().cost_usd < cost_without - 500);
}

TEST_CASE("PV and battery leave the PUE where the loads put it") {
  const Run pv = three_days(
      "{pv: {peak: 8 MW}, battery: {capacity: 10 MWh, max_charge: 2 MW, max_discharge: 2 MW, "
      "dispatch: carbon}}");
  const Run none = three_days("{}");
  const world::FacilityTotals &t = pv.steps.back(), &n = none.steps.back();
  // Consumption is the loads and their losses, whatever supplied them.
  CHECK(t.facility_j == doctest::Approx(t.it_j + t.losses_j + t.cooling_j + t.other_j));
  CHECK(t.grid_j < t.facility_j);  // PV lowers what the grid supplied, not the consumption
  // Same IT and weather: the PUE numerators differ only by the transformer's loss on a lighter
  // (or reversed) bus, the no-load part staying a facility loss.
  CHECK(t.it_j == n.it_j);
  CHECK(t.facility_j - n.facility_j ==
        doctest::Approx(t.stage_j[2] - n.stage_j[2]).epsilon(1e-9).scale(n.facility_j));
  CHECK(t.facility_j / t.it_j > 1.0);
}

TEST_CASE("grid import above peak_shave_above is counted, not hidden") {
  // Threshold 0 W: every joule imported is above it, so the count equals the import once the
  // battery (0.9 → 0.1 of 10 MWh at 2 MW) is empty.
  const Run zero = three_days(
      "{battery: {capacity: 10 MWh, max_charge: 2 MW, max_discharge: 2 MW, initial_soc: 0.9, "
      "peak_shave_above: 0 W}}");
  const world::FacilityTotals& t = zero.steps.back();
  CHECK(t.ledger.import_j > 0);
  CHECK(t.above_shave_j == doctest::Approx(t.ledger.import_j).epsilon(1e-12));
  CHECK(t.above_shave_s > 0);
  // A threshold above the facility's peak is never passed.
  const Run high = three_days(
      "{battery: {capacity: 10 MWh, max_charge: 2 MW, max_discharge: 2 MW, "
      "peak_shave_above: 100 MW}}");
  CHECK(high.steps.back().above_shave_s == 0.0);
  CHECK(high.steps.back().above_shave_j == 0.0);
}

TEST_CASE("between control steps the chain follows the IT power, and nothing else set_it brings") {
  world::Facility f = leesburg("{}", sim::days(1));
  f.set_it(sim::Time::zero(), 3e6, 1.8e6);
  f.control_step(sim::Time::zero(), sim::minutes(1), std::vector<double>(1, 3e6));
  const double p0_w = f.facility_power_w();
  CHECK(p0_w == f.facility_power_at(3e6));
  CHECK(p0_w > 3e6);
  // The same IT with another accelerator share: the chain's power does not move.
  f.set_it(sim::seconds(10), 3e6, 2.4e6);
  CHECK(f.facility_power_w() == p0_w);
  // Another IT power with that share: it does, to the chain's value at that load.
  f.set_it(sim::seconds(20), 3.5e6, 2.4e6);
  CHECK(f.facility_power_w() == f.facility_power_at(3.5e6));
  CHECK(f.facility_power_w() > p0_w + 0.5e6);
  // And back.
  f.set_it(sim::seconds(30), 3e6, 2.4e6);
  CHECK(f.facility_power_w() == p0_w);
  // IT energy: 10 s each at 3, 3, 3.5 and 3 MW.
  f.update_to(sim::seconds(40));
  CHECK(f.totals().it_j == 3e7 + 3e7 + 3.5e7 + 3e7);
}

TEST_CASE("one cooling zone's totals are the facility's, its cooling the plant's alone") {
  // A chilled-water plant with an economizer for the one rack, three July days in Leesburg, the
  // IT moving twice a minute, the accounts restarted after the first day: the zone's IT,
  // components, water and unmet heat are the facility's own totals, bit for bit (one zone: the
  // same rates over the same intervals); its cooling leaves out the rooms' DX units.
  world::Facility f =
      leesburg("{}", sim::days(3), "80 USD/MWh", "{type: chilled-water, economizer: water-side}");
  REQUIRE(f.zone_count() == 1);
  std::vector<double> rack_w(1, 0.0);
  for (int k = 0; k < 3 * 1440; ++k) {
    const sim::Time now = sim::minutes(k);
    const double it_w = 3e6 + 1e6 * std::sin(2 * M_PI * k / 1440.0);
    rack_w[0] = it_w;
    f.set_it(now, it_w, 0.6 * it_w);
    f.control_step(now, sim::minutes(1), rack_w);
    f.set_it(now + sim::seconds(25), 0.9 * it_w, 0.5 * it_w);
    if (k == 1440) f.reset_accounts(now + sim::seconds(40));
  }
  f.update_to(sim::days(3));
  const world::FacilityTotals& t = f.totals();
  const world::Facility::ZoneTotals z = f.zone_totals().front();
  CHECK(z.it_j == t.it_j);
  // Two days at a mean of (25 s · 3 MW + 35 s · 2.7 MW) / 60 s (the sine's days cancel).
  CHECK(z.it_j == doctest::Approx(2 * 86400 * (25 * 3e6 + 35 * 2.7e6) / 60).epsilon(0.01));
  for (std::size_t i = 0; i < z.component_j.size(); ++i)
    CHECK(z.component_j[i] == t.component_j[i]);
  CHECK(z.water_m3 == t.water_m3);
  CHECK(z.water_m3 > 0);
  CHECK(z.unmet_heat_j == t.unmet_heat_j);
  double components_j = 0;
  for (const double e_j : z.component_j) components_j += e_j;
  CHECK(z.cooling_j == doctest::Approx(components_j));
  CHECK(t.cooling_j - z.cooling_j == doctest::Approx(t.room_cooling_j));
  CHECK(t.room_cooling_j > 0);
}

TEST_CASE("the facility's carbon intensity and price are the site's at every step") {
  // step() reads them again only from the next hour of their series on (a time-of-use price at
  // every step). Steps of 7, 12 and 23 minutes over two days (one on the hour every seven
  // hours): every step's values must be the site's at that instant.
  const auto check_steps = [](const std::string& price) {
    world::Facility f = [&] {
      const sim::ParamNode site = io::parse_yaml_text(
          "{weather: data/weather/USA_VA_Leesburg.Exec.epw, start: 2023-07-10T00:00, "
          "carbon: data/carbon/US-MIDA-PJM_2023_hourly.csv, " +
              price + "}",
          "site.yaml");
      const sim::ParamNode chain = io::parse_yaml_text("{}", "chain.yaml");
      world::FacilitySections s;
      s.site = &site;
      s.power_chain = &chain;
      world::FacilityDesign design;
      design.it_w = 5e6;
      design.chip_heat_w = 3e6;
      design.racks = 1;
      return world::Facility(world::facility_spec(s, scenarios, sim::days(2), design), design);
    }();
    const std::vector<double> rack_w(1, 0.0);
    const environment::Site& site = *f.site();
    int steps = 0, moved = 0;
    double last_carbon = -1, last_price = -1;
    for (sim::Time now = sim::Time::zero(); now < sim::days(2); ++steps) {
      const sim::Time dt = sim::minutes(steps % 3 == 0 ? 7 : steps % 3 == 1 ? 12 : 23);
      f.set_it(now, 3e6, 1.8e6);
      f.control_step(now, dt, rack_w);
      CHECK(f.carbon_intensity().value() == site.carbon_intensity(now).value());
      CHECK(f.price().value() == site.price(now).value());
      moved += f.carbon_intensity().value() != last_carbon || f.price().value() != last_price;
      last_carbon = f.carbon_intensity().value();
      last_price = f.price().value();
      now += dt;
    }
    CHECK(steps == 207);
    CHECK(moved > 40);  // the values do move, about once an hour
  };
  check_steps("price: data/prices/US-MIDA-PJM_2023.csv");
  check_steps(
      "tariff: {off_peak: 60 USD/MWh, energy: [{price: 180 USD/MWh, hours: 16-21}, {price: 40 "
      "USD/MWh, hours: 22-6}]}");
}
