#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "models/cooling/data_hall.hpp"
#include "models/cooling/properties.hpp"
#include "models/cooling/thermal_network.hpp"

using namespace joule::models::cooling;

TEST_CASE("thermal network: steady state of one node is T_b + q/G") {
  ThermalNetwork net;
  const auto n = net.add_node(1e4, 20);
  const auto b = net.add_boundary(25);
  net.conduct(n, b, 50);  // W/K
  net.set_heat(n, 1000);
  net.solve_steady();
  CHECK(net.temperature(n) == doctest::Approx(25 + 1000.0 / 50));
  // Two nodes in series to a boundary: T1 = Tb + q/G2 + q/G1... (q into node 1 only)
  ThermalNetwork chain;
  const auto a = chain.add_node(1, 0), c = chain.add_node(1, 0);
  const auto env = chain.add_boundary(10);
  chain.conduct(a, c, 20);
  chain.conduct(c, env, 40);
  chain.set_heat(a, 400);
  chain.solve_steady();
  CHECK(chain.temperature(c) == doctest::Approx(10 + 400.0 / 40));
  CHECK(chain.temperature(a) == doctest::Approx(10 + 400.0 / 40 + 400.0 / 20));
}

TEST_CASE("thermal network: single RC transient matches the exponential within Euler error") {
  const double c = 2e4, g = 100, q = 500, tb = 20, t0 = 20;  // τ = 200 s, T∞ = 25 °C
  const double tau = c / g, t_inf = tb + q / g;
  for (double dt : {1.0, 10.0}) {
    ThermalNetwork net;
    const auto n = net.add_node(c, t0);
    net.conduct(n, net.add_boundary(tb), g);
    net.set_heat(n, q);
    double worst = 0;
    for (int k = 1; k * dt <= 1000; ++k) {
      net.step(dt);
      const double t = k * dt;
      const double exact = t_inf + (t0 - t_inf) * std::exp(-t / tau);
      // Implicit Euler, discrete: T_k = T∞ + (T0 − T∞)/(1 + Δt/τ)^k
      const double euler = t_inf + (t0 - t_inf) / std::pow(1 + dt / tau, k);
      CHECK(net.temperature(n) == doctest::Approx(euler).epsilon(1e-12));
      worst = std::max(worst, std::fabs(net.temperature(n) - exact));
    }
    // Global error of implicit Euler ≤ (Δt/2τ)·|T0 − T∞|·max(x e^{-x}) ~ Δt/(2τ e)·5 K, with
    // slack for the higher-order terms.
    const double bound = dt / (2 * tau) * std::fabs(t0 - t_inf) * std::exp(-1.0) * 1.2;
    MESSAGE("dt ", dt, " s: max |T − exact| = ", worst, " K (bound ", bound, " K)");
    CHECK(worst <= bound);
    CHECK(net.factorizations() == 1);
  }
}

TEST_CASE("thermal network: the one-hub solve gives PartialPivLU::solve's bits") {
  // The step solves a one-hub Schur complement by solve_one_by_one(); Eigen's solve() skips the
  // division for a zero right-hand side, so −0 and +0 come back as they went in.
  const auto bits = [](double v) {
    std::uint64_t x;
    std::memcpy(&x, &v, sizeof x);
    return x;
  };
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> entries = {1.0,   -1.0,   3.7e5, -2.5e-3, 1e-300,
                                       7e300, 5e-324, -0.3,  4096.0,  1.0 / 3.0};
  const std::vector<double> rhs = {0.0, -0.0, 1.0, -1.0, 1e-310, -1e-310, 1e308,
                                   inf, -inf, nan, -nan, 0.1,    -7.25e3, 1.0 / 7.0};
  int compared = 0, zeros_kept = 0;
  for (const double a : entries) {
    const Eigen::PartialPivLU<Eigen::MatrixXd> lu(Eigen::MatrixXd::Constant(1, 1, a));
    for (const double r : rhs) {
      const double eigen = lu.solve(Eigen::VectorXd::Constant(1, r))(0);
      const double ours = solve_one_by_one(lu, r);
      CHECK(bits(ours) == bits(eigen));
      ++compared;
      // A zero keeps its sign even where dividing would flip it (a < 0).
      if (r == 0 && a < 0 && bits(ours) == bits(r)) ++zeros_kept;
    }
  }
  CHECK(compared == 140);
  CHECK(zeros_kept == 6);  // three negative entries, +0 and −0 each
}

TEST_CASE("thermal network: factorization reused when only q or boundaries change") {
  ThermalNetwork net;
  const auto a = net.add_node(1e3, 20), b = net.add_node(2e3, 20);
  const auto env = net.add_boundary(18);
  net.conduct(a, b, 10);
  const auto link = net.conduct(b, env, 30);
  for (int k = 0; k < 50; ++k) {
    net.set_heat(a, 100.0 * (k % 7));
    net.set_boundary(env, 18 + 0.1 * k);
    net.step(60);
  }
  CHECK(net.factorizations() == 1);
  net.set_link(link, 30);  // same value: no change
  net.step(60);
  CHECK(net.factorizations() == 1);
  net.set_link(link, 45);
  net.step(60);
  CHECK(net.factorizations() == 2);
  net.step(30);  // new Δt
  CHECK(net.factorizations() == 3);
}

TEST_CASE("thermal network: energy balance of an implicit step") {
  ThermalNetwork net;
  const auto a = net.add_node(5e3, 30), b = net.add_node(8e3, 22), c = net.add_node(3e3, 40);
  const auto in = net.add_boundary(15), out = net.add_boundary(0);
  net.conduct(a, b, 12);
  net.conduct(b, c, 7);
  net.conduct(c, in, 4);
  net.stream(in, a, 20);  // a stream enters at a, flows a → b → c and leaves
  net.stream(a, b, 20);
  net.stream(b, c, 20);
  net.stream(c, out, 20);
  net.set_heat(a, 300);
  net.set_heat(c, -50);
  CHECK(net.max_stream_imbalance() == 0);
  for (int k = 0; k < 10; ++k) {
    const double e0 = net.stored_energy_j();
    net.step(45);
    const double de_dt = (net.stored_energy_j() - e0) / 45;
    CHECK(de_dt == doctest::Approx(net.total_heat_w() + net.boundary_heat_w()).epsilon(1e-9));
  }
}

namespace {

DataHallDesign hall_design(int racks) {
  DataHallDesign d;
  d.racks = racks;
  d.rack_design_power_w = 40e3;
  d.recirculation = 0.05;
  d.supply_c = 22;
  return d;
}

}  // namespace

TEST_CASE("data hall: steady inlet = supply + recirculated exhaust") {
  DataHall hall(hall_design(4));
  for (int i = 0; i < 4; ++i) hall.set_rack_power(i, 30e3);
  hall.solve_steady();
  const double w = 40e3 / 12;  // W/K per rack
  const double p_over_w = 30e3 / w;
  // T_in = T_s + r/(1 − r)·P/W,  T_out = T_in + P/W
  CHECK(hall.inlet_c(0) == doctest::Approx(22 + 0.05 / 0.95 * p_over_w));
  CHECK(hall.outlet_c(0) == doctest::Approx(hall.inlet_c(0) + p_over_w));
  // All the IT heat leaves through the CRAH return.
  CHECK(hall.heat_removed_w() == doctest::Approx(4 * 30e3));
  CHECK(hall.network().max_stream_imbalance() == doctest::Approx(0).epsilon(1e-9));
}

TEST_CASE("data hall: energy balance and a failed CRAH raises inlet temperatures") {
  DataHall hall(hall_design(20));
  for (int i = 0; i < 20; ++i) hall.set_rack_power(i, 20e3 + 1e3 * i);
  hall.solve_steady();
  const double normal_max = hall.max_inlet_c();
  const double normal_first = hall.inlet_c(0);
  // Transient energy balance over one control step after a load change.
  for (int i = 0; i < 20; ++i) hall.set_rack_power(i, 35e3);
  const double e0 = hall.network().stored_energy_j();
  hall.step(60);
  const double de_dt = (hall.network().stored_energy_j() - e0) / 60;
  CHECK(de_dt == doctest::Approx(20 * 35e3 - hall.heat_removed_w()).epsilon(1e-9));
  for (int i = 0; i < 20; ++i) hall.set_rack_power(i, 20e3 + 1e3 * i);

  // One of four CRAHs fails: 75 % of the design airflow.
  hall.set_supply(22, 0.75);
  hall.solve_steady();
  CHECK(hall.max_inlet_c() > normal_max + 1.0);
  CHECK(hall.inlet_c(0) > normal_first);
  CHECK(hall.heat_removed_w() == doctest::Approx(20 * 20e3 + 1e3 * 190));
  // Supply temperature up by 3 K raises every inlet by 3 K (linear network, same flows).
  hall.set_supply(22, 1.0);
  hall.solve_steady();
  const double before = hall.inlet_c(5);
  hall.set_supply(25, 1.0);
  hall.solve_steady();
  CHECK(hall.inlet_c(5) == doctest::Approx(before + 3));
}

TEST_CASE("data hall: a 3,000-rack step (printed timing)") {
  DataHall hall(hall_design(3000));
  for (int i = 0; i < 3000; ++i) hall.set_rack_power(i, 25e3 + (i % 10) * 1e3);
  hall.step(60);  // factorization
  const int steps = 200;
  const auto t0 = std::chrono::steady_clock::now();
  for (int k = 0; k < steps; ++k) {
    hall.set_rack_power(k % 3000, 30e3);
    hall.step(60);
  }
  const double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
      steps;
  std::printf("data hall, 3000 racks (%d nodes): %.1f us per 60-s step, %ld factorization(s)\n",
              hall.network().node_count(), us, hall.network().factorizations());
  CHECK(hall.network().factorizations() == 1);
  CHECK(hall.max_inlet_c() > 22);
}

TEST_CASE("data hall: CRAH over-supply bypasses the racks, under-supply makes them draw room air") {
  DataHall hall(hall_design(4));
  for (int i = 0; i < 4; ++i) hall.set_rack_power(i, 30e3);
  const double demand = 4 * 0.95 * 40e3 / 12;  // Σ (1 − r)·W, W/K
  // Default ψ = 1.05: 5 % of the server flow bypasses, no rack draws room air.
  hall.solve_steady();
  CHECK(hall.bypass_w_per_k() == doctest::Approx(0.05 * demand));
  CHECK(hall.room_intake_w_per_k() == doctest::Approx(0.0));
  const double matched_in = hall.inlet_c(0);
  // ψ = 0.9: the CRAHs supply 90 % of what the servers draw; the other 10 % of each rack's
  // once-through intake is room (return) air, so every inlet warms.
  hall.set_airflow_ratio(0.9);
  hall.solve_steady();
  CHECK(hall.bypass_w_per_k() == doctest::Approx(0.0));
  CHECK(hall.room_intake_w_per_k() == doctest::Approx(0.1 * demand));
  CHECK(hall.inlet_c(0) > matched_in + 1.0);
  CHECK(hall.heat_removed_w() == doctest::Approx(4 * 30e3));
  CHECK(hall.network().max_stream_imbalance() == doctest::Approx(0).epsilon(1e-9));
}
