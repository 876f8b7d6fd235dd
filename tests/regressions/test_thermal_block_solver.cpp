// The thermal network's block-elimination solver (models/cooling/thermal_network.hpp), added for
// the scale benchmark, against the general SparseLU solver it replaces for data halls: the same
// temperatures to rounding, the same energy balance, and SparseLU kept for networks it does not
// fit.
#include <doctest/doctest.h>

#include <cmath>

#include "models/cooling/data_hall.hpp"
#include "models/cooling/thermal_network.hpp"
#include "sim/random.hpp"

using namespace joule::models::cooling;

namespace {

// A hall of `racks` racks with uneven recirculation and loads, stepped with one solver.
std::vector<double> hall_temperatures(int racks, bool general, int steps, bool capacity_drop) {
  DataHallDesign d;
  d.racks = racks;
  for (int i = 0; i < racks; ++i) d.rack_recirculation.push_back(0.01 + 0.002 * (i % 20));
  DataHall hall(d);
  const_cast<ThermalNetwork&>(hall.network()).use_general_solver(general);
  for (int k = 0; k < steps; ++k) {
    for (int i = 0; i < racks; ++i) hall.set_rack_power(i, 15e3 + 1e3 * ((i * 7 + k) % 25));
    if (capacity_drop && k == steps / 2) hall.set_supply(24, 0.8);
    hall.step(60);
  }
  // The room is a hub once it has more than 8 neighbours (2 per rack); one rack is a single
  // group of 3; 2–4 racks make one group too large for blocks: SparseLU.
  const bool fits = racks == 1 || 2 * racks > 8;
  CHECK(hall.network().block_solver() == (fits && !general));
  std::vector<double> t;
  for (int i = 0; i < racks; ++i) {
    t.push_back(hall.inlet_c(i));
    t.push_back(hall.outlet_c(i));
  }
  t.push_back(hall.return_c());
  return t;
}

}  // namespace

TEST_CASE("block elimination gives the SparseLU temperatures of a data hall") {
  for (int racks : {1, 2, 7, 320}) {
    CAPTURE(racks);
    const auto block = hall_temperatures(racks, false, 30, true);
    const auto general = hall_temperatures(racks, true, 30, true);
    REQUIRE(block.size() == general.size());
    for (std::size_t i = 0; i < block.size(); ++i)
      CHECK(block[i] == doctest::Approx(general[i]).epsilon(1e-12));
  }
}

TEST_CASE("block elimination keeps the implicit step's exact energy balance") {
  DataHallDesign d;
  d.racks = 50;
  DataHall hall(d);
  for (int i = 0; i < 50; ++i) hall.set_rack_power(i, 20e3 + 500.0 * i);
  hall.step(60);
  REQUIRE(hall.network().block_solver());
  const double e0 = hall.network().stored_energy_j();
  hall.step(60);
  // Σ C ΔT/Δt = Σ q + boundary heat at the new temperatures (thermal_network.hpp).
  const double de_dt = (hall.network().stored_energy_j() - e0) / 60;
  CHECK(de_dt == doctest::Approx(hall.network().total_heat_w() + hall.network().boundary_heat_w())
                     .epsilon(1e-9));
}

TEST_CASE("networks that are not small groups around a few hubs keep SparseLU") {
  // A chain of 12 nodes: one connected group larger than 4, no hub.
  ThermalNetwork chain;
  auto b = chain.add_boundary(20);
  auto prev = chain.add_node(1e4, 20);
  chain.conduct(prev, b, 50);
  for (int i = 1; i < 12; ++i) {
    auto node = chain.add_node(1e4, 20);
    chain.conduct(prev, node, 100);
    prev = node;
  }
  chain.set_heat(prev, 1e3);
  chain.step(60);
  CHECK_FALSE(chain.block_solver());
  // Random networks: 40 groups of 1–4 nodes around 2 hubs, both solvers agree.
  joule::sim::RandomStreams streams(3);
  for (int trial = 0; trial < 20; ++trial) {
    ThermalNetwork a, g;
    for (ThermalNetwork* net : {&a, &g}) {
      auto rng2 = streams.stream("net" + std::to_string(trial));
      const auto sup = net->add_boundary(18);
      std::vector<ThermalNetwork::Node> hubs = {net->add_node(5e5, 20), net->add_node(5e5, 21)};
      net->conduct(hubs[0], hubs[1], 200);
      net->conduct(hubs[1], sup, 300);
      for (int grp = 0; grp < 40; ++grp) {
        const int size = 1 + static_cast<int>(rng2.below(4));
        ThermalNetwork::Node first = net->add_node(1e3 + 1e4 * rng2.uniform(), 20), last = first;
        net->stream(sup, first, 100 + 500 * rng2.uniform());
        for (int k = 1; k < size; ++k) {
          const auto node = net->add_node(1e3 + 1e4 * rng2.uniform(), 20);
          net->stream(last, node, 100 + 500 * rng2.uniform());
          net->conduct(node, first, 10 * rng2.uniform());
          last = node;
        }
        net->conduct(last, hubs[grp % 2], 50 + 100 * rng2.uniform());
        net->set_heat(last, 1e3 * rng2.uniform());
      }
    }
    g.use_general_solver(true);
    for (int k = 0; k < 5; ++k) {
      a.step(60);
      g.step(60);
    }
    CHECK(a.block_solver());
    CHECK_FALSE(g.block_solver());
    for (int i = 0; i < a.node_count(); ++i)
      CHECK(a.temperature({i}) == doctest::Approx(g.temperature({i})).epsilon(1e-12));
  }
}

namespace {

DataHallDesign uneven_hall(int racks) {
  DataHallDesign d;
  d.racks = racks;
  for (int i = 0; i < racks; ++i) d.rack_recirculation.push_back(0.01 + 0.002 * (i % 20));
  return d;
}

}  // namespace

TEST_CASE("a re-factorization re-inverts only the changed groups, to the bit of a full one") {
  // Two identical halls; `full` forgets its factorization before every step, `quick` keeps it.
  // The CRAH/server airflow ratio moves every step: above 1 only the bypass (a link of the room,
  // the hub) changes; below 1 every rack's supply and room-air links change.
  const int racks = 64;
  DataHall quick(uneven_hall(racks)), full(uneven_hall(racks));
  auto& full_net = const_cast<ThermalNetwork&>(full.network());
  const double ratios[] = {1.05, 1.2, 1.4, 1.1, 0.9, 0.8, 1.3, 1.3};
  long inverted_after_first = 0;
  for (int k = 0; k < 8; ++k) {
    for (DataHall* h : {&quick, &full}) {
      for (int i = 0; i < racks; ++i) h->set_rack_power(i, 15e3 + 1e3 * ((i * 7 + k) % 25));
      h->set_airflow_ratio(ratios[k]);
    }
    full_net.forget_factorization();
    const long before = quick.network().groups_inverted();
    quick.step(60);
    full.step(60);
    REQUIRE(quick.network().block_solver());
    if (k == 0) inverted_after_first = quick.network().groups_inverted();
    const long inverted = quick.network().groups_inverted() - before;
    CAPTURE(k);
    // Bypass only (ratio >= 1 before and after): no group changed. Into or within the shortfall
    // (ratio < 1), or out of it: every rack's links moved, so every group is new (20 distinct
    // recirculation values: 20 inversions, the others are copies).
    const bool bypass_only = k > 0 && ratios[k] >= 1 && ratios[k - 1] >= 1;
    if (bypass_only) CHECK(inverted == 0);
    if (!bypass_only) CHECK(inverted == 20);
    for (int i = 0; i < racks; ++i) {
      CHECK(quick.inlet_c(i) == full.inlet_c(i));  // exact: the same arithmetic
      CHECK(quick.outlet_c(i) == full.outlet_c(i));
    }
    CHECK(quick.return_c() == full.return_c());
  }
  CHECK(inverted_after_first == 20);
}

TEST_CASE("a link changed in one group re-inverts that group alone") {
  ThermalNetwork a, b;
  std::vector<ThermalNetwork::Link> links;
  for (ThermalNetwork* net : {&a, &b}) {
    const auto sup = net->add_boundary(18);
    const auto hub = net->add_node(5e5, 20);
    net->conduct(hub, sup, 300);
    for (int grp = 0; grp < 12; ++grp) {
      const auto first = net->add_node(2e3, 20), second = net->add_node(4e3, 20);
      const auto link = net->stream(sup, first, 200 + 10 * grp);
      if (net == &a) links.push_back(link);
      net->stream(first, second, 200 + 10 * grp);
      net->conduct(second, hub, 80);
      net->set_heat(second, 5e3);
    }
  }
  a.step(60);
  b.step(60);
  REQUIRE(a.block_solver());
  const long before = a.groups_inverted();
  for (ThermalNetwork* net : {&a, &b}) net->set_link(links[5], 420);  // same index in both
  b.forget_factorization();
  a.step(60);
  b.step(60);
  CHECK(a.groups_inverted() - before == 1);
  for (int i = 0; i < a.node_count(); ++i) CHECK(a.temperature({i}) == b.temperature({i}));
}
