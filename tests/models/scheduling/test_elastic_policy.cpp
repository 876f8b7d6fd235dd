// The `elastic` policy on a hand-checkable 4-node cluster (fake_cluster.hpp): α = 1, so on n
// nodes a job asked for on n_ref runs n/n_ref times as fast; a resize stalls it for R = 6 min
// with its nodes at P_idle.
#include <doctest/doctest.h>

#include "fake_cluster.hpp"

using namespace joule;
using namespace joule::models::scheduling;
using namespace joule::models::scheduling::testing;

namespace {

sim::Time min(double x) {
  return sim::minutes(x);
}

// E: elastic, asked for on 2 nodes (1 to 4), 4 h of work at 2 nodes. B: rigid, 2 nodes, 1 h,
// arrives at 1:06.
FakeCluster run(const std::string& policy) {
  FakeCluster c({.racks = 1, .nodes_per_rack = 4}, make_policy(policy));
  c.submit({.name = "E",
            .nodes = 2,
            .work = sim::hours(4),
            .min_nodes = 1,
            .max_nodes = 4,
            .exponent = 1.0,
            .reconfigure = min(6)});
  c.submit({.name = "B", .submit = min(66), .nodes = 2, .work = sim::hours(1)});
  c.run_until(sim::hours(5));
  return c;
}

}  // namespace

TEST_CASE("elastic grows a job onto idle nodes and shrinks it when work arrives") {
  const FakeCluster c = run("{policy: elastic}");
  const auto& e = c.job("E");
  const auto& b = c.job("B");
  // 0:00 E starts on 2 and grows to 4 (4 h·(1 − 2/4) = 2 h > 6 min): stalled until 0:06, then
  //      twice as fast: by 1:06, 60 min × 2 = 120 min of its 240 done.
  // 1:06 B arrives and would wait for E's end (2:06, 60 min > R): E shrinks to 2, B starts.
  //      E stalls until 1:12, then runs at 1×.
  // 2:06 B ends; E has done 120 + 54 = 174 min, 66 min left (T = 66 min on 2 nodes):
  //      66·(1 − 2/4) = 33 min > 6 min, so it grows again: stalled until 2:12, then 33 min.
  CHECK(b.start == min(66));
  CHECK(b.end == min(126));
  CHECK(e.start == sim::Time::zero());
  CHECK(e.end == min(165));
  CHECK(c.resizes("E") == 3);
  // Energy: 4 nodes × 1 kW for 5 h, plus 1 kW per node computing: E 60 min × 4 + 54 × 2 +
  // 33 × 4 = 480 node-minutes, B 120 (stalled nodes draw only idle power).
  CHECK(c.energy_j() == doctest::Approx(4 * 1e3 * 5 * 3600 + 1e3 * (480 + 120) * 60));
}

TEST_CASE("elastic's keys: without grow it is EASY; without shrink work waits for the grown job") {
  {
    const FakeCluster c = run("{policy: elastic, grow: false}");
    CHECK(c.job("E").end == sim::hours(4));  // never resized: 4 h on 2 nodes
    CHECK(c.job("B").start == min(66));      // the 2 other nodes were free
    CHECK(c.resizes("E") == 0);
    const FakeCluster easy = run("{policy: easy-backfill}");
    CHECK(easy.job("E").end == c.job("E").end);
    CHECK(easy.energy_j() == doctest::Approx(c.energy_j()));
  }
  {
    const FakeCluster c = run("{policy: elastic, shrink: false}");
    // E grows at 0:00 and keeps 4 nodes: 0:06 + 240/2 min = 2:06; B waits for it.
    CHECK(c.job("E").end == min(126));
    CHECK(c.job("B").start == min(126));
    CHECK(c.resizes("E") == 1);
  }
}

TEST_CASE("elastic starts a waiting elastic head on the nodes there are when that ends sooner") {
  // A (rigid) holds 2 of 4 nodes for 10 h. H asks for 4 nodes (1 h there), runs on 2 to 4:
  // started now on 2 it ends at 0 + 1 h·4/2 = 2 h, sooner than waiting for 10 h.
  FakeCluster c({.racks = 1, .nodes_per_rack = 4}, make_policy("{policy: elastic}"));
  c.submit({.name = "A", .nodes = 2, .work = sim::hours(10)});
  c.submit({.name = "H",
            .nodes = 4,
            .work = sim::hours(1),
            .min_nodes = 2,
            .max_nodes = 4,
            .reconfigure = min(6)});
  c.run_until(sim::hours(12));
  CHECK(c.job("H").start == sim::Time::zero());
  CHECK(c.job("H").end == sim::hours(2));
  CHECK(c.job("H").nodes.size() == 2);
  CHECK(c.job("A").end == sim::hours(10));
}
