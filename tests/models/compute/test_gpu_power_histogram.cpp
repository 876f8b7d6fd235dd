// Per-GPU power histogram: bins by hand and the GPU-time invariant.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include "models/compute/gpu_power_histogram.hpp"
#include "tests/test_lcg.hpp"

using namespace joule;
using joule::models::compute::GpuPowerHistogram;

TEST_CASE("GPU-seconds land in the bins of each state's per-GPU power, and sum to GPUs × time") {
  GpuPowerHistogram h(2, 8, 20.0, 1500.0);  // 2 nodes of 8 GPUs, 20 W bins to 1,500 W
  CHECK(h.bins() == 75);
  CHECK(h.bin_edges_w().front() == 0);
  CHECK(h.bin_edges_w().back() == doctest::Approx(1500));
  // From t = 0: node 0 idle at 70 W; node 1 runs 1 busy GPU at 650 W, 7 idle at 70 W.
  h.set(0, sim::seconds(0), 0, 0.0, 70.0);
  h.set(1, sim::seconds(0), 1, 650.0, 70.0);
  // At t = 100 s node 1's job ends: all 8 idle.
  h.set(1, sim::seconds(100), 0, 0.0, 70.0);
  const auto a = h.take(sim::seconds(300));
  // 70 W is bin 3 [60, 80); 650 W bin 32 [640, 660).
  CHECK(a[32] == doctest::Approx(1 * 100.0));
  CHECK(a[3] == doctest::Approx(8 * 300.0 + 7 * 100.0 + 8 * 200.0));
  CHECK(std::accumulate(a.begin(), a.end(), 0.0) == doctest::Approx(16 * 300.0));
  // A new interval starts empty; a power above the last edge lands in the last bin.
  h.set(0, sim::seconds(300), 8, 2000.0, 0.0);
  const auto b = h.take(sim::seconds(310));
  CHECK(b.back() == doctest::Approx(8 * 10.0));
  CHECK(std::accumulate(b.begin(), b.end(), 0.0) == doctest::Approx(16 * 10.0));
}

TEST_CASE("a take: bins tested four at a time, the last of a four and the bins after the fours") {
  // 75 bins: eighteen fours and three more. A take passes over an empty four at once; a four
  // with GPUs in its last bin (3), and a bin among the three after the last four (74), are
  // integrated, each to the bit: whole GPUs and seconds.
  GpuPowerHistogram h(1, 8, 20.0, 1500.0);
  REQUIRE(h.bins() == 75);
  h.set(0, sim::seconds(0), 1, 70.0, 1490.0);  // 1 GPU in bin 3 [60, 80), 7 in bin 74
  const auto a = h.take(sim::seconds(100));
  CHECK(a[3] == 100.0);
  CHECK(a[74] == 700.0);
  CHECK(std::accumulate(a.begin(), a.end(), 0.0) == 800.0);
  // The next interval counts from the take: 150 s more, then 8 GPUs in bin 40 [800, 820).
  h.set(0, sim::seconds(250), 8, 810.0, 0.0);
  const auto b = h.take(sim::seconds(260));
  CHECK(b[3] == 150.0);
  CHECK(b[74] == 7 * 150.0);
  CHECK(b[40] == 80.0);
  CHECK(std::accumulate(b.begin(), b.end(), 0.0) == 8 * 160.0);
}

TEST_CASE("a move of held nodes: one entry to one, one to two, two to one") {
  // Two nodes of 8 GPUs moved together (a held run's phase): all busy from bin 32 [640, 660)
  // to bin 40 [800, 820) at 100 s (one entry each), to 4 busy in bin 15 [300, 320) and 4 idle
  // in bin 3 [60, 80) at 150 s (two entries), back to all busy in bin 32 at 250 s. A third
  // node idle at 0 W throughout. Whole GPUs and seconds: every bin to the bit.
  GpuPowerHistogram h(3, 8, 20.0, 1500.0);
  h.set(0, sim::seconds(0), 8, 650.0, 70.0);
  h.set(1, sim::seconds(0), 8, 650.0, 70.0);
  h.set(2, sim::seconds(0), 0, 0.0, 0.0);
  const auto all_650 = h.node_bins(8, 650.0, 70.0), all_810 = h.node_bins(8, 810.0, 70.0);
  const auto half_300 = h.node_bins(4, 300.0, 70.0);
  REQUIRE(all_650.entries == 1);
  REQUIRE(half_300.entries == 2);
  h.move(2, sim::seconds(100), all_650, all_810);
  h.move(2, sim::seconds(150), all_810, half_300);
  const auto a = h.take(sim::seconds(200));
  CHECK(a[32] == 16 * 100.0);
  CHECK(a[40] == 16 * 50.0);
  CHECK(a[15] == 8 * 50.0);
  CHECK(a[3] == 8 * 50.0);
  CHECK(a[0] == 8 * 200.0);
  CHECK(std::accumulate(a.begin(), a.end(), 0.0) == 24 * 200.0);
  h.move(2, sim::seconds(250), half_300, all_650);
  const auto b = h.take(sim::seconds(300));
  CHECK(b[15] == 8 * 50.0);
  CHECK(b[3] == 8 * 50.0);
  CHECK(b[32] == 16 * 50.0);
  CHECK(b[40] == 0.0);
  CHECK(b[0] == 8 * 100.0);
  CHECK(std::accumulate(b.begin(), b.end(), 0.0) == 24 * 100.0);
}

TEST_CASE("a shared node: each job's GPUs in their own bin, the rest idle") {
  GpuPowerHistogram h(1, 8, 20.0, 1500.0);
  // Two jobs: 1 GPU at 650 W and 4 GPUs at 300 W; 3 GPUs idle at 70 W, for 50 s.
  const GpuPowerHistogram::Group groups[] = {{1, 650.0}, {4, 300.0}};
  h.set(0, sim::seconds(0), groups, 70.0);
  const auto a = h.take(sim::seconds(50));
  CHECK(a[32] == doctest::Approx(1 * 50.0));  // [640, 660)
  CHECK(a[15] == doctest::Approx(4 * 50.0));  // [300, 320)
  CHECK(a[3] == doctest::Approx(3 * 50.0));   // [60, 80)
  CHECK(std::accumulate(a.begin(), a.end(), 0.0) == doctest::Approx(8 * 50.0));
}

TEST_CASE("GPU counts per bin, integrated per bin, give the GPU-seconds of each node's states") {
  // The histogram keeps the GPUs in each bin now and integrates a bin when its count changes;
  // the references below are the direct form (every node's state integrated on its own: its
  // groups clamped and binned, count × Δt added per node) and the exact GPU-nanoseconds in
  // integers. Random states (one job, shared nodes of up to 4 groups, over-full groups, powers
  // past the last edge) at random instants, several takes: every bin within 1e-12 of the exact
  // value (relative to the interval's GPU-seconds; the two forms add the same terms in another
  // order), and the bins sum to GPUs × interval.
  constexpr int gpus = 8;
  constexpr std::size_t nodes = 6;
  GpuPowerHistogram h(nodes, gpus, 20.0, 1500.0);
  struct Ref {
    sim::Time since;
    std::vector<GpuPowerHistogram::Group> busy;
    double idle_w = 0.0;
  };
  std::vector<Ref> ref(nodes);
  std::vector<double> cur(h.bins(), 0.0);
  std::vector<std::int64_t> exact_ns(h.bins(), 0);
  const auto bin = [&](double w) {
    if (!(w > 0)) return std::size_t{0};
    return std::min(h.bins() - 1, static_cast<std::size_t>(w / 20.0));
  };
  const auto integrate = [&](Ref& s, sim::Time now) {
    const double dt = (now - s.since).seconds();
    const std::int64_t dt_ns = (now - s.since).ns();
    if (dt > 0) {
      int busy = 0;
      for (const auto& g : s.busy) {
        const int count = std::clamp(g.count, 0, gpus - busy);
        if (count > 0) {
          cur[bin(g.power_w)] += count * dt;
          exact_ns[bin(g.power_w)] += count * dt_ns;
        }
        busy += count;
      }
      if (gpus > busy) {
        cur[bin(s.idle_w)] += (gpus - busy) * dt;
        exact_ns[bin(s.idle_w)] += (gpus - busy) * dt_ns;
      }
    }
    s.since = now;
  };
  test::Lcg lcg(7);  // the test's own sequence
  const auto next = [&] { return lcg.next(); };
  sim::Time now, from;
  int takes = 0;
  for (int k = 0; k < 3000; ++k) {
    now = now + sim::Time::from_ns(static_cast<std::int64_t>(next() % 5'000'000'000ULL));
    const std::size_t node = next() % nodes;
    std::vector<GpuPowerHistogram::Group> groups(next() % 5);
    for (auto& g : groups) g = {static_cast<int>(next() % 7), static_cast<double>(next() % 1700)};
    const double idle_w = 60.0 + static_cast<double>(next() % 30);
    h.set(node, now, groups, idle_w);
    integrate(ref[node], now);
    ref[node].busy = groups;
    ref[node].idle_w = idle_w;
    if (next() % 4 == 0) {  // the same state again a little later: its GPUs stay in their bins
      now = now + sim::Time::from_ns(static_cast<std::int64_t>(next() % 1'000'000'000ULL));
      h.set(node, now, groups, idle_w);
      integrate(ref[node], now);
    }
    if (next() % 50 == 0) {
      const auto got = h.take(now);
      for (auto& s : ref) integrate(s, now);
      const double gpu_s = static_cast<double>(nodes * gpus) * (now - from).seconds();
      double sum = 0.0;
      for (std::size_t b = 0; b < cur.size(); ++b) {
        const double exact = static_cast<double>(exact_ns[b]) * 1e-9;
        REQUIRE(std::fabs(got[b] - exact) <= 1e-12 * gpu_s);
        REQUIRE(std::fabs(got[b] - cur[b]) <= 1e-12 * gpu_s);
        sum += got[b];
      }
      CHECK(sum == doctest::Approx(gpu_s).epsilon(1e-12));
      cur.assign(cur.size(), 0.0);
      exact_ns.assign(exact_ns.size(), 0);
      from = now;
      ++takes;
    }
  }
  CHECK(takes > 10);
}
