// ClusterState's set of free nodes (NodeSet: a bit per node) against std::set, which it
// replaced: the same members, in the same (id) order, after every insert and erase. The
// comparison of a job's rack inlets kept between phases, and the racks' accelerators.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "models/world/cluster_state.hpp"
#include "tests/test_lcg.hpp"

using namespace joule;
using namespace joule::models;
using RunPower = world::ClusterState::RunPower;
using RackNodes = world::ClusterState::RackNodes;

namespace {

// The changed racks' list as a vector, to compare.
std::vector<std::uint32_t> listed(std::span<const std::uint32_t> racks) {
  return {racks.begin(), racks.end()};
}

std::vector<std::uint32_t> members(const world::NodeSet& s) {
  std::vector<std::uint32_t> out;
  for (const std::uint32_t id : s) out.push_back(id);
  return out;
}

// `racks` racks of `nodes` nodes each, every inlet at 25 °C, with the simulator it reads.
struct Cluster {
  static compute::ClusterSpec spec_of(std::size_t racks, int nodes) {
    compute::ClusterSpec spec;
    spec.racks.assign(racks, compute::RackSpec{});
    for (auto& r : spec.racks) r.nodes = nodes;
    return spec;
  }
  Cluster(std::size_t racks, int nodes) : state(spec_of(racks, nodes), sim, 25.0) {}
  sim::Simulator sim;
  world::ClusterState state;
};

// The racks computed again by the next racks_accelerators().
std::uint64_t computed_again(world::ClusterState& state) {
  const std::uint64_t before = state.accelerators_computed();
  state.racks_accelerators();
  return state.accelerators_computed() - before;
}

// A job whose nodes follow one power, moved as a uniform job's phases move it (count × Δ per
// rack), and the racks' accelerators read back.
struct FollowedJob {
  FollowedJob(world::ClusterState& s, std::vector<RackNodes> on,
              const std::vector<std::uint32_t>& nodes, const RunPower& start)
      : state(s), racks(std::move(on)), power(start) {
    for (const std::uint32_t id : nodes) state.assign(id, 1);
    state.follow_power(nodes, &power);
  }
  FollowedJob(const FollowedJob&) = delete;  // `followed` points at `power`
  FollowedJob& operator=(const FollowedJob&) = delete;
  void move(const RunPower& to) {
    state.move_nodes_power(racks, power, to, &followed);
    power = to;
  }
  std::uint64_t computed() { return computed_again(state); }
  auto acc(std::size_t r) { return state.racks_accelerators()[r]; }
  world::ClusterState& state;
  std::vector<RackNodes> racks;
  RunPower power;
  world::ClusterState::Followed followed{&power};
};

}  // namespace

TEST_CASE("a node set by hand: word edges, order, repeated inserts and erases") {
  world::NodeSet s(130);  // three words, the last holding ids 128 and 129
  CHECK(s.empty());
  CHECK(s.begin() == s.end());
  for (const std::uint32_t id : {129u, 64u, 0u, 63u, 64u, 128u}) s.insert(id);
  CHECK(s.size() == 5);  // 64 inserted twice
  CHECK(members(s) == std::vector<std::uint32_t>{0, 63, 64, 128, 129});
  s.erase(63);
  s.erase(63);  // not a member any more: no change
  s.erase(1);   // never one
  CHECK(s.size() == 4);
  CHECK(!s.contains(63));
  CHECK(s.contains(128));
  auto it = s.begin();
  CHECK(*it++ == 0);  // post-increment gives the old position
  CHECK(*it == 64);
  s.erase(0);
  s.erase(64);
  s.erase(128);
  s.erase(129);
  CHECK(s.empty());
  CHECK(members(s).empty());
}

TEST_CASE("a node set after 20,000 random inserts and erases equals a std::set") {
  test::Lcg g(7);
  const std::uint32_t n = 1000;
  world::NodeSet s(n);
  std::set<std::uint32_t> want;
  for (int step = 0; step < 20000; ++step) {
    // Runs of consecutive ids, as jobs take and give back their nodes.
    const auto first = static_cast<std::uint32_t>(g.next() % n);
    const auto count = static_cast<std::uint32_t>(1 + g.next() % 70);
    const bool insert = g.next() % 2 == 0;
    for (std::uint32_t id = first; id < std::min(n, first + count); ++id) {
      if (insert) {
        s.insert(id);
        want.insert(id);
      } else {
        s.erase(id);
        want.erase(id);
      }
    }
    REQUIRE(s.size() == want.size());
    if (step % 97 == 0) REQUIRE(members(s) == std::vector<std::uint32_t>(want.begin(), want.end()));
  }
  CHECK(members(s) == std::vector<std::uint32_t>(want.begin(), want.end()));
  for (std::uint32_t id = 0; id < n; ++id) CHECK(s.contains(id) == (want.count(id) == 1));
}

TEST_CASE("a cluster's free nodes follow their state, in id order") {
  Cluster cluster(3, 40);  // 120 nodes: across two words
  world::ClusterState& state = cluster.state;
  CHECK(state.free_nodes().size() == 120);
  for (std::uint32_t id = 30; id < 70; ++id)
    state.set_node_state(id, scheduling::NodeState::on, false, sim::Time::max());
  state.set_node_state(100, scheduling::NodeState::sleeping, true, sim::Time::max());
  CHECK(state.free_nodes().size() == 79);  // 120 − 40 busy − 1 asleep
  std::vector<std::uint32_t> want;
  for (std::uint32_t id = 0; id < 120; ++id)
    if ((id < 30 || id >= 70) && id != 100) want.push_back(id);
  CHECK(members(state.free_nodes()) == want);
}

TEST_CASE("a cluster counts the rack inlets set, so that a reader may keep a comparison") {
  Cluster cluster(3, 4);
  world::ClusterState& state = cluster.state;
  const std::uint64_t before = state.inlets_set();
  state.set_rack_inlet_c(1, 27.5);
  CHECK(state.inlets_set() == before + 1);
  CHECK(state.rack_inlet_c(1) == 27.5);
  CHECK(state.node(state.rack_begin(1)).inlet_c == 27.5);
  CHECK(state.rack_inlet_c(0) == 25.0);
  // Set again to the same value: counted all the same (the count says "maybe changed").
  state.set_rack_inlet_c(1, 27.5);
  CHECK(state.inlets_set() == before + 2);
}

TEST_CASE("a uniform job's racks at one inlet: compared again after any inlet is set") {
  // World::place_uniform() skips the comparison while no inlet was set since the racks were
  // last found at one inlet (JobRuns::inlets_checked); setting any inlet invalidates it.
  Cluster cluster(4, 2);
  world::ClusterState& state = cluster.state;
  const std::vector<world::ClusterState::RackNodes> job = {{0, 2}, {1, 1}, {2, 2}};
  std::uint64_t checked = UINT64_MAX;  // never found so
  CHECK(state.at_one_inlet(job, checked));
  CHECK(checked == state.inlets_set());
  // A rack of the job set apart between two phases: the next phase compares, and finds it.
  state.set_rack_inlet_c(1, 27.5);
  CHECK(checked != state.inlets_set());
  CHECK_FALSE(state.at_one_inlet(job, checked));
  // A false leaves the stamp as it was: the next phase compares again.
  CHECK_FALSE(state.at_one_inlet(job, checked));
  // Back to 25 °C, and a rack outside the job set apart: compared, and at one inlet.
  state.set_rack_inlet_c(1, 25.0);
  state.set_rack_inlet_c(3, 30.0);
  CHECK(state.at_one_inlet(job, checked));
  CHECK(checked == state.inlets_set());
  // One ulp apart is apart (bit for bit, as the evaluation would differ).
  state.set_rack_inlet_c(2, std::nextafter(25.0, 26.0));
  CHECK_FALSE(state.at_one_inlet(job, checked));
  // Every rack at the same new inlet: one inlet again.
  for (const std::uint32_t r : {0u, 1u, 2u}) state.set_rack_inlet_c(r, 26.0);
  CHECK(state.at_one_inlet(job, checked));
  CHECK(checked == state.inlets_set());
}

TEST_CASE("racks' accelerators: few and many changed racks, across two words of bits") {
  // 100 racks of 2 nodes (the changed racks' bits two words). One rack changed, then 21 across
  // both words; the bits are cleared after each call, so that a rack changed again is computed
  // again.
  Cluster cluster(100, 2);
  world::ClusterState& state = cluster.state;
  const auto acc = [&](std::size_t r) { return state.racks_accelerators()[r]; };
  for (std::size_t r = 0; r < 100; ++r) CHECK(acc(r) == std::pair{0.0, 1.0});  // all idle
  // One rack (the list): node 0 busy at clock 0.5, node 1 idle.
  state.assign(0, 1);
  state.set_node_clock(0, 0.5);
  CHECK(acc(0) == std::pair{0.0, 0.5});
  // 21 racks (the set, across its words 0 and 1): racks 60-79 busy at 0.25 and 0.75,
  // mean 0.5; rack 99 with one node at 0.125.
  for (std::uint32_t r = 60; r < 80; ++r) {
    state.assign(2 * r, 2);
    state.assign(2 * r + 1, 2);
    state.set_node_clock(2 * r, 0.25);
    state.set_node_clock(2 * r + 1, 0.75);
  }
  state.assign(199, 3);
  state.set_node_clock(199, 0.125);
  const auto all = state.racks_accelerators();
  for (std::uint32_t r = 60; r < 80; ++r) CHECK(all[r] == std::pair{0.0, 0.5});
  CHECK(all[99] == std::pair{0.0, 0.125});
  CHECK(all[59] == std::pair{0.0, 1.0});
  CHECK(all[0] == std::pair{0.0, 0.5});
  // Rack 61 changed again (after the set was emptied): its nodes follow a held run's power,
  // die 70 °C at clock 0.9; computed from that power: (0.9 + 0.9) / 2.
  const world::ClusterState::RunPower run{10e3, 5e3, 70.0, 0.9};
  const std::vector<std::uint32_t> ids = {122, 123};
  state.follow_power(ids, &run);
  state.assign(122, 2);
  CHECK(acc(61) == std::pair{70.0, 0.9});
  CHECK(acc(60) == std::pair{0.0, 0.5});
}

TEST_CASE("racks' accelerators: a last rack of no nodes stays idle, (0 degC, clock 1)") {
  // A rack's first node's power is asked for before its nodes are counted: for a last rack of
  // none, that is the entry past the last node (never followed).
  compute::ClusterSpec spec;
  spec.racks.assign(3, compute::RackSpec{});
  spec.racks[0].nodes = 2;
  spec.racks[1].nodes = 1;
  spec.racks[2].nodes = 0;
  sim::Simulator sim;
  world::ClusterState state(spec, sim, 25.0);
  REQUIRE(state.node_count() == 3);
  const world::ClusterState::RunPower run{10e3, 5e3, 70.0, 0.5};
  const std::vector<std::uint32_t> ids = {2};
  state.follow_power(ids, &run);
  state.assign(2, 1);
  const auto all = state.racks_accelerators();
  CHECK(all[0] == std::pair{0.0, 1.0});
  CHECK(all[1] == std::pair{70.0, 0.5});
  CHECK(all[2] == std::pair{0.0, 1.0});
  CHECK(state.accelerators_computed() == 3);
}

TEST_CASE("racks' accelerators: racks all on one power share a result, others are walked") {
  // A rack whose nodes all follow one power takes the result of the last such rack computed in
  // the same call when its power and node count are the same; any other rack is walked. Seven
  // racks of 3, 3, 3, 2, 2, 3 and 2 nodes. A clock of 0.1 makes the counts tell: three nodes give
  // (0.1 + 0.1 + 0.1) / 3, not 0.1, and two give (0.1 + 0.1) / 2, which is 0.1.
  sim::Simulator sim;
  compute::ClusterSpec spec = Cluster::spec_of(7, 3);
  spec.racks[3].nodes = 2;
  spec.racks[4].nodes = 2;
  spec.racks[6].nodes = 2;
  world::ClusterState state(spec, sim, 25.0);
  world::ClusterState::RunPower a{10e3, 5e3, 70.0, 0.1};
  const world::ClusterState::RunPower b{10e3, 5e3, 60.0, 0.7};
  const double three_a = (0.1 + 0.1 + 0.1) / 3;
  REQUIRE(three_a != 0.1);
  // Racks 0 and 1 (nodes 0-5) all on a; rack 2 (6-8) on a, a, b; rack 3 (9-10) on a; rack 4
  // (11-12) on b; rack 5 (13-15) on a, a and its own clock 0.5 (two nodes on a: not rack 6's
  // result); rack 6 (16-17) on a.
  const std::vector<std::uint32_t> on_a = {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 13, 14, 16, 17};
  const std::vector<std::uint32_t> on_b = {8, 11, 12};
  REQUIRE(state.rack_begin(3) == 9);
  REQUIRE(state.rack_begin(6) == 16);
  state.follow_power(on_a, &a);
  state.set_node_clock(15, 0.5);
  state.follow_power(on_b, &b);
  const auto mark = [&] {  // every node's job set again: every rack computed at the next call
    for (std::uint32_t id = 0; id < state.node_count(); ++id) state.assign(id, 1);
  };
  mark();
  const std::uint64_t computed = state.accelerators_computed();
  auto all = state.racks_accelerators();
  CHECK(state.accelerators_computed() == computed + 7);
  CHECK(all[0] == std::pair{70.0, three_a});
  CHECK(all[1] == std::pair{70.0, three_a});                // rack 0's result
  CHECK(all[2] == std::pair{70.0, (0.1 + 0.1 + 0.7) / 3});  // its first node on a, not all
  CHECK(all[3] == std::pair{70.0, (0.1 + 0.1) / 2});        // on a, but two nodes
  CHECK(all[4] == std::pair{60.0, (0.7 + 0.7) / 2});        // two nodes, but on b
  CHECK(all[5] == std::pair{70.0, (0.1 + 0.1 + 0.5) / 3});  // two of three on a
  CHECK(all[6] == std::pair{70.0, (0.1 + 0.1) / 2});        // rack 4 between: walked
  // a moves (die 80, clock 0.3): the next call's racks on a have the new values, not the last
  // call's.
  a.die_c = 80.0;
  a.clock = 0.3;
  mark();
  all = state.racks_accelerators();
  CHECK(all[0] == std::pair{80.0, (0.3 + 0.3 + 0.3) / 3});
  CHECK(all[1] == std::pair{80.0, (0.3 + 0.3 + 0.3) / 3});
  CHECK(all[2] == std::pair{80.0, (0.3 + 0.3 + 0.7) / 3});
  CHECK(all[3] == std::pair{80.0, (0.3 + 0.3) / 2});
  CHECK(all[4] == std::pair{60.0, (0.7 + 0.7) / 2});
  CHECK(all[5] == std::pair{80.0, (0.3 + 0.3 + 0.5) / 3});
  CHECK(all[6] == std::pair{80.0, (0.3 + 0.3) / 2});
}

TEST_CASE("a job's racks moved across two pools: each pool's, rack's and the IT's sums by hand") {
  // 4 racks of 2 nodes; pool 0 holds racks 0-1, pool 1 racks 2-3. Whole watts, whole seconds:
  // every sum below is exact, so the checks are to the bit.
  sim::Simulator sim;
  compute::ClusterSpec spec = Cluster::spec_of(4, 2);
  spec.pools.resize(2);
  spec.pools[0].rack_count = 2;
  spec.pools[1].first_rack = 2;
  spec.pools[1].rack_count = 2;
  world::ClusterState state(spec, sim, 25.0);
  const RunPower idle{}, busy{1000.0, 600.0, 50.0, 1.0}, hot{1500.0, 900.0, 60.0, 1.0};
  // t = 0: 6 nodes (2 + 1 in pool 0, 2 + 1 in pool 1) from idle to 1 kW.
  const std::vector<RackNodes> a{{0, 2}, {1, 1}, {2, 2}, {3, 1}};
  CHECK(state.move_nodes_power(a, idle, busy));
  CHECK(state.pool_it_power_w()[0] == 3000.0);
  CHECK(state.pool_it_power_w()[1] == 3000.0);
  CHECK(state.pool_chip_power_w()[0] == 1800.0);
  CHECK(state.pool_chip_power_w()[1] == 1800.0);
  CHECK(state.it_power_w() == 6000.0);
  // t = 10 s: one node of rack 2 to 1.5 kW (rack 2 brought up to 10 s: 2 kW × 10 s).
  sim.run_until(sim::seconds(10));
  const std::vector<RackNodes> b{{2, 1}};
  CHECK(state.move_nodes_power(b, busy, hot));
  CHECK(state.pool_it_power_w()[0] == 3000.0);
  CHECK(state.pool_it_power_w()[1] == 3500.0);    // 3,000 + 500
  CHECK(state.pool_chip_power_w()[1] == 2100.0);  // 1,800 + 300
  // t = 25 s: a node still at 1 kW in racks 1 (pool 0), 2 and 3 (pool 1) back to idle: racks 1
  // and 3 were last brought up at 0 s (25 s elapsed), rack 2 between them at 10 s (15 s).
  sim.run_until(sim::seconds(25));
  const std::vector<RackNodes> c{{1, 1}, {2, 1}, {3, 1}};
  CHECK(state.move_nodes_power(c, busy, idle));
  CHECK(state.pool_it_power_w()[0] == 2000.0);    // 3,000 − 1,000
  CHECK(state.pool_it_power_w()[1] == 1500.0);    // 3,500 − 2 × 1,000
  CHECK(state.pool_chip_power_w()[0] == 1200.0);  // 1,800 − 600
  CHECK(state.pool_chip_power_w()[1] == 900.0);   // 2,100 − 2 × 600
  CHECK(state.it_power_w() == 3500.0);
  CHECK(state.chip_power_w() == 2100.0);  // 3,600 + 300 − 3 × 600
  CHECK(state.rack_power_w(0) == 2000.0);
  CHECK(state.rack_power_w(1) == 0.0);
  CHECK(state.rack_power_w(2) == 1500.0);
  CHECK(state.rack_power_w(3) == 0.0);
  sim.run_until(sim::seconds(30));
  const auto& racks = state.rack_accounts();
  CHECK(racks[0].energy_j == 2000.0 * 30);
  CHECK(racks[1].energy_j == 1000.0 * 25);
  CHECK(racks[2].energy_j == 2000.0 * 10 + 2500.0 * 15 + 1500.0 * 5);
  CHECK(racks[3].energy_j == 1000.0 * 25);
  CHECK(state.it_energy_j() == 6000.0 * 10 + 6500.0 * 15 + 3500.0 * 5);
}

TEST_CASE("a followed power's moves over two pools, and over one: each pool's sums by hand") {
  // A uniform job's moves (wall, chips and accelerators all moving, a followed power given) take
  // loops that read no rack's pool when the cluster has one pool: with two, each rack's sums
  // still go to its own pool. 4 racks of 2 nodes; in the two-pool cluster pool 0 holds racks
  // 0-1, pool 1 racks 2-3. Whole watts and seconds: every sum below is exact.
  const RunPower idle{}, busy{1000.0, 600.0, 50.0, 0.5};
  const std::vector<RackNodes> racks{{0, 2}, {1, 1}, {2, 2}, {3, 1}};
  for (const std::size_t pools : {1, 2}) {
    CAPTURE(pools);
    sim::Simulator sim;
    compute::ClusterSpec spec = Cluster::spec_of(4, 2);
    if (pools == 2) {
      spec.pools.resize(2);
      spec.pools[0].rack_count = 2;
      spec.pools[1].first_rack = 2;
      spec.pools[1].rack_count = 2;
    }
    world::ClusterState state(spec, sim, 25.0);
    RunPower power = idle;
    world::ClusterState::Followed followed{&power};
    const auto move = [&](const std::vector<RackNodes>& to_move, const RunPower& to) {
      CHECK(state.move_nodes_power(to_move, power, to, &followed));
      power = to;
    };
    // Each pool's IT and chip power, by hand for two pools (with one: their sums, exact too).
    const auto pools_hold = [&](double it0, double it1, double chip0, double chip1) {
      const auto it = state.pool_it_power_w();
      const auto chip = state.pool_chip_power_w();
      if (pools == 2) {
        CHECK(it[0] == it0);
        CHECK(it[1] == it1);
        CHECK(chip[0] == chip0);
        CHECK(chip[1] == chip1);
      } else {
        CHECK(it[0] == it0 + it1);
        CHECK(chip[0] == chip0 + chip1);
      }
    };
    // t = 0: 6 nodes away from idle (the die and clock sampled), 3 in each pool of two.
    move(racks, busy);
    CHECK(state.it_power_w() == 6000.0);
    CHECK(state.chip_power_w() == 3600.0);
    pools_hold(3000.0, 3000.0, 1800.0, 1800.0);
    // t = 10 s: racks 2-3 alone back to idle (the die and clock sampled: back), the first of
    // them in pool 1 of two.
    sim.run_until(sim::seconds(10));
    move(std::vector<RackNodes>{{2, 2}, {3, 1}}, idle);
    CHECK(state.it_power_w() == 3000.0);
    pools_hold(3000.0, 0.0, 1800.0, 0.0);
    // t = 20 s: the idle node of rack 1 and one of rack 2 (one in each pool of two) to busy:
    // away again.
    sim.run_until(sim::seconds(20));
    move(std::vector<RackNodes>{{1, 1}, {2, 1}}, busy);
    CHECK(state.it_power_w() == 5000.0);
    pools_hold(4000.0, 1000.0, 2400.0, 600.0);
    sim.run_until(sim::seconds(30));
    const auto& accounts = state.rack_accounts();
    CHECK(accounts[0].energy_j == 2000.0 * 30);
    CHECK(accounts[1].energy_j == 1000.0 * 20 + 2000.0 * 10);
    CHECK(accounts[2].energy_j == 2000.0 * 10 + 1000.0 * 10);
    CHECK(accounts[3].energy_j == 1000.0 * 10);
  }
}

TEST_CASE("racks' energies: a rack already brought up to now keeps its energy to the bit") {
  // move_nodes_power() and rack_accounts() update a rack already at `now` with an elapsed 0 s
  // rather than pass it over: its energy gains power × 0, which must leave it as it was. 4 racks
  // of 1 node at 1,000.25 W from 0 s (products exact in binary).
  struct {
    sim::Simulator sim;
    world::ClusterState state{Cluster::spec_of(4, 1), sim, 25.0};
  } hall;
  using Power = world::ClusterState::RunPower;
  using Racks = std::vector<world::ClusterState::RackNodes>;
  const Power busy{1000.25, 600.0, 50.0, 1.0};
  CHECK(hall.state.move_nodes_power(Racks{{0, 1}, {1, 1}, {2, 1}, {3, 1}}, Power{}, busy));
  hall.sim.run_until(sim::seconds(10));
  // Rack 1 brought up to 10 s, then moved twice more at 10 s: the first of a call's racks
  // already at now, then one between two racks last brought up at 0 s.
  const Power hot{1500.5, 900.0, 60.0, 1.0}, low{500.125, 300.0, 40.0, 1.0};
  CHECK(hall.state.move_nodes_power(Racks{{1, 1}}, busy, hot));
  CHECK(hall.state.move_nodes_power(Racks{{1, 1}}, hot, low));
  CHECK(hall.state.move_nodes_power(Racks{{0, 1}, {1, 1}, {2, 1}}, low, busy));
  CHECK(hall.state.rack_power_w(0) == 1000.25 + 1000.25 - 500.125);
  CHECK(hall.state.rack_power_w(1) == 1000.25);  // 1,000.25 + 500.25 − 1,000.375 + 500.125
  // At 10 s racks 0–2 are at now (the first of them is the first rack read), rack 3 at 0 s.
  for (int call = 0; call < 2; ++call) {
    const auto& racks = hall.state.rack_accounts();
    for (std::size_t r = 0; r < 4; ++r) {
      CAPTURE(r);
      CHECK(racks[r].energy_j == 1000.25 * 10);
      CHECK(racks[r].last_update == sim::seconds(10));
    }
  }
  hall.sim.run_until(sim::seconds(12));
  const auto& racks = hall.state.rack_accounts();
  CHECK(racks[0].energy_j == 1000.25 * 10 + 1500.375 * 2);
  CHECK(racks[1].energy_j == 1000.25 * 10 + 1000.25 * 2);
  CHECK(racks[3].energy_j == 1000.25 * 12);
}

TEST_CASE("racks' energies at a sample: racks last brought up at instants taken in turn") {
  // 5 racks of 1 node, last brought up at 0, 10, 0, 10 and 20 s when sampled at 40 s: the
  // elapsed time kept from one rack to the next is found stale at every rack but the first.
  // Whole watts and seconds: every energy below is exact.
  sim::Simulator sim;
  world::ClusterState state(Cluster::spec_of(5, 1), sim, 25.0);
  const RunPower idle{}, busy{1000.0, 600.0, 50.0, 1.0}, hot{1500.0, 900.0, 60.0, 1.0},
      low{500.0, 300.0, 40.0, 1.0};
  CHECK(state.move_nodes_power(std::vector<RackNodes>{{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}}, idle,
                               busy));
  sim.run_until(sim::seconds(10));
  CHECK(state.move_nodes_power(std::vector<RackNodes>{{1, 1}, {3, 1}}, busy, hot));
  sim.run_until(sim::seconds(20));
  CHECK(state.move_nodes_power(std::vector<RackNodes>{{4, 1}}, busy, low));
  sim.run_until(sim::seconds(40));
  const std::vector<double> at_40{1000.0 * 40, 1000.0 * 10 + 1500.0 * 30, 1000.0 * 40,
                                  1000.0 * 10 + 1500.0 * 30, 1000.0 * 20 + 500.0 * 20};
  for (int call = 0; call < 2; ++call) {  // a second call at the same instant adds nothing
    const auto& racks = state.rack_accounts();
    for (std::size_t r = 0; r < 5; ++r) {
      CAPTURE(r);
      CHECK(racks[r].energy_j == at_40[r]);
      CHECK(racks[r].last_update == sim::seconds(40));
    }
  }
  sim.run_until(sim::seconds(41));
  const auto& racks = state.rack_accounts();
  CHECK(racks[0].energy_j == 1000.0 * 41);
  CHECK(racks[1].energy_j == 1000.0 * 10 + 1500.0 * 31);
  CHECK(racks[4].energy_j == 1000.0 * 20 + 500.0 * 21);
}

TEST_CASE("racks' accelerators: a followed power back at its sampled die and clock") {
  // 4 racks of 2 nodes; a job on racks 0-2 (nodes 0-5) whose records follow one power, moved
  // with it as a uniform job's phases move it. Whole values and clocks of a binary grid: each
  // rack's mean clock is exact.
  Cluster cluster(4, 2);
  world::ClusterState& state = cluster.state;
  const RunPower idle{}, a{1000.0, 600.0, 50.0, 1.0}, b{1200.0, 700.0, 60.0, 0.75},
      c{1100.0, 650.0, 55.0, 0.5};
  FollowedJob job(state, {{0, 2}, {1, 2}, {2, 2}}, {0, 1, 2, 3, 4, 5}, idle);
  job.move(a);
  CHECK(job.computed() == 4);  // every rack, at the first call
  CHECK(job.acc(0) == std::pair{50.0, 1.0});
  CHECK(job.acc(3) == std::pair{0.0, 1.0});
  job.move(b);
  CHECK(job.computed() == 3);
  CHECK(job.acc(2) == std::pair{60.0, 0.75});
  // To a, and back to b before the next call: the racks are as they were, not computed.
  job.move(a);
  job.move(b);
  CHECK(job.computed() == 0);
  CHECK(job.acc(1) == std::pair{60.0, 0.75});
  // To a and to c, then back to a: a is not what the last call saw.
  job.move(a);
  job.move(c);
  job.move(a);
  CHECK(job.computed() == 3);
  CHECK(job.acc(0) == std::pair{50.0, 1.0});
  // Back to a with a node of rack 3 busy meanwhile: only rack 3.
  job.move(c);
  state.assign(6, 2);
  state.set_node_clock(6, 0.5);
  job.move(a);
  CHECK(job.computed() == 1);
  CHECK(job.acc(3) == std::pair{0.0, 0.5});
  // The records of rack 1 written, then following again: rack 1 computed, though a is back.
  job.move(b);
  state.write_records(std::vector<std::uint32_t>{2, 3});
  state.follow_power(std::vector<std::uint32_t>{2, 3}, &job.power);
  job.move(a);
  CHECK(job.computed() == 1);
  // A move of another power, or of another count of a rack's nodes: computed, back or not.
  const RunPower other_power = a;
  world::ClusterState::Followed other{&other_power};
  state.move_nodes_power(std::vector<RackNodes>{{0, 2}}, a, b, &other);
  state.move_nodes_power(std::vector<RackNodes>{{0, 2}}, b, a, &other);
  state.move_nodes_power(std::vector<RackNodes>{{1, 1}}, a, b, &job.followed);
  state.move_nodes_power(std::vector<RackNodes>{{1, 1}}, b, a, &job.followed);
  CHECK(job.computed() == 2);
  // Without a followed power, every move marks its racks.
  state.move_nodes_power(job.racks, a, b);
  state.move_nodes_power(job.racks, b, a);
  CHECK(job.computed() == 3);
  CHECK(job.acc(0) == std::pair{50.0, 1.0});
  CHECK(job.acc(2) == std::pair{50.0, 1.0});
}

TEST_CASE("racks' accelerators: a followed power's moves across three words of bits") {
  // 140 racks of 2 nodes; a job on racks 60-69 and 130 (its racks' bits in words 0, 1 and 2)
  // whose nodes follow one power. A move sets or clears each rack's bit (its word read and
  // written again): a move back clears every one of them, a move elsewhere sets them, and a
  // rack changed otherwise (rack 64: its records written on their own, then following again)
  // keeps its bit through a move back.
  Cluster cluster(140, 2);
  world::ClusterState& state = cluster.state;
  const RunPower a{1000.0, 600.0, 50.0, 1.0}, b{1200.0, 700.0, 60.0, 0.5};
  std::vector<std::uint32_t> ids;
  std::vector<RackNodes> racks;
  for (std::uint32_t r = 60; r < 70; ++r) racks.push_back({r, 2});
  racks.push_back({130, 2});
  for (const RackNodes& r : racks) {
    ids.push_back(2 * r.rack);
    ids.push_back(2 * r.rack + 1);
  }
  FollowedJob job(state, racks, ids, a);
  CHECK(job.computed() == 140);  // every rack, at the first call
  CHECK(job.acc(130) == std::pair{50.0, 1.0});
  job.move(b);
  CHECK(job.computed() == 11);
  CHECK(job.acc(63) == std::pair{60.0, 0.5});
  CHECK(job.acc(130) == std::pair{60.0, 0.5});
  job.move(a);
  job.move(b);
  CHECK(job.computed() == 0);  // back at b: every bit cleared, in all three words
  job.move(a);
  CHECK(job.computed() == 11);
  CHECK(job.acc(69) == std::pair{50.0, 1.0});
  CHECK(job.acc(130) == std::pair{50.0, 1.0});
  // A rack outside the job changed between two moves: it alone is computed.
  job.move(b);
  state.assign(200, 2);  // a node of rack 100
  job.move(a);
  CHECK(job.computed() == 1);
  state.write_records(std::vector<std::uint32_t>{128});
  state.follow_power(std::vector<std::uint32_t>{128}, &job.power);
  job.move(b);
  job.move(a);
  CHECK(job.computed() == 1);  // rack 64 alone, though the power came back
  CHECK(job.acc(64) == std::pair{50.0, 1.0});
  CHECK(job.acc(100) == std::pair{0.0, 1.0});
}

TEST_CASE("racks' accelerators: a move without a followed power is never found back") {
  // Rack 0's two nodes follow two powers of the same values (computed: no one power, 2 nodes
  // following). Moved without a followed power to a die of 0 °C and a clock of 0, the bits a
  // followed power's sampled die and clock start from, the rack is computed again.
  Cluster cluster(2, 2);
  world::ClusterState& state = cluster.state;
  const RunPower a{1000.0, 600.0, 50.0, 1.0}, zero{800.0, 500.0, 0.0, 0.0};
  RunPower p = a, q = a;
  state.assign(0, 1);
  state.assign(1, 1);
  state.follow_power(std::vector<std::uint32_t>{0}, &p);
  state.follow_power(std::vector<std::uint32_t>{1}, &q);
  const auto computed = [&] { return computed_again(state); };
  CHECK(computed() == 2);  // both racks, at the first call
  CHECK(state.racks_accelerators()[0] == std::pair{50.0, 1.0});
  CHECK(state.move_nodes_power(std::vector<RackNodes>{{0, 2}}, a, zero));
  p = q = zero;
  CHECK(computed() == 1);
  CHECK(state.racks_accelerators()[0] == std::pair{0.0, 0.0});  // (0 + 0) / 2 busy
}

TEST_CASE("a move of the wall power, the chips' or the accelerators' alone moves only its own") {
  // 4 racks of 2 nodes; 5 nodes on racks 0-2 moved together (no followed power: every move of
  // the accelerators marks its racks). Whole watts and seconds: every sum below is exact.
  Cluster cluster(4, 2);
  world::ClusterState& state = cluster.state;
  const std::vector<RackNodes> racks{{0, 2}, {1, 1}, {2, 2}};
  const RunPower idle{}, a{1000.0, 600.0, 50.0, 1.0};
  const RunPower slow{1000.0, 600.0, 50.0, 0.5};   // the clock alone moved
  const RunPower wall{1500.0, 600.0, 50.0, 0.5};   // the wall power alone
  const RunPower chips{1500.0, 900.0, 50.0, 0.5};  // the chips' power alone
  const auto computed = [&] { return computed_again(state); };
  CHECK(state.move_nodes_power(racks, idle, a));  // all three
  CHECK(listed(state.changed_racks()) == std::vector<std::uint32_t>{0, 1, 2});
  CHECK(computed() == 4);  // every rack, at the first call
  state.clear_changed_racks();
  // t = 10 s: the accelerators alone. No wall power moved: no rack changed, none brought up.
  cluster.sim.run_until(sim::seconds(10));
  CHECK_FALSE(state.move_nodes_power(racks, a, slow));
  CHECK(state.changed_racks().empty());
  CHECK(computed() == 3);
  CHECK(state.it_power_w() == 5000.0);
  CHECK(state.chip_power_w() == 3000.0);
  // t = 20 s: the wall power alone: racks changed and brought up, accelerators as they were.
  cluster.sim.run_until(sim::seconds(20));
  CHECK(state.move_nodes_power(racks, slow, wall));
  CHECK(listed(state.changed_racks()) == std::vector<std::uint32_t>{0, 1, 2});
  CHECK(computed() == 0);
  CHECK(state.rack_power_w(0) == 3000.0);
  CHECK(state.rack_power_w(1) == 1500.0);
  CHECK(state.it_power_w() == 7500.0);
  CHECK(state.chip_power_w() == 3000.0);
  CHECK(state.pool_chip_power_w()[0] == 3000.0);
  state.clear_changed_racks();
  // t = 30 s: the chips' power alone: the chip sums move, no rack and no accelerators.
  cluster.sim.run_until(sim::seconds(30));
  CHECK_FALSE(state.move_nodes_power(racks, wall, chips));
  CHECK(state.changed_racks().empty());
  CHECK(computed() == 0);
  CHECK(state.chip_power_w() == 4500.0);  // 3,000 + 5 × 300
  CHECK(state.pool_chip_power_w()[0] == 4500.0);
  CHECK(state.it_power_w() == 7500.0);
  cluster.sim.run_until(sim::seconds(40));
  const auto& accounts = state.rack_accounts();
  CHECK(accounts[0].energy_j == 2000.0 * 20 + 3000.0 * 20);
  CHECK(accounts[1].energy_j == 1000.0 * 20 + 1500.0 * 20);
  CHECK(accounts[3].energy_j == 0.0);
  CHECK(state.it_energy_j() == 5000.0 * 20 + 7500.0 * 20);
}

TEST_CASE("racks changed since the control step: each listed once, across a rack sample") {
  // The flag "in changed_racks()" sits beside the rack's accelerators basis, which
  // racks_accelerators() resets when it computes a rack: that must leave the flag as it was.
  // 9 racks of 1 node (rack_accounts() takes racks by four: two fours and one more), whole
  // watts and seconds: every energy below is exact.
  Cluster cluster(9, 1);
  world::ClusterState& state = cluster.state;
  using Racks = std::vector<world::ClusterState::RackNodes>;
  const RunPower idle{}, a{1000.0, 600.0, 50.0, 1.0}, b{2000.0, 900.0, 60.0, 0.5};
  const Racks all{{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}, {6, 1}, {7, 1}, {8, 1}};
  const std::vector<std::uint32_t> every{0, 1, 2, 3, 4, 5, 6, 7, 8};
  CHECK(state.move_nodes_power(all, idle, a));
  CHECK(listed(state.changed_racks()) == every);
  state.racks_accelerators();  // every rack computed, its basis reset
  cluster.sim.run_until(sim::seconds(10));
  CHECK(state.move_nodes_power(Racks{{2, 1}, {8, 1}}, a, b));
  CHECK(listed(state.changed_racks()) == every);  // racks 2 and 8 not listed twice
  state.clear_changed_racks();
  cluster.sim.run_until(sim::seconds(20));
  CHECK(state.move_nodes_power(Racks{{8, 1}, {5, 1}}, idle, a));  // from 0 W: adds 1,000 W
  CHECK(listed(state.changed_racks()) == std::vector<std::uint32_t>{8, 5});
  state.racks_accelerators();
  CHECK(state.move_nodes_power(Racks{{5, 1}, {3, 1}}, idle, a));
  CHECK(listed(state.changed_racks()) == std::vector<std::uint32_t>{8, 5, 3});
  // At 30 s: racks last brought up at 0 s (0, 1, 4, 6, 7), 10 s (2) and 20 s (3, 5, 8).
  cluster.sim.run_until(sim::seconds(30));
  const std::vector<double> at_30{1000.0 * 30,
                                  1000.0 * 30,
                                  1000.0 * 10 + 2000.0 * 20,
                                  1000.0 * 20 + 2000.0 * 10,
                                  1000.0 * 30,
                                  1000.0 * 20 + 3000.0 * 10,
                                  1000.0 * 30,
                                  1000.0 * 30,
                                  1000.0 * 10 + 2000.0 * 10 + 3000.0 * 10};
  const auto& racks = state.rack_accounts();
  for (std::size_t r = 0; r < 9; ++r) {
    CAPTURE(r);
    CHECK(racks[r].energy_j == at_30[r]);
    CHECK(racks[r].last_update == sim::seconds(30));
  }
}

TEST_CASE("a followed power's moves with every rack's count given: the sums as without it") {
  // A uniform job's racks all of one count (`each`): the walk reads no count and takes count ×
  // Δ once. 6 racks of 4 nodes, the job on racks 0, 1, 3 and 5, 4 nodes each, in two states:
  // one moved with `each`, one without. Whole watts, whole seconds, clocks of a binary grid:
  // every sum below is exact, and the two states agree to the bit.
  const RunPower idle{}, a{1000.0, 600.0, 50.0, 1.0}, b{1500.0, 700.0, 60.0, 0.5};
  const std::vector<RackNodes> racks{{0, 4}, {1, 4}, {3, 4}, {5, 4}};
  std::vector<std::uint32_t> ids;
  for (const RackNodes& r : racks)
    for (std::uint32_t k = 0; k < 4; ++k) ids.push_back(r.rack * 4 + k);
  Cluster with(6, 4), without(6, 4);
  RunPower power_with = idle, power_without = idle;
  world::ClusterState::Followed followed_with{&power_with}, followed_without{&power_without};
  for (Cluster* c : {&with, &without})
    for (const std::uint32_t id : ids) c->state.assign(id, 1);
  with.state.follow_power(ids, &power_with);
  without.state.follow_power(ids, &power_without);
  // Both moved alike; `each` given to one.
  const auto move = [&](const RunPower& to, int seconds) {
    for (Cluster* c : {&with, &without}) c->sim.run_until(sim::seconds(seconds));
    CHECK(with.state.move_nodes_power(racks, power_with, to, &followed_with, 4));
    CHECK(without.state.move_nodes_power(racks, power_without, to, &followed_without));
    power_with = power_without = to;
  };
  move(a, 0);
  CHECK(computed_again(with.state) == 6);  // every rack, at the first call
  CHECK(computed_again(without.state) == 6);
  move(b, 10);
  move(a, 20);  // back at what the last call saw: no rack computed
  CHECK(computed_again(with.state) == 0);
  CHECK(computed_again(without.state) == 0);
  move(b, 30);
  CHECK(computed_again(with.state) == 4);  // the job's racks, away from what the last call saw
  CHECK(computed_again(without.state) == 4);
  for (Cluster* c : {&with, &without}) {
    world::ClusterState& state = c->state;
    CHECK(state.it_power_w() == 16 * 1500.0);
    CHECK(state.chip_power_w() == 16 * 700.0);
    CHECK(state.pool_it_power_w()[0] == 16 * 1500.0);
    CHECK(state.pool_chip_power_w()[0] == 16 * 700.0);
    CHECK(listed(state.changed_racks()) == std::vector<std::uint32_t>{0, 1, 3, 5});
    CHECK(state.racks_accelerators()[3] == std::pair{60.0, 0.5});
    c->sim.run_until(sim::seconds(40));
    const auto& accounts = state.rack_accounts();
    for (const std::uint32_t r : {0u, 1u, 3u, 5u}) {
      CAPTURE(r);
      CHECK(state.rack_power_w(r) == 4 * 1500.0);
      CHECK(accounts[r].energy_j == 4000.0 * 10 + 6000.0 * 10 + 4000.0 * 10 + 6000.0 * 10);
    }
    CHECK(accounts[2].energy_j == 0.0);
    CHECK(accounts[4].energy_j == 0.0);
    CHECK(state.it_energy_j() == 16000.0 * 10 + 24000.0 * 10 + 16000.0 * 10 + 24000.0 * 10);
  }
}

TEST_CASE("racks' accelerators: a rack changed otherwise is computed, though its power is back") {
  // A rack changed otherwise than by its followed power's moves (here a node of it set on its
  // own) has no count its moves can match: a move back to what the last call saw still leaves
  // it to be computed, the job's other racks not.
  Cluster cluster(3, 2);
  world::ClusterState& state = cluster.state;
  const RunPower idle{}, a{1000.0, 600.0, 50.0, 1.0}, b{1500.0, 700.0, 60.0, 0.5};
  const std::vector<RackNodes> racks{{0, 2}, {1, 2}};
  const std::vector<std::uint32_t> ids{0, 1, 2, 3};
  RunPower power = idle;
  world::ClusterState::Followed followed{&power};
  for (const std::uint32_t id : ids) state.assign(id, 1);
  state.follow_power(ids, &power);
  const auto move = [&](const RunPower& to) {
    CHECK(state.move_nodes_power(racks, power, to, &followed, 2));
    power = to;
  };
  const auto computed = [&] { return computed_again(state); };
  move(a);
  CHECK(computed() == 3);
  move(b);
  // Node 2 (rack 1) idle on its own, then following again at b: rack 1 changed otherwise.
  state.write_records(std::vector<std::uint32_t>{2});
  state.set_node_clock(2, 0.25);
  state.follow_power(std::vector<std::uint32_t>{2}, &power);
  move(a);  // back at what the last call saw
  CHECK(computed() == 1);
  CHECK(state.racks_accelerators()[1] == std::pair{50.0, 1.0});
  move(b);
  move(a);  // rack 1 computed again at a: back now for both racks
  CHECK(computed() == 0);
}
