// Cooling zones (world/facility.hpp): a pool with its own `cooling` has its own plant and data
// hall. On a cluster checkable by hand — one rack of two H100 nodes (hopper: 1 kW idle) and one
// rack of two B200 nodes (blackwell: 2 kW idle), on the linear node model, idle — every zone's
// IT is a constant, so the plants' energy is power × time.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>

#include "io/yaml_params.hpp"
#include "models/world/world.hpp"
#include "sim/error.hpp"

using namespace joule;
using models::world::World;

namespace {

struct Built {
  sim::ParamNode root;
  std::unique_ptr<World> world;
};

// The scenario's cluster, workload, site, power_chain and cooling sections.
Built build(const std::string& yaml, sim::Time duration = sim::hours(1)) {
  Built b{io::parse_yaml_text(yaml, "zones.yaml"), nullptr};
  models::world::WorldSections s;
  s.cluster = b.root.find("cluster");
  s.workload = b.root.find("workload");
  s.facility.power_chain = b.root.find("power_chain");
  s.facility.cooling = b.root.find("cooling");
  s.facility.site = b.root.find("site");
  s.duration = duration;
  b.world = std::make_unique<World>(models::world::world_spec(s, 1, "."));
  return b;
}

// Two pools; `hopper` and `blackwell` are appended to each pool's map (e.g. its cooling), `rest`
// after the cluster (cooling, power_chain), `node` to both nodes' maps. No jobs: every node
// idles.
std::string scenario(const std::string& hopper, const std::string& blackwell,
                     const std::string& rest = "", const std::string& node = "") {
  return R"(cluster:
  pools:
    - {name: hopper, node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW)" +
         node + R"(},
       racks: {count: 1, nodes_per_rack: 2})" +
         hopper + R"(}
    - {name: blackwell, node: {type: hgx-b200, model: linear, idle_power: 2 kW, max_power: 9 kW)" +
         node + R"(},
       racks: {count: 1, nodes_per_rack: 2})" +
         blackwell + R"(}
workload: {generator: list, jobs: []}
)" + rest;
}

std::string expect_error(const std::string& yaml) {
  try {
    build(yaml);
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "";
}

const double hopper_w = 2 * 1e3, blackwell_w = 2 * 2e3;  // idle IT of each pool

}  // namespace

TEST_CASE("cooling zones: two fixed-PUE pools cost 0.2 IT_A + 0.5 IT_B, and PUE is their ratio") {
  auto b = build(
      scenario(", cooling: {type: fixed-pue, pue: 1.2}", ", cooling: {type: fixed-pue, pue: 1.5}"));
  World& w = *b.world;
  w.run_until(sim::hours(1));
  const auto& t = w.facility_totals();
  // No power chain: facility = IT + cooling; both pools idle for the whole hour.
  const double it_j = (hopper_w + blackwell_w) * 3600;
  const double cooling_j = (0.2 * hopper_w + 0.5 * blackwell_w) * 3600;  // 1.44e6 + 7.2e6 J
  CHECK(t.it_j == doctest::Approx(it_j));
  CHECK(t.cooling_j == doctest::Approx(cooling_j).epsilon(1e-12));
  CHECK(t.facility_j / t.it_j == doctest::Approx((it_j + cooling_j) / it_j).epsilon(1e-12));
  // Every watt ends outdoors through one of the two plants.
  CHECK(t.heat_rejected_j == doctest::Approx(t.facility_j).epsilon(1e-12));
  const auto zones = w.facility().zone_totals();
  REQUIRE(zones.size() == 2);
  CHECK(zones[0].name == "hopper");
  CHECK(zones[1].name == "blackwell");
  CHECK(zones[0].racks == 1);
  CHECK(zones[0].it_j == doctest::Approx(hopper_w * 3600));
  CHECK(zones[1].it_j == doctest::Approx(blackwell_w * 3600));
  CHECK(zones[0].cooling_j == doctest::Approx(0.2 * hopper_w * 3600).epsilon(1e-12));
  CHECK(zones[1].cooling_j == doctest::Approx(0.5 * blackwell_w * 3600).epsilon(1e-12));
  // The zones add up to the facility's plant energy, component by component.
  CHECK(zones[0].component_j[1] + zones[1].component_j[1] == doctest::Approx(t.component_j[1]));
}

TEST_CASE("cooling zones: a pool without its own cooling is cooled by the top-level plant") {
  auto b = build(scenario("", ", cooling: {type: fixed-pue, pue: 1.5}",
                          "cooling: {type: fixed-pue, pue: 1.2}\n"));
  World& w = *b.world;
  w.run_until(sim::hours(1));
  const auto zones = w.facility().zone_totals();
  REQUIRE(zones.size() == 2);
  CHECK(zones[0].name.empty());  // the shared zone comes first
  CHECK(zones[1].name == "blackwell");
  CHECK(w.facility_totals().cooling_j ==
        doctest::Approx((0.2 * hopper_w + 0.5 * blackwell_w) * 3600).epsilon(1e-12));

  // Without any pool cooling there is one zone, serving both racks.
  auto one = build(scenario("", "", "cooling: {type: fixed-pue, pue: 1.2}\n"));
  one.world->run_until(sim::hours(1));
  REQUIRE(one.world->facility().zone_count() == 1);
  CHECK(one.world->facility_totals().cooling_j ==
        doctest::Approx(0.2 * (hopper_w + blackwell_w) * 3600).epsilon(1e-12));
}

TEST_CASE("cooling zones: a liquid pool's nodes run on its coolant, the air pool's do not") {
  // Both pools' nodes on cold plates; only the blackwell pool has a liquid plant.
  auto b = build(scenario("", ", cooling: {type: liquid, facility_supply: 32 degC}",
                          "cooling: {type: chilled-water}\n", ", cooling: cold-plate"));
  World& w = *b.world;
  const auto& pools = w.cluster().pools;
  // The coolant is the facility water plus the CDU approach (liquid_cooling.hpp): 32 + 3 degC.
  REQUIRE(pools[1].node.coolant_c.has_value());
  CHECK(*pools[1].node.coolant_c == doctest::Approx(35.0));
  CHECK_FALSE(pools[0].node.coolant_c.has_value());
  CHECK_FALSE(w.cluster().node.coolant_c.has_value());  // the first pool's node, as pool 0
  // The H100 pool keeps its catalog fans; the B200 node, designed for air, keeps only those its
  // residual air heat needs.
  CHECK(pools[0].node.fan_max_w == doctest::Approx(pools[0].node.type->fan_max_w.value));
  CHECK(pools[1].node.fan_max_w < pools[1].node.type->fan_max_w.value);

  // Energy and heat close: every watt drawn ends outdoors (facility = IT + chain + cooling).
  w.run_until(sim::hours(2));
  const auto& t = w.facility_totals();
  CHECK(t.heat_rejected_j == doctest::Approx(t.facility_j).epsilon(1e-6));
  const auto zones = w.facility().zone_totals();
  REQUIRE(zones.size() == 2);
  CHECK(zones[0].cooling_j + zones[1].cooling_j == doctest::Approx(t.cooling_j).epsilon(1e-12));
  CHECK(zones[0].it_j + zones[1].it_j == doctest::Approx(t.it_j).epsilon(1e-12));
  // The liquid zone rejects its captured heat through dry coolers; the air zone has none.
  const auto dry_coolers = static_cast<std::size_t>(models::cooling::Component::dry_coolers);
  CHECK(zones[1].component_j[dry_coolers] > 0.0);
  CHECK(zones[0].component_j[dry_coolers] == 0.0);
}

TEST_CASE("cooling zones: a pool's plant that falls short is named in the over-capacity report") {
  // 25 degC facility water on a 52 degC day: the dry coolers (and their evaporative assist, to
  // the wet bulb) cannot bring the water down; the shared fixed-PUE zone always keeps up.
  auto b = build(scenario("", ", cooling: {type: liquid, facility_supply: 25 degC}",
                          "cooling: {type: fixed-pue, pue: 1.2}\nsite: {dry_bulb: 52 degC}\n",
                          ", cooling: cold-plate"));
  World& w = *b.world;
  w.run_until(sim::hours(1));
  const auto& report = w.facility().over_capacity();
  REQUIRE(report.has_value());
  CHECK(report->component == "dry_coolers of pool 'blackwell'");
  const auto zones = w.facility().zone_totals();
  CHECK(zones[0].unmet_heat_j == 0.0);
  CHECK(zones[1].unmet_heat_j > 0.0);
  CHECK(zones[1].unmet_heat_j == doctest::Approx(w.facility_totals().unmet_heat_j));
}

TEST_CASE("cooling zones: the set-point controller moves every zone's plant") {
  auto b =
      build(scenario("", ", cooling: {type: chilled-water}", "cooling: {type: chilled-water}\n"));
  World& w = *b.world;
  w.run_until(sim::hours(1));
  const double before_0 = w.facility().inlet_c(0), before_1 = w.facility().inlet_c(1);
  const double supply_c = w.facility().cooling_setpoints().supply_air_c;
  REQUIRE(std::isfinite(supply_c));
  models::cooling::Setpoints want;
  want.supply_air_c = supply_c - 3.0;
  CHECK(w.set_cooling_setpoints(want).supply_air_c == doctest::Approx(supply_c - 3.0));
  w.run_until(sim::hours(3));
  // Idle racks: each inlet is its hall's supply plus a constant recirculation rise, so both
  // halls' inlets follow the supply down by 3 K.
  CHECK(w.facility().inlet_c(0) == doctest::Approx(before_0 - 3.0).epsilon(0.01));
  CHECK(w.facility().inlet_c(1) == doctest::Approx(before_1 - 3.0).epsilon(0.01));
}

TEST_CASE("cooling zones: bad pool cooling is an error in the scenario") {
  // An undeclared key inside a pool's cooling points to its line and column.
  const std::string bad =
      expect_error(scenario("", ", cooling: {type: fixed-pue, pue: 1.5, poo: 2}",
                            "cooling: {type: fixed-pue, pue: 1.2}\n"));
  CHECK(bad.find("zones.yaml:6:") != std::string::npos);
  CHECK(bad.find("poo") != std::string::npos);
  // A pool left without a plant when there is no top-level `cooling`.
  const std::string orphan = expect_error(scenario("", ", cooling: {type: fixed-pue, pue: 1.5}"));
  CHECK(orphan.find("pool 'hopper' has no cooling") != std::string::npos);
  CHECK(orphan.find("zones.yaml:6:") != std::string::npos);
  // A top-level `cooling` that every pool overrides would serve no rack.
  const std::string unused =
      expect_error(scenario(", cooling: {type: fixed-pue, pue: 1.2}",
                            ", cooling: {type: fixed-pue, pue: 1.5}", "cooling: {type: air}\n"));
  CHECK(unused.find("would serve no rack") != std::string::npos);
  CHECK(unused.find("zones.yaml:8:") != std::string::npos);
}
