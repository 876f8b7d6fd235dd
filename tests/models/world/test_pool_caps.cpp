// Power caps in a cluster of several pools: each job's cap range is its pool's
// (SchedulerContext::power_cap_range(job)), and the power-budget policy caps a job in each
// pool within its own range. One rack of two DGX H100 nodes and one of two HGX B200 nodes.
#include <doctest/doctest.h>

#include <string>

#include "build_world.hpp"
#include "models/world/world.hpp"

using namespace joule;

namespace {

const std::string pools = R"(cluster:
  pools:
    - {name: hopper, node: {type: dgx-h100}, racks: {count: 1, nodes_per_rack: 2}}
    - {name: blackwell, node: {type: hgx-b200}, racks: {count: 1, nodes_per_rack: 2}}
)";

const std::string jobs = R"(workload:
  generator: list
  jobs:
    - {name: on-b200, nodes: 2, duration: 2 h, utilization: 1, pool: blackwell}
)";

test::Built build(const std::string& yaml) {
  return test::build_world(yaml, sim::hours(3), "caps.yaml");
}

}  // namespace

TEST_CASE("pool caps: a job's cap range is its pool's, 30 % of TDP up to the node's cap") {
  auto b = build(pools + R"(workload:
  generator: list
  jobs:
    - {name: h, nodes: 1, duration: 1 h, pool: hopper}
    - {name: b, nodes: 1, duration: 1 h, pool: blackwell}
)");
  b.world->run_until(sim::minutes(1));
  auto& ctx = b.world->control();
  const auto& jobs = b.world->jobs();
  // H100 SXM: 700 W TDP ⇒ [210 W, 700 W]; B200: 1000 W ⇒ [300 W, 1000 W] (catalog TDPs).
  CHECK(ctx.power_cap_range(jobs.at(0)).min.value() == doctest::Approx(210));
  CHECK(ctx.power_cap_range(jobs.at(0)).max.value() == doctest::Approx(700));
  CHECK(ctx.power_cap_range(jobs.at(1)).min.value() == doctest::Approx(300));
  CHECK(ctx.power_cap_range(jobs.at(1)).max.value() == doctest::Approx(1000));
  CHECK(ctx.power_cap_range().max.value() == doctest::Approx(700));  // the first pool's
}

TEST_CASE("pool caps: power-budget caps a B200 job within the B200 range, under the limit") {
  // Uncapped: the IT power with the job running, and with every node idle.
  auto free_run = build(pools + jobs);
  free_run.world->run_until(sim::minutes(30));
  const double busy_w = free_run.world->it_power_w();
  free_run.world->run_until(sim::hours(2.5));
  const double idle_w = free_run.world->it_power_w();
  REQUIRE(busy_w > idle_w);
  // A limit that leaves the job 80 % of what it adds uncapped.
  const double limit_w = idle_w + 0.8 * (busy_w - idle_w);
  auto capped =
      build(pools + jobs + "scheduler: {policy: power-budget, limit: " + std::to_string(limit_w) +
            " W, check_interval: 1 min}\n");
  capped.world->run_until(sim::minutes(30));
  const auto& job = capped.world->jobs().at(0);
  const auto cap = capped.world->control().power_cap(job);
  REQUIRE(cap.has_value());
  // The cap is in the B200's range and above the H100's top (700 W): with the first pool's
  // range the policy could not have set it.
  CHECK(cap->value() > 700);
  CHECK(cap->value() < 1000);
  CHECK(capped.world->it_power_w() <= limit_w + 1.0);
  // Within the bisection's tolerance the highest cap that fits: 1 % more power would not.
  CHECK(capped.world->it_power_w() > limit_w - 0.01 * (busy_w - idle_w));
}
