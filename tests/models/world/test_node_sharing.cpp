// GPU-granular allocation: jobs smaller than a node share it (node_sharing.hpp). Checked on an
// operation-model DGX H100 cluster whose node power is recomputed here from its parts.
#include <doctest/doctest.h>

#include <string>

#include "build_world.hpp"
#include "io/yaml_params.hpp"
#include "models/compute/node.hpp"
#include "models/world/node_sharing.hpp"
#include "models/world/world.hpp"

using namespace joule;
using models::world::NodeSharing;
using models::world::World;
using models::world::WorldSections;

namespace {

using test::Built;

Built build(const std::string& yaml, sim::Time duration) {
  return test::build_world(yaml, duration, "sharing.yaml");
}

const std::string cluster = R"(cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100}
)";

}  // namespace

TEST_CASE("best fit: a sub-node job goes to the shared node with the fewest free GPUs") {
  NodeSharing s(3, 8);
  CHECK(s.sub_node(1, 4));
  CHECK_FALSE(s.sub_node(1, 8));  // a whole node
  CHECK_FALSE(s.sub_node(2, 4));  // several nodes never share
  CHECK_FALSE(s.fit(1));          // no shared node yet: free nodes are the policy's
  REQUIRE(s.add(0, 10, 2));       // node 0: 6 free
  REQUIRE(s.add(2, 11, 5));       // node 2: 3 free
  CHECK(s.fit(3) == 2u);          // both fit, node 2 is tighter
  CHECK(s.fit(4) == 0u);
  CHECK_FALSE(s.fit(7));
  CHECK_FALSE(s.add(2, 12, 4));  // only 3 free there
  REQUIRE(s.add(2, 12, 3));
  CHECK(s.used(2) == 8);
  CHECK(s.share(2, 11) == doctest::Approx(5.0 / 8.0));
  CHECK(s.share(2, 12) == doctest::Approx(3.0 / 8.0));
  CHECK(s.fit(1) == 0u);  // node 2 is full
  s.remove(2, 11);
  CHECK(s.used(2) == 3);
  CHECK(s.share(2, 12) == doctest::Approx(1.0));
}

TEST_CASE("two 4-GPU jobs share one 8-GPU node: one node busy, its power that of 8 busy GPUs") {
  auto b = build(cluster + R"(workload:
  generator: list
  jobs: [{name: a, submit: 0 s, gpus: 4, duration: 1 h, mfu: 0.4},
         {name: b, submit: 0 s, gpus: 4, duration: 1 h, mfu: 0.4}]
)",
                 sim::hours(2));
  World& w = *b.world;
  w.run_until(sim::minutes(30));
  const auto& state = w.cluster_state();
  const auto& jobs = w.jobs();
  REQUIRE(jobs.size() == 2);
  REQUIRE(jobs[0].nodes.size() == 1);
  REQUIRE(jobs[1].nodes.size() == 1);
  CHECK(jobs[0].nodes[0] == 0u);
  CHECK(jobs[1].nodes[0] == 0u);  // the same node
  CHECK_FALSE(state.node(0).free);
  CHECK(state.node(1).free);  // the other node stays free for whole-node work
  CHECK(state.free_nodes().size() == 1);

  // By hand: the node's accelerators are 8 busy ones, each at the accelerator's power for the
  // jobs' rates; host utilisations add up to those of 8 busy accelerators.
  const auto& model = w.node_model();
  const double inlet = state.rack_inlet_c(0);
  const auto& rates = jobs[0].load.per_accelerator;
  const double busy_w = model.accelerator().evaluate(rates, inlet, true).power_w;
  CHECK(state.node(0).accelerators_w == doctest::Approx(8 * busy_w));
  models::compute::NodeLoad eight = jobs[0].load;
  eight.busy_accelerators = 8;
  const auto host = models::compute::host_load(*model.spec().type, 8, rates);
  eight.cpu_util = host.cpu;
  eight.nic_util = host.nic;
  const auto whole = model.evaluate(eight, inlet);
  CHECK(whole.accelerators_w == doctest::Approx(8 * busy_w));
  CHECK(state.node(0).power_w == doctest::Approx(whole.wall_w));
  CHECK(state.node(0).power_w == doctest::Approx(whole.dc_w() + whole.psu_loss_w));
  // The idle node draws the idle node power.
  CHECK(state.node(1).power_w == doctest::Approx(model.idle(inlet).wall_w));

  // Each job is charged half the node; the jobs' energies add up to the node's busy energy.
  CHECK(jobs[0].power_w == doctest::Approx(whole.wall_w / 2));
  CHECK(jobs[1].power_w == doctest::Approx(whole.wall_w / 2));
  CHECK(jobs[0].energy_j + jobs[1].energy_j == doctest::Approx(whole.wall_w * 1800).epsilon(1e-6));
  CHECK(jobs[0].accelerators_w == doctest::Approx(4 * busy_w));

  w.run_until(sim::hours(2));
  CHECK(jobs[0].state == models::world::JobState::done);
  CHECK(jobs[1].state == models::world::JobState::done);
  CHECK(state.node(0).free);
  CHECK(state.node(0).job == -1);
  CHECK(state.node(0).power_w == doctest::Approx(model.idle(inlet).wall_w));
}

TEST_CASE("a 1-GPU job powers one GPU; the next job that does not fit takes another node") {
  auto b = build(cluster + R"(workload:
  generator: list
  jobs: [{name: one, submit: 0 s, gpus: 1, duration: 2 h, mfu: 0.4},
         {name: four, submit: 10 min, gpus: 4, duration: 1 h, mfu: 0.4},
         {name: four-more, submit: 20 min, gpus: 4, duration: 1 h, mfu: 0.4}]
)",
                 sim::hours(3));
  World& w = *b.world;
  w.run_until(sim::minutes(5));
  const auto& state = w.cluster_state();
  const auto& model = w.node_model();
  const double inlet = state.rack_inlet_c(0);
  const auto& jobs = w.jobs();
  const double busy_w =
      model.accelerator().evaluate(jobs[0].load.per_accelerator, inlet, true).power_w;
  const double idle_w = model.accelerator().idle(inlet).power_w;
  // One busy GPU and seven idle ones.
  CHECK(state.node(0).accelerators_w == doctest::Approx(busy_w + 7 * idle_w));
  CHECK(busy_w > 2 * idle_w);

  w.run_until(sim::minutes(25));
  REQUIRE(jobs.size() == 3);
  CHECK(jobs[1].nodes == std::vector<std::uint32_t>{0});  // 7 free GPUs on node 0
  CHECK(jobs[2].nodes == std::vector<std::uint32_t>{1});  // 3 left there: a new node
  CHECK(state.node(0).accelerators_w == doctest::Approx(5 * busy_w + 3 * idle_w));
  // Shares by GPUs held: 1/5 and 4/5 of node 0.
  CHECK(jobs[0].power_w == doctest::Approx(state.node(0).power_w / 5));
  CHECK(jobs[1].power_w == doctest::Approx(state.node(0).power_w * 4 / 5));

  // When `four` ends (at 70 min), `one` has node 0 alone again and is charged all of it.
  w.run_until(sim::minutes(75));
  CHECK(jobs[1].state == models::world::JobState::done);
  CHECK(jobs[0].state == models::world::JobState::running);
  CHECK(state.node(0).accelerators_w == doctest::Approx(busy_w + 7 * idle_w));
  CHECK(jobs[0].power_w == doctest::Approx(state.node(0).power_w));
  // Energy is conserved: the IT energy is the nodes' (no switches here).
  w.run_until(sim::hours(3));
  double jobs_j = 0;
  for (const auto& j : jobs) jobs_j += j.energy_j;
  CHECK(jobs_j < w.it_energy_j());
  CHECK(w.racks()[0].energy_j == doctest::Approx(w.it_energy_j()));
}

TEST_CASE("shared nodes under a rack power limit: the limit holds, energy adds up") {
  // Two DGX H100 (idle ~3.9 kW each) under a 12 kW rack limit; sub-node jobs of 1, 2, 3 and 4
  // GPUs arrive together and pack onto node 0 (1+2+3 = 6, then 4 does not fit: node 1).
  auto b = build(R"(cluster:
  racks: {count: 1, nodes_per_rack: 2, power_limit: 12 kW}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs: [{name: a, submit: 0 s, gpus: 1, duration: 1 h, mfu: 0.6},
         {name: b, submit: 0 s, gpus: 2, duration: 2 h, mfu: 0.6},
         {name: c, submit: 0 s, gpus: 3, duration: 1 h, mfu: 0.6},
         {name: d, submit: 0 s, gpus: 4, duration: 1 h, mfu: 0.6}]
)",
                 sim::hours(4));
  World& w = *b.world;
  w.run_until(sim::minutes(30));
  const auto& jobs = w.jobs();
  const auto& state = w.cluster_state();
  REQUIRE(jobs.size() == 4);
  CHECK(jobs[0].nodes == std::vector<std::uint32_t>{0});
  CHECK(jobs[1].nodes == std::vector<std::uint32_t>{0});
  CHECK(jobs[2].nodes == std::vector<std::uint32_t>{0});
  CHECK(jobs[3].nodes == std::vector<std::uint32_t>{1});
  // The rack is held to its limit (or to what caps at the lowest clock allow).
  CHECK(state.rack_power_w(0) <= 12e3 * (1 + 1e-6));
  // Jobs on node 0 are charged by GPUs held: 1/6, 2/6, 3/6 of it.
  CHECK(jobs[0].power_w == doctest::Approx(state.node(0).power_w / 6));
  CHECK(jobs[2].power_w == doctest::Approx(state.node(0).power_w / 2));
  w.run_until(sim::hours(4));
  for (const auto& j : jobs) CHECK(j.state == models::world::JobState::done);
  // Node 0 ran jobs for 2 h, node 1 for 1 h; the jobs' energies stay below the IT energy, which
  // is the rack's.
  double jobs_j = 0;
  for (const auto& j : jobs) jobs_j += j.energy_j;
  CHECK(jobs_j < w.it_energy_j());
  CHECK(w.racks()[0].energy_j == doctest::Approx(w.it_energy_j()));
  CHECK(state.node(0).free);
  CHECK(state.node(1).free);
}
