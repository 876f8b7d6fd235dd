// Per-GPU power histogram: bins by hand and the GPU-time invariant.
#include <doctest/doctest.h>

#include <numeric>

#include "models/compute/gpu_power_histogram.hpp"

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
