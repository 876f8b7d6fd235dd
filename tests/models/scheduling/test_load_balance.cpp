// load-balance on mini clusters one can check by hand (fake_cluster.hpp: node power P_idle idle,
// P_idle + a busy; rack inlets fixed per rack; headroom.hpp states the ranking).
#include <doctest/doctest.h>

#include <string>

#include "fake_cluster.hpp"
#include "models/scheduling/headroom.hpp"
#include "sim/error.hpp"

using namespace joule;
using namespace joule::models::scheduling;
using namespace joule::models::scheduling::testing;

namespace {
sim::Time h(double x) {
  return sim::hours(x);
}
using Nodes = std::vector<std::uint32_t>;
}  // namespace

TEST_CASE("spread picks the rack with the most thermal and power headroom") {
  // 3 racks × 2 nodes at 24, 22 and 23 °C, each node adding 0.5 K to its rack's inlet; 1 kW
  // idle per node, a job adds 1 kW per node. Rack 1, the coolest, has a 2.5 kW limit: its two
  // idle nodes draw 2 kW, one more busy node would draw 3 kW > 2.5 kW, so it has no power
  // headroom.
  FakeConfig config{.racks = 3,
                    .nodes_per_rack = 2,
                    .rack_inlet_c = {24.0, 22.0, 23.0},
                    .rack_inlet_rise_k = {0.5, 0.5, 0.5},
                    .rack_power_limit_w = {0.0, 2500.0, 0.0}};
  auto run = [&](const char* policy) {
    FakeCluster c(config, make_policy(policy));
    c.submit({.name = "a", .submit = h(0), .nodes = 1, .work = h(5)});
    c.submit({.name = "b", .submit = h(1), .nodes = 2, .work = h(5)});
    c.run_until(h(2));
    return c;
  };
  const FakeCluster lb = run("{policy: load-balance}");
  // a: rack 2 (expected 23.5 °C, 3 kW ≤ ∞), not rack 1 (22.5 °C but 3 kW > 2.5 kW).
  CHECK(lb.job("a").nodes == Nodes{4});
  // b: node by node, rack 2's last node (23.5 °C), then rack 0 (24.5 °C); rack 1 still has no
  // power headroom.
  CHECK(lb.job("b").nodes == Nodes{0, 5});
  // thermal-aware sees only the inlets and takes rack 1; EASY the lowest ids.
  CHECK(run("{policy: thermal-aware}").job("a").nodes == Nodes{2});
  CHECK(run("{policy: easy-backfill}").job("a").nodes == Nodes{0});
  // With an allowed inlet of 23.4 °C rack 2 (23.5 °C expected) and rack 0 (24.5) are over it and
  // rack 1 over its limit: none fits, so the least hot comes first, rack 1 (22.5 °C).
  CHECK(run("{policy: load-balance, max_inlet: 23.4 degC}").job("a").nodes == Nodes{2});
}

TEST_CASE("spread spreads a job over racks; pack fills one rack first") {
  // 2 racks × 2 nodes at 22 °C, 1 K rise per node (an open-aisle row end each).
  FakeConfig config{.racks = 2,
                    .nodes_per_rack = 2,
                    .rack_inlet_c = {22.0, 22.0},
                    .rack_inlet_rise_k = {1.0, 1.0}};
  FakeCluster spread(config, make_policy("{policy: load-balance}"));
  spread.submit({.name = "a", .submit = h(0), .nodes = 2, .work = h(5)});
  spread.run_until(h(1));
  // Rack 0 (23 °C), then rack 0 would be 24 °C against rack 1's 23 °C: rack 1.
  CHECK(spread.job("a").nodes == Nodes{0, 2});
  FakeCluster pack(config, make_policy("{policy: load-balance, mode: pack}"));
  pack.submit({.name = "a", .submit = h(0), .nodes = 2, .work = h(5)});
  pack.run_until(h(1));
  CHECK(pack.job("a").nodes == Nodes{0, 1});  // rack 0 has headroom for both (24 °C ≤ 27)
}

TEST_CASE("pack fills the fuller rack while it has headroom, then the next") {
  // 3 racks × 4 nodes at 22 °C, no rise. a (3 nodes) fills rack 0 (all empty: the lowest id);
  // b (2 nodes) takes rack 0's last node, then a fresh rack.
  FakeConfig config{.racks = 3, .nodes_per_rack = 4, .rack_inlet_c = {22.0, 22.0, 22.0}};
  FakeCluster c(config, make_policy("{policy: load-balance, mode: pack}"));
  c.submit({.name = "a", .submit = h(0), .nodes = 3, .work = h(5)});
  c.submit({.name = "b", .submit = h(1), .nodes = 2, .work = h(5)});
  c.run_until(h(2));
  CHECK(c.job("a").nodes == Nodes{0, 1, 2});
  CHECK(c.job("b").nodes == Nodes{3, 4});
  // Rack limits of 6.5 kW: 4 idle nodes draw 4 kW, a's two busy nodes 6 kW, a third would draw
  // 7 kW > 6.5 kW. b's node goes to rack 1, where fewest-racks packing (energy-packing's
  // placement) puts it in rack 0, over its limit.
  config.rack_power_limit_w = {6500.0, 6500.0, 6500.0};
  FakeCluster limited(config, make_policy("{policy: load-balance, mode: pack}"));
  limited.submit({.name = "a", .submit = h(0), .nodes = 2, .work = h(5)});
  limited.submit({.name = "b", .submit = h(1), .nodes = 1, .work = h(5)});
  limited.run_until(h(2));
  CHECK(limited.job("a").nodes == Nodes{0, 1});
  CHECK(limited.job("b").nodes == Nodes{4});
  FakeCluster packing(config, make_policy("{policy: energy-packing}"));
  packing.submit({.name = "a", .submit = h(0), .nodes = 2, .work = h(5)});
  packing.submit({.name = "b", .submit = h(1), .nodes = 1, .work = h(5)});
  packing.run_until(h(2));
  CHECK(packing.job("b").nodes == Nodes{2});
  // A rack whose next node would exceed the allowed inlet is passed over the same way: rack 0 at
  // 26.8 °C + 0.5 K = 27.3 °C > 27 °C.
  FakeConfig hot{.racks = 2,
                 .nodes_per_rack = 2,
                 .rack_inlet_c = {26.8, 25.0},
                 .rack_inlet_rise_k = {0.5, 0.5}};
  FakeCluster warm(hot, make_policy("{policy: load-balance, mode: pack}"));
  warm.submit({.name = "a", .submit = h(0), .nodes = 1, .work = h(5)});
  warm.run_until(h(1));
  CHECK(warm.job("a").nodes == Nodes{2});
}

TEST_CASE("load-balance keys are checked where they are written") {
  auto error_of = [](const char* yaml) {
    try {
      (void)make_policy(yaml);
    } catch (const sim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("{policy: load-balance, mode: fill}").find("spread") != std::string::npos);
  CHECK(error_of("{policy: load-balance, min_gain: -1 K}").find("min_gain") != std::string::npos);
  CHECK(error_of("{policy: load-balance, max_inlet: 300 W}").find("max_inlet") !=
        std::string::npos);
  CHECK(error_of("{policy: load-balance, migrate: maybe}").find("true or false") !=
        std::string::npos);
}

TEST_CASE("with sleep, the nodes woken for a job are chosen by headroom") {
  // 2 racks × 2 nodes, 3 kW limits; 1 kW idle, 100 W asleep, a job adds 1 kW per node. a (1 node)
  // takes node 0 (rack 0 at 3 kW ≤ 3 kW); the three idle nodes sleep after 15 min. b (1 node)
  // arrives at 1 h: rack 0 draws 2 kW + 0.1 kW (node 1 asleep); waking node 1 and running b
  // there adds 0.9 kW + 1 kW, 4 kW > 3 kW, so node 2 of rack 1 is woken (5 min) and b runs there.
  // energy-packing wakes a node of the rack with the most nodes awake, node 1, and b runs in rack 0
  // over its limit.
  FakeConfig config{.racks = 2,
                    .nodes_per_rack = 2,
                    .rack_inlet_c = {22.0, 22.0},
                    .rack_power_limit_w = {3000.0, 3000.0}};
  auto run = [&](const char* policy) {
    FakeCluster c(config, make_policy(policy));
    c.submit({.name = "a", .submit = h(0), .nodes = 1, .work = h(5)});
    c.submit({.name = "b", .submit = h(1), .nodes = 1, .work = h(5)});
    c.run_until(h(2));
    return c;
  };
  const FakeCluster lb = run("{policy: load-balance, mode: pack, sleep: true}");
  CHECK(lb.job("a").nodes == Nodes{0});
  CHECK(lb.job("b").nodes == Nodes{2});
  CHECK(lb.job("b").start == h(1) + sim::minutes(5));
  CHECK(lb.wakes() == 1);
  const FakeCluster packing = run("{policy: energy-packing}");
  CHECK(packing.job("b").nodes == Nodes{1});
}
