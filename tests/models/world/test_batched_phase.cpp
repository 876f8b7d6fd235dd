// A job phase on a run of nodes at once (#20): the batched forms of the cluster's, the split's
// and the GPU histogram's per-node updates must leave every account bit-identical to the calls
// one node at a time, whatever state each node left (idle, another job's, shared, a different
// power, the same power, asleep at a fixed power).
#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
#include <span>
#include <vector>

#include "models/compute/gpu_power_histogram.hpp"
#include "models/world/cluster_state.hpp"
#include "models/world/energy_split.hpp"
#include "tests/test_lcg.hpp"

using namespace joule;
using namespace joule::models;

namespace {

// The changed racks' list as a vector, to compare.
std::vector<std::uint32_t> listed(std::span<const std::uint32_t> racks) {
  return {racks.begin(), racks.end()};
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// The test's own sequence (tests/test_lcg.hpp), seeded 20.
struct Lcg : test::Lcg {
  Lcg() : test::Lcg(20) {}
};

// A node power with every field the accounts read set (wall, accelerators, die temperatures,
// the parts' inputs), drawn from a few levels so that runs often repeat a state.
compute::NodePower random_power(Lcg& g) {
  compute::NodePower p;
  const double level = static_cast<double>(g.next() % 5);
  p.wall_w = 700.0 + 1234.567 * level + (g.next() % 4 == 0 ? g.real(0, 1) : 0.0);
  p.accelerators_w = 0.6 * p.wall_w + 0.1 * level;
  p.cpu_w = 150.3 + level;
  p.dram_w = 40.1;
  p.nic_w = 25.7 + 0.3 * level;
  p.other_w = 60.9;
  p.busy.power_w = 90.0 + 97.3 * level;
  p.idle.power_w = 70.0 + 0.7 * level;
  p.busy.die_temp_c = 40.0 + 5.1 * level;
  p.idle.die_temp_c = 35.0;
  return p;
}

// Random runs: nodes of one rack (ClusterState::set_nodes_power's precondition), in random
// order, each at most once.
std::vector<std::uint32_t> random_run(Lcg& g, const world::ClusterState& s) {
  const auto rack = static_cast<std::size_t>(g.next() % s.rack_count());
  std::vector<std::uint32_t> run;
  for (std::uint32_t id = s.rack_begin(rack); id < s.rack_end(rack); ++id)
    if (g.next() % 3 != 0) run.push_back(id);
  for (std::size_t i = run.size(); i > 1; --i) std::swap(run[i - 1], run[g.next() % i]);
  return run;
}

}  // namespace

TEST_CASE("a run of nodes set at once leaves the cluster's accounts bit-identical") {
  sim::Simulator sim;
  compute::ClusterSpec spec;
  spec.racks.assign(6, compute::RackSpec{});
  for (auto& r : spec.racks) r.nodes = 9;
  world::ClusterState one(spec, sim, 24.0), batched(spec, sim, 24.0);
  Lcg g;
  std::int64_t t_ns = 0;
  int runs_that_changed = 0, runs_with_no_change = 0;
  for (int k = 0; k < 3000; ++k) {
    if (g.next() % 3 == 0) {
      t_ns += static_cast<std::int64_t>(g.next() % 7) * 333'333'333;
      sim.run_until(sim::Time::from_ns(t_ns));
    }
    const compute::NodePower p = random_power(g);
    const std::vector<std::uint32_t> run = random_run(g, one);
    if (g.next() % 4 == 0) {  // some nodes at their own power first (a sleeping node, say)
      compute::NodePower q;
      q.wall_w = 12.5;
      for (std::size_t i = 0; i < run.size(); i += 3) {
        one.set_node_power(run[i], q);
        batched.set_node_power(run[i], q);
      }
    }
    bool changed = false;
    for (const auto id : run) changed |= one.set_node_power(id, p);
    CHECK(batched.set_nodes_power(run, p) == changed);
    (changed ? runs_that_changed : runs_with_no_change) += 1;
    const double clock = g.next() % 2 ? 1.0 : g.real(0.5, 1.0);
    for (const auto id : run) one.set_node_clock(id, clock);
    batched.set_nodes_clock(run, clock);
    if (g.next() % 5 == 0) {
      one.clear_changed_racks();
      batched.clear_changed_racks();
    }
    REQUIRE(listed(batched.changed_racks()) == listed(one.changed_racks()));
    REQUIRE(same_bits(batched.it_power_w(), one.it_power_w()));
    REQUIRE(same_bits(batched.chip_power_w(), one.chip_power_w()));
  }
  CHECK(runs_that_changed > 100);
  CHECK(runs_with_no_change > 10);
  sim.run_until(sim::Time::from_ns(t_ns) + sim::seconds(10));
  CHECK(same_bits(batched.it_energy_j(), one.it_energy_j()));
  CHECK(batched.it_energy_j() > 0);
  for (std::size_t r = 0; r < one.rack_count(); ++r) {
    CAPTURE(r);
    CHECK(same_bits(batched.rack_accounts()[r].energy_j, one.rack_accounts()[r].energy_j));
    CHECK(same_bits(batched.rack_accounts()[r].power_w, one.rack_accounts()[r].power_w));
    CHECK(same_bits(batched.rack_accelerators(r).first, one.rack_accelerators(r).first));
    CHECK(same_bits(batched.rack_accelerators(r).second, one.rack_accelerators(r).second));
  }
  for (std::uint32_t id = 0; id < one.node_count(); ++id) {
    CHECK(same_bits(batched.node(id).power_w, one.node(id).power_w));
    CHECK(same_bits(batched.node(id).accelerators_w, one.node(id).accelerators_w));
    CHECK(same_bits(batched.node(id).die_c, one.node(id).die_c));
    CHECK(same_bits(batched.node(id).clock, one.node(id).clock));
  }
  CHECK(same_bits(batched.pool_it_power_w()[0], one.pool_it_power_w()[0]));
  CHECK(same_bits(batched.pool_chip_power_w()[0], one.pool_chip_power_w()[0]));
  // Nodes of two racks in one run are refused (the rack account is kept over the run).
  const std::uint32_t two_racks[] = {0, one.rack_begin(1)};
  CHECK_THROWS_AS(batched.set_nodes_power(two_racks, random_power(g)), std::logic_error);
}

TEST_CASE("a job phase on a run of nodes leaves the split's accounts bit-identical") {
  // Nodes come to the job idle (no owner), from another job, from a node shared by two jobs,
  // or already the job's at another power; both splits see the same sequence.
  sim::Simulator sim;
  constexpr std::size_t nodes = 24;
  world::EnergySplit one(sim, nodes, 500.0, {}), batched(sim, nodes, 500.0, {});
  Lcg g;
  g.x = 7;
  std::int64_t t_ns = 0;
  const auto parts_of = [](const compute::NodePower& p, double io_w) {
    return world::EnergySplit::node_parts(p, io_w);
  };
  for (int k = 0; k < 3000; ++k) {
    if (g.next() % 2 == 0) {
      t_ns += static_cast<std::int64_t>(g.next() % 5) * 250'000'000;
      sim.run_until(sim::Time::from_ns(t_ns));
    }
    const compute::NodePower p = random_power(g);
    const auto parts = parts_of(p, g.real(0, 300));
    const auto job = static_cast<std::uint32_t>(g.next() % 6);
    std::vector<std::uint32_t> run;
    for (std::uint32_t id = 0; id < nodes; ++id)
      if (g.next() % 3 == 0) run.push_back(id);
    switch (g.next() % 4) {
      case 0: {  // a few nodes idle (no owner) or shared first
        for (std::size_t i = 0; i < run.size(); i += 2) {
          const world::EnergySplit::Owners none{},
              shared{{(job + 1) % 6, 0.25}, {(job + 2) % 6, 0.75}};
          const auto& owners = g.next() % 2 ? none : shared;
          const auto q = parts_of(random_power(g), 0.0);
          one.set_node(run[i], owners, q);
          batched.set_node(run[i], owners, q);
        }
        break;
      }
      case 1: {  // another job's
        const world::EnergySplit::Owners other{{(job + 3) % 6, 1.0}};
        for (const auto id : run) {
          one.set_node(id, other, parts);
          batched.set_node(id, other, parts);
        }
        break;
      }
      default:
        break;
    }
    const world::EnergySplit::Owners owners{{job, 1.0}};
    for (const auto id : run) one.set_node(id, owners, parts);
    batched.set_job_nodes(run, job, parts);
  }
  sim.run_until(sim::Time::from_ns(t_ns) + sim::seconds(3));
  const auto f1 = one.facility_j(), f2 = batched.facility_j();
  for (std::size_t i = 0; i < world::EnergySplit::part_count; ++i) {
    CAPTURE(i);
    CHECK(same_bits(f2[i], f1[i]));
    if (i != world::EnergySplit::storage) CHECK(f1[i] > 0);  // no storage system here
  }
  for (std::uint32_t job = 0; job < 6; ++job) {
    const auto j1 = one.job_j(job), j2 = batched.job_j(job);
    for (std::size_t i = 0; i < world::EnergySplit::part_count; ++i) {
      CAPTURE(job);
      CAPTURE(i);
      CHECK(same_bits(j2[i], j1[i]));
    }
  }
}

TEST_CASE("a run of nodes set at once leaves the GPU histogram bit-identical") {
  // Nodes leave idle states, one job's states at several powers, shared states of up to three
  // groups; runs repeat the new state (no move) or take one: every bin of every take equal to
  // the calls node by node, to the bit.
  constexpr int gpus = 8;
  constexpr std::size_t nodes = 20;
  compute::GpuPowerHistogram one(nodes, gpus, 20.0, 1500.0), batched(nodes, gpus, 20.0, 1500.0);
  Lcg g;
  g.x = 99;
  std::int64_t t_ns = 0;
  int takes = 0;
  for (int k = 0; k < 4000; ++k) {
    if (g.next() % 2 == 0) t_ns += static_cast<std::int64_t>(g.next() % 9) * 123'456'789;
    const sim::Time now = sim::Time::from_ns(t_ns);
    std::vector<std::uint32_t> run;
    for (std::uint32_t id = 0; id < nodes; ++id)
      if (g.next() % 2 == 0) run.push_back(id);
    if (g.next() % 5 == 0) {  // some nodes shared first
      const compute::GpuPowerHistogram::Group groups[] = {
          {static_cast<int>(g.next() % 4), g.real(0, 1600)}, {2, g.real(0, 900)}, {1, 300.0}};
      const std::span<const compute::GpuPowerHistogram::Group> s(groups, 2 + g.next() % 2);
      for (std::size_t i = 0; i < run.size(); i += 3) {
        one.set(run[i], now, s, 70.0);
        batched.set(run[i], now, s, 70.0);
      }
    }
    const int busy = static_cast<int>(g.next() % 10);  // 9: more than the node has
    const double busy_w = 100.0 * static_cast<double>(g.next() % 4) + 5.0;
    const double idle_w = g.next() % 2 ? 70.0 : 90.0;
    for (const auto id : run) one.set(id, now, busy, busy_w, idle_w);
    batched.set(run, now, busy, busy_w, idle_w);
    if (g.next() % 50 == 0) {
      t_ns += 1'000'000'000;
      const auto a = one.take(sim::Time::from_ns(t_ns)), b = batched.take(sim::Time::from_ns(t_ns));
      REQUIRE(a.size() == b.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        CAPTURE(i);
        REQUIRE(same_bits(b[i], a[i]));
      }
      ++takes;
    }
  }
  CHECK(takes > 20);
}
