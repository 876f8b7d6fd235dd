// EASY backfilling with a pool added later (scheduling/easy.hpp): the head's reservation counts
// the nodes of a pool from its `from`. One rack of two H100 nodes (hopper) and one of two B200
// nodes (blackwell) in service from 1 h.
#include <doctest/doctest.h>

#include <string>

#include "build_world.hpp"
#include "models/world/world.hpp"

using namespace joule;

TEST_CASE("pool easy: the head's reservation counts a pool that comes into service later") {
  // t = 0: `long` takes hopper node 0 for 3 h. `head` needs 2 nodes of any pool: one hopper
  // node is free and blackwell is absent, so it waits. Its reservation: node 1 now, nodes 2
  // and 3 at 1 h, node 0 at 3 h ⇒ shadow S = 1 h, extra E = 3 − 2 = 1. `backfill` (1 hopper
  // node, 4 h) ends after S but needs 1 ≤ E node: it starts at once on node 1. (Without
  // blackwell in the reservation S = 3 h and E = 0: it would wait for `long` to end.) At 1 h
  // blackwell comes and `head` starts there, at its shadow.
  auto b = test::build_world(R"(cluster:
  pools:
    - {name: hopper, node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW},
       racks: {count: 1, nodes_per_rack: 2}}
    - {name: blackwell, node: {type: hgx-b200, model: linear, idle_power: 2 kW, max_power: 9 kW},
       racks: {count: 1, nodes_per_rack: 2}, from: 1 h}
workload:
  generator: list
  jobs:
    - {name: long, nodes: 1, duration: 3 h, pool: hopper}
    - {name: head, nodes: 2, duration: 1 h}
    - {name: backfill, nodes: 1, duration: 4 h, pool: hopper}
scheduler: {policy: easy-backfill}
)",
                             sim::hours(6), "easy.yaml");
  auto& w = *b.world;
  w.run_until(sim::hours(6));
  const auto& jobs = w.jobs();
  CHECK(jobs.at(0).start == sim::Time::zero());
  CHECK(jobs.at(2).start == sim::Time::zero());
  CHECK(jobs.at(2).nodes == std::vector<std::uint32_t>{1});
  CHECK(jobs.at(1).start == sim::hours(1));
  CHECK(jobs.at(1).nodes == std::vector<std::uint32_t>{2, 3});
}
