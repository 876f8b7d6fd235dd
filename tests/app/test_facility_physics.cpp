// Facility physics across models: warm-water liquid cooling reaching the dies, and every watt
// of loss heat landing in a cooled space.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "app/run.hpp"
#include "app/scenario.hpp"
#include "io/yaml_params.hpp"
#include "models/compute/accelerator_catalog.hpp"
#include "models/compute/node.hpp"
#include "models/world/facility.hpp"
#include "models/world/world.hpp"

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

TEST_CASE("a small open-aisle hall: thermal-aware puts a job mid-row, FIFO at the row end") {
  // One row of 4 racks × 1 DGX H100 (linear model: 1 kW idle, 9 kW busy), open aisles,
  // chilled-water CRAHs at 22 degC supply. Server airflow per rack W = 10.2 kW nameplate / 12 K
  // = 850 W/K. Recirculation r = 0.08 + 0.17·u², u = |2k/3 − 1|: 0.25 at the ends (k = 0, 3),
  // 0.08 + 0.17/9 = 0.09889 in the middle. Steady inlet: 22 + r/(1 − r) · P/W.
  const auto run = [](const std::string& policy) {
    const std::string yaml = R"(cluster:
  racks: {count: 4, nodes_per_rack: 1}
  node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 9 kW}
workload: {generator: list, jobs: [{name: a, submit: 0 s, nodes: 1, duration: 3 h}]}
scheduler: {policy: )" + policy +
                             R"(}
cooling: {type: chilled-water, hall: {containment: none, racks_per_row: 4}}
site: {dry_bulb: 20 degC}
)";
    auto root = std::make_shared<sim::ParamNode>(io::parse_yaml_text(yaml, "hall.yaml"));
    world::WorldSections s;
    s.cluster = root->find("cluster");
    s.workload = root->find("workload");
    s.scheduler = root->find("scheduler");
    s.facility.cooling = root->find("cooling");
    s.facility.site = root->find("site");
    s.duration = sim::hours(3);
    auto w = std::make_unique<world::World>(world::world_spec(s, 1, "."));
    w->run_until(sim::hours(2));  // the racks' time constant is C/W = 330 kJ/K / 850 W/K = 6.5 min
    return std::pair{root, std::move(w)};
  };
  const double w_per_k = 10.2e3 / 12.0;
  const double end = 0.25 / 0.75, mid = 0.098889 / (1 - 0.098889);
  const auto [fifo_yaml, fifo] = run("fifo");
  const auto [cool_yaml, cool] = run("thermal-aware");
  REQUIRE(fifo->cluster_state().node(0).job == 0);  // lowest id: rack 0, a row end
  REQUIRE(cool->cluster_state().node(1).job == 0);  // least recirculation: rack 1 (tie with 2)
  const world::Facility& ff = fifo->facility();
  const world::Facility& cf = cool->facility();
  CHECK(ff.inlet_rise_k_per_w(0) == doctest::Approx(end / w_per_k));
  CHECK(ff.inlet_rise_k_per_w(1) == doctest::Approx(mid / w_per_k).epsilon(1e-4));
  // FIFO: 22 + (1/3) · 9000/850 = 25.53 degC at rack 0; thermal-aware: 22 + 0.1097 · 9000/850
  // = 23.16 degC at rack 1, and the idle row ends at 22 + (1/3) · 1000/850 = 22.39 degC.
  CHECK(ff.inlet_c(0) == doctest::Approx(22 + end * 9e3 / w_per_k).epsilon(1e-3));
  CHECK(cf.inlet_c(1) == doctest::Approx(22 + mid * 9e3 / w_per_k).epsilon(1e-3));
  CHECK(cf.inlet_c(0) == doctest::Approx(22 + end * 1e3 / w_per_k).epsilon(1e-3));
  CHECK(ff.max_inlet_c() == doctest::Approx(25.53).epsilon(1e-3));
  CHECK(cf.max_inlet_c() == doctest::Approx(23.16).epsilon(1e-3));
  MESSAGE("max inlet: fifo " << ff.max_inlet_c() << " degC, thermal-aware " << cf.max_inlet_c()
                             << " degC");
}

TEST_CASE("thermal-aware placement changes the hottest rack inlet against FIFO (open aisles)") {
  const auto run_policy = [](const std::string& scenario, const std::string& policy) {
    const auto dir =
        std::filesystem::temp_directory_path() /
        ("joule-test-thermal-" + scenario + "-" + policy + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    app::LoadOptions load;
    load.sets = {"duration=2 d", "scheduler.policy=" + policy};
    const auto sc = app::load_scenario(
        std::string(JOULE_SOURCE_DIR) + "/scenarios/policies/" + scenario + ".yaml", load);
    app::RunOptions opt;
    opt.output = (dir / "run.h5").string();
    opt.force = true;
    auto values = app::run(sc, opt).values;
    std::filesystem::remove_all(dir);
    return values;
  };
  // The policy comparison's job stream: the hottest inlet, averaged over time. FIFO fills racks
  // in order, row ends first (25 % recirculation there); thermal-aware fills the cool middles of
  // the rows first. The peak is the same: when the hall fills, the row ends hold work anyway.
  const auto fifo = run_policy("thermal", "fifo");
  const auto cool = run_policy("thermal", "thermal-aware");
  const double fifo_c = *fifo.at("mean_max_inlet_c");
  const double cool_c = *cool.at("mean_max_inlet_c");
  MESSAGE("thermal.yaml, hottest rack inlet, time average: fifo "
          << fifo_c << " degC, thermal-aware " << cool_c << " degC; peak: fifo "
          << *fifo.at("max_inlet_c") << ", thermal-aware " << *cool.at("max_inlet_c"));
  CHECK(fifo_c - cool_c > 0.5);
  CHECK(*fifo.at("max_inlet_c") >= fifo_c);
  // A hall a quarter empty (thermal-headroom.yaml, 96 of 128 nodes busy): the peak itself falls.
  // 22 degC supply + r/(1 − r) · P/W, P/W = 29.66 kW / (40.8 kW / 12 K) = 8.72 K: FIFO's row end
  // (r = 0.25) 22 + 8.72/3 = 24.91 degC; thermal-aware's hottest rack, the third from a row end
  // (r = 0.08 + 0.17 · (11/15)² = 0.1714), 22 + 0.2068 · 8.72 = 23.80 degC.
  const auto fifo_spare = run_policy("thermal-headroom", "fifo");
  const auto cool_spare = run_policy("thermal-headroom", "thermal-aware");
  MESSAGE("thermal-headroom.yaml, peak rack inlet: fifo " << *fifo_spare.at("max_inlet_c")
                                                          << " degC, thermal-aware "
                                                          << *cool_spare.at("max_inlet_c"));
  CHECK(*fifo_spare.at("max_inlet_c") == doctest::Approx(24.91).epsilon(2e-3));
  CHECK(*cool_spare.at("max_inlet_c") == doctest::Approx(23.80).epsilon(2e-3));
}

TEST_CASE("on-site PV: export losses apart from the PUE, renewable energy factor") {
  const auto run_with = [](const std::string& name, std::vector<std::string> sets) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("joule-test-pv-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    app::LoadOptions load;
    load.sets = std::move(sets);
    load.sets.push_back("duration=2 d");
    const auto sc = app::load_scenario("", load);
    app::RunOptions opt;
    opt.output = (dir / "run.h5").string();
    opt.force = true;
    auto values = app::run(sc, opt).values;
    std::filesystem::remove_all(dir);
    return values;
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
