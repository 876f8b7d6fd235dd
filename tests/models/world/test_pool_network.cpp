// A network per pool (`network` in an item of cluster.pools; network/fabrics.hpp) on a cluster
// checkable by hand: two pools of two 8-GPU nodes each on the linear node model (1 kW idle).
#include <doctest/doctest.h>

#include <string>

#include "build_world.hpp"
#include "models/network/fabrics.hpp"
#include "models/world/world.hpp"
#include "sim/error.hpp"

using namespace joule;
using models::world::World;

namespace {

test::Built build(const std::string& yaml, sim::Time duration) {
  return test::build_world(yaml, duration, "fabrics.yaml");
}

// Pool `a` (nodes 0–1) and pool `b` (nodes 2–3), each with `net_a` / `net_b` appended to its
// map (", network: {...}" or nothing); `cluster_extra` is appended to the cluster section.
std::string cluster(const std::string& net_a, const std::string& net_b,
                    const std::string& cluster_extra = "") {
  return R"(cluster:
  pools:
    - {name: a, node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW},
       racks: {count: 1, nodes_per_rack: 2})" +
         net_a + R"(}
    - {name: b, node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW},
       racks: {count: 1, nodes_per_rack: 2})" +
         net_b + "}\n" + cluster_extra;
}

const std::string fat_tree = ", network: {type: fat-tree, radix: 4}";
const std::string rail = ", network: {type: rail-optimized, radix: 8}";
const std::string no_jobs = "workload: {generator: list, jobs: []}\n";

std::string expect_error(const std::string& yaml) {
  return test::build_error(yaml, "fabrics.yaml");
}

}  // namespace

TEST_CASE("pool networks: switch power is the sum over the fabrics, by hand") {
  // Pool a, k = 4 fat tree: 5k²/4 = 20 switches, every one with its 4 ports active:
  //   20 × (640 W + 4 × 10 W) = 13,600 W.
  // Pool b, rail-optimized radix 8 over its 2 nodes of 8 GPUs: one group, 8 rail leaves with
  // 2 hosts + 2 spine links each, 16 uplinks filling 2 spines of 8 leaf links:
  //   8 × (640 + 4 × 10) + 2 × (640 + 8 × 10) = 5,440 + 1,440 = 6,880 W.
  const double switch_w = 13600.0 + 6880.0;
  auto b = build(cluster(fat_tree, rail) + no_jobs, sim::hours(1));
  World& w = *b.world;
  CHECK(w.network_power_w() == doctest::Approx(switch_w));
  w.run_until(sim::hours(1));
  // IT: 4 idle nodes at 1 kW and the switches, for one hour.
  CHECK(w.it_energy_j() == doctest::Approx((4 * 1e3 + switch_w) * 3600));

  // cluster.network serves the pools without their own: the same fat tree, now as the cluster's
  // fabric over pool a's nodes, draws the same.
  auto shared =
      build(cluster("", rail, "  network: {type: fat-tree, radix: 4}\n") + no_jobs, sim::hours(1));
  CHECK(shared.world->network_power_w() == doctest::Approx(switch_w));
}

TEST_CASE("pool networks: hops inside each pool's fabric; across fabrics no path") {
  auto b = build(cluster(fat_tree, rail) + no_jobs, sim::hours(1));
  const auto& w = b.world->control();
  // Pool a: node 1's first GPU is host 8, in another pod of the k = 4 fat tree (4 hosts a pod):
  // host-edge-agg-core-agg-edge-host = 6 hops.
  CHECK(w.hops(0, 1) == 6);
  // Pool b: GPU 0 of both nodes sits on rail leaf 0: host-leaf-host = 2 hops.
  CHECK(w.hops(2, 3) == 2);
  CHECK(w.hops(0, 2) == models::network::across_fabrics_hops);
  CHECK(w.hops(3, 1) == models::network::across_fabrics_hops);
  // A pool without a fabric keeps the two-tier estimate (2 within a rack); from it to a pool
  // with one: no path.
  auto half = build(cluster("", rail) + no_jobs, sim::hours(1));
  CHECK(half.world->control().hops(0, 1) == 2);
  CHECK(half.world->control().hops(0, 2) == models::network::across_fabrics_hops);
  CHECK(half.world->control().hops(2, 3) == 2);
}

TEST_CASE("pool networks: a job's gradient all-reduce crosses its own pool's fabric") {
  // The same 16-GPU data-parallel job in each pool (2 nodes, tp = 1 ⇒ dp = 16), pool a on 50 GB/s
  // links, pool b on 10 GB/s, no latency anywhere; step time predicted with no overlap, so the
  // whole all-reduce is in every step (training_job.hpp). The all-reduce of S = 2 B × 1e9 bf16
  // gradients is hierarchical (collectives.hpp): inside the nodes (the same in both pools), then
  // a ring over the 2 nodes on S/8: 2·(2−1)/2 · (S/8)/B = 2.5e8 B / B. Per step pool b takes
  // 2.5e8 × (1/10e9 − 1/50e9) s = 0.02 s longer: 0.2 s over the 10 steps of the plan.
  const std::string net =
      "{type: fat-tree, radix: 4, link_latency: 0 s, switch_latency: 0 s, "
      "endpoint_latency: 0 s, link_bandwidth: ";
  const std::string job = R"({params: 1e9, layers: 16, d_model: 2048, seq_len: 1024,
      global_batch: 16, steps: 10, gpus: 16, throughput: predicted, comm_overlap: 0})";
  auto b = build(cluster(", network: " + net + "50 GB/s}", ", network: " + net + "10 GB/s}") +
                     R"(workload:
  generator: list
  jobs:
    - {name: on-a, pool: a, failures: {enabled: false, checkpoint_every: 1000 h}, training: )" +
                     job + R"(}
    - {name: on-b, pool: b, failures: {enabled: false, checkpoint_every: 1000 h}, training: )" +
                     job + R"(}
)",
                 sim::hours(1));
  World& w = *b.world;
  w.run_until(sim::seconds(1));
  const auto& jobs = w.jobs();
  REQUIRE(jobs.at(0).nodes == std::vector<std::uint32_t>{0, 1});
  REQUIRE(jobs.at(1).nodes == std::vector<std::uint32_t>{2, 3});
  const sim::Time on_a = jobs.at(0).model->planned_work();
  const sim::Time on_b = jobs.at(1).model->planned_work();
  const double s_over_8 = 2 * 1e9 / 8;
  CHECK((on_b - on_a).seconds() ==
        doctest::Approx(10 * (s_over_8 / 10e9 - s_over_8 / 50e9)).epsilon(1e-6));
}

TEST_CASE("pool networks: one pool with its network is the cluster with cluster.network") {
  // The single-node form with cluster.network and the pooled form whose one pool carries the
  // same network build the same fabric: the same bytes of energy and the same job times.
  const std::string jobs = R"(workload:
  generator: list
  jobs:
    - {name: t, failures: {enabled: false, checkpoint_every: 1000 h}, training: {params: 1e9,
       layers: 16, d_model: 2048, seq_len: 1024, global_batch: 16, steps: 100, gpus: 16}}
    - {name: s, nodes: 1, submit: 10 min, duration: 20 min, utilization: 0.5}
)";
  auto single = build(R"(cluster:
  racks: {count: 2, nodes_per_rack: 2}
  node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW}
  network: {type: fat-tree, radix: 8}
)" + jobs,
                      sim::hours(2));
  auto pooled = build(R"(cluster:
  pools:
    - {name: only, node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW},
       racks: {count: 2, nodes_per_rack: 2}, network: {type: fat-tree, radix: 8}}
)" + jobs,
                      sim::hours(2));
  single.world->run_until(sim::hours(2));
  pooled.world->run_until(sim::hours(2));
  CHECK(pooled.world->network_power_w() == single.world->network_power_w());
  CHECK(pooled.world->it_energy_j() == single.world->it_energy_j());
  for (std::size_t j = 0; j < 2; ++j) {
    CHECK(pooled.world->jobs().at(j).start == single.world->jobs().at(j).start);
    CHECK(pooled.world->jobs().at(j).end == single.world->jobs().at(j).end);
  }
}

TEST_CASE("pool networks: input errors point into the file") {
  // A k = 2 fat tree has 2 host ports; the pool's 2 nodes carry 16 accelerators.
  const std::string small =
      expect_error(cluster(", network: {type: fat-tree, radix: 2}", "") + no_jobs);
  INFO(small);
  CHECK(small.find("fabrics.yaml:4:79:") != std::string::npos);
  CHECK(small.find("cluster.pools[0].network.radix") != std::string::npos);
  CHECK(small.find("fewer than the pool's 16 accelerators") != std::string::npos);
  // cluster.network with a network in every pool serves nothing.
  const std::string unused =
      expect_error(cluster(fat_tree, rail, "  network: {type: fat-tree, radix: 4}\n") + no_jobs);
  INFO(unused);
  CHECK(unused.find("fabrics.yaml:7:12:") != std::string::npos);
  CHECK(unused.find("cluster.network serves no node") != std::string::npos);
  const std::string mesh = expect_error(cluster(", network: {type: mesh}", "") + no_jobs);
  INFO(mesh);
  CHECK(mesh.find("fabrics.yaml:4:62: unknown network 'mesh'") != std::string::npos);
}
