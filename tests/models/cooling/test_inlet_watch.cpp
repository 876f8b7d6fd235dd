// DataHall::take_moved_inlets (#20): the racks whose inlet moved past a tolerance since they
// were last reported, found by class of racks in the same state (cohorts of a class reported at
// the same inlet) instead of one test per rack. Against the test per rack, on the same inlets:
// the same racks, in the same order, at every step, while racks change class, classes merge,
// the network drops and rebuilds its classes, and inlets are not numbers.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "models/cooling/data_hall.hpp"
#include "models/cooling/thermal_network.hpp"

using namespace joule::models::cooling;

namespace {

constexpr double tolerance_k = 0.25;  // World's inlet_tolerance_k

ThermalNetwork& network(DataHall& hall) {
  return const_cast<ThermalNetwork&>(hall.network());
}

// The test per rack: what World::on_control_step did before (|now − reported| > tol, or NaN).
struct PerRack {
  std::vector<double> reported_c;
  explicit PerRack(const DataHall& hall) {
    for (int i = 0; i < hall.racks(); ++i) reported_c.push_back(hall.inlet_c(i));
  }
  std::vector<int> take(const DataHall& hall) {
    std::vector<int> moved;
    for (int i = 0; i < hall.racks(); ++i) {
      const double t = hall.inlet_c(i);
      if (std::fabs(t - reported_c[static_cast<std::size_t>(i)]) <= tolerance_k) continue;
      reported_c[static_cast<std::size_t>(i)] = t;
      moved.push_back(i);
    }
    return moved;
  }
  // One call of the watch against this test: the same racks, and the hall's hottest inlet bit for
  // bit. Returns how many racks it reported.
  int check_take(DataHall& hall) {
    std::vector<int> moved;
    const double hottest = hall.take_moved_inlets(tolerance_k, moved);
    REQUIRE(moved == take(hall));
    REQUIRE(std::bit_cast<std::uint64_t>(hottest) ==
            std::bit_cast<std::uint64_t>(hall.max_inlet_c()));
    return static_cast<int>(moved.size());
  }
};

// Jobs on a 200-rack hall of five row positions: racks of a job change together, some go back
// to idle, one flips every few steps, a group differs by a few hundred watts.
double rack_power_w(int rack, int step) {
  if (rack >= 40 && rack < 100 && step >= 5 && step < 60) return step < 30 ? 30e3 : 26e3;
  if (rack >= 80 && rack < 140 && step >= 20 && step < 90) return 30e3;
  if (rack == 7 && step % 6 < 3) return 35e3;
  if (rack >= 150 && step % 40 < 20) return 20e3 + 250.0 * (rack % 3);
  return 6e3;
}

// A hall of `racks` racks at five row positions (recirculation 2–6 %).
DataHallDesign five_positions(int racks) {
  DataHallDesign d;
  d.racks = racks;
  for (int i = 0; i < racks; ++i) d.rack_recirculation.push_back(0.02 + 0.01 * (i % 5));
  return d;
}

}  // namespace

TEST_CASE("moved inlets by class are the racks the test per rack finds, step by step") {
  const int racks = 200;
  const DataHallDesign d = five_positions(racks);
  DataHall hall(d);
  PerRack reference(hall);
  int reported = 0, quiet_steps = 0, partial_steps = 0, cohort_steps = 0;
  for (int k = 0; k < 160; ++k) {
    CAPTURE(k);
    for (int i = 0; i < racks; ++i) hall.set_rack_power(i, rack_power_w(i, k));
    hall.set_supply(22 + 0.3 * std::sin(k / 9.0), k >= 70 && k < 100 ? 0.85 : 1.0);
    hall.set_airflow_ratio(1.05 + 0.01 * (k % 7));
    // The network drops its classes (the general solver) and builds them again: the watch
    // reads every rack's class afresh, and its reports stay the same.
    if (k == 110) network(hall).use_general_solver(true);
    if (k == 115) network(hall).use_general_solver(false);
    if (k == 130) network(hall).forget_factorization();
    hall.step(60);
    std::vector<int> moved;
    const double hottest_read = hall.take_moved_inlets(tolerance_k, moved);
    const std::vector<int> want = reference.take(hall);
    REQUIRE(moved == want);
    // One cohort for each class and reported inlet of its racks, whether a class's racks came
    // to it one by one or as a whole cohort (a job's racks changing class together).
    if (network(hall).aggregated()) {
      std::vector<std::pair<int, std::uint64_t>> pairs;
      for (int i = 0; i < racks; ++i)
        pairs.emplace_back(
            network(hall).class_of_group(network(hall).group_of(ThermalNetwork::Node{2 * i + 1})),
            std::bit_cast<std::uint64_t>(reference.reported_c[i]));
      std::sort(pairs.begin(), pairs.end());
      const auto distinct = std::unique(pairs.begin(), pairs.end()) - pairs.begin();
      REQUIRE(hall.inlet_cohorts() == distinct);
      cohort_steps += distinct < racks / 4;
    }
    // The hottest inlet read with the cohorts (or rack by rack without classes) is max_inlet_c().
    REQUIRE(std::bit_cast<std::uint64_t>(hottest_read) ==
            std::bit_cast<std::uint64_t>(hall.max_inlet_c()));
    // Every rack's inlet read through its class, and the hottest read one class at a time, are
    // bit for bit what inlet_c() reads rack by rack.
    double hottest = -1e300;
    int visited = 0;
    hall.for_each_inlet([&](int i, double inlet_c) {
      REQUIRE(i == visited++);
      REQUIRE(std::bit_cast<std::uint64_t>(inlet_c) ==
              std::bit_cast<std::uint64_t>(hall.inlet_c(i)));
      hottest = std::max(hottest, hall.inlet_c(i));
    });
    REQUIRE(visited == racks);
    REQUIRE(std::bit_cast<std::uint64_t>(hall.max_inlet_c()) ==
            std::bit_cast<std::uint64_t>(hottest));
    reported += static_cast<int>(moved.size());
    quiet_steps += moved.empty();
    partial_steps += !moved.empty() && static_cast<int>(moved.size()) < racks;
  }
  // Inlets did move past the tolerance, not at every step, and often not every rack's.
  CHECK(reported > racks);
  CHECK(quiet_steps > 10);
  CHECK(partial_steps > 10);
  CHECK(cohort_steps > 100);  // cohorts of many racks each at most steps
}

TEST_CASE("moved inlets: a job's racks are reported together, quiet racks never") {
  DataHallDesign d;
  d.racks = 1000;
  DataHall hall(d);
  for (int i = 0; i < 1000; ++i) hall.set_rack_power(i, 5e3);
  std::vector<int> moved;
  for (int k = 0; k < 20; ++k) {
    hall.step(60);
    moved.clear();
    hall.take_moved_inlets(tolerance_k, moved);
  }
  hall.take_moved_inlets(tolerance_k, moved);  // a call without a step reports nothing
  // A job on racks 300..427: their inlets rise by r/(1 − r)·P/W over the idle racks'
  // (0.03/0.97 · 35 kW / (40 kW / 12 K) = 0.32 K at steady state), the others' barely move.
  for (int i = 300; i < 428; ++i) hall.set_rack_power(i, 40e3);
  std::vector<int> job;
  for (int k = 0; k < 60; ++k) {
    hall.step(60);
    moved.clear();
    hall.take_moved_inlets(tolerance_k, moved);
    if (!moved.empty() && job.empty()) job = moved;
  }
  REQUIRE(job.size() == 128);
  CHECK(job.front() == 300);
  CHECK(job.back() == 427);
  CHECK(std::fabs(hall.inlet_c(300) - hall.inlet_c(0)) > tolerance_k);
}

TEST_CASE("moved inlets: an inlet that is not a number is reported at every call, once") {
  DataHallDesign d;
  d.racks = 50;
  DataHall hall(d);
  PerRack reference(hall);
  for (int k = 0; k < 6; ++k) {
    for (int i = 0; i < 50; ++i)
      hall.set_rack_power(i, k >= 3 && i == 4 ? std::numeric_limits<double>::quiet_NaN() : 9e3);
    hall.step(60);
    std::vector<int> moved;
    hall.take_moved_inlets(tolerance_k, moved);
    CAPTURE(k);
    CHECK(moved == reference.take(hall));
    if (k >= 4) CHECK(moved.size() == 50);  // the room carries it to every rack
  }
}

TEST_CASE("moved inlets by class in a hall large enough to ask ahead for the moved racks") {
  // From ask_ahead_groups racks up take_moved_inlets() asks for the moved racks' records ahead
  // (its own copy of the loop over the moved racks): the same racks as the test per rack there.
  const int racks = static_cast<int>(ask_ahead_groups) + 8;
  const DataHallDesign d = five_positions(racks);
  DataHall hall(d);
  PerRack reference(hall);
  // Jobs over scattered runs of racks (every 7th rack of a range, a block, the last racks),
  // starting and ending at different steps, so that the moved racks are many and far apart.
  const auto power_w = [](int rack, int step) {
    if (rack % 7 == 3 && rack < 6000 && step >= 3 && step < 25) return 30e3;
    if (rack >= 2000 && rack < 2600 && step >= 8 && step < 30) return 26e3;
    if (rack >= static_cast<int>(ask_ahead_groups) && step % 10 < 5) return 35e3;
    return 6e3;
  };
  int reported = 0, partial_steps = 0;
  for (int k = 0; k < 36; ++k) {
    CAPTURE(k);
    for (int i = 0; i < racks; ++i) hall.set_rack_power(i, power_w(i, k));
    hall.set_supply(22 + 0.3 * std::sin(k / 9.0), 1.0);
    hall.step(60);
    std::vector<int> moved;
    hall.take_moved_inlets(tolerance_k, moved);
    REQUIRE(moved == reference.take(hall));
    reported += static_cast<int>(moved.size());
    partial_steps += !moved.empty() && static_cast<int>(moved.size()) < racks;
  }
  CHECK(reported > 1000);
  CHECK(partial_steps > 5);
}

TEST_CASE("moved inlets: racks moved to a class no step listed have their cohorts tested") {
  // Only the cohorts of the classes the last step listed, or a moved rack is in now, are
  // tested. A temperature set between steps moves a rack to a class of its own at the new
  // inlet, which no step has listed: the rack is reported all the same, and the hottest inlet
  // follows it up and down.
  const int racks = 12;
  DataHallDesign d;
  d.racks = racks;
  DataHall hall(d);
  for (int i = 0; i < racks; ++i) hall.set_rack_power(i, 5e3 + 2e3 * (i % 3));
  PerRack reference(hall);
  std::vector<int> moved;
  for (int k = 0; k < 40; ++k) {
    hall.step(60);
    moved.clear();
    hall.take_moved_inlets(tolerance_k, moved);
    REQUIRE(moved == reference.take(hall));
  }
  ThermalNetwork& net = network(hall);
  REQUIRE(net.aggregated());
  const ThermalNetwork::Node inlet5{2 * 5 + 1};  // node 0 is the room; then each rack's two
  REQUIRE(std::bit_cast<std::uint64_t>(net.temperature(inlet5)) ==
          std::bit_cast<std::uint64_t>(hall.inlet_c(5)));
  const auto class_of = [&](int rack) {
    return net.class_of_group(net.group_of(ThermalNetwork::Node{2 * rack + 1}));
  };
  const auto listed = [&](int cls) {
    const std::span<const int> s = net.classes_stepped();
    return std::find(s.begin(), s.end(), cls) != s.end();
  };
  // 3 K up: rack 5 alone, now the hottest (rack 2's class, at 9 kW, was: a few tenths lower).
  const double was_c = hall.inlet_c(5);
  const double hottest_was = hall.max_inlet_c();
  net.set_temperature(inlet5, was_c + 3);
  CHECK_FALSE(listed(class_of(5)));
  moved.clear();
  double hottest = hall.take_moved_inlets(tolerance_k, moved);
  CHECK(moved == std::vector<int>{5});
  CHECK(moved == reference.take(hall));
  CHECK(hottest == was_c + 3);
  CHECK(std::bit_cast<std::uint64_t>(hottest) == std::bit_cast<std::uint64_t>(hall.max_inlet_c()));
  // Back down by 3 K: again rack 5 alone; the class that held the hottest inlet has no racks
  // left, and the hottest is the other racks' again.
  net.set_temperature(inlet5, was_c);
  CHECK_FALSE(listed(class_of(5)));
  moved.clear();
  hottest = hall.take_moved_inlets(tolerance_k, moved);
  CHECK(moved == std::vector<int>{5});
  CHECK(moved == reference.take(hall));
  CHECK(std::bit_cast<std::uint64_t>(hottest) == std::bit_cast<std::uint64_t>(hottest_was));
  CHECK(std::bit_cast<std::uint64_t>(hottest) == std::bit_cast<std::uint64_t>(hall.max_inlet_c()));
  // A step later, everything as the test per rack has it.
  hall.step(60);
  moved.clear();
  hottest = hall.take_moved_inlets(tolerance_k, moved);
  CHECK(moved == reference.take(hall));
  CHECK(std::bit_cast<std::uint64_t>(hottest) == std::bit_cast<std::uint64_t>(hall.max_inlet_c()));
}

TEST_CASE("moved inlets: two steps between calls, the racks the test per rack finds") {
  // After one step the classes it listed are tested; after two, the first step's list is gone,
  // and every class is tested.
  const int racks = 200;
  const DataHallDesign d = five_positions(racks);
  DataHall hall(d);
  PerRack reference(hall);
  int reported = 0, one_step_calls = 0, calls = 0;
  // The jobs of the first test over 160 steps; a call after one step every third call, after
  // two the others.
  for (int step = 0; step < 160; ++calls) {
    CAPTURE(step);
    const int steps = calls % 3 == 0 ? 1 : 2;
    one_step_calls += steps == 1;
    for (int j = 0; j < steps; ++j, ++step) {
      for (int i = 0; i < racks; ++i) hall.set_rack_power(i, rack_power_w(i, step));
      hall.set_supply(22 + 0.3 * std::sin(step / 9.0), step >= 70 && step < 100 ? 0.85 : 1.0);
      hall.step(60);
    }
    reported += reference.check_take(hall);
  }
  CHECK(calls == 96);
  CHECK(one_step_calls == 32);
  CHECK(reported > racks);
}

TEST_CASE("moved inlets: a steady solve between calls, the racks the test per rack finds") {
  // While the cohorts are built a rack's reported inlet is kept in its cohort alone; a steady
  // solve drops the cohorts (the next call rebuilds them from the racks' own), so the racks'
  // inlets must be written back from the cohorts first: one reported since the last rebuild
  // would otherwise be tested against an older inlet.
  const int racks = 200;
  const DataHallDesign d = five_positions(racks);
  DataHall hall(d);
  PerRack reference(hall);
  int reported = 0, after_solve = 0;
  for (int k = 0; k < 120; ++k) {
    CAPTURE(k);
    for (int i = 0; i < racks; ++i) hall.set_rack_power(i, rack_power_w(i, k));
    hall.set_supply(22 + 0.3 * std::sin(k / 9.0), k >= 70 && k < 100 ? 0.85 : 1.0);
    if (k % 10 == 9) {
      hall.solve_steady();  // racks jump to their steady inlets
    } else {
      hall.step(60);
    }
    const int n = reference.check_take(hall);
    reported += n;
    if (k % 10 == 9) after_solve += n;
  }
  CHECK(reported > racks);
  CHECK(after_solve > 0);  // some solves moved inlets past the tolerance
  CHECK(after_solve < reported);
}
