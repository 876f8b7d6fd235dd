// Preemptible jobs moved at checkpoints, in the World, on clusters one can check by hand: a move
// costs exactly its restart time at idle on the new nodes, loses no work, and only preemptible
// jobs at a checkpoint move (models/workload/preemptible.hpp, SchedulerContext::migrate).
#include <doctest/doctest.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "build_world.hpp"
#include "models/world/kpi.hpp"
#include "models/world/world.hpp"
#include "sim/error.hpp"

using namespace joule;
using models::world::World;

namespace {

// A KPI of the world as it stands (models/world/kpis.cpp).
std::optional<double> kpi(const World& w, const std::string& name) {
  for (const auto& [key, value] : models::world::compute_kpis({w, {}, w.simulator().now()}))
    if (key == name) return value;
  FAIL("no KPI " << name);
  return std::nullopt;
}

test::Built build(const std::string& yaml, sim::Time duration) {
  return test::build_world(yaml, duration, "migration.yaml");
}

// 2 racks × 2 nodes, linear model: 1 kW idle, 5 kW busy.
const std::string cluster = R"(cluster:
  racks: {count: 2, nodes_per_rack: 2}
  node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW}
)";

// p: 2 nodes for 2 h, a checkpoint every 30 min, restart 10 min; q: the same, not preemptible.
const std::string two_jobs = cluster + R"(workload:
  generator: list
  jobs:
    - {name: p, nodes: 2, duration: 2 h, preemptible: {restart: 10 min, checkpoint_every: 30 min}}
    - {name: q, submit: 1 h, nodes: 1, duration: 10 min}
)";

}  // namespace

TEST_CASE("a preemptible job that is not moved runs as a rigid one") {
  auto b = build(two_jobs, sim::hours(3));
  World& w = *b.world;
  w.run_until(sim::hours(3));
  const auto& p = w.jobs().at(0);
  CHECK(p.request.preemptible);
  CHECK(p.end == sim::hours(2));  // the four 30-min blocks end where one 2-h activity would
  CHECK(p.energy_j == doctest::Approx(2 * 5e3 * 7200));
  CHECK(p.checkpoint_at == sim::minutes(90));               // the last boundary before its end
  CHECK(w.jobs().at(1).checkpoint_at == sim::Time::max());  // q is not preemptible
  CHECK(kpi(w, "job_moves") == 0.0);                        // a preemptible job, never moved
  CHECK(!kpi(w, "job_resizes").has_value());                // no elastic job: no value, not 0
}

TEST_CASE("a move at a checkpoint costs exactly the restart time, at idle, and loses no work") {
  auto b = build(two_jobs, sim::hours(3));
  World& w = *b.world;
  w.run_until(sim::minutes(30));
  const auto& p = w.jobs().at(0);
  REQUIRE(p.checkpoint_at == sim::minutes(30));
  CHECK(p.nodes == std::vector<std::uint32_t>{0, 1});
  w.control().migrate(p, {2, 3});
  CHECK(p.nodes == std::vector<std::uint32_t>{2, 3});
  CHECK(p.reconfiguring);
  const auto& state = w.cluster_state();
  CHECK(state.node(0).free);
  CHECK(state.node(2).job == 0);
  CHECK(w.it_power_w() == doctest::Approx(4 * 1e3));  // all four idle during the restart
  w.run_until(sim::hours(3));
  // 30 min done, 10 min restart, the remaining 90 min: 2 h 10 min.
  CHECK(p.end == sim::minutes(130));
  // The job: 2 nodes × 5 kW × 2 h of work + 2 idle nodes × 1 kW × 600 s of restart.
  CHECK(p.energy_j == doctest::Approx(2 * 5e3 * 7200 + 2 * 1e3 * 600));
  // q (1 h, one node) started on a free node of rack 0 and ran 10 min at 5 kW.
  const auto& q = w.jobs().at(1);
  CHECK(q.start == sim::hours(1));
  CHECK(q.energy_j == doctest::Approx(5e3 * 600));
  // Conservation: IT = the jobs + idle nodes: racks 1's nodes for 30 min, rack 0's from 30 min
  // to 3 h less q's 10 min, rack 1's from 2 h 10 min to 3 h.
  const double idle_j = 1e3 * (2 * 1800 + (2 * 9000 - 600) + 2 * 3000);
  CHECK(w.it_energy_j() == doctest::Approx(p.energy_j + q.energy_j + idle_j));
  // The move is counted: one job moved once.
  CHECK(p.moves == 1);
  CHECK(kpi(w, "job_moves") == 1.0);
}

TEST_CASE("only a preemptible job at a checkpoint moves, to as many free nodes") {
  auto b = build(two_jobs, sim::hours(3));
  World& w = *b.world;
  w.run_until(sim::minutes(40));  // between two checkpoints
  const auto& p = w.jobs().at(0);
  CHECK_THROWS_AS(w.control().migrate(p, {2, 3}), std::logic_error);
  w.run_until(sim::minutes(60));  // at one; q has just arrived and runs on node 2
  REQUIRE(p.checkpoint_at == sim::minutes(60));
  const auto& q = w.jobs().at(1);
  REQUIRE(q.nodes == std::vector<std::uint32_t>{2});
  CHECK_THROWS_AS(w.control().migrate(p, {2, 3}), std::logic_error);  // node 2 is busy
  CHECK_THROWS_AS(w.control().migrate(p, {3}), std::logic_error);     // fewer nodes
  CHECK_THROWS_AS(w.control().migrate(p, {3, 3}), std::logic_error);  // not distinct
  CHECK_THROWS_AS(w.control().migrate(p, {1, 9}), std::logic_error);  // no node 9
  CHECK_THROWS_AS(w.control().migrate(q, {3}), std::logic_error);     // not preemptible
  w.control().migrate(p, {1, 3});                                     // keeps node 1, takes node 3
  CHECK(p.nodes == std::vector<std::uint32_t>{1, 3});
  CHECK(w.cluster_state().node(0).free);
}

TEST_CASE("load-balance moves a throttled preemptible job at its checkpoint, never a rigid one") {
  // 3 racks × 2 DGX H100; racks 0 and 1 limited to 9 kW, below two idle nodes plus a busy one,
  // so a job there is power-capped. `early` holds rack 2 (the most power headroom) until 45 min;
  // p (preemptible, a checkpoint every hour of its nominal clock) and f (rigid) then spread over
  // racks 0 and 1 and run throttled. When p reaches its first checkpoint (after 45 min: it is
  // slowed) rack 2 is free and has no limit: p moves there; f has no checkpoint and stays.
  auto b = build(R"(cluster:
  racks: {count: 3, nodes_per_rack: 2, overrides: [{rack: 0, power_limit: 9 kW},
                                                   {rack: 1, power_limit: 9 kW}]}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs:
    - {name: early, nodes: 2, duration: 45 min}
    - {name: p, submit: 1 min, nodes: 2, duration: 4 h,
       preemptible: {restart: 10 min, checkpoint_every: 1 h}}
    - {name: f, submit: 2 min, nodes: 2, duration: 4 h}
scheduler: {policy: load-balance}
)",
                 sim::hours(8));
  World& w = *b.world;
  w.run_until(sim::minutes(3));
  const auto& jobs = w.jobs();
  CHECK(jobs.at(0).nodes == std::vector<std::uint32_t>{4, 5});
  CHECK(jobs.at(1).nodes == std::vector<std::uint32_t>{0, 2});  // one per limited rack
  CHECK(jobs.at(2).nodes == std::vector<std::uint32_t>{1, 3});
  CHECK(w.cluster_state().node(0).clock < 1.0);  // capped by its rack's limit
  // At 90 min p has reached its first checkpoint (1 h of nominal time, 80.7 min on the wall
  // clock at its capped speed) and is restarting on rack 2.
  w.run_until(sim::minutes(90));
  const auto& p = jobs.at(1);
  const auto& f = jobs.at(2);
  const sim::Time moved = p.checkpoint_at;
  CHECK(moved > sim::minutes(61));
  CHECK(moved < sim::minutes(85));
  CHECK(p.reconfiguring);
  CHECK(p.nodes == std::vector<std::uint32_t>{4, 5});
  w.run_until(sim::hours(8));
  CHECK(p.nodes == std::vector<std::uint32_t>{4, 5});
  CHECK(f.nodes == std::vector<std::uint32_t>{1, 3});
  // Then it ran the 3 h left at full speed after its 10-min restart.
  CHECK(p.end == moved + sim::minutes(10) + sim::hours(3));
  CHECK(f.end > sim::minutes(2) + sim::hours(4));  // f stayed throttled part of the time
}

TEST_CASE("preemptible keys are checked where they are written") {
  auto error_of = [](const std::string& jobs) {
    try {
      build(cluster + "workload:\n  generator: list\n  jobs:\n" + jobs, sim::hours(1));
    } catch (const sim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("    - {name: a, nodes: 1, duration: 1 h, preemptible: maybe}\n")
            .find("migration.yaml:7:") != std::string::npos);
  CHECK(error_of("    - {name: a, nodes: 1, duration: 1 h, preemptible: {restart: -1 min}}\n")
            .find("restart") != std::string::npos);
  CHECK(error_of("    - {name: a, nodes: 1, duration: 1 h, preemptible: {every: 1 h}}\n")
            .find("every") != std::string::npos);
  CHECK(error_of("    - {name: a, nodes: 1, duration: 1 h, preemptible: true,\n"
                 "       elastic: {max_nodes: 2}}\n")
            .find("elastic") != std::string::npos);
  const std::string gen = cluster + R"(workload:
  generator: gpu-jobs
  arrivals: {process: poisson, mean_interarrival: 1 h}
  gpus: 8
  duration: 1 h
  preemptible: {share: 1.5}
)";
  std::string message = "no error";
  try {
    build(gen, sim::hours(1));
  } catch (const sim::InputError& e) {
    message = e.what();
  }
  CHECK(message.find("migration.yaml:9:") != std::string::npos);
  CHECK(message.find("share") != std::string::npos);
}

TEST_CASE("a training job moves after a checkpoint write and loses no step: its end is R later") {
  // One 8-GPU training job (failures off, a checkpoint every 10 min of compute, ~55 min of
  // steps) on a cluster of two one-node racks. Moved to the other node at its first checkpoint,
  // it ends exactly its restart R = 10 min later than unmoved, and trains the same steps.
  const std::string yaml = R"(cluster:
  racks: {count: 2, nodes_per_rack: 1}
  node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW}
workload:
  generator: list
  jobs:
    - {name: t, preemptible: true, failures: {enabled: false, checkpoint_every: 10 min},
       training: {params: 1e9, layers: 16, d_model: 2048, seq_len: 1024, global_batch: 8,
                  steps: 200000, gpus: 8, tensor_parallel: 8, mfu: 0.4}}
)";
  auto unmoved = build(yaml, sim::hours(10));
  unmoved.world->run_until(sim::hours(10));
  const auto& u = unmoved.world->jobs().at(0);
  REQUIRE(u.state == models::world::JobState::done);

  // Find its first checkpoint boundary, then run a fresh world exactly to it.
  auto b = build(yaml, sim::hours(10));
  World& w = *b.world;
  sim::Time step = sim::minutes(1);
  while ((w.jobs().empty() || w.jobs().at(0).checkpoint_at == sim::Time::max()) &&
         step < sim::hours(9)) {
    w.run_until(step);
    step = step + sim::seconds(30);
  }
  const auto& job = w.jobs().at(0);
  const sim::Time at = job.checkpoint_at;
  REQUIRE(at <= w.simulator().now());
  auto b2 = build(yaml, sim::hours(10));
  World& w2 = *b2.world;
  w2.run_until(at);
  const auto& moved = w2.jobs().at(0);
  REQUIRE(moved.checkpoint_at == at);
  CHECK(moved.nodes == std::vector<std::uint32_t>{0});
  w2.control().migrate(moved, {1});
  w2.run_until(sim::hours(10));
  REQUIRE(moved.state == models::world::JobState::done);
  CHECK(moved.nodes == std::vector<std::uint32_t>{1});
  CHECK((moved.end - u.end).seconds() == doctest::Approx(600).epsilon(1e-9));
  CHECK(moved.model->stats()->steps_done == u.model->stats()->steps_done);
  CHECK(moved.model->stats()->lost_gpu_s == 0.0);
}
