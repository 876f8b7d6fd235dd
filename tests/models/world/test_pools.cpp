// Node pools (compute/cluster.hpp `cluster.pools`, world/pools.hpp) on a cluster checkable by
// hand: one rack of two H100 nodes and one rack of two B200 nodes, each on the linear node model
// (a busy node draws max_power, an idle one idle_power), so every total is power × time.
#include <doctest/doctest.h>

#include <string>

#include "build_world.hpp"
#include "io/yaml_params.hpp"
#include "models/world/world.hpp"
#include "sim/error.hpp"

using namespace joule;
using models::world::World;
using models::world::WorldSections;

namespace {

using test::Built;

Built build(const std::string& yaml, sim::Time duration) {
  return test::build_world(yaml, duration, "pools.yaml");
}

// Pool 0 (hopper): nodes 0–1, 1 kW idle, 5 kW busy. Pool 1 (blackwell): nodes 2–3, 2 kW idle,
// 9 kW busy. `extra` is appended to the blackwell pool's map (from, until).
std::string cluster(const std::string& extra = "") {
  return R"(cluster:
  pools:
    - {name: hopper, node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW},
       racks: {count: 1, nodes_per_rack: 2}}
    - {name: blackwell, node: {type: hgx-b200, model: linear, idle_power: 2 kW, max_power: 9 kW},
       racks: {count: 1, nodes_per_rack: 2})" +
         extra + R"(}
)";
}

std::string expect_error(const std::string& yaml) {
  return test::build_error(yaml, "pools.yaml");
}

}  // namespace

TEST_CASE("pools: nodes know their pool; racks and nodes are numbered pool by pool") {
  auto b = build(cluster() + "workload: {generator: list, jobs: []}\n", sim::hours(1));
  const auto& state = b.world->cluster_state();
  REQUIRE(state.node_count() == 4);
  CHECK(state.node(0).pool == 0);
  CHECK(state.node(1).pool == 0);
  CHECK(state.node(2).pool == 1);
  CHECK(state.node(3).pool == 1);
  CHECK(state.node(2).rack == 1);
  b.world->run_until(sim::hours(1));
  // Idle: 2 × 1 kW + 2 × 2 kW for 1 h; each rack its own pool's idle power.
  CHECK(b.world->it_energy_j() == doctest::Approx((2 * 1e3 + 2 * 2e3) * 3600));
  CHECK(b.world->racks()[0].energy_j == doctest::Approx(2 * 1e3 * 3600));
  CHECK(b.world->racks()[1].energy_j == doctest::Approx(2 * 2e3 * 3600));
}

TEST_CASE("pools: a job pinned to a pool runs there at that pool's power; IT = Σ over pools") {
  auto b = build(cluster() + R"(workload:
  generator: list
  jobs:
    - {name: on-b200, nodes: 1, duration: 1 h, pool: blackwell}
    - {name: on-h100, nodes: 1, duration: 1 h, pool: hopper}
    - {name: b200-chip, nodes: 1, duration: 1 h, chip: b200}
)",
                 sim::hours(2));
  World& w = *b.world;
  w.run_until(sim::minutes(30));
  const auto& state = w.cluster_state();
  // FIFO: the first job takes the lowest free blackwell node (2), the second the lowest hopper
  // node (0), the third the other B200 node (3); node 1 stays idle.
  CHECK(state.node(2).job == 0);
  CHECK(state.node(0).job == 1);
  CHECK(state.node(3).job == 2);
  CHECK(state.node(1).job == -1);
  w.run_until(sim::hours(2));
  const auto& jobs = w.jobs();
  CHECK(jobs.at(0).energy_j == doctest::Approx(9e3 * 3600));
  CHECK(jobs.at(1).energy_j == doctest::Approx(5e3 * 3600));
  CHECK(jobs.at(2).energy_j == doctest::Approx(9e3 * 3600));
  // IT over 2 h: hopper 2 × 1 kW + (5 − 1) kW for 1 h; blackwell 2 × 2 kW + 2 × (9 − 2) kW for
  // 1 h. The racks (one per pool) add up to it.
  const double hopper_j = 2 * 1e3 * 7200 + 4e3 * 3600;
  const double blackwell_j = 2 * 2e3 * 7200 + 2 * 7e3 * 3600;
  CHECK(w.racks()[0].energy_j == doctest::Approx(hopper_j));
  CHECK(w.racks()[1].energy_j == doctest::Approx(blackwell_j));
  CHECK(w.it_energy_j() == doctest::Approx(hopper_j + blackwell_j));
}

TEST_CASE("pools: 'any' with a preference takes the preferred pool first, then the others") {
  auto b = build(cluster() + R"(workload:
  generator: list
  jobs:
    - {name: a, nodes: 2, duration: 1 h, prefer: blackwell}
    - {name: b, nodes: 2, duration: 30 min, prefer: blackwell}
    - {name: c, nodes: 1, duration: 1 h, prefer: hopper}
)",
                 sim::hours(3));
  World& w = *b.world;
  w.run_until(sim::minutes(1));
  const auto& state = w.cluster_state();
  CHECK(state.node(2).job == 0);  // a: blackwell, as preferred
  CHECK(state.node(3).job == 0);
  CHECK(state.node(0).job == 1);  // b: blackwell is full, so hopper
  CHECK(state.node(1).job == 1);
  CHECK(w.jobs().at(2).state == models::world::JobState::queued);  // no whole pool has a node
  w.run_until(sim::hours(3));
  // c starts when b frees the hopper nodes (30 min), on the lowest one.
  CHECK(w.jobs().at(2).start == sim::minutes(30));
  CHECK(w.jobs().at(2).nodes == std::vector<std::uint32_t>{0});
}

TEST_CASE("pools: a job's step time comes from its pool's chip (mfu mode, hand-computed)") {
  // One node of 8 GPUs, tp = 8: t_step = F_token · B_tok / (G · peak · mfu) with F_token =
  // 6·N + 12·L·d·s (training_job.hpp), N = 1e9, L = 16, d = 2048, s = 1024, B_tok = 8 · 1024,
  // G = 8, mfu = 0.4; peak BF16 dense: H100 SXM 989.4 TFLOP/s, B200 2.25 PFLOP/s (catalog).
  // The run ends with a checkpoint, the same on both chips: 14 B/param · N at the job's storage
  // share, 8 GPUs × 2 TB/s / 16,384 (job_runner.cpp) = 14.336 s.
  const std::string job = R"({params: 1e9, layers: 16, d_model: 2048, seq_len: 1024,
      global_batch: 8, steps: 1000, gpus: 8, tensor_parallel: 8, mfu: 0.4})";
  auto b = build(cluster() + R"(workload:
  generator: list
  jobs:
    - {name: h, pool: hopper, failures: {enabled: false, checkpoint_every: 1000 h}, training: )" +
                     job + R"(}
    - {name: b, pool: blackwell, failures: {enabled: false, checkpoint_every: 1000 h}, training: )" +
                     job + R"(}
)",
                 sim::hours(2));
  World& w = *b.world;
  w.run_until(sim::hours(2));
  const double f_step = (6 * 1e9 + 12.0 * 16 * 2048 * 1024) * 8 * 1024;
  const double checkpoint_s = 14 * 1e9 / (8 * 2e12 / 16384);
  const double h100_s = 1000 * f_step / (8 * 989.4e12 * 0.4) + checkpoint_s;
  const double b200_s = 1000 * f_step / (8 * 2.25e15 * 0.4) + checkpoint_s;
  const auto& jobs = w.jobs();
  REQUIRE(jobs.at(0).state == models::world::JobState::done);
  REQUIRE(jobs.at(1).state == models::world::JobState::done);
  CHECK((jobs.at(0).end - jobs.at(0).start).seconds() == doctest::Approx(h100_s).epsilon(1e-6));
  CHECK((jobs.at(1).end - jobs.at(1).start).seconds() == doctest::Approx(b200_s).epsilon(1e-6));
}

TEST_CASE("pools: a pool added at `from` draws nothing and takes no job before it") {
  auto b = build(cluster(", from: 1 h") + R"(workload:
  generator: list
  jobs: [{name: wants-b200, nodes: 1, duration: 1 h, pool: blackwell}]
)",
                 sim::hours(3));
  World& w = *b.world;
  w.run_until(sim::minutes(59));
  const auto& state = w.cluster_state();
  CHECK(state.node(2).power_w == 0.0);
  CHECK_FALSE(state.node(2).in_service);
  CHECK(w.jobs().at(0).state == models::world::JobState::queued);
  CHECK(w.racks()[1].energy_j == 0.0);
  w.run_until(sim::hours(3));
  CHECK(w.jobs().at(0).start == sim::hours(1));
  CHECK(w.jobs().at(0).nodes == std::vector<std::uint32_t>{2});
  // Blackwell: nothing for 1 h, then 2 × 2 kW idle for 2 h plus (9 − 2) kW for the job's hour.
  CHECK(w.racks()[1].energy_j == doctest::Approx(2 * 2e3 * 7200 + 7e3 * 3600));
  CHECK(w.it_energy_j() == doctest::Approx(2 * 1e3 * 10800 + 2 * 2e3 * 7200 + 7e3 * 3600));
  // Accelerators present (8 per node): hopper 16 for 3 h, blackwell 16 from 1 h to 3 h.
  CHECK(w.present_accelerator_s() == doctest::Approx((16 * 3 + 16 * 2) * 3600.0));
}

TEST_CASE("pools: a pool retired at `until` takes no new job; its nodes power off when free") {
  auto b = build(cluster(", until: 1 h") + R"(workload:
  generator: list
  jobs:
    - {name: running, nodes: 1, submit: 30 min, duration: 1 h, pool: blackwell}
    - {name: late, nodes: 1, submit: 2 h, duration: 1 h}
)",
                 sim::hours(3));
  World& w = *b.world;
  w.run_until(sim::hours(3));
  const auto& jobs = w.jobs();
  // The running job finishes (at 1.5 h) on node 2; the late one goes to hopper.
  CHECK(jobs.at(0).end == sim::minutes(90));
  CHECK(jobs.at(1).nodes == std::vector<std::uint32_t>{0});
  // Blackwell: 2 × 2 kW to 1 h (+7 kW on node 2 from 0.5 h), node 3 off from 1 h, node 2 at
  // 9 kW until 1.5 h, then off.
  CHECK(w.racks()[1].energy_j == doctest::Approx(2 * 2e3 * 3600 + 7e3 * 1800 + 9e3 * 1800));
  CHECK(w.cluster_state().node(2).power_w == 0.0);
  // Accelerators present (8 per node): hopper 16 for 3 h; blackwell node 3 until 1 h, node 2,
  // still running its job then, until that job ends at 1.5 h.
  CHECK(w.present_accelerator_s() == doctest::Approx((16 * 3 + 8 * 1 + 8 * 1.5) * 3600.0));
}

TEST_CASE("pools: input errors point into the file") {
  const std::string empty_workload = "workload: {generator: list, jobs: []}\n";
  const std::string both = expect_error(R"(cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100}
  pools: [{name: a, node: {type: dgx-h100}, racks: {count: 1, nodes_per_rack: 1}}]
)" + empty_workload);
  INFO(both);
  CHECK(both.find("pools.yaml:3:") != std::string::npos);  // `node`, the first of the two
  CHECK(both.find("pools.yaml:4:") != std::string::npos);  // and where `pools` is
  const std::string unknown = expect_error(cluster() + R"(workload:
  generator: list
  jobs: [{name: x, nodes: 1, duration: 1 h, pool: volta}]
)");
  INFO(unknown);
  CHECK(unknown.find("pools.yaml:9:51:") != std::string::npos);
  CHECK(unknown.find("hopper, blackwell") != std::string::npos);
  CHECK(expect_error(cluster() + R"(workload:
  generator: list
  jobs: [{name: x, nodes: 3, duration: 1 h, pool: hopper}]
)")
            .find("at most 2 nodes") != std::string::npos);
  CHECK(expect_error(cluster() + R"(workload:
  generator: list
  jobs: [{name: x, nodes: 3, duration: 1 h}]
)")
            .find("at most 2 nodes") != std::string::npos);
  CHECK(expect_error(cluster() + R"(workload:
  generator: list
  jobs: [{name: x, nodes: 1, duration: 1 h, chip: v100-sxm2}]
)")
            .find("carried by no pool") != std::string::npos);
  CHECK(expect_error(cluster() + R"(workload:
  generator: list
  jobs: [{name: x, nodes: 1, duration: 1 h, pool: hopper, prefer: blackwell}]
)")
            .find("may not use") != std::string::npos);
  CHECK(expect_error(cluster(", until: 0 s") + empty_workload).find("must come after") !=
        std::string::npos);
}

TEST_CASE("pools: every placement keeps a job inside the pools it asks for") {
  for (const std::string policy :
       {"fifo", "easy-backfill", "thermal-aware", "topology-aware", "energy-packing"}) {
    CAPTURE(policy);
    auto b = build(cluster() + R"(workload:
  generator: list
  jobs:
    - {name: b200, nodes: 2, duration: 1 h, pool: blackwell}
    - {name: h100, nodes: 1, duration: 1 h, chip: h100-sxm}
    - {name: more-b200, nodes: 1, duration: 1 h, pool: blackwell}
scheduler: {policy: )" +
                       policy + "}\n",
                   sim::hours(3));
    World& w = *b.world;
    w.run_until(sim::hours(3));
    const auto& jobs = w.jobs();
    CHECK(jobs.at(0).nodes == std::vector<std::uint32_t>{2, 3});
    REQUIRE(jobs.at(1).nodes.size() == 1);
    CHECK(w.cluster_state().node(jobs.at(1).nodes[0]).pool == 0);
    // The third waits for the blackwell pool although a hopper node is free.
    CHECK(jobs.at(2).start == sim::hours(1));
    REQUIRE(jobs.at(2).nodes.size() == 1);
    CHECK(w.cluster_state().node(jobs.at(2).nodes[0]).pool == 1);
  }
}

TEST_CASE("pools: gpu-jobs and llm-training send every job they draw to the pools asked for") {
  auto b = build(cluster() + R"(workload:
  generator: gpu-jobs
  arrivals: {process: poisson, mean_interarrival: 10 min}
  gpus: [8, 16]
  duration: 30 min
  max_jobs: 12
  pool: blackwell
)",
                 sim::hours(12));
  World& w = *b.world;
  w.run_until(sim::hours(12));
  REQUIRE(w.jobs().size() == 12);
  for (const auto& job : w.jobs()) {
    CHECK(job.state == models::world::JobState::done);
    for (const auto id : job.nodes) CHECK(w.cluster_state().node(id).pool == 1);
  }
  // Hopper never ran a job: 2 × 1 kW idle for 12 h.
  CHECK(w.racks()[0].energy_j == doctest::Approx(2 * 1e3 * 12 * 3600));
  // 24 GPUs are 3 nodes of 8: more than either pool holds.
  CHECK(expect_error(cluster() + R"(workload:
  generator: llm-training
  arrivals: {process: poisson, mean_interarrival: 1 h}
  jobs: {params: [1e9], gpus: [24]}
  prefer: hopper
)")
            .find("at most 2 nodes") != std::string::npos);
}
