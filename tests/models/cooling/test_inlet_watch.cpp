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

}  // namespace

TEST_CASE("moved inlets by class are the racks the test per rack finds, step by step") {
  const int racks = 200;
  DataHallDesign d;
  d.racks = racks;
  for (int i = 0; i < racks; ++i) d.rack_recirculation.push_back(0.02 + 0.01 * (i % 5));
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
  DataHallDesign d;
  d.racks = racks;
  for (int i = 0; i < racks; ++i) d.rack_recirculation.push_back(0.02 + 0.01 * (i % 5));
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

TEST_CASE("the scan over cohort slots passes free slots and stops at the first live one moved") {
  // Racks at three powers: three classes at three inlets after a step, rack 0's the hottest.
  DataHallDesign d;
  d.racks = 6;
  DataHall hall(d);
  for (int i = 0; i < 6; ++i) hall.set_rack_power(i, 25e3 - 10e3 * (i % 3));
  hall.step(60);
  const ThermalNetwork& net = hall.network();
  REQUIRE(net.aggregated());
  // Rack i's class and the place of its inlet in its group (rack i's nodes are 2i and 2i + 1).
  const auto class_of = [&](int rack) {
    return net.class_of_group(net.group_of(ThermalNetwork::Node{2 * rack + 1}));
  };
  int local = -1;
  for (int l = 0; l < 2; ++l)
    if (std::bit_cast<std::uint64_t>(net.class_temperature(class_of(0), l)) ==
        std::bit_cast<std::uint64_t>(hall.inlet_c(0)))
      local = l;
  REQUIRE(local >= 0);
  const int a = class_of(0), b = class_of(1), c = class_of(2);
  REQUIRE(a != b);
  REQUIRE(b != c);
  REQUIRE(a != c);
  const ThermalNetwork::ClassColumn inlet = net.class_temperatures(local);
  const auto cohort = [&](int cls, double reported_c) {
    DataHall::Cohort h;
    h.cls = cls;
    h.reported_c = reported_c;
    return h;
  };
  // A free slot's reported inlet far from any class's: taken as live, it would stop the scan.
  const DataHall::Cohort free = cohort(-1, 1e9);
  const double ta = inlet[a], tb = inlet[b], tc = inlet[c];
  const double hottest_abc = std::max(std::max(ta, tb), tc);
  // Free slots in either lane of a pair, a cohort within tol (0.1 K off), one moved (1 K off) in
  // the second lane of the fourth pair, and a ninth slot left for the scan one by one.
  const std::vector<DataHall::Cohort> slots = {free,          cohort(a, ta),       free,
                                               cohort(b, tb), cohort(c, tc + 0.1), free,
                                               cohort(a, ta), cohort(b, tb + 1),   cohort(c, tc)};
  double hottest = -1e300;
  CHECK(DataHall::scan_quiet(slots.data(), 0, slots.size(), inlet, tolerance_k, hottest) == 7);
  // Every live slot up to the stop was read (a, b and c): their maximum, bit for bit.
  CHECK(std::bit_cast<std::uint64_t>(hottest) == std::bit_cast<std::uint64_t>(hottest_abc));
  CHECK(DataHall::scan_quiet(slots.data(), 8, slots.size(), inlet, tolerance_k, hottest) == 9);
  CHECK(std::bit_cast<std::uint64_t>(hottest) == std::bit_cast<std::uint64_t>(hottest_abc));
  // Only free slots and a quiet one, of the coolest class: the scan runs to the end, its
  // maximum that class's inlet alone (a free slot is read as class 0, here hotter).
  REQUIRE(tc < tb);
  REQUIRE(tc < inlet[0]);
  const std::vector<DataHall::Cohort> quiet = {free, free, cohort(c, tc), free, free, free};
  hottest = -1e300;
  CHECK(DataHall::scan_quiet(quiet.data(), 0, quiet.size(), inlet, tolerance_k, hottest) == 6);
  CHECK(std::bit_cast<std::uint64_t>(hottest) == std::bit_cast<std::uint64_t>(tc));
  // A moved cohort beside a free slot, in either lane.
  const std::vector<DataHall::Cohort> second = {free, cohort(c, tc - 1)};
  CHECK(DataHall::scan_quiet(second.data(), 0, 2, inlet, tolerance_k, hottest) == 1);
  const std::vector<DataHall::Cohort> first = {cohort(c, tc - 1), free};
  CHECK(DataHall::scan_quiet(first.data(), 0, 2, inlet, tolerance_k, hottest) == 0);
}
