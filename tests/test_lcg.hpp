// A small linear congruential generator for a test's own sequence (Knuth's MMIX multiplier and
// increment, the high 31 bits returned): seeded, the same on every platform, and apart from
// sim::Rng, so that a test's random inputs never share a stream with the model under test.
#pragma once

#include <cstdint>

namespace joule::test {

struct Lcg {
  std::uint64_t x;
  explicit Lcg(std::uint64_t seed) : x(seed) {}
  std::uint64_t next() {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x >> 33;
  }
  // Uniform in [lo, hi) on a grid of 1,000,003 steps.
  double real(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(next() % 1000003) / 1000003.0;
  }
};

}  // namespace joule::test
