// The World on small clusters whose energy can be checked by hand (linear node model: a busy
// node draws max_power, an idle one idle_power, so every total is power × time).
#include <doctest/doctest.h>

#include <string>

#include "build_world.hpp"
#include "io/yaml_params.hpp"
#include "models/world/limits.hpp"
#include "models/world/world.hpp"
#include "sim/error.hpp"

using namespace joule;
using models::world::World;
using models::world::WorldSections;

namespace {

using test::Built;

Built build(const std::string& yaml, sim::Time duration) {
  return test::build_world(yaml, duration, "world.yaml");
}

// Two racks of two nodes, 1 kW idle and 5 kW busy each.
const std::string cluster = R"(cluster:
  racks: {count: 2, nodes_per_rack: 2}
  node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW}
)";

}  // namespace

TEST_CASE("an idle cluster: reads are current without any update call") {
  auto b = build(cluster + "workload: {generator: list, jobs: []}\n", sim::hours(2));
  World& w = *b.world;
  w.run_until(sim::hours(1));
  // 4 nodes × 1 kW × 1 h, read straight after running: nothing to bring up to date by hand.
  CHECK(w.it_energy_j() == doctest::Approx(4 * 1e3 * 3600));
  CHECK(w.racks().size() == 2);
  for (const auto& rack : w.racks()) CHECK(rack.energy_j == doctest::Approx(2 * 1e3 * 3600));
  w.run_until(sim::hours(2));
  CHECK(w.it_energy_j() == doctest::Approx(4 * 1e3 * 7200));
  CHECK(w.peak_it_power_w() == doctest::Approx(4e3));
}

TEST_CASE("one job on two nodes: job, rack and IT energy by hand; one record per node") {
  auto b = build(cluster + R"(workload:
  generator: list
  jobs: [{name: a, submit: 30 min, nodes: 2, duration: 1 h}]
)",
                 sim::hours(2));
  World& w = *b.world;
  w.run_until(sim::hours(1));
  // At 1 h the job runs on nodes 0 and 1 (the lowest free ones, FIFO): rack 0 is busy.
  const auto& state = w.cluster_state();
  CHECK(state.node(0).job == 0);
  CHECK(state.node(1).job == 0);
  CHECK(state.node(2).job == -1);
  CHECK_FALSE(state.node(0).free);
  CHECK(state.node(0).power_w == doctest::Approx(5e3));
  CHECK(state.free_nodes().size() == 2);
  // The job has used 2 × 5 kW for 30 min so far.
  CHECK(w.jobs().at(0).energy_j == doctest::Approx(2 * 5e3 * 1800));
  w.run_until(sim::hours(2));
  const auto& job = w.jobs().at(0);
  CHECK(job.state == models::world::JobState::done);
  CHECK(job.start == sim::minutes(30));
  CHECK(job.end == sim::minutes(90));
  CHECK(job.energy_j == doctest::Approx(2 * 5e3 * 3600));
  // IT: 4 kW idle for 2 h plus 2 × (5 − 1) kW for 1 h; rack 0 carries the job.
  CHECK(w.it_energy_j() == doctest::Approx(4e3 * 7200 + 2 * 4e3 * 3600));
  CHECK(w.racks()[0].energy_j == doctest::Approx(2e3 * 7200 + 2 * 4e3 * 3600));
  CHECK(w.racks()[1].energy_j == doctest::Approx(2e3 * 7200));
  // Invariant: the racks add up to the IT total (no network switches here).
  CHECK(w.racks()[0].energy_j + w.racks()[1].energy_j == doctest::Approx(w.it_energy_j()));
  CHECK(w.peak_it_power_w() == doctest::Approx(2 * 5e3 + 2 * 1e3));
  CHECK(state.node(0).job == -1);
  CHECK(state.node(0).free);
}

TEST_CASE("FIFO: a job that does not fit waits for the one before it") {
  auto b = build(cluster + R"(workload:
  generator: list
  jobs: [{name: a, submit: 0 s, nodes: 3, duration: 1 h},
         {name: b, submit: 10 min, nodes: 2, duration: 1 h}]
)",
                 sim::hours(3));
  World& w = *b.world;
  w.run_until(sim::hours(3));
  const auto& jobs = w.jobs();
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].start == sim::Time::zero());
  CHECK(jobs[1].start == sim::hours(1));  // waited 50 min for two free nodes
  CHECK(jobs[1].end == sim::hours(2));
  // IT: idle 4 kW for 3 h, plus 3 busy nodes for 1 h and 2 for 1 h, at 4 kW above idle each.
  CHECK(w.it_energy_j() == doctest::Approx(4e3 * 3 * 3600 + (3 + 2) * 4e3 * 3600));
}

TEST_CASE("a job larger than the cluster is an input error") {
  CHECK_THROWS_AS(build(cluster + R"(workload:
  generator: list
  jobs: [{name: big, nodes: 5, duration: 1 h}]
)",
                        sim::hours(1)),
                  sim::InputError);
}

TEST_CASE("a job whose end lies past the last representable instant is scheduled never to end") {
  // 292 years (9.21e18 ns) on the nominal clock is at least what reschedule_end() takes for
  // never (9.2e18 ns): the wall time is Time::max(), and added to the job's start at 30 min it
  // would overflow. The end saturates at Time::max(), the instant no run reaches, rather than
  // wrapping to a negative instant (which the simulator refuses as in the past).
  auto b = build(cluster + R"(workload:
  generator: list
  jobs: [{name: a, submit: 30 min, nodes: 2, duration: 292 yr}]
)",
                 sim::hours(3));
  World& w = *b.world;
  w.run_until(sim::hours(2));
  const auto& job = w.jobs().at(0);
  CHECK(job.state == models::world::JobState::running);
  CHECK(job.start == sim::minutes(30));
  CHECK(job.end_event.valid());
  // 2 × 5 kW from 30 min to 2 h.
  CHECK(job.energy_j == doctest::Approx(2 * 5e3 * 5400));
  w.run_until(sim::hours(3));
  CHECK(w.jobs().at(0).state == models::world::JobState::running);
  CHECK(w.jobs().at(0).energy_j == doctest::Approx(2 * 5e3 * 9000));
}

TEST_CASE(
    "a violation account: no excess moves nothing; an excess counts from the call that took it") {
  // A run within its limits sets no excess at every commit: the account returns at once, its
  // instant left behind, which only an excess reads (from the call that took it). Whole watts
  // and seconds: every sum below is exact.
  models::world::ViolationAccount a;
  a.set(sim::seconds(0), 0.0);
  a.set(sim::seconds(10), -5.0);  // below the limit: no excess
  a.set(sim::seconds(20), 100.0);
  a.set(sim::seconds(30), 0.0);  // 100 W for 10 s
  CHECK(a.seconds() == 10.0);
  CHECK(a.energy_j() == 1000.0);
  REQUIRE(a.first().has_value());
  CHECK(*a.first() == sim::seconds(20));
  CHECK(a.peak_excess_w() == 100.0);
  a.set(sim::seconds(40), 0.0);
  a.set(sim::seconds(50), 50.0);
  a.update_to(sim::seconds(55));
  a.set(sim::seconds(60), 0.0);  // 50 W for 10 s, in two parts
  a.update_to(sim::seconds(70));
  CHECK(a.seconds() == 20.0);
  CHECK(a.energy_j() == 1500.0);
  CHECK(*a.first() == sim::seconds(20));
  CHECK(a.peak_excess_w() == 100.0);
}

TEST_CASE("limit commits: nothing over after an excess still ends the excess in its account") {
  // A commit with nothing over and no excess ever returns at once; one with nothing over after
  // an excess must still bring the account's excess to 0. A rack's excess, then a node's, each
  // in a monitor of its own (the other account never holds one). Whole watts and seconds.
  for (const bool rack : {true, false}) {
    CAPTURE(rack);
    models::world::LimitMonitor m;
    m.resize(2, 2);
    const auto set = [&](double w) {
      if (rack)
        m.set_rack_excess(1, w);
      else
        m.set_node_cap_excess(0, w);
    };
    m.commit(sim::seconds(0));  // nothing ever over
    set(100.0);
    m.commit(sim::seconds(10));
    set(0.0);  // nothing over now, but the account holds 100 W
    m.commit(sim::seconds(20));
    m.commit(sim::seconds(30));
    m.update_to(sim::seconds(70));
    const models::world::ViolationAccount& held = rack ? m.rack_limit() : m.gpu_cap();
    const models::world::ViolationAccount& other = rack ? m.gpu_cap() : m.rack_limit();
    CHECK(held.seconds() == 10.0);
    CHECK(held.energy_j() == 1000.0);
    CHECK(held.peak_excess_w() == 100.0);
    CHECK(other.seconds() == 0.0);
  }
}
