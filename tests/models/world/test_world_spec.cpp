// world_spec(): the scenario's sections read into the typed WorldSpec the World is built from.
// Every check on the input happens here, before a World exists, and points into the file.
#include <doctest/doctest.h>

#include <string>

#include "io/yaml_params.hpp"
#include "models/network/topology.hpp"
#include "models/world/world.hpp"
#include "models/world/world_spec.hpp"
#include "sim/error.hpp"
#include "sim/input_files.hpp"

using namespace joule;
using models::world::WorldSections;
using models::world::WorldSpec;

namespace {

WorldSections sections(const sim::ParamNode& root) {
  WorldSections s;
  s.cluster = root.find("cluster");
  s.workload = root.find("workload");
  s.scheduler = root.find("scheduler");
  s.facility.cooling = root.find("cooling");
  s.duration = sim::hours(1);
  return s;
}

const std::string jobs = "workload: {generator: list, jobs: []}\n";

}  // namespace

TEST_CASE("the spec carries the sized facility, the topology and the policy") {
  const sim::ParamNode root = io::parse_yaml_text(R"(cluster:
  racks: {count: 2, nodes_per_rack: 4}
  node: {type: dgx-h100}
  network: {type: fat-tree, radix: 64}
cooling: {type: chilled-water}
scheduler: {policy: energy-packing}
)" + jobs,
                                                  "spec.yaml");
  WorldSpec spec = models::world::world_spec(sections(root), 7, ".");
  CHECK(spec.seed == 7);
  CHECK(spec.cluster.node_count() == 8);
  // Nameplate sizing: 8 DGX H100 at their 10.2 kW system maximum, 64 H100 at 700 W TDP.
  CHECK(spec.design.it_w == doctest::Approx(8 * 10.2e3));
  CHECK(spec.design.chip_heat_w == doctest::Approx(64 * 700.0));
  CHECK(spec.design.racks == 2);
  CHECK(spec.design.rack_design_power_w == doctest::Approx(4 * 10.2e3));
  REQUIRE(spec.network.size() == 1);
  CHECK(spec.network.topology(0).host_count() >= 64);
  REQUIRE(spec.facility.plant != nullptr);
  CHECK(spec.facility.hall.has_value());  // an air plant gets a data hall
  CHECK_FALSE(spec.facility.has_site);
  CHECK(spec.scheduler.policy_name == "energy-packing");
  REQUIRE(spec.workload.generator != nullptr);
  REQUIRE(spec.workload.probe != nullptr);
  // The World takes the spec whole.
  const models::world::World world(std::move(spec));
  CHECK(world.node_count() == 8);
  CHECK(world.facility().has_cooling());
}

TEST_CASE("world_spec rejects bad input at its place in the file") {
  SUBCASE("a network with fewer host ports than accelerators") {
    const sim::ParamNode root = io::parse_yaml_text(R"(cluster:
  racks: {count: 2, nodes_per_rack: 4}
  node: {type: dgx-h100}
  network: {type: fat-tree, radix: 4}
)" + jobs,
                                                    "spec.yaml");
    CHECK_THROWS_WITH_AS(models::world::world_spec(sections(root), 1, "."),
                         doctest::Contains("fewer than the cluster's 64 accelerators"),
                         sim::InputError);
    CHECK_THROWS_WITH_AS(models::world::world_spec(sections(root), 1, "."),
                         doctest::Contains("spec.yaml:4:"), sim::InputError);
  }
  SUBCASE("no workload") {
    const sim::ParamNode root = io::parse_yaml_text(
        "cluster: {racks: {count: 1, nodes_per_rack: 1}, node: {type: dgx-h100}}\n", "spec.yaml");
    CHECK_THROWS_WITH_AS(models::world::world_spec(sections(root), 1, "."),
                         doctest::Contains("missing required section 'workload'"), sim::InputError);
  }
  SUBCASE("a policy key out of range, read by the policy's factory") {
    const sim::ParamNode root = io::parse_yaml_text(
        "cluster: {racks: {count: 1, nodes_per_rack: 1}, node: {type: dgx-h100}}\n"
        "scheduler: {policy: power-budget, limit: 1 MW, from: 2 h, until: 1 h}\n" +
            jobs,
        "spec.yaml");
    CHECK_THROWS_WITH_AS(models::world::world_spec(sections(root), 1, "."),
                         doctest::Contains("spec.yaml:2:"), sim::InputError);
  }
}

TEST_CASE("world_spec reads the site's files, then the workload's, as the world used to") {
  // The provenance lists input files in the order of their first read; building the spec
  // keeps the order the World had when it read them itself (site, then workload), so outputs
  // stay byte-identical.
  const std::string dir = std::string(JOULE_SOURCE_DIR) + "/scenarios";
  const sim::ParamNode root = io::parse_yaml_text(
      "cluster: {racks: {count: 4, nodes_per_rack: 8}, node: {type: dgx-h100}}\n"
      "site: {weather: data/weather/USA_VA_Leesburg.Exec.epw}\n"
      "workload: {generator: trace, file: traces/synthetic_sample.csv, cpu_jobs: skip}\n",
      dir + "/order.yaml");
  WorldSections s = sections(root);
  s.facility.site = root.find("site");
  const sim::InputCapture inputs;
  const WorldSpec spec = models::world::world_spec(s, 1, dir);
  REQUIRE(inputs.files().size() == 2);
  CHECK(inputs.files()[0].path.find("Leesburg") != std::string::npos);
  CHECK(inputs.files()[1].path.find("synthetic_sample.csv") != std::string::npos);
  CHECK(spec.facility.has_site);
  REQUIRE(spec.facility.site != nullptr);
}
