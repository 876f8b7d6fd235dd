// Facility physics across models: warm-water liquid cooling reaching the dies, and every watt
// of loss heat landing in a cooled space.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "app/run.hpp"
#include "app/scenario.hpp"
#include "io/yaml_params.hpp"
#include "models/compute/accelerator_catalog.hpp"
#include "models/compute/node.hpp"
#include "models/world/facility.hpp"

using namespace joule;
using namespace joule::models;

namespace {

struct Built {
  sim::ParamNode cooling;
  std::unique_ptr<world::Facility> facility;
};

world::FacilityDesign dgx_design(int nodes) {
  world::FacilityDesign d;
  d.it_w = 10.2e3 * nodes;
  d.chip_heat_w = 5.6e3 * nodes;
  d.racks = std::max(1, nodes / 4);
  return d;
}

compute::NodeLoad training(const compute::Node& n) {
  compute::NodeLoad l;
  l.busy_accelerators = n.spec().accelerators;
  l.per_accelerator = compute::reference_training_rates(*n.spec().accelerator, 0.45, 0.40);
  l.cpu_util = 0.5;
  l.nic_util = 0.5;
  return l;
}

// A DGX H100 on cold plates behind a liquid plant with `yaml` as its cooling section.
compute::Node cold_plate_node(const std::string& yaml) {
  const sim::ParamNode cooling = io::parse_yaml_text(yaml, "cooling.yaml");
  world::FacilitySections s;
  s.cooling = &cooling;
  const world::FacilityDesign design = dgx_design(512);
  const world::Facility f(world::facility_spec(s, ".", sim::days(1), design), design);
  compute::NodeSpec spec = compute::node_spec(*compute::find_node_type("dgx-h100"));
  spec.accelerator_settings.cooling = compute::Cooling::cold_plate;
  f.fit_node(spec);
  return compute::Node(spec);
}

}  // namespace

TEST_CASE("facility water at 45 degC raises die temperature and leakage over 32 degC") {
  const compute::Node w32 = cold_plate_node("{type: liquid, facility_supply: 32 degC}");
  const compute::Node w45 = cold_plate_node("{type: liquid, facility_supply: 45 degC}");
  // The coolant is the facility water plus the 3 K CDU approach.
  REQUIRE(w32.spec().coolant_c.has_value());
  CHECK(*w32.spec().coolant_c == doctest::Approx(35.0));
  CHECK(*w45.spec().coolant_c == doctest::Approx(48.0));
  // The rack inlet air no longer decides the die temperature: same air, different water.
  const double inlet_c = 25.0;
  const compute::NodePower p32 = w32.evaluate(training(w32), inlet_c);
  const compute::NodePower p45 = w45.evaluate(training(w45), inlet_c);
  // Idle: the die sits R_th · P above the coolant; 13 K warmer water, and leakage adds power.
  CHECK(p45.idle.die_temp_c > p32.idle.die_temp_c + 13.0);
  CHECK(p45.idle.power_w > p32.idle.power_w);
  // Busy: warmer dies leak more at the same work (or throttle, which shows as a lower clock).
  CHECK(p45.busy.die_temp_c > p32.busy.die_temp_c + 13.0);
  CHECK((p45.busy.power_w > p32.busy.power_w || p45.busy.clock_fraction < p32.busy.clock_fraction));
  MESSAGE("die 32 degC water: " << p32.busy.die_temp_c << " degC, " << p32.busy.power_w
                                << " W; 45 degC water: " << p45.busy.die_temp_c << " degC, "
                                << p45.busy.power_w << " W, clock " << p45.busy.clock_fraction);
  // An air-designed node on cold plates keeps only the fans its residual air heat needs.
  const compute::NodeSpec air = compute::node_spec(*compute::find_node_type("dgx-h100"));
  CHECK(w32.spec().fan_max_w < 0.1 * air.fan_max_w);
  CHECK(p32.fans_w < w32.spec().fan_max_w + 1e-9);
}

TEST_CASE("cold-plate nodes under an air plant keep the inlet air as their coolant") {
  const sim::ParamNode cooling = io::parse_yaml_text("{type: chilled-water}", "cooling.yaml");
  world::FacilitySections s;
  s.cooling = &cooling;
  const world::Facility f(world::facility_spec(s, ".", sim::days(1), dgx_design(16)),
                          dgx_design(16));
  compute::NodeSpec spec = compute::node_spec(*compute::find_node_type("dgx-h100"));
  spec.accelerator_settings.cooling = compute::Cooling::cold_plate;
  const double fans_w = spec.fan_max_w;
  f.fit_node(spec);
  CHECK_FALSE(spec.coolant_c.has_value());
  CHECK(spec.fan_max_w == fans_w);
}

namespace {

// Runs a facility at constant IT power for `steps` one-minute control steps; returns the
// totals accumulated over the last `tail` steps (after the plant and rooms have settled).
world::FacilityTotals steady(const std::string& chain_yaml, const std::string& cooling_yaml,
                             double drybulb_c, double it_w, int steps, int tail) {
  const sim::ParamNode chain = io::parse_yaml_text(chain_yaml, "chain.yaml");
  const sim::ParamNode cooling = io::parse_yaml_text(cooling_yaml, "cooling.yaml");
  const sim::ParamNode site =
      io::parse_yaml_text("{dry_bulb: " + std::to_string(drybulb_c) + " degC}", "site.yaml");
  world::FacilitySections s;
  s.site = &site;
  s.power_chain = &chain;
  s.cooling = &cooling;
  const world::FacilityDesign design = dgx_design(512);
  world::Facility f(world::facility_spec(s, ".", sim::days(1), design), design);
  f.set_it(sim::Time::zero(), it_w, 0.55 * it_w);
  const std::vector<double> rack_w(static_cast<std::size_t>(design.racks), it_w / design.racks);
  world::FacilityTotals before;
  for (int k = 0; k < steps; ++k) {
    if (k == steps - tail) before = f.totals();
    f.control_step(sim::minutes(k), sim::minutes(1), rack_w);
  }
  f.update_to(sim::minutes(steps));
  world::FacilityTotals t = f.totals();
  t.facility_j -= before.facility_j;
  t.heat_rejected_j -= before.heat_rejected_j;
  t.export_loss_j -= before.export_loss_j;
  t.room_cooling_j -= before.room_cooling_j;
  t.lighting_j -= before.lighting_j;
  t.block_heater_j -= before.block_heater_j;
  t.losses_j -= before.losses_j;
  t.stage_j[1] -= before.stage_j[1];
  return t;
}

}  // namespace

TEST_CASE("every watt of loss heat lands in a cooled space or outdoors (conservation)") {
  // Cold day (block heaters on), UPS room and indoor transformers, offices, lighting.
  for (const char* cooling :
       {"{type: chilled-water, economizer: water-side}", "{type: air}", "{type: liquid}"}) {
    CAPTURE(cooling);
    const world::FacilityTotals t =
        steady("{other_load: 200 kW, transformer_indoor: true}", cooling, -10.0, 4e6, 30, 10);
    CHECK(t.room_cooling_j > 0);
    CHECK(t.lighting_j > 0);
    CHECK(t.block_heater_j > 0);
    // Heat out = electricity in (facility consumption; no PV here), to 1e-6.
    CHECK(t.heat_rejected_j == doctest::Approx(t.facility_j).epsilon(1e-6));
  }
  // The UPS room's DX units draw the UPS losses (plus offices) over their COP of 3.3.
  // Above the 32 °C jacket temperature the block heaters rest.
  const world::FacilityTotals warm = steady("{}", "{type: chilled-water}", 35.0, 4e6, 30, 10);
  CHECK(warm.block_heater_j == 0);
  CHECK(warm.room_cooling_j == doctest::Approx(warm.stage_j[1] / 3.3).epsilon(1e-3));
  CHECK(warm.heat_rejected_j == doctest::Approx(warm.facility_j).epsilon(1e-6));
}

TEST_CASE("thermal-aware placement changes the hottest rack inlet against FIFO (open aisles)") {
  const auto run_policy = [](const std::string& policy) {
    const auto dir = std::filesystem::temp_directory_path() / ("joule-test-thermal-" + policy);
    std::filesystem::create_directories(dir);
    app::LoadOptions load;
    load.sets = {"duration=2 d", "scheduler.policy=" + policy};
    const auto sc = app::load_scenario(
        std::string(JOULE_SOURCE_DIR) + "/scenarios/policies/thermal.yaml", load);
    app::RunOptions opt;
    opt.output = (dir / "run.h5").string();
    opt.force = true;
    return app::run(sc, opt);
  };
  const app::Summary fifo = run_policy("fifo");
  const app::Summary cool = run_policy("thermal-aware");
  // The hottest inlet, averaged over time: FIFO fills racks in order, row ends first (25 %
  // recirculation there); thermal-aware fills the cool middles of the rows first.
  const double fifo_c = *fifo.values.at("mean_max_inlet_c");
  const double cool_c = *cool.values.at("mean_max_inlet_c");
  MESSAGE("hottest rack inlet, time average: fifo "
          << fifo_c << " degC, thermal-aware " << cool_c << " degC; peak: fifo "
          << *fifo.values.at("max_inlet_c") << ", thermal-aware "
          << *cool.values.at("max_inlet_c"));
  CHECK(fifo_c - cool_c > 0.5);
  CHECK(*fifo.values.at("max_inlet_c") >= fifo_c);
}

TEST_CASE("on-site PV: export losses apart from the PUE, renewable energy factor") {
  const auto run_with = [](const std::string& name, std::vector<std::string> sets) {
    const auto dir = std::filesystem::temp_directory_path() / ("joule-test-pv-" + name);
    std::filesystem::create_directories(dir);
    app::LoadOptions load;
    load.sets = std::move(sets);
    load.sets.push_back("duration=2 d");
    const auto sc = app::load_scenario("", load);
    app::RunOptions opt;
    opt.output = (dir / "run.h5").string();
    opt.force = true;
    return app::run(sc, opt).values;
  };
  const auto none = run_with("none", {});
  const auto pv = run_with("big", {"power_chain.pv={peak: 20 MW}"});
  MESSAGE("PUE without PV " << *none.at("pue") << ", with 20 MW PV " << *pv.at("pue")
                            << "; export losses " << *pv.at("export_loss_kwh") << " kWh; REF "
                            << *pv.at("renewable_energy_factor"));
  CHECK(*none.at("export_loss_kwh") == 0);
  CHECK(*none.at("renewable_energy_factor") == 0);
  CHECK(*pv.at("export_loss_kwh") > 0);  // July middays export through the transformers
  CHECK(*pv.at("renewable_energy_factor") > 0);
  CHECK(*pv.at("renewable_energy_factor") < 1);
  // The PV array does not raise the PUE (the transformer carries less for the facility).
  CHECK(*pv.at("pue") <= *none.at("pue") + 1e-9);
}

TEST_CASE("a UPS run past its rating is counted and warned about") {
  const world::FacilityTotals ok = steady("{}", "{type: chilled-water}", 20.0, 4e6, 5, 5);
  CHECK(ok.overload_s == 0);
  const world::FacilityTotals over = steady("{ups: {redundancy: N, unit_rating: 100 kW}}",
                                            "{type: chilled-water}", 20.0, 6e6, 5, 5);
  CHECK(over.overload_s > 0);
}

TEST_CASE("cooling.hall errors point into the scenario") {
  const sim::ParamNode cooling = io::parse_yaml_text(
      "{type: chilled-water, hall: {containment: open-aisle}}", "cooling.yaml", "cooling");
  world::FacilitySections s;
  s.cooling = &cooling;
  // The spec builder reads the hall and points into the file.
  CHECK_THROWS_WITH_AS(world::facility_spec(s, ".", sim::days(1), dgx_design(16)),
                       doctest::Contains("cooling.hall.containment: unknown value 'open-aisle'"),
                       sim::InputError);
}
