// The nearest-rank quantile of the facility's power samples (kpi.hpp): found without a copy, it
// is the value std::nth_element leaves at rank ceil(q·n) − 1 of a copy, to the bit, whatever
// the samples (ties, signs, zeros of both signs, infinities, NaNs).
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "models/world/kpi.hpp"

using namespace joule::models;

namespace {

// What the p99 KPI computed before: a copy, and std::nth_element on it.
float by_copy(std::vector<float> v, double q) {
  const std::size_t k =
      std::min(v.size() - 1, static_cast<std::size_t>(std::ceil(q * v.size())) - 1);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

std::uint32_t bits(float x) {
  return std::bit_cast<std::uint32_t>(x);
}

}  // namespace

TEST_CASE("nearest rank by hand: the ceil(q·n)-th smallest") {
  // n = 10: q = 0.99 → ceil(9.9) = 10th smallest; q = 0.5 → 5th; q = 0.05 → ceil(0.5) = 1st.
  const std::vector<float> v = {7, 3, 9, 1, 5, 10, 2, 8, 4, 6};
  CHECK(world::nearest_rank(v, 0.99) == 10.0f);
  CHECK(world::nearest_rank(v, 0.5) == 5.0f);
  CHECK(world::nearest_rank(v, 0.05) == 1.0f);
  CHECK(world::nearest_rank(std::vector<float>{42.5f}, 0.99) == 42.5f);
  // Values that differ in their last bit only (one key bin at every pass but the last).
  const float a = 1.0e7f, b = std::nextafter(a, 2e7f), c = std::nextafter(b, 2e7f);
  CHECK(bits(world::nearest_rank(std::vector<float>{c, a, b}, 0.5)) == bits(b));
}

TEST_CASE("nearest rank: the bits nth_element gives on a copy, for any samples") {
  std::mt19937 rng(20);
  const float specials[] = {0.0f,
                            -0.0f,
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::denorm_min(),
                            -std::numeric_limits<float>::denorm_min(),
                            std::numeric_limits<float>::max(),
                            std::numeric_limits<float>::lowest(),
                            std::numeric_limits<float>::quiet_NaN()};
  int compared = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const std::size_t n = 1 + rng() % (trial % 10 == 0 ? 5000 : 40);
    const int kind = trial % 5;
    std::vector<float> v(n);
    for (float& x : v) {
      switch (kind) {
        case 0:  // a facility's power: around 12 MW
          x = 1.2e7f + static_cast<float>(rng() % 4000000);
          break;
        case 1:  // few distinct values: ties at the rank
          x = static_cast<float>(rng() % 4);
          break;
        case 2:  // both signs, and zeros of both signs
          x = static_cast<float>(static_cast<int>(rng() % 7) - 3) * ((rng() & 1) ? 1.0f : -1.0f);
          break;
        case 3:  // any bits but NaNs
          do x = std::bit_cast<float>(static_cast<std::uint32_t>(rng()));
          while (std::isnan(x));
          break;
        default:  // the special values among ordinary ones
          x = (rng() % 3 == 0) ? specials[rng() % std::size(specials)]
                               : static_cast<float>(rng() % 100) - 50.0f;
      }
    }
    for (const double q : {0.0, 0.01, 0.5, 0.95, 0.99, 1.0}) {
      // With a NaN among them (no order), the same copy and nth_element: the same bits too.
      CHECK(bits(world::nearest_rank(v, q)) == bits(by_copy(v, q)));
      ++compared;
    }
  }
  CHECK(compared > 15000);
}
