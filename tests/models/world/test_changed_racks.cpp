// Dirty-rack tracking for the control step (#20): the cluster lists the racks whose power
// changed, and a facility told only those racks gives the data hall, quiet racks included, the
// temperatures of one that re-reads every rack.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "io/yaml_params.hpp"
#include "models/world/cluster_state.hpp"
#include "models/world/facility.hpp"
#include "tests/test_lcg.hpp"

using namespace joule;
using namespace joule::models;

namespace {

// The changed racks' list as a vector, to compare.
std::vector<std::uint32_t> listed(std::span<const std::uint32_t> racks) {
  return {racks.begin(), racks.end()};
}

// A chilled-water plant with a data hall of `racks` racks of 40 kW design, in 30 degC air.
std::unique_ptr<world::Facility> hall_facility(int racks) {
  const sim::ParamNode cooling =
      io::parse_yaml_text("{type: chilled-water, economizer: water-side}", "cooling.yaml");
  const sim::ParamNode site = io::parse_yaml_text("{dry_bulb: 30 degC}", "site.yaml");
  world::FacilitySections s;
  s.site = &site;
  s.cooling = &cooling;
  world::FacilityDesign design;
  design.racks = racks;
  design.it_w = racks * 40e3;
  design.chip_heat_w = 0.55 * design.it_w;
  return std::make_unique<world::Facility>(world::facility_spec(s, ".", sim::days(1), design),
                                           design);
}

// `racks` racks of two nodes each (nodes 2r and 2r + 1 in rack r).
compute::ClusterSpec two_node_racks(std::size_t racks) {
  compute::ClusterSpec spec;
  spec.racks.assign(racks, compute::RackSpec{});
  for (auto& r : spec.racks) r.nodes = 2;
  return spec;
}

// set(node, wall_w): the node's wall power, its other powers zero.
auto wall_setter(world::ClusterState& state) {
  return [&state](std::uint32_t node, double wall_w) {
    compute::NodePower p;
    p.wall_w = wall_w;
    state.set_node_power(node, p);
  };
}

}  // namespace

TEST_CASE("the cluster lists each rack whose power changed once, until cleared") {
  sim::Simulator sim;
  world::ClusterState state(two_node_racks(3), sim, 24.0);
  compute::NodePower p;
  p.wall_w = 1000;
  CHECK(state.changed_racks().empty());
  state.set_node_power(0, p);  // rack 0
  state.set_node_power(1, p);  // rack 0 again
  state.set_node_power(5, p);  // rack 2
  CHECK(listed(state.changed_racks()) == std::vector<std::uint32_t>{0, 2});
  state.clear_changed_racks();
  CHECK(state.changed_racks().empty());
  state.set_node_power(5, p);  // the same power: no change
  CHECK(state.changed_racks().empty());
  p.wall_w = 800;
  state.set_node_power(2, p);
  CHECK(listed(state.changed_racks()) == std::vector<std::uint32_t>{1});
  CHECK(state.rack_power_w(1) == 800);
}

TEST_CASE("a control step takes the changed racks in one walk: powers, list, flags cleared") {
  sim::Simulator sim;
  world::ClusterState state(two_node_racks(4), sim, 24.0);
  const auto set = wall_setter(state);
  set(0, 1000);  // rack 0
  set(1, 1000);  // rack 0 again: 2000 W
  set(6, 500);   // rack 3
  set(3, 700);   // rack 1
  std::vector<double> rack_w(4, -1.0);
  std::span<const std::uint32_t> racks = state.take_changed_racks(rack_w);
  CHECK(listed(racks) == std::vector<std::uint32_t>{0, 3, 1});
  CHECK(rack_w == std::vector<double>{2000, 700, -1, 500});  // rack 2 never changed
  CHECK(state.changed_racks().empty());
  // Every flag cleared: each rack changed again is listed again, once; the list taken stays as
  // it was until the next take.
  set(7, 300);  // rack 3: 800 W
  set(0, 0);    // rack 0: 1000 W
  set(6, 100);  // rack 3 again: 400 W
  CHECK(listed(state.changed_racks()) == std::vector<std::uint32_t>{3, 0});
  CHECK(listed(racks) == std::vector<std::uint32_t>{0, 3, 1});
  racks = state.take_changed_racks(rack_w);
  CHECK(listed(racks) == std::vector<std::uint32_t>{3, 0});
  CHECK(rack_w == std::vector<double>{1000, 700, -1, 400});
  CHECK(state.changed_racks().empty());
  set(2, 50);  // rack 1, listed into the buffer the first take handed out
  set(5, 20);  // rack 2
  CHECK(listed(state.changed_racks()) == std::vector<std::uint32_t>{1, 2});
  CHECK(listed(racks) == std::vector<std::uint32_t>{3, 0});
  racks = state.take_changed_racks(rack_w);
  CHECK(listed(racks) == std::vector<std::uint32_t>{1, 2});
  CHECK(rack_w == std::vector<double>{1000, 750, 20, 400});
  // Every rack changed at once fills the buffer.
  set(1, 10);
  set(3, 10);
  set(4, 10);
  set(6, 10);
  racks = state.take_changed_racks(rack_w);
  CHECK(listed(racks) == std::vector<std::uint32_t>{0, 1, 2, 3});
  CHECK(rack_w == std::vector<double>{10, 60, 30, 310});
}

TEST_CASE("a rack whose power came back to the bits it was taken at is not handed over") {
  // A job's checkpoint and its steps again within one control step: the rack is listed (its
  // power moved) but holds, at the take, the bits rack_w holds; the facility is not told of it.
  // The others keep the list's order, and every flag is cleared all the same.
  sim::Simulator sim;
  world::ClusterState state(two_node_racks(4), sim, 24.0);
  const auto set = wall_setter(state);
  set(2, 700);  // rack 1
  set(0, 400);  // rack 0
  set(6, 900);  // rack 3
  std::vector<double> rack_w(4, 0.0);
  CHECK(listed(state.take_changed_racks(rack_w)) == std::vector<std::uint32_t>{1, 0, 3});
  set(6, 300);  // rack 3 away ...
  set(0, 100);  // rack 0 away ...
  set(2, 200);  // rack 1: 200 W
  set(6, 900);  // ... rack 3 back: 900 W again
  set(0, 400);  // ... rack 0 back: 400 W again
  set(5, 0.5);  // rack 2
  CHECK(listed(state.changed_racks()) == std::vector<std::uint32_t>{3, 0, 1, 2});
  CHECK(listed(state.take_changed_racks(rack_w)) == std::vector<std::uint32_t>{1, 2});
  CHECK(rack_w == std::vector<double>{400, 200, 0.5, 900});
  CHECK(state.changed_racks().empty());
  // Their flags were cleared too: a real change lists them again.
  set(1, 1);   // rack 0: 401 W
  set(7, 50);  // rack 3: 950 W
  CHECK(listed(state.take_changed_racks(rack_w)) == std::vector<std::uint32_t>{0, 3});
  CHECK(rack_w == std::vector<double>{401, 200, 0.5, 950});
  // Racks listed, none of them moved: an empty list.
  set(0, 0);
  set(0, 400);
  set(4, 1);
  set(4, 0);
  CHECK(listed(state.changed_racks()) == std::vector<std::uint32_t>{0, 2});
  CHECK(state.take_changed_racks(rack_w).empty());
  CHECK(rack_w == std::vector<double>{401, 200, 0.5, 950});
}

TEST_CASE("a facility told the changed racks steps its data hall as one told every rack") {
  const auto all_owner = hall_facility(40), told_owner = hall_facility(40);
  world::Facility &all = *all_owner, &told = *told_owner;
  REQUIRE(all.has_thermal());
  std::vector<double> rack_w(40, 8e3);
  std::vector<std::uint32_t> changed;
  for (int k = 0; k < 120; ++k) {
    changed.clear();
    if (k > 0 && k % 7 == 0) {  // a job starts or ends on a few racks
      for (std::uint32_t r = static_cast<std::uint32_t>(k % 5); r < 40; r += 9) {
        rack_w[r] = rack_w[r] > 20e3 ? 8e3 : 36e3;
        changed.push_back(r);
      }
    }
    double it_w = 0;
    for (const double w : rack_w) it_w += w;
    const sim::Time now = sim::minutes(k);
    for (world::Facility* f : {&all, &told}) f->set_it(now, it_w, 0.55 * it_w);
    all.control_step(now, sim::minutes(1), rack_w);
    told.control_step(now, sim::minutes(1), rack_w, changed);
    CAPTURE(k);
    for (int r = 0; r < 40; ++r) CHECK(told.inlet_c(r) == all.inlet_c(r));  // to the bit
    CHECK(told.cooling_power_w() == all.cooling_power_w());
  }
  // The hall did move: loaded racks breathe warmer air than the supply.
  CHECK(all.max_inlet_c() > all.supply_air_c() + 0.1);
}

TEST_CASE("the hottest inlet is added once per step, read by take_moved_inlets or later") {
  // The World's order (a step, then the moved inlets, which read each step's hottest inlet), a
  // facility nobody asks for moved inlets, and one read in between: the same maximum and time
  // average, bit for bit, as the test's own from every rack's inlet after each step; a reset
  // drops the steps before it.
  const auto world_owner = hall_facility(40), quiet_owner = hall_facility(40),
             read_owner = hall_facility(40);
  world::Facility &world_order = *world_owner, &quiet = *quiet_owner, &read = *read_owner;
  std::vector<double> rack_w(40, 8e3);
  double max_c = -1e300, sum_c_s = 0, sum_s = 0;
  int reported = 0;
  for (int k = 0; k < 150; ++k) {
    if (k == 40) {
      for (world::Facility* f : {&world_order, &quiet, &read}) f->reset_accounts(sim::minutes(k));
      max_c = -1e300;
      sum_c_s = sum_s = 0;
    }
    if (k % 11 == 0)  // a job starts or ends on a few racks
      for (std::size_t r = static_cast<std::size_t>(k % 3); r < 40; r += 4)
        rack_w[r] = rack_w[r] > 20e3 ? 8e3 : 38e3;
    double it_w = 0;
    for (const double w : rack_w) it_w += w;
    const sim::Time now = sim::minutes(k);
    for (world::Facility* f : {&world_order, &quiet, &read}) {
      f->set_it(now, it_w, 0.55 * it_w);
      f->control_step(now, sim::minutes(1), rack_w);
    }
    std::vector<std::uint32_t> moved;
    world_order.take_moved_inlets(0.25, moved);
    reported += static_cast<int>(moved.size());
    if (k % 3 == 0) read.mean_max_inlet_c();
    double hottest_c = -1e300;
    for (int r = 0; r < 40; ++r) hottest_c = std::max(hottest_c, world_order.inlet_c(r));
    max_c = std::max(max_c, hottest_c);
    sum_c_s += hottest_c * 60;
    sum_s += 60;
  }
  for (const world::Facility* f : {&world_order, &quiet, &read}) {
    CHECK(std::bit_cast<std::uint64_t>(f->max_inlet_c()) == std::bit_cast<std::uint64_t>(max_c));
    CHECK(std::bit_cast<std::uint64_t>(f->mean_max_inlet_c()) ==
          std::bit_cast<std::uint64_t>(sum_c_s / sum_s));
  }
  CHECK(reported > 40);                           // the inlets did move
  CHECK(max_c > world_order.mean_max_inlet_c());  // and the hottest with them
}

TEST_CASE("a rack's accelerator state, kept between changes, equals its recomputation") {
  // racks_accelerators() recomputes a rack only when one of its nodes' die, clock or job changed
  // since the last call (rack_accelerators() reads one rack of it); every answer must be what
  // walking the rack's nodes gives, bit for bit.
  sim::Simulator sim;
  compute::ClusterSpec spec;
  spec.racks.assign(5, compute::RackSpec{});
  for (auto& r : spec.racks) r.nodes = 3;
  world::ClusterState state(spec, sim, 24.0);
  const auto walk = [&](std::size_t rack) {
    double die_c = 0.0, clock_sum = 0.0;
    int busy = 0;
    for (std::uint32_t id = state.rack_begin(rack); id < state.rack_end(rack); ++id) {
      die_c = std::max(die_c, state.node(id).die_c);
      if (state.node(id).job >= 0) {
        clock_sum += state.node(id).clock;
        ++busy;
      }
    }
    return std::pair<double, double>{die_c, busy ? clock_sum / busy : 1.0};
  };
  test::Lcg lcg(12345);  // the test's own sequence
  const auto next = [&] { return lcg.next(); };
  int recomputed_differently = 0;
  for (int k = 0; k < 2000; ++k) {
    const auto id = static_cast<std::uint32_t>(next() % state.node_count());
    switch (next() % 4) {
      case 0: {
        compute::NodePower p;
        p.wall_w = 500.0 + static_cast<double>(next() % 1000);
        p.busy.die_temp_c = 40.0 + static_cast<double>(next() % 4000) / 100.0;
        p.idle.die_temp_c = 35.0;
        state.set_node_power(id, p);
        break;
      }
      case 1:
        state.set_node_clock(id, 0.5 + static_cast<double>(next() % 500) / 1000.0);
        break;
      case 2:
        state.assign(id, static_cast<std::int32_t>(next() % 3) - 1);
        break;
      default:
        break;  // nothing: the next read must give the kept value
    }
    if (next() % 3 == 0) {
      // The span the recorder reads: every rack, the changed ones computed again.
      const auto all = state.racks_accelerators();
      REQUIRE(all.size() == state.rack_count());
      for (std::size_t r = 0; r < state.rack_count(); ++r) {
        REQUIRE(std::bit_cast<std::uint64_t>(all[r].first) ==
                std::bit_cast<std::uint64_t>(walk(r).first));
        REQUIRE(std::bit_cast<std::uint64_t>(all[r].second) ==
                std::bit_cast<std::uint64_t>(walk(r).second));
      }
    }
    if (next() % 3 == 0) {
      for (std::size_t r = 0; r < state.rack_count(); ++r) {
        const auto kept = state.rack_accelerators(r);
        const auto fresh = walk(r);
        recomputed_differently += kept.first != fresh.first || kept.second != fresh.second;
        REQUIRE(std::bit_cast<std::uint64_t>(kept.first) ==
                std::bit_cast<std::uint64_t>(fresh.first));
        REQUIRE(std::bit_cast<std::uint64_t>(kept.second) ==
                std::bit_cast<std::uint64_t>(fresh.second));
      }
    }
  }
  CHECK(recomputed_differently == 0);
  // A busy rack's mean clock, checkable by hand: two busy nodes at 0.8 and 0.6, one idle.
  state.assign(0, 1);
  state.assign(1, 2);
  state.assign(2, -1);
  state.set_node_clock(0, 0.8);
  state.set_node_clock(1, 0.6);
  state.set_node_clock(2, 0.1);
  CHECK(state.rack_accelerators(0).second == doctest::Approx(0.7));
}

TEST_CASE("the facility's inlet span is every rack's inlet after each control step") {
  // The recorder's rack sample reads inlets_c(); the span is copied from the data hall at the
  // first read after each step, and must be, bit for bit, what inlet_c() reads from the hall.
  const auto owner = hall_facility(24);
  world::Facility& f = *owner;
  REQUIRE(f.has_thermal());
  REQUIRE(f.inlets_c().size() == 24);
  const std::vector<double> first(f.inlets_c().begin(), f.inlets_c().end());
  for (int r = 0; r < 24; ++r) CHECK(first[static_cast<std::size_t>(r)] == f.inlet_c(r));
  std::vector<double> rack_w(24, 8e3);
  std::uint64_t x = 99;
  const auto next = [&] {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x >> 33;
  };
  int moved = 0;
  for (int k = 0; k < 60; ++k) {
    std::vector<std::uint32_t> changed;
    for (int j = 0; j < 3; ++j) {
      const auto r = static_cast<std::uint32_t>(next() % 24);
      rack_w[r] = 4e3 + static_cast<double>(next() % 36) * 1e3;
      changed.push_back(r);
    }
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    double it_w = 0;
    for (const double w : rack_w) it_w += w;
    const sim::Time now = sim::minutes(k);
    f.set_it(now, it_w, 0.55 * it_w);
    f.control_step(now, sim::minutes(1), rack_w, changed);
    CAPTURE(k);
    // The recorder's copy into its own row (copy_inlets_c), taken before the span: the same.
    std::vector<double> copied(24, std::nan(""));
    f.copy_inlets_c(copied);
    const std::span<const double> inlets = f.inlets_c();
    for (int r = 0; r < 24; ++r) {
      REQUIRE(std::bit_cast<std::uint64_t>(inlets[static_cast<std::size_t>(r)]) ==
              std::bit_cast<std::uint64_t>(f.inlet_c(r)));
      REQUIRE(std::bit_cast<std::uint64_t>(copied[static_cast<std::size_t>(r)]) ==
              std::bit_cast<std::uint64_t>(f.inlet_c(r)));
      moved += inlets[static_cast<std::size_t>(r)] != first[static_cast<std::size_t>(r)];
    }
  }
  CHECK(moved > 0);  // the hall did move off its initial inlets
  std::vector<double> short_row(23);
  CHECK_THROWS_AS(f.copy_inlets_c(short_row), std::invalid_argument);
}
