// Each built-in policy's defining behaviour on a mini cluster one can check by hand
// (fake_cluster.hpp states its power model).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "fake_cluster.hpp"
#include "models/scheduling/placement.hpp"

using namespace joule;
using namespace joule::models::scheduling;
using namespace joule::models::scheduling::testing;

namespace {
sim::Time h(double x) {
  return sim::hours(x);
}
sim::Time min(double x) {
  return sim::minutes(x);
}
std::string job_name(int i) {  // (not "j" + to_string(i): GCC 12 -Wrestrict false positive)
  std::string name = "j";
  name += std::to_string(i);
  return name;
}
}  // namespace

TEST_CASE("easy-backfill starts a short job early without delaying the reserved head") {
  // 4 nodes. A holds 3 until 2 h; head B needs all 4, so its reservation is 2 h with no extra
  // node. D (1 node, 3 h) would end at 3:01:30 > 2 h: it must wait. C (1 node, 1 h) ends at
  // 1:02 ≤ 2 h: it backfills onto the spare node at once.
  auto run = [](const char* policy) {
    FakeCluster c({.racks = 1, .nodes_per_rack = 4}, make_policy(policy));
    c.submit({.name = "A", .submit = h(0), .nodes = 3, .work = h(2)});
    c.submit({.name = "B", .submit = min(1), .nodes = 4, .work = h(1)});
    c.submit({.name = "D", .submit = min(1.5), .nodes = 1, .work = h(3)});
    c.submit({.name = "C", .submit = min(2), .nodes = 1, .work = h(1)});
    c.run_until(h(10));
    return c;
  };
  const FakeCluster easy = run("{policy: easy-backfill}");
  CHECK(easy.job("C").start == min(2));  // backfilled
  CHECK(easy.job("B").start == h(2));    // exactly its reservation: A's end
  CHECK(easy.job("D").start == h(3));    // after B, not before it
  CHECK(easy.job("D").end == h(6));

  const FakeCluster fifo = run("{policy: fifo}");
  CHECK(fifo.job("B").start == h(2));  // the head starts no later under backfilling
  CHECK(fifo.job("C").start == h(3));  // FIFO makes C wait behind B and D
  CHECK(fifo.job("D").start == h(3));
}

TEST_CASE("backfill uses the head's spare nodes for a long job") {
  // 4 nodes; A holds 2 until 2 h; head B needs 3: at 2 h four nodes are free, one spare.
  // L (1 node, 5 h) ends long after 2 h but fits in that spare node: it starts at once.
  FakeCluster c({.racks = 1, .nodes_per_rack = 4}, make_policy("{policy: easy-backfill}"));
  c.submit({.name = "A", .submit = h(0), .nodes = 2, .work = h(2)});
  c.submit({.name = "B", .submit = min(1), .nodes = 3, .work = h(1)});
  c.submit({.name = "L", .submit = min(2), .nodes = 1, .work = h(5)});
  c.submit({.name = "M", .submit = min(3), .nodes = 1, .work = h(5)});  // no spare left
  c.run_until(h(12));
  CHECK(c.job("L").start == min(2));
  CHECK(c.job("B").start == h(2));
  CHECK(c.job("M").start == h(3));  // after B ends
}

TEST_CASE("carbon-aware moves a flexible job into the lowest-carbon window before its deadline") {
  // Hourly intensity (g/kWh): hour 0..7 = 500 500 400 300 100 100 200 500, then 500.
  const std::vector<double> hourly{500, 500, 400, 300, 100, 100, 200, 500};
  FakeConfig config{.racks = 1, .nodes_per_rack = 4};
  config.carbon_g_per_kwh = [hourly](sim::Time t) {
    const auto hour = static_cast<std::size_t>(t / sim::hours(1));
    return hour < hourly.size() ? hourly[hour] : 500.0;
  };
  FakeCluster c(config, make_policy("{policy: carbon-aware}"));
  // 2 h of work, deadline 10 h: windows [s, s+2 h] for s ≤ 8 h; [4 h, 6 h] averages 100.
  c.submit({.name = "wide", .submit = h(0), .work = h(2), .flexible = true, .deadline = h(10)});
  // Deadline 5 h: s ≤ 3 h; means 500, 450, 350, 200 at s = 0..3 h → 3 h (300 then 100).
  c.submit({.name = "tight", .submit = h(0), .work = h(2), .flexible = true, .deadline = h(5)});
  // 1.5 h of work submitted at 0:30, deadline 6 h: s ≤ 4:30; s = 4 h (all at 100) is best, and
  // it is a slot boundary: mean 100 < e.g. s = 3:30 (0.5·300 + 1·100)/1.5 = 167.
  c.submit({.name = "odd", .submit = min(30), .work = min(90), .flexible = true, .deadline = h(6)});
  // Not flexible: starts at once whatever the carbon.
  c.submit({.name = "rigid", .submit = h(0), .work = h(2)});
  // Flexible but no slack left: runs at once.
  c.submit({.name = "late", .submit = h(0), .work = h(2), .flexible = true, .deadline = h(1)});
  c.run_until(h(24));
  CHECK(c.job("wide").start == h(4));
  CHECK(c.job("tight").start == h(3));
  CHECK(c.job("tight").end <= h(5));
  CHECK(c.job("odd").start == h(4));
  CHECK(c.job("rigid").start == h(0));
  CHECK(c.job("late").start == h(0));
}

TEST_CASE("carbon-aware takes the window whose end, not start, is on a slot boundary") {
  // 90 min of work; hour 2 is clean (100 g/kWh), every other hour 500; deadline 4 h, so
  // s ≤ 2:30. Means: s = 1 h → (1·500 + 0.5·100)/1.5 = 367; s = 1:30 (ends on the 3 h
  // boundary) → (0.5·500 + 1·100)/1.5 = 233; s = 2 h → (1·100 + 0.5·500)/1.5 = 233;
  // s = 2:30 → 367. Of the equal minima the earliest wins: 1:30, which only the
  // "end on a boundary" candidates find.
  FakeConfig config{.racks = 1, .nodes_per_rack = 1};
  config.carbon_g_per_kwh = [](sim::Time t) { return t / sim::hours(1) == 2 ? 100.0 : 500.0; };
  FakeCluster c(config, make_policy("{policy: carbon-aware}"));
  c.submit({.name = "j", .submit = h(0), .work = min(90), .flexible = true, .deadline = h(4)});
  c.run_until(h(8));
  CHECK(c.job("j").start == min(90));
}

TEST_CASE("price-aware moves a flexible job to the cheap hour and meets its deadline") {
  // Hourly price (USD/MWh): 100 everywhere but hour 3, at 20. Carbon is flat (400 g/kWh).
  FakeConfig config{.racks = 1, .nodes_per_rack = 2};
  config.price_usd_per_mwh = [](sim::Time t) { return t / sim::hours(1) == 3 ? 20.0 : 100.0; };
  auto run = [&](const char* policy) {
    FakeCluster c(config, make_policy(policy));
    // 1 h of work, deadline 6 h: s ≤ 5 h; the window [3 h, 4 h] averages 20, any other ≥ 100·
    // (1 − f) + 20·f > 20. The job ends at 4 h, 2 h before its deadline.
    c.submit({.name = "flex", .submit = h(0), .work = h(1), .flexible = true, .deadline = h(6)});
    // Deadline 2:30: s ≤ 1:30, every window costs 100: it runs at once (earliest of equals).
    c.submit(
        {.name = "tight", .submit = h(0), .work = h(1), .flexible = true, .deadline = min(150)});
    c.run_until(h(12));
    return c;
  };
  const FakeCluster price = run("{policy: price-aware}");
  CHECK(price.job("flex").start == h(3));
  CHECK(price.job("flex").end == h(4));
  CHECK(price.job("flex").end <= h(6));
  CHECK(price.job("tight").start == h(0));
  // Its energy, (1000 W idle + 1000 W added) × 1 h = 2 kWh, now costs 2 × 0.020 = 0.04 USD
  // instead of 2 × 0.100 = 0.20 USD at once.
  const double kwh = (1000.0 + 1000.0) * 3600.0 / sim::joules_per_kwh;
  const double usd = [&] {
    double cost = 0;
    for (sim::Time t = price.job("flex").start; t < price.job("flex").end; t += min(1))
      cost += kwh / 60.0 * config.price_usd_per_mwh(t) / 1000.0;
    return cost;
  }();
  CHECK(usd == doctest::Approx(0.04));
  // Carbon-aware sees a flat carbon series: every window is equal and the job runs at once.
  const FakeCluster carbon = run("{policy: carbon-aware}");
  CHECK(carbon.job("flex").start == h(0));
}

TEST_CASE("energy-budget delays a job whose predicted energy does not fit today's budget") {
  // Two nodes, P_idle = 1000 W each: the idle cluster uses 2 kW · 24 h = 48 kWh a day. Four
  // 1-node jobs of 1 h adding 4 kW each (4 kWh each), all submitted at 0. Budget 60 kWh/day
  // on the IT meter leaves 12 kWh: three jobs. A and B start at 0 (48 + 8 = 56), C at 1 h when
  // a node frees (56 + 4 = 60 ≤ 60), D (64 > 60) waits for the next day.
  // min_cap = TDP: no cap can lower a job's energy, so the policy can only delay.
  FakeConfig config{.racks = 1, .nodes_per_rack = 2, .idle_w = 1000.0};
  auto run = [&](const char* policy) {
    FakeCluster c(config, make_policy(policy));
    for (const char* name : {"A", "B", "C", "D"})
      c.submit({.name = name, .submit = h(0), .nodes = 1, .work = h(1), .added_w = 4000});
    c.run_until(h(24));
    const double day1_kwh = c.energy_j() / sim::joules_per_kwh;
    c.run_until(h(48));
    return std::tuple{c.job("C").start, c.job("D").start, day1_kwh};
  };
  const auto [easy_c, easy_d, easy_kwh] = run("{policy: easy-backfill}");
  CHECK(easy_d == h(1));
  CHECK(easy_kwh == doctest::Approx(48.0 + 16.0));
  const auto [budget_c, budget_d, budget_kwh] =
      run("{policy: energy-budget, budget: 60 kWh, meter: it, min_cap: 700 W}");
  CHECK(budget_c == h(1));
  CHECK(budget_d == h(24));
  CHECK(budget_kwh == doctest::Approx(60.0));
}

TEST_CASE("energy-budget caps a job whose uncapped energy does not fit") {
  // As above with a 58 kWh budget: C uncapped would make 60 kWh. A cap c below a GPU's
  // uncapped draw (70 W + 4000/8 W = 570 W) gives A(c) = 8·(c − 70) W added, speed
  // (A(c)/4000)^(1/3) and energy A(c)·1 h/speed = A(c)^(2/3)·4000^(1/3) Wh. The policy tries
  // 700, 637.5, ..., 262.5, 200 W: at 262.5 W, A = 1540 W, 2117 Wh > 2 kWh left; at 200 W,
  // A = 1040 W, speed 0.638, 1629 Wh: C runs capped at 200 W for 1.567 h, leaving
  // 58 − 48 − 8 − 1.629 = 0.371 kWh. Only the energy inside the period counts against it: D
  // fits at the first control step (every 15 min) from which its floor-capped 1040 W until
  // midnight stays within 0.371 kWh: 23:45 (0.26 kWh; at 23:30, 0.52 kWh; at 262.5 W from
  // 23:45, 0.385 kWh). Day 1: 48 + 8 + 1.629 + 0.26 = 57.89 kWh ≤ 58.
  FakeConfig config{.racks = 1, .nodes_per_rack = 2, .idle_w = 1000.0};
  FakeCluster c(config, make_policy("{policy: energy-budget, budget: 58 kWh, meter: it}"));
  for (const char* name : {"A", "B", "C", "D"})
    c.submit({.name = name, .submit = h(0), .nodes = 1, .work = h(1), .added_w = 4000});
  c.run_until(h(2));
  REQUIRE(c.power_cap(c.job("C")).has_value());
  CHECK(c.power_cap(c.job("C"))->value() == doctest::Approx(200.0));
  c.run_until(h(24));
  const double speed = std::cbrt(1040.0 / 4000.0);
  CHECK(c.job("C").start == h(1));
  CHECK((c.job("C").end - c.job("C").start).seconds() == doctest::Approx(3600.0 / speed));
  CHECK(c.job("D").start == h(23.75));
  CHECK(c.energy_j() / sim::joules_per_kwh ==
        doctest::Approx(48.0 + 8.0 + 1040.0 / speed / 1000.0 + 1.040 * 0.25));
}

TEST_CASE("energy-budget: no period exceeds the budget by more than one control step") {
  // Four nodes (4 kW idle: 96 kWh a day), a stream of jobs of every size over five days:
  // 1–4 nodes, 0.5–7 h, added power 2–6 kW per node. Each day's energy must stay within
  // B + P_max · check_interval, P_max = 4 · (1000 + 6000) W; with EASY it does not.
  FakeConfig config{.racks = 1, .nodes_per_rack = 4, .idle_w = 1000.0};
  const double budget_kwh = 160.0, step_h = 0.25, p_max_kw = 4 * 7.0;
  auto run = [&](const std::string& policy) {
    FakeCluster c(config, make_policy(policy));
    for (int i = 0; i < 60; ++i)
      c.submit({.name = job_name(i),
                .submit = min(97.0 * i),
                .nodes = 1 + i % 4,
                .work = min(30.0 + 53.0 * (i % 8)),
                .added_w = 2000.0 + 1000.0 * (i % 5)});
    std::vector<double> days;
    double before = 0;
    for (int d = 1; d <= 5; ++d) {
      c.run_until(h(24.0 * d));
      days.push_back((c.energy_j() - before) / sim::joules_per_kwh);
      before = c.energy_j();
    }
    return days;
  };
  const auto easy = run("{policy: easy-backfill}");
  CHECK(*std::max_element(easy.begin(), easy.end()) > budget_kwh);  // the budget binds
  const auto held = run("{policy: energy-budget, budget: 160 kWh, meter: it}");
  for (double kwh : held) CHECK(kwh <= budget_kwh + p_max_kw * step_h);
}

TEST_CASE("energy-packing: power-down saves the idle energy computed by hand minus wake costs") {
  // Two nodes, P_idle = 1000 W, P_sleep = 50 W, L = 5 min, E_wake = 600 kJ (2000 W while
  // waking); idle threshold 10 min; horizon 5 h.
  //   A: 1 node, 0–1 h.   B: 2 nodes, submitted at 3 h, 1 h.
  // FIFO: B runs 3–4 h; idle node-time 10 − 1 − 2 = 7 node-h.
  // energy-packing: node 1 sleeps 0:10–3:00, node 0 1:10–3:00; B wakes both at 3:00, they
  // are on at 3:05, B runs 3:05–4:05; both sleep again 4:15–5:00.
  //   T_sleep = 170 + 110 + 2·45 = 370 min; 2 wakes.
  //   ΔE = (P_idle − P_sleep)·T_sleep + n_wake·(P_idle·L − E_wake)
  //      = 950·370·60 + 2·(1000·300 − 600e3) = 21.09 MJ − 0.6 MJ = 20.49 MJ.
  FakeConfig config{.racks = 1, .nodes_per_rack = 2, .idle_w = 1000.0};
  config.power_management = {sim::Watts(50.0), sim::minutes(5), sim::Joules(600e3)};
  auto run = [&](const char* policy) {
    FakeCluster c(config, make_policy(policy));
    c.submit({.name = "A", .submit = h(0), .nodes = 1, .work = h(1), .added_w = 3000});
    c.submit({.name = "B", .submit = h(3), .nodes = 2, .work = h(1), .added_w = 3000});
    c.run_until(h(5));
    return c;
  };
  const FakeCluster fifo = run("{policy: fifo}");
  const FakeCluster packing = run("{policy: energy-packing, idle_threshold: 10 min}");

  CHECK(fifo.job("B").start == h(3));
  CHECK(packing.job("B").start == h(3) + min(5));  // waited exactly one wake latency
  CHECK(packing.wakes() == 2);
  CHECK(packing.node_seconds(2) == doctest::Approx(370 * 60.0));  // sleeping
  CHECK(packing.node_seconds(3) == doctest::Approx(2 * 300.0));   // waking
  CHECK(packing.energy_j(3) == doctest::Approx(2 * 600e3));       // E_wake each
  // Busy energy is the same job energy, only shifted.
  CHECK(packing.energy_j(1) == doctest::Approx(fifo.energy_j(1)));
  const double saved_j = fifo.energy_j() - packing.energy_j();
  CHECK(saved_j == doctest::Approx(950.0 * 370 * 60 + 2 * (1000.0 * 300 - 600e3)));
  CHECK(saved_j == doctest::Approx(20.49e6));
}

TEST_CASE("energy-packing wakes nodes for the head and does not backfill into them") {
  // 6 nodes, 2 spares kept on; the other 4 sleep from 0:10. At 1 h the head H needs 4: the two
  // spares and two woken nodes, on at 1:05 (its reservation). L (2 nodes, 5 h), submitted
  // with it, fits in the two spares, but would hold them past 1:05, and the two nodes still
  // asleep are no extra for the head (nobody wakes them): L must not start before H; it then
  // needs two more woken nodes (1:05 → 1:10).
  FakeCluster c({.racks = 1, .nodes_per_rack = 6},
                make_policy("{policy: energy-packing, idle_threshold: 10 min, spare_nodes: 2}"));
  c.submit({.name = "H", .submit = h(1), .nodes = 4, .work = h(1)});
  c.submit({.name = "L", .submit = h(1), .nodes = 2, .work = h(5)});
  c.run_until(h(12));
  CHECK(c.job("H").start == h(1) + min(5));
  CHECK(c.job("L").start == h(1) + min(10));
  CHECK(c.wakes() == 4);
}

TEST_CASE("energy-packing keeps spare nodes on and packs racks") {
  // 2 racks × 2 nodes; one 1-node job: packing puts it on rack 0; with one spare, of the three
  // idle nodes two sleep after the threshold and the spare is the one beside the job.
  FakeConfig config{.racks = 2, .nodes_per_rack = 2};
  FakeCluster c(config, make_policy("{policy: energy-packing, idle_threshold: 10 min, "
                                    "spare_nodes: 1}"));
  c.submit({.name = "A", .submit = h(0), .nodes = 1, .work = h(3)});
  c.run_until(h(1));
  const auto nodes = c.nodes();
  CHECK(c.job("A").nodes == std::vector<std::uint32_t>{0});
  CHECK(nodes[1].state == NodeState::on);  // the spare, in the busy rack
  CHECK(nodes[2].state == NodeState::sleeping);
  CHECK(nodes[3].state == NodeState::sleeping);
  CHECK(nodes[2].since == min(10));
}

TEST_CASE("power-budget never lets facility power exceed the limit") {
  // 4 nodes at 1 kW idle; each 1-node job adds 5040 W (8 GPUs from 70 W to 700 W);
  // facility = 2 kW + 1.2 · IT. Idle: 2 + 1.2·4 = 6.8 kW. Limit 25 kW leaves 18.2 kW for
  // 1.2 · Σ added: three jobs uncapped (18.14 kW) fit, four need a cap:
  //   4 · 1.2 · 8 · (c − 70) ≤ 18 200  →  c ≤ 70 + 18 200 / 38.4 = 543.96 W.
  FakeConfig config{.racks = 1, .nodes_per_rack = 4, .idle_w = 1000.0};
  config.facility_static_w = 2000.0;
  config.pue = 1.2;
  auto run = [&](const std::string& policy) {
    FakeCluster c(config, make_policy(policy));
    for (int i = 0; i < 8; ++i)  // a burst, then stragglers
      c.submit({.name = job_name(i),
                .submit = i < 6 ? min(i) : h(1.5 + i),
                .nodes = i == 5 ? 2 : 1,
                .work = h(2),
                .added_w = 5040});
    c.run_until(h(48));
    return c;
  };
  const FakeCluster unmanaged = run("{policy: easy-backfill}");
  CHECK(unmanaged.peak_facility_w() == doctest::Approx(6800 + 4 * 1.2 * 5040));  // > 25 kW

  const FakeCluster budget = run("{policy: power-budget, limit: 25 kW}");
  CHECK(budget.peak_facility_w() <= 25000.0 + 1e-6);
  CHECK(budget.max_running() == 4);  // admitted under a cap rather than held back
  for (const auto& job : budget.jobs()) CHECK(job.state == models::world::JobState::done);

  // With a 600 W floor the fourth job cannot fit (4 · 1.2 · 8 · 530 = 20.35 kW > 18.2 kW):
  // admission holds it back instead.
  const FakeCluster floor = run("{policy: power-budget, limit: 25 kW, min_cap: 600 W}");
  CHECK(floor.peak_facility_w() <= 25000.0 + 1e-6);
  CHECK(floor.max_running() == 3);
}

TEST_CASE("power-budget passes over a job that could never fit, without blocking") {
  // Same cluster, limit 12 kW: 6.8 kW idle leaves 5.2 kW for 1.2 · added. With a 600 W floor
  // a 4-node job adds at least 4 · 8 · (600 − 70) · 1.2 = 20.35 kW: it can never fit, so the
  // 1-node job behind it runs, capped (8 · 530 · 1.2 = 5088 W ≤ 5200 W; uncapped 6048 W).
  FakeConfig config{.racks = 1, .nodes_per_rack = 4, .idle_w = 1000.0};
  config.facility_static_w = 2000.0;
  config.pue = 1.2;
  FakeCluster c(config, make_policy("{policy: power-budget, limit: 12 kW, min_cap: 600 W}"));
  c.submit({.name = "huge", .submit = h(0), .nodes = 4, .work = h(1), .added_w = 5040});
  c.submit({.name = "small", .submit = h(0), .nodes = 1, .work = h(1), .added_w = 5040});
  c.run_until(h(10));
  CHECK(c.job("huge").state == models::world::JobState::queued);
  CHECK(c.job("small").start == h(0));
  CHECK(c.peak_facility_w() <= 12000.0 + 1e-6);
}

TEST_CASE("power-budget applies only inside its window and caps running jobs when it opens") {
  // Same cluster; four 1-node jobs start at 0 uncapped (31.0 kW). The window [2 h, 4 h) caps
  // them to 543.96 W at 2 h (25 kW) and lifts the cap at 4 h.
  FakeConfig config{.racks = 1, .nodes_per_rack = 4, .idle_w = 1000.0};
  config.facility_static_w = 2000.0;
  config.pue = 1.2;
  FakeCluster c(config, make_policy("{policy: power-budget, limit: 25 kW, from: 2 h, until: 4 h}"));
  for (int i = 0; i < 4; ++i)
    c.submit({.name = job_name(i), .submit = h(0), .work = h(6), .added_w = 5040});
  c.run_until(h(2) - min(1));  // (run_until includes events at its end time)
  CHECK(c.facility_power().value() == doctest::Approx(6800 + 4 * 1.2 * 5040));
  c.run_until(h(3));
  CHECK(c.facility_power().value() <= 25000.0 + 1e-6);
  CHECK(c.facility_power().value() == doctest::Approx(25000.0).epsilon(1e-3));
  REQUIRE(c.power_cap(c.job("j0")));
  CHECK(c.power_cap(c.job("j0"))->value() == doctest::Approx(70 + 18200 / 38.4).epsilon(1e-4));
  c.run_until(h(4) + min(1));
  CHECK_FALSE(c.power_cap(c.job("j0")));
  CHECK(c.facility_power().value() == doctest::Approx(6800 + 4 * 1.2 * 5040));
}

TEST_CASE("thermal-aware places jobs on the coolest racks") {
  // 3 racks × 2 nodes at 27, 22, 25 °C.
  FakeConfig config{.racks = 3, .nodes_per_rack = 2, .rack_inlet_c = {27.0, 22.0, 25.0}};
  FakeCluster c(config, make_policy("{policy: thermal-aware}"));
  c.submit({.name = "a", .submit = h(0), .nodes = 2, .work = h(5)});
  c.submit({.name = "b", .submit = h(1), .nodes = 3, .work = h(5)});
  c.run_until(h(2));
  CHECK(c.job("a").nodes == std::vector<std::uint32_t>{2, 3});     // rack 1, 22 °C
  CHECK(c.job("b").nodes == std::vector<std::uint32_t>{0, 4, 5});  // rack 2, then rack 0
}

TEST_CASE("thermal-aware ranks racks by expected inlet: inlet now + the rise of one more node") {
  // 4 racks × 2 nodes, one row with open aisles: equal inlets (a cold start), rises of 1.0 K at
  // the row ends and 0.33 K in the middle (r/(1 − r) · P_node/W: r = 0.25 and 0.099).
  FakeConfig config{.racks = 4,
                    .nodes_per_rack = 2,
                    .rack_inlet_c = {22.0, 22.0, 22.0, 22.0},
                    .rack_inlet_rise_k = {1.0, 0.33, 0.33, 1.0}};
  FakeCluster c(config, make_policy("{policy: thermal-aware}"));
  c.submit({.name = "a", .submit = h(0), .nodes = 2, .work = h(5)});
  c.submit({.name = "b", .submit = h(1), .nodes = 3, .work = h(5)});
  c.run_until(h(2));
  // a: rack 1 (22.33 °C expected; a tie with rack 2 goes to the lower id), not rack 0 (23.0).
  CHECK(c.job("a").nodes == std::vector<std::uint32_t>{2, 3});
  // b: rack 2 (22.33), then a row end (23.0; the tie to rack 0).
  CHECK(c.job("b").nodes == std::vector<std::uint32_t>{0, 4, 5});
  // A warmer inlet now outweighs a smaller rise: rack 1 at 22.9 + 0.33 = 23.23 °C loses to a
  // row end at 22.0 + 1.0 = 23.0 °C.
  config.rack_inlet_c = {22.0, 22.9, 22.9, 22.0};
  FakeCluster warm(config, make_policy("{policy: thermal-aware}"));
  warm.submit({.name = "a", .submit = h(0), .nodes = 2, .work = h(5)});
  warm.run_until(h(1));
  CHECK(warm.job("a").nodes == std::vector<std::uint32_t>{0, 1});
}

TEST_CASE("topology-aware picks co-located nodes") {
  // 2 racks × 4 nodes; hops 2 within a rack, 4 across. After a 3-node job on rack 0
  // (0, 1, 2), a 2-node job could take 3 and 4 (4 hops, what lowest ids gives) or two nodes
  // of rack 1 (2 hops).
  auto run = [](const char* policy) {
    FakeCluster c({.racks = 2, .nodes_per_rack = 4}, make_policy(policy));
    c.submit({.name = "a", .submit = h(0), .nodes = 3, .work = h(5)});
    c.submit({.name = "b", .submit = h(1), .nodes = 2, .work = h(5)});
    c.run_until(h(2));
    return c;
  };
  const FakeCluster topo = run("{policy: topology-aware}");
  CHECK(topo.job("a").nodes == std::vector<std::uint32_t>{0, 1, 2});
  CHECK(topo.job("b").nodes == std::vector<std::uint32_t>{4, 5});
  CHECK(pairwise_hops(topo, topo.job("b").nodes) == 2);
  const FakeCluster plain = run("{policy: easy-backfill}");
  CHECK(plain.job("b").nodes == std::vector<std::uint32_t>{3, 4});
  CHECK(pairwise_hops(plain, plain.job("b").nodes) == 4);
}

TEST_CASE("fewest_racks takes the fewest racks, best fit last") {
  // 3 racks × 4 nodes; rack 0 has 1 busy node (3 free), rack 1 all 4 free, rack 2 2 busy.
  FakeCluster c({.racks = 3, .nodes_per_rack = 4}, make_policy("{policy: fifo}"));
  c.submit({.name = "x", .submit = h(0), .nodes = 1, .work = h(9)});
  c.submit({.name = "y", .submit = h(0), .nodes = 6, .work = h(9)});  // 1..6
  c.run_until(h(1));
  // Free now: 7 (rack 1), 8..11 (rack 2). 2 nodes: best fit is rack 1? No: rack 1 has 1 free
  // (< 2), rack 2 has 4: → 8, 9. 5 nodes: no rack holds 5; the fullest (rack 2, 4) then the
  // best fit for 1 (rack 1: node 7).
  CHECK(fewest_racks(c, 2) == std::vector<std::uint32_t>{8, 9});
  CHECK(fewest_racks(c, 1) == std::vector<std::uint32_t>{7});
  CHECK(fewest_racks(c, 5) == std::vector<std::uint32_t>{7, 8, 9, 10, 11});
  CHECK(fewest_racks(c, 6).empty());
}

TEST_CASE("shortest-job-first (the tutorial's example) starts the shortest waiting job first") {
  // 2 nodes, busy with X until 1 h; then a 3 h and a 1 h job wait. At 1 h SJF starts the 1 h
  // job first (and the 3 h one beside it); a 2-node job submitted earlier waits behind both.
  FakeCluster c({.racks = 1, .nodes_per_rack = 2}, make_policy("{policy: shortest-job-first}"));
  c.submit({.name = "X", .submit = h(0), .nodes = 2, .work = h(1)});
  c.submit({.name = "wide", .submit = min(5), .nodes = 2, .work = h(2)});
  c.submit({.name = "long", .submit = min(10), .nodes = 1, .work = h(3)});
  c.submit({.name = "short", .submit = min(20), .nodes = 1, .work = h(1)});
  c.run_until(h(12));
  CHECK(c.job("short").start == h(1));
  CHECK(c.job("long").start == h(1));
  CHECK(c.job("wide").start == h(4));  // FIFO would have started it at 1 h
  // max_nodes: 1 keeps 2-node jobs from ever starting.
  FakeCluster d({.racks = 1, .nodes_per_rack = 2},
                make_policy("{policy: shortest-job-first, max_nodes: 1}"));
  d.submit({.name = "wide", .submit = h(0), .nodes = 2, .work = h(1)});
  d.run_until(h(5));
  CHECK(d.job("wide").state == models::world::JobState::queued);
}
