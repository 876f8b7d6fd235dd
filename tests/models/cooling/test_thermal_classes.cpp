// Classes of the thermal network's block solver (models/cooling/thermal_network.hpp): groups
// (racks) with the same matrix blocks, temperatures and heat are solved once, the hub sums
// taking each class's term times its member count. Against SparseLU (the general solver, which
// solves every node): the same temperatures to rounding while racks join, leave and re-join
// classes; the implicit step's energy balance; and how many classes a hall keeps.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "models/cooling/data_hall.hpp"
#include "models/cooling/thermal_network.hpp"

using namespace joule::models::cooling;

namespace {

ThermalNetwork& network(DataHall& hall) {
  return const_cast<ThermalNetwork&>(hall.network());
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// Rack powers of a hall with five row positions and jobs that start, change phase and end:
// racks of a job change together, some racks return to idle, two jobs share a power.
double rack_power_w(int rack, int step) {
  if (rack >= 40 && rack < 100 && step >= 5 && step < 60) return step < 30 ? 30e3 : 26e3;
  if (rack >= 80 && rack < 140 && step >= 20 && step < 90) return 30e3;
  if (rack == 7 && step >= 10 && step < 12) return 35e3;
  if (rack >= 150 && step % 40 < 20) return 20e3 + 250.0 * (rack % 3);
  return 6e3;  // idle
}

// A hall of `racks` racks at five row positions (recirculation 2–6 %).
DataHallDesign five_positions(int racks) {
  DataHallDesign d;
  d.racks = racks;
  for (int i = 0; i < racks; ++i) d.rack_recirculation.push_back(0.02 + 0.01 * (i % 5));
  return d;
}

// Every rack's inlet and outlet the same to the bit in halls `a` and `b`.
bool same_racks(const DataHall& a, const DataHall& b, int racks) {
  bool same = true;
  for (int i = 0; i < racks; ++i)
    same = same && same_bits(a.inlet_c(i), b.inlet_c(i)) && same_bits(a.outlet_c(i), b.outlet_c(i));
  return same;
}

}  // namespace

// Racks of five_positions(racks) under rack_power_w for `steps` control steps, with a CRAH
// shortfall from step 70 to 100 (every rack's links change) and the bypass moving at every step
// (hubs re-factored only), in a hall solved by classes (`blocks`) and one solved by SparseLU;
// `each` is called after every step with the step's number.
template <class Each>
void run_against_sparse_lu(DataHall& blocks, DataHall& general, int racks, int steps, Each each) {
  network(general).use_general_solver(true);
  for (int k = 0; k < steps; ++k) {
    CAPTURE(k);
    for (DataHall* h : {&blocks, &general}) {
      for (int i = 0; i < racks; ++i) h->set_rack_power(i, rack_power_w(i, k));
      if (k == 70) h->set_supply(24, 0.85);
      if (k == 100) h->set_supply(22, 1.0);
      h->set_airflow_ratio(1.05 + 0.01 * (k % 7));
      h->step(60);
    }
    REQUIRE(blocks.network().aggregated());
    REQUIRE_FALSE(general.network().aggregated());
    each(k);
  }
}

// The largest difference between the two halls' return air, inlets and outlets.
double worst_difference_k(const DataHall& a, const DataHall& b, int racks) {
  double worst_k = std::fabs(a.return_c() - b.return_c());
  for (int i = 0; i < racks; ++i) {
    worst_k = std::max(worst_k, std::fabs(a.inlet_c(i) - b.inlet_c(i)));
    worst_k = std::max(worst_k, std::fabs(a.outlet_c(i) - b.outlet_c(i)));
  }
  return worst_k;
}

TEST_CASE("aggregated block solve gives SparseLU's temperatures while racks change classes") {
  // With no rest tolerance every class is solved until its fixed point's bits: the two solvers
  // agree to rounding.
  const int racks = 200;
  const DataHallDesign d = five_positions(racks);
  DataHall blocks(d), general(d);
  network(blocks).set_rest_tolerance(0);
  int most_classes = 0, fewest_classes = racks;
  run_against_sparse_lu(blocks, general, racks, 120, [&](int) {
    const int classes = blocks.network().group_classes();
    most_classes = std::max(most_classes, classes);
    fewest_classes = std::min(fewest_classes, classes);
    CHECK(worst_difference_k(blocks, general, racks) < 1e-9);
    // max_inlet_c reads one rack per class: the maximum over every rack.
    double hottest = -1e300;
    for (int i = 0; i < racks; ++i) hottest = std::max(hottest, blocks.inlet_c(i));
    CHECK(blocks.max_inlet_c() == hottest);
  });
  // Five row positions (types) at least; far fewer classes than racks.
  CHECK(fewest_classes >= 5);
  CHECK(most_classes < racks / 4);
}

TEST_CASE("classes at rest stay within their bound of SparseLU's temperatures, with fewer solves") {
  // A class whose step would move each temperature by less than the tolerance τ keeps them.
  // One whose distance to its fixed point shrinks by a factor ρ a step then rests at most
  // τ·ρ/(1 − ρ) from it (τ for ρ = 0.5), and the room air, which sums the racks' heat, moves
  // with the classes at rest. The worst rack here comes out 2.66τ from SparseLU's temperatures
  // (1e-6 K: 2.66 µK); the bound checked is 5τ. Without the tolerance (τ = 0) the same hall
  // solves more classes: each goes on until its last bit settles.
  const int racks = 200;
  const DataHallDesign d = five_positions(racks);
  long solves[2] = {};
  double worst[2] = {};
  for (const int rest : {0, 1}) {
    CAPTURE(rest);
    DataHall blocks(d), general(d);
    const double tau = rest ? ThermalNetwork::default_rest_tolerance_k : 0.0;
    network(blocks).set_rest_tolerance(tau);
    CHECK(blocks.network().rest_tolerance() == tau);
    run_against_sparse_lu(blocks, general, racks, 120, [&](int) {
      solves[rest] += blocks.network().classes_solved();
      worst[rest] = std::max(worst[rest], worst_difference_k(blocks, general, racks));
    });
  }
  CHECK(worst[0] < 1e-9);
  CHECK(worst[1] < 5 * ThermalNetwork::default_rest_tolerance_k);
  CHECK(solves[1] < solves[0]);
  MESSAGE("solves " << solves[0] << " -> " << solves[1] << ", worst " << worst[0] << " -> "
                    << worst[1] << " K");
  // With τ = 0 a class rests at its fixed point's bits alone, and then is not solved again.
  for (const double tau : {0.0, ThermalNetwork::default_rest_tolerance_k}) {
    CAPTURE(tau);
    DataHall hall(d);
    network(hall).set_rest_tolerance(tau);
    for (int i = 0; i < racks; ++i) hall.set_rack_power(i, rack_power_w(i, 10));
    int last_solves = -1;
    for (int k = 0; k < 400; ++k) {
      hall.step(60);
      last_solves = hall.network().classes_solved();
    }
    CHECK(last_solves == 0);
  }
  ThermalNetwork n;
  CHECK_THROWS_AS(n.set_rest_tolerance(-1e-6), std::invalid_argument);
  CHECK_THROWS_AS(n.set_rest_tolerance(std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(n.set_rest_tolerance(INFINITY), std::invalid_argument);
}

TEST_CASE("aggregated block solve keeps the implicit step's exact energy balance") {
  DataHallDesign d;
  d.racks = 120;
  DataHall hall(d);
  for (int i = 0; i < 120; ++i) hall.set_rack_power(i, i < 60 ? 25e3 : 8e3);
  hall.step(60);
  hall.set_rack_power(3, 31e3);
  hall.set_rack_power(90, 31e3);
  REQUIRE(hall.network().aggregated());
  const double e0 = hall.network().stored_energy_j();
  hall.step(60);
  CHECK(hall.network().group_classes() == 4);  // 58 busy, 59 idle, rack 3, rack 90
  // Σ C ΔT/Δt = Σ q + boundary heat at the new temperatures (thermal_network.hpp).
  const double de_dt = (hall.network().stored_energy_j() - e0) / 60;
  CHECK(de_dt == doctest::Approx(hall.network().total_heat_w() + hall.network().boundary_heat_w())
                     .epsilon(1e-9));
}

TEST_CASE("identical racks are one class; a rack that changes leaves it and re-joins it") {
  DataHallDesign d;
  d.racks = 1000;
  DataHall hall(d);
  for (int i = 0; i < 1000; ++i) hall.set_rack_power(i, 5e3);
  hall.step(60);
  CHECK(hall.network().group_classes() == 1);
  hall.set_rack_power(17, 20e3);
  hall.step(60);
  CHECK(hall.network().group_classes() == 2);
  CHECK(hall.outlet_c(17) > hall.outlet_c(16));
  // Back to idle within one interval: its state is the others' again, merged at the step.
  hall.set_rack_power(17, 9e3);
  hall.set_rack_power(16, 9e3);
  hall.set_rack_power(16, 5e3);
  hall.step(60);
  CHECK(hall.network().group_classes() == 2);  // 17 at 9 kW; 16 went to 9 kW and back
  // Back to idle: rack 17 cools towards the others, and merges once its temperatures (and
  // heat) are bit-for-bit theirs. With every boundary fixed, the implicit step can have
  // fixed points a few ulps apart (the two may stay apart); a supply temperature that moves,
  // as the plant's does, lets the rounding of the two meet.
  hall.set_rack_power(17, 5e3);
  int merged_at = -1;
  for (int k = 0; k < 3000 && merged_at < 0; ++k) {
    hall.set_supply(22 + 0.01 * (k % 13));
    hall.step(60);
    const bool equal = same_bits(hall.inlet_c(17), hall.inlet_c(16)) &&
                       same_bits(hall.outlet_c(17), hall.outlet_c(16));
    CHECK(hall.network().group_classes() == (equal ? 1 : 2));
    if (equal) merged_at = k;
  }
  CHECK(merged_at > 10);  // ~100-s time constant: not at once
  CHECK(merged_at >= 0);
  // Racks of a job change together: one class, not one per rack.
  for (int i = 100; i < 228; ++i) hall.set_rack_power(i, 30e3);
  hall.step(60);
  CHECK(hall.network().group_classes() == 2);
  for (int i = 164; i < 228; ++i) hall.set_rack_power(i, 24e3);  // half of the job: a phase
  hall.set_rack_power(500, 30e3);  // an idle rack at the job's power: its own temperatures
  hall.step(60);
  CHECK(hall.network().group_classes() == 4);
  CHECK(hall.inlet_c(100) == hall.inlet_c(163));
  CHECK(hall.inlet_c(164) == hall.inlet_c(227));
  CHECK(hall.inlet_c(500) != hall.inlet_c(100));
  // A temperature set by hand splits its rack off too, and reads back.
  network(hall).set_temperature(ThermalNetwork::Node{2 * 700 + 1}, 30.0);  // rack 700's inlet
  CHECK(hall.network().group_classes() == 5);
  CHECK(hall.inlet_c(700) == 30.0);
  CHECK(hall.inlet_c(699) != 30.0);
}

// The step skips classes at their fixed point (thermal_network.hpp): against the same hall
// solving every class at every step, the same bits at every step — temperatures, classes and
// their members, the racks reported as moved — while racks change and change back, the CRAHs
// fall short (G ≠ 0: every class sees the room), the supply and the bypass move, a temperature
// is set by hand, the general solver takes over and hands back, and the factorization is
// forgotten.
TEST_CASE("a step that skips the classes at their fixed point gives every bit of the full step") {
  const int racks = 200;
  const DataHallDesign d = five_positions(racks);
  DataHall skip(d), full(d);
  network(full).set_incremental(false);
  int quiet_steps = 0, partial_steps = 0;
  for (int k = 0; k < 400; ++k) {
    CAPTURE(k);
    for (DataHall* h : {&skip, &full}) {
      const int s = k % 200;  // the jobs of rack_power_w twice over
      for (int i = 0; i < racks; ++i)
        h->set_rack_power(i, k >= 250 && k < 360 ? 6e3 : rack_power_w(i, s));
      // Rack 3 goes to 30 kW and back to idle within an interval, and over several steps.
      const bool rest = k >= 250 && k < 360;  // every rack idle
      if (!rest && k % 17 == 0) h->set_rack_power(3, 30e3), h->set_rack_power(3, 6e3);
      if (!rest && k % 50 >= 20 && k % 50 < 23) h->set_rack_power(3, 30e3);
      if (k == 70) h->set_supply(24, 0.85);  // every rack's links change; G ≠ 0
      if (k == 100) h->set_supply(22, 1.0);
      if (k >= 365 && k < 385) h->set_supply(22 + 0.01 * (k % 3));  // the boundary moves
      if (k < 200) h->set_airflow_ratio(1.05 + 0.01 * (k % 7));     // hubs re-factored
      if (k == 150) network(*h).set_temperature(ThermalNetwork::Node{2 * 42 + 1}, 30.0);
      if (k == 160) network(*h).use_general_solver(true);
      if (k == 165) network(*h).use_general_solver(false);
      if (k == 180) network(*h).forget_factorization();
      h->step(60);
    }
    const ThermalNetwork &a = skip.network(), &b = full.network();
    REQUIRE(a.aggregated() == b.aggregated());
    CHECK(same_bits(skip.return_c(), full.return_c()));
    CHECK(same_racks(skip, full, racks));
    if (a.aggregated()) {
      CHECK(a.group_classes() == b.group_classes());
      bool same_classes = a.class_slots() == b.class_slots();
      for (int i = 0; i < racks && same_classes; ++i) {
        const int g = a.group_of(ThermalNetwork::Node{2 * i + 1});
        same_classes = a.class_of_group(g) == b.class_of_group(g);
      }
      CHECK(same_classes);
      // Solved before the step's merge: every class of the last step and the new ones.
      CHECK(b.classes_solved() >= b.group_classes());
      CHECK(a.classes_solved() <= b.classes_solved());
      quiet_steps += a.classes_solved() == 0;
      partial_steps += a.classes_solved() > 0 && a.classes_solved() < b.classes_solved();
    }
    CHECK(same_bits(skip.max_inlet_c(), full.max_inlet_c()));
    std::vector<int> moved_skip, moved_full;
    skip.take_moved_inlets(0.25, moved_skip);
    full.take_moved_inlets(0.25, moved_full);
    CHECK(moved_skip == moved_full);
  }
  // The skip did skip: steps with every class at rest (every rack idle from step 250 to 360, no
  // boundary moving: the last class reaches its fixed point some 80 steps in) and steps
  // solving some classes but not all. Some classes do not come to rest while their inputs
  // hold: the implicit step can also cycle between states a few ulps apart.
  CHECK(quiet_steps > 10);
  CHECK(partial_steps > 50);
  // The merge, too, took the lookup of the rekeyed classes at most steps (the full hall merges
  // every class at every step), and went through every class at others: the first merge after
  // the classes were built, steps where classes merged (the jobs' racks coming back to idle).
  const long full_merges = skip.network().full_merges();
  CHECK(full.network().full_merges() >= 390);
  CHECK(full_merges > 5);
  CHECK(full_merges < 200);
}

// At a step where several classes come to one state, the hall that skips merges them as the
// hall solving every class does (a pass over every class in id order, each class merged into
// the class kept for its state so far): the same classes kept, the same moves in the same
// order. Racks that go to a power and back
// within an interval each make a class in the state they left (or in a state no class had),
// so one step holds several sets of classes in one state: a new class with the idle class,
// two one-rack classes alone (a tie: the lower id is kept), and classes of one, two and one
// racks (the two-rack one kept).
TEST_CASE("classes found in one state merge as the pass over every class merges them") {
  const int racks = 300;
  DataHallDesign d;
  d.racks = racks;
  DataHall skip(d), full(d);
  network(full).set_incremental(false);
  for (DataHall* h : {&skip, &full}) {
    for (int i = 0; i < racks; ++i) h->set_rack_power(i, i < 100 ? 20e3 : 6e3);
    for (int k = 0; k < 3; ++k) h->step(60);
  }
  std::vector<int> moves_skip, moves_full;
  CHECK_FALSE(network(skip).take_class_moves(moves_skip));  // the first call starts the list
  CHECK_FALSE(network(full).take_class_moves(moves_full));
  for (int k = 0; k < 6; ++k) {
    CAPTURE(k);
    const int r = 100 + 20 * k;  // idle racks, in the idle class so far
    for (DataHall* h : {&skip, &full}) {
      h->set_rack_power(r, 30e3), h->set_rack_power(r, 6e3);  // the idle state again
      h->set_rack_power(r + 1, 31e3), h->set_rack_power(r + 1, 6e3);
      h->set_rack_power(r + 2, 30e3), h->set_rack_power(r + 2, 7e3);  // alone at 7 kW: a tie
      h->set_rack_power(r + 3, 31e3), h->set_rack_power(r + 3, 7e3);
      h->set_rack_power(r + 4, 32e3), h->set_rack_power(r + 4, 8e3);  // one, two, one at 8 kW
      for (const int i : {r + 5, r + 6}) h->set_rack_power(i, 33e3), h->set_rack_power(i, 8e3);
      h->set_rack_power(r + 7, 34e3), h->set_rack_power(r + 7, 8e3);
      h->set_rack_power(k, 25e3), h->set_rack_power(k, 20e3);  // a busy rack, back to its class
      // The class kept: of the tie, the lower id; of one, two and one racks, the two-rack one.
      const ThermalNetwork& n = h->network();
      const int tie = std::min(n.class_of_group(r + 2), n.class_of_group(r + 3));
      const int two = n.class_of_group(r + 5);
      REQUIRE(n.class_of_group(r + 2) != n.class_of_group(r + 3));
      REQUIRE(two != n.class_of_group(r + 4));
      h->step(60);
      CHECK(n.class_of_group(r + 3) == tie);
      CHECK(n.class_of_group(r + 4) == two);
    }
    // The idle class, the busy one, the racks at 7 kW (these six steps' first: at 7 kW then),
    // and the racks at 8 kW: each set became one class.
    const ThermalNetwork &a = skip.network(), &b = full.network();
    CHECK(a.group_classes() == b.group_classes());
    CHECK(a.class_slots() == b.class_slots());
    if (k == 0) CHECK(a.group_classes() == 4);
    CHECK(a.class_of_group(r) == a.class_of_group(r + 10));
    CHECK(a.class_of_group(r + 2) == a.class_of_group(r + 3));
    CHECK(a.class_of_group(r + 4) == a.class_of_group(r + 7));
    CHECK(a.class_of_group(k) == a.class_of_group(99));
    bool same_classes = true;
    for (int i = 0; i < racks; ++i)
      same_classes = same_classes && a.class_of_group(i) == b.class_of_group(i);
    CHECK(same_classes);
    moves_skip.clear();
    moves_full.clear();
    CHECK(network(skip).take_class_moves(moves_skip));
    CHECK(network(full).take_class_moves(moves_full));
    CHECK(moves_skip == moves_full);  // the merges' moves, in the same order
    CHECK(same_racks(skip, full, racks));
  }
}

TEST_CASE("a rack's power set through its group and its inlet read from its class, as by node") {
  // DataHall sets a rack's power with ThermalNetwork::set_group_heat (rack i is group i, its
  // outlet in a fixed place) and reads its inlet from its class. The same hall driven through
  // the nodes (the hall adds the room, then each rack's inlet and outlet: rack i's inlet is node
  // 1 + 2i, its outlet 2 + 2i) must hold every bit and the same classes, through class splits
  // and merges, a CRAH shortfall and the general solver taking over and handing back.
  const int racks = 200;
  const DataHallDesign d = five_positions(racks);
  DataHall by_rack(d), by_node(d);
  int split_steps = 0;
  for (int k = 0; k < 160; ++k) {
    CAPTURE(k);
    const int classes_before = by_rack.network().group_classes();
    for (int i = 0; i < racks; ++i) {
      by_rack.set_rack_power(i, rack_power_w(i, k));
      network(by_node).set_heat(ThermalNetwork::Node{2 + 2 * i}, rack_power_w(i, k));
    }
    split_steps += by_rack.network().group_classes() > classes_before;
    for (DataHall* h : {&by_rack, &by_node}) {
      if (k == 70) h->set_supply(24, 0.85);
      if (k == 100) h->set_supply(22, 1.0);
      if (k == 120) network(*h).use_general_solver(true);
      if (k == 125) network(*h).use_general_solver(false);
      h->step(60);
    }
    REQUIRE(by_rack.network().group_classes() == by_node.network().group_classes());
    for (int i = 0; i < racks; ++i) {
      CAPTURE(i);
      REQUIRE(same_bits(by_rack.inlet_c(i), by_node.network().temperature({1 + 2 * i})));
      REQUIRE(same_bits(by_rack.outlet_c(i), by_node.network().temperature({2 + 2 * i})));
      REQUIRE(same_bits(by_rack.network().heat({2 + 2 * i}), rack_power_w(i, k)));
    }
  }
  CHECK(split_steps >= 3);  // 4: racks changing class through set_group_heat
}

TEST_CASE("racks set as a list of changed racks, as one call per rack in the list's order") {
  // DataHall::set_rack_powers takes the racks whose power changed (from 8,192 racks in chunks
  // of 64, their records asked for ahead; in a smaller hall one by one). It must make the same
  // calls in the same order as set_rack_power rack by rack: the same class ids for every rack,
  // the same temperatures, through lists longer than a chunk, a rack listed twice, and the
  // general solver (no classes) taking over.
  for (const int racks : {200, 8192}) {
    CAPTURE(racks);
    const DataHallDesign d = five_positions(racks);
    DataHall one_by_one(d), as_list(d);
    std::vector<double> power_w(racks, 0.0);
    int long_lists = 0;
    for (int k = 0; k < 140; ++k) {
      CAPTURE(k);
      std::vector<std::uint32_t> changed;
      for (int i = 0; i < racks; ++i) {
        // A scattered order (37 is prime to both sizes): i·37 mod racks visits every rack.
        const int r = (i * 37) % racks;
        if (rack_power_w(r, k) != power_w[static_cast<std::size_t>(r)]) {
          power_w[static_cast<std::size_t>(r)] = rack_power_w(r, k);
          changed.push_back(static_cast<std::uint32_t>(r));
        }
      }
      if (k % 7 == 3) changed.push_back(changed.empty() ? 5u : changed.front());
      long_lists += changed.size() > 64;
      for (const std::uint32_t r : changed)
        one_by_one.set_rack_power(static_cast<int>(r), power_w[r]);
      as_list.set_rack_powers(changed, power_w);
      for (DataHall* h : {&one_by_one, &as_list}) {
        if (k == 100) network(*h).use_general_solver(true);
        if (k == 110) network(*h).use_general_solver(false);
        h->step(60);
      }
      REQUIRE(one_by_one.network().group_classes() == as_list.network().group_classes());
      const bool classes = as_list.network().aggregated();
      for (int i = 0; i < racks; ++i) {
        CAPTURE(i);
        if (classes)
          REQUIRE(one_by_one.network().class_of_group(i) == as_list.network().class_of_group(i));
        REQUIRE(same_bits(one_by_one.inlet_c(i), as_list.inlet_c(i)));
        REQUIRE(same_bits(one_by_one.outlet_c(i), as_list.outlet_c(i)));
        REQUIRE(
            same_bits(as_list.network().heat({2 + 2 * i}), power_w[static_cast<std::size_t>(i)]));
      }
    }
    CHECK(long_lists >= 3);  // the first step sets every rack; jobs start and end together
    const std::vector<std::uint32_t> bad{3, static_cast<std::uint32_t>(racks)};
    CHECK_THROWS_AS(as_list.set_rack_powers(bad, power_w), std::out_of_range);
  }
}

TEST_CASE("a list of racks is refused whole when one rack is past the hall or the powers") {
  // set_rack_powers tests the largest rack listed against both bounds before it sets any: a
  // list with one rack out of either range, wherever it stands, throws and changes nothing.
  const int racks = 10;
  DataHall hall(five_positions(racks));
  hall.step(60);  // the classes built: the list goes through set_groups_heat
  const std::vector<double> all(racks, 7000.0), short_powers(6, 7000.0);
  // (A pair, not a structured binding: Clang 14 does not let CAPTURE's lambda refer to one.)
  for (const auto& bad :
       std::vector<std::pair<std::vector<std::uint32_t>, const std::vector<double>*>>{
           {{10, 1, 2}, &all},
           {{1, 10, 2}, &all},
           {{1, 2, 4000000000u}, &all},
           {{0, 6}, &short_powers},
           {{6, 0}, &short_powers},
       }) {
    const std::vector<std::uint32_t>& list = bad.first;
    const std::vector<double>* powers = bad.second;
    CAPTURE(list.front());
    CHECK_THROWS_AS(hall.set_rack_powers(list, *powers), std::out_of_range);
    for (int i = 0; i < racks; ++i) CHECK(hall.network().heat({2 + 2 * i}) == 0.0);
  }
  // In range of both: set, rack 5 the last the six powers cover; an empty list sets nothing.
  hall.set_rack_powers(std::vector<std::uint32_t>{5, 0}, short_powers);
  hall.set_rack_powers({}, short_powers);
  for (int i = 0; i < racks; ++i)
    CHECK(hall.network().heat({2 + 2 * i}) == (i == 0 || i == 5 ? 7000.0 : 0.0));
}

TEST_CASE("heat set as a list is read through the classes, and kept when they are dropped") {
  // With classes, set_groups_heat (DataHall::set_rack_powers) writes a rack's heat into its
  // class alone: heat() and total_heat_w() read it from there, and dropping the classes (the
  // general solver taking over) writes it back to the nodes, which that solver reads.
  DataHall hall(five_positions(20));
  hall.step(60);  // the classes built
  REQUIRE(hall.network().aggregated());
  std::vector<double> power_w(20, 0.0);
  power_w[3] = 1000.5;
  power_w[7] = 2000.25;
  power_w[12] = 30000;
  hall.set_rack_powers(std::vector<std::uint32_t>{3, 7, 12}, power_w);
  for (const bool classes : {true, false}) {
    CAPTURE(classes);
    CHECK(hall.network().aggregated() == classes);
    for (int i = 0; i < 20; ++i) {
      CAPTURE(i);
      CHECK(same_bits(hall.network().heat({2 + 2 * i}), power_w[static_cast<std::size_t>(i)]));
      CHECK(hall.network().heat({1 + 2 * i}) == 0.0);  // inlets: no heat
    }
    CHECK(hall.network().total_heat_w() == 33000.75);  // 1000.5 + 2000.25 + 30000, exact
    network(hall).use_general_solver(true);
    hall.step(60);  // the classes dropped
  }
  // The general solver stepped from the heat written back: the racks given power are warmer.
  CHECK(hall.outlet_c(12) > hall.outlet_c(7));
  CHECK(hall.outlet_c(7) > hall.outlet_c(0));
}

TEST_CASE("groups set as a list at a node stride other than the halls' 2, as one by one") {
  // set_groups_heat takes group g's node as 2 + stride·g (the halls' stride is 2: a rack's two
  // nodes). At strides 1 and 3 (whatever node that is, within the hall; with classes the heat
  // goes to group g's place `local`, in its class) the list makes the same calls as
  // set_group_heat group by group: the same heats, the same class for every group, the same
  // moves. Two powers a round, so groups of one class often leave it in turn for the same heat
  // (the last split's key).
  const int racks = 200;
  for (const int stride : {1, 3}) {
    for (const int local : {0, 1}) {
      CAPTURE(stride);
      CAPTURE(local);
      DataHall one_by_one(five_positions(racks)), as_list(five_positions(racks));
      for (DataHall* h : {&one_by_one, &as_list}) h->step(60);  // the classes built
      ThermalNetwork& a = network(one_by_one);
      ThermalNetwork& b = network(as_list);
      REQUIRE(b.aggregated());
      for (int round = 0; round < 3; ++round) {
        CAPTURE(round);
        std::vector<std::uint32_t> groups;
        std::vector<double> q(racks, 0.0);
        // Groups below `span`: racks, whose node 2 + stride·g is one of the hall's.
        const int span = std::min(racks, (b.node_count() - 3) / stride);
        REQUIRE(span >= 100);
        for (int i = 0; i < 60; ++i) {
          const int g = (i * 37 + round * 11) % span;
          groups.push_back(static_cast<std::uint32_t>(g));
          q[static_cast<std::size_t>(g)] = 1000.0 * (1 + (g % 2 + round) % 3);
        }
        for (const std::uint32_t g : groups)
          a.set_group_heat({2 + stride * static_cast<int>(g)}, static_cast<int>(g), local, q[g]);
        b.set_groups_heat(groups, q, 2, stride, local);
        std::vector<int> moves_a, moves_b;
        CHECK(a.take_class_moves(moves_a) == b.take_class_moves(moves_b));
        CHECK(moves_a == moves_b);
        if (round > 0) CHECK(moves_b.size() >= 40);  // (the first take has none to give)
        for (int i = 0; i < racks; ++i) {
          CAPTURE(i);
          REQUIRE(a.class_of_group(i) == b.class_of_group(i));
        }
        for (int node = 0; node < b.node_count(); ++node) {
          CAPTURE(node);
          REQUIRE(same_bits(a.heat({node}), b.heat({node})));
        }
        // Group g's node in place `local` (rack g's inlet 1 + 2g, outlet 2 + 2g) has the heat
        // set for g: while the groups are solved by class, a node's heat is its class's.
        for (const std::uint32_t g : groups)
          REQUIRE(same_bits(b.heat({1 + 2 * static_cast<int>(g) + local}), q[g]));
        for (DataHall* h : {&one_by_one, &as_list}) h->step(60);
        REQUIRE(same_racks(one_by_one, as_list, racks));
      }
    }
  }
}

TEST_CASE("the moves between two takes are given while no more than the racks, then not") {
  // take_class_moves() gives the racks moved since the last call, in order, while there were
  // at most as many moves as racks (room for one a rack); one more and the reader is told to
  // read every rack's class again, and the next call starts the list anew.
  const int racks = 10;
  DataHall hall(five_positions(racks));
  hall.step(60);  // the classes built
  ThermalNetwork& net = network(hall);
  std::vector<int> moved;
  CHECK_FALSE(net.take_class_moves(moved));  // the first call starts the list
  CHECK(moved.empty());
  for (const int extra : {0, 1, 0}) {
    CAPTURE(extra);
    moved.clear();
    std::vector<int> expected;
    double power = 1000.0 * (1 + extra);
    // Each rack to a new power: one move each, racks 9 down to 0; `extra` moves of rack 0 more.
    for (int i = racks - 1; i >= 0; --i) {
      hall.set_rack_power(i, power + 100.0 * i);
      expected.push_back(i);
    }
    for (int k = 0; k < extra; ++k) {
      hall.set_rack_power(0, power + 50.0 + k);
      expected.push_back(0);
    }
    REQUIRE(static_cast<int>(expected.size()) == racks + extra);
    const bool valid = net.take_class_moves(moved);
    CHECK(valid == (extra == 0));
    if (valid)
      CHECK(moved == expected);
    else
      CHECK(moved.empty());
    hall.step(60);
  }
}

TEST_CASE("listed racks leaving one class for two heats, or two classes for one heat, part") {
  // set_groups_heat remembers the last split's key (the class left, the heat) and the class it
  // moved the rack to: the next rack with the same key goes there without the split index. Racks
  // side by side in the list that leave one class for different heats, or different classes for
  // the same heat, must not: they part as one call per rack parts them.
  const int racks = 12;
  DataHallDesign d;
  d.racks = racks;  // one recirculation: every rack of one type, one class at rest
  DataHall one_by_one(d), as_list(d);
  for (DataHall* h : {&one_by_one, &as_list}) h->step(60);  // the classes built
  std::vector<std::uint32_t> all;
  for (int i = 0; i < racks; ++i) all.push_back(static_cast<std::uint32_t>(i));
  const std::vector<std::vector<double>> powers{
      std::vector<double>(racks, 7e3),  // one class, one heat: racks 1..11 follow rack 0's move
      {10e3, 20e3, 10e3, 20e3, 10e3, 20e3, 10e3, 20e3, 10e3, 20e3, 10e3,
       20e3},                                                        // one class, two heats
      std::vector<double>(racks, 30e3),                              // two classes, one heat
      {5e3, 5e3, 5e3, 8e3, 8e3, 8e3, 5e3, 5e3, 5e3, 8e3, 8e3, 8e3},  // runs of one key
  };
  // The moves are recorded for take_class_moves() from here on (the first call only starts it).
  std::vector<int> moved_one, moved_list;
  for (DataHall* h : {&one_by_one, &as_list}) CHECK_FALSE(network(*h).take_class_moves(moved_one));
  for (std::size_t k = 0; k < powers.size(); ++k) {
    CAPTURE(k);
    const std::vector<double>& p = powers[k];
    std::vector<int> before;
    for (int i = 0; i < racks; ++i) before.push_back(as_list.network().class_of_group(i));
    // The moves of the last step's merges, dropped: only this list's are compared.
    for (DataHall* h : {&one_by_one, &as_list}) network(*h).take_class_moves(moved_one);
    for (const std::uint32_t r : all) one_by_one.set_rack_power(static_cast<int>(r), p[r]);
    as_list.set_rack_powers(all, p);
    // Every rack's heat changed, so each rack moved once, in list order, in both halls (a rack
    // that follows the last split's key is recorded too).
    moved_one.clear();
    moved_list.clear();
    REQUIRE(network(one_by_one).take_class_moves(moved_one));
    REQUIRE(network(as_list).take_class_moves(moved_list));
    CHECK(moved_list == moved_one);
    CHECK(moved_list == std::vector<int>(all.begin(), all.end()));
    for (int i = 0; i < racks; ++i) {
      CAPTURE(i);
      REQUIRE(as_list.network().heat({2 + 2 * i}) == p[static_cast<std::size_t>(i)]);
      REQUIRE(one_by_one.network().class_of_group(i) == as_list.network().class_of_group(i));
      // Every heat changed: two racks share a class exactly when they left one class for one
      // heat (racks that came to one state from two classes merge only at the step).
      for (int j = 0; j < i; ++j) {
        CAPTURE(j);
        const auto ui = static_cast<std::size_t>(i), uj = static_cast<std::size_t>(j);
        CHECK((as_list.network().class_of_group(i) == as_list.network().class_of_group(j)) ==
              (before[ui] == before[uj] && p[ui] == p[uj]));
      }
    }
    for (DataHall* h : {&one_by_one, &as_list}) h->step(60);
    for (int i = 0; i < racks; ++i) {
      CAPTURE(i);
      REQUIRE(same_bits(one_by_one.inlet_c(i), as_list.inlet_c(i)));
      REQUIRE(same_bits(one_by_one.outlet_c(i), as_list.outlet_c(i)));
    }
  }
}

TEST_CASE("the split index finds each key it was given, grows, and empties") {
  // Against a std::map: keys that differ only in the class left, in what changed or in the
  // value's bits are apart; 500 keys grow the table from 64 entries to 1,024; after clear()
  // none is found and the same keys are new again. Keys 500..699 repeat keys 0..199.
  SplitIndex index;
  std::map<std::tuple<int, int, std::uint64_t>, int> reference;
  const auto key = [](int i) {
    i %= 500;
    return std::tuple<int, int, std::uint64_t>{i % 37, i % 9,
                                               std::bit_cast<std::uint64_t>(100.0 + i / 333)};
  };
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 700; ++i) {
      const auto [from, what, bits] = key(i);
      const auto [id, fresh] = index.find_or_add(from, what, bits);
      const auto [it, added] = reference.try_emplace(key(i), i);
      CHECK(fresh == added);
      if (fresh) {
        CHECK(*id == -1);
        *id = i;
      }
      CHECK(*id == it->second);
    }
    CHECK(index.size() == reference.size());
    CHECK(reference.size() == 500);
    index.clear();
    reference.clear();
    CHECK(index.size() == 0);
  }
  // Keys alike but for the value's bits: 400 of them share the table's runs of taken slots, so
  // each probe passes over others of the same class left and change, which must not match.
  for (std::uint64_t k = 0; k < 400; ++k) {
    const auto [id, fresh] = index.find_or_add(3, 1, std::bit_cast<std::uint64_t>(20.0 + k));
    CHECK(fresh);
    *id = static_cast<int>(k);
  }
  for (std::uint64_t k = 0; k < 400; ++k) {
    const auto [id, fresh] = index.find_or_add(3, 1, std::bit_cast<std::uint64_t>(20.0 + k));
    CHECK_FALSE(fresh);
    CHECK(*id == static_cast<int>(k));
  }
}

TEST_CASE("the classes' temperatures read as a column, as class by class") {
  // ThermalNetwork::class_temperatures(local)[cls] is what class_temperature(cls, local) reads
  // (DataHall::take_moved_inlets scans the cohorts' classes through it): for both places of a
  // rack's group (inlet and outlet), every class with members, through splits and merges.
  const int racks = 200;
  DataHall hall(five_positions(racks));
  const ThermalNetwork& net = hall.network();
  long read = 0;
  for (int k = 0; k < 100; ++k) {
    CAPTURE(k);
    for (int i = 0; i < racks; ++i) hall.set_rack_power(i, rack_power_w(i, k));
    hall.step(60);
    REQUIRE(net.aggregated());
    for (int local = 0; local < 2; ++local) {
      const ThermalNetwork::ClassColumn column = net.class_temperatures(local);
      net.for_each_class([&](int cls, int first) {
        CAPTURE(cls);
        REQUIRE(same_bits(column[cls], net.class_temperature(cls, local)));
        REQUIRE(same_bits(column[cls], net.temperature({1 + 2 * first + local})));
        ++read;
      });
    }
  }
  CHECK(read > 2000);  // 4,220: 2 places × 100 steps × ~21 classes
}

TEST_CASE("racks that reach one state by different splits are one class after the step") {
  // A class's state hash starts from its type and heat, kept with the class where it is made,
  // and a solve hashes the temperatures onto it. Rack 1 starts at 30 kW, the others idle: two
  // classes. Then rack 1 goes idle and takes rack 0's temperatures (three splits away from the
  // 30 kW class): the same type, temperatures and heat as the idle class, which the merge must
  // find equal, and from then on the two are one class.
  DataHallDesign d;
  d.racks = 8;  // the room a hub (more than 8 neighbours), each rack a group
  DataHall hall(d);
  const ThermalNetwork& net = hall.network();
  for (int i = 0; i < 8; ++i) hall.set_rack_power(i, i == 1 ? 30e3 : 6e3);
  hall.step(60);
  REQUIRE(net.group_classes() == 2);
  hall.set_rack_power(1, 6e3);
  network(hall).set_temperature({3}, hall.inlet_c(0));  // rack i: inlet 1 + 2i, outlet 2 + 2i
  network(hall).set_temperature({4}, hall.outlet_c(0));
  CHECK(net.class_of_group(1) != net.class_of_group(0));
  for (int k = 0; k < 3; ++k) {
    CAPTURE(k);
    hall.step(60);
    for (int i = 1; i < 8; ++i) CHECK(net.class_of_group(i) == net.class_of_group(0));
    CHECK(net.group_classes() == 1);
    CHECK(same_bits(hall.inlet_c(1), hall.inlet_c(0)));
  }
}

// With the supply short of the racks' flow (G ≠ 0: a rack's temperatures see the room air), a
// step that moves x_h while the classes rest must still give them their new x: every rack
// idle until the classes are at rest (steps solving none), then racks from 40 up change power
// and move the room while the classes of the idle racks below 40 are not listed.
TEST_CASE("classes at rest take a moved room temperature when their racks see the room") {
  const int racks = 200;
  const DataHallDesign d = five_positions(racks);
  DataHall skip(d), full(d);
  network(full).set_incremental(false);
  int quiet_steps = 0;
  for (int k = 0; k < 200; ++k) {
    CAPTURE(k);
    for (DataHall* h : {&skip, &full}) {
      if (k == 0) h->set_supply(24, 0.85);
      for (int i = 0; i < racks; ++i)
        h->set_rack_power(i, i < 40 || k < 150 ? 6e3 : rack_power_w(i, k - 100));
      h->step(60);
    }
    CHECK(same_bits(skip.return_c(), full.return_c()));
    CHECK(same_racks(skip, full, racks));
    quiet_steps += k < 150 && skip.network().classes_solved() == 0;
  }
  CHECK(quiet_steps > 10);
}

// A class whose y is exactly 0 somewhere is listed for the next step even when the step left
// its t as it was; such a listing solves no y (classes_solved() counts y solves), so a hall at
// 0 °C everywhere, with no heat, solves no class after its first step.
TEST_CASE("classes listed at 0 °C without moving count no solves") {
  const int racks = 12;
  DataHall hall(five_positions(racks));
  ThermalNetwork& net = network(hall);
  hall.set_supply(0, 1.0);
  for (int i = 0; i < racks; ++i) hall.set_rack_power(i, 0);
  for (int i = 0; i < net.node_count(); ++i) net.set_temperature({i}, 0.0);
  for (int k = 0; k < 4; ++k) {
    CAPTURE(k);
    hall.step(60);
    REQUIRE(net.aggregated());
    for (int i = 0; i < racks; ++i) CHECK(same_bits(hall.inlet_c(i), 0.0));
    if (k > 0) CHECK(net.classes_solved() == 0);
  }
}

TEST_CASE("the room's sum over 5 to 24 classes, each a rack, gives SparseLU's temperatures") {
  // The one hub's sum takes the class slots eight at a time, then four, then one by one: every
  // count of slots from 5 to 24 (each rest modulo 8, up to three passes of eight), each class's
  // term needed for the room's temperature. (Under 5 racks the room air has too few links to be
  // a hub: no classes.)
  for (int racks = 5; racks <= 24; ++racks) {
    CAPTURE(racks);
    const DataHallDesign d = five_positions(racks);
    DataHall blocks(d), general(d);
    network(general).use_general_solver(true);
    for (int k = 0; k < 3; ++k) {
      CAPTURE(k);
      for (DataHall* h : {&blocks, &general}) {
        // Every rack at a power of its own (rack 0 idle): one class each, no slot free.
        for (int i = 0; i < racks; ++i) h->set_rack_power(i, 6e3 + 1e3 * i + 100.0 * k * (i % 3));
        h->step(60);
      }
      REQUIRE(blocks.network().aggregated());
      CHECK(blocks.network().group_classes() == racks);
      // At the first step no slot is free; later the slots of the classes left stay free
      // (zero terms) among the live ones.
      if (k == 0) CHECK(blocks.network().class_slots() == racks);
      double worst_k = std::fabs(blocks.return_c() - general.return_c());
      for (int i = 0; i < racks; ++i) {
        worst_k = std::max(worst_k, std::fabs(blocks.inlet_c(i) - general.inlet_c(i)));
        worst_k = std::max(worst_k, std::fabs(blocks.outlet_c(i) - general.outlet_c(i)));
      }
      CHECK(worst_k < 1e-9);
    }
  }
}
