#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "sim/random.hpp"

using namespace joule::sim;

TEST_CASE("same seed and name give the same stream") {
  RandomStreams a(42), b(42);
  Rng x = a.stream("failures"), y = b.stream("failures");
  for (int i = 0; i < 100; ++i) CHECK(x.next_u64() == y.next_u64());
}

TEST_CASE("streams are independent of each other and of other streams' use") {
  RandomStreams streams(7);
  Rng arrivals1 = streams.stream("arrivals");
  std::vector<double> first;
  for (int i = 0; i < 10; ++i) first.push_back(arrivals1.uniform());
  // Drawing from another stream (a model added later) changes nothing here.
  Rng failures = streams.stream("failures");
  for (int i = 0; i < 1000; ++i) failures.uniform();
  Rng arrivals2 = streams.stream("arrivals");
  for (int i = 0; i < 10; ++i) CHECK(arrivals2.uniform() == first[i]);
  // Different names and different seeds differ.
  CHECK(streams.stream("a").next_u64() != streams.stream("b").next_u64());
  CHECK(RandomStreams(1).stream("a").next_u64() != RandomStreams(2).stream("a").next_u64());
}

TEST_CASE("distribution moments") {
  Rng r = RandomStreams(123).stream("moments");
  const int n = 200000;
  double sum_u = 0, sum_e = 0, sum_n = 0, sum_n2 = 0;
  std::uint64_t below_hist[5] = {};
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform();
    CHECK((u >= 0.0 && u < 1.0));
    sum_u += u;
    sum_e += r.exponential(3.0);
    const double z = r.normal(1.0, 2.0);
    sum_n += z;
    sum_n2 += (z - 1.0) * (z - 1.0);
    ++below_hist[r.below(5)];
  }
  // Standard errors: uniform 0.29/sqrt(n) = 6.5e-4; exponential 3/sqrt(n) = 6.7e-3.
  CHECK(sum_u / n == doctest::Approx(0.5).epsilon(0.005));
  CHECK(sum_e / n == doctest::Approx(3.0).epsilon(0.01));
  CHECK(sum_n / n == doctest::Approx(1.0).epsilon(0.02));
  CHECK(std::sqrt(sum_n2 / n) == doctest::Approx(2.0).epsilon(0.01));
  for (auto c : below_hist) CHECK(static_cast<double>(c) / n == doctest::Approx(0.2).epsilon(0.02));
}

TEST_CASE("known first values pin the generator across platforms") {
  // xoshiro256** seeded by SplitMix64 (state 0 -> 0xe220a8397b1dcdaf, Vigna's reference):
  // the first outputs, computed independently from the published algorithms.
  Rng r(0);
  CHECK(r.next_u64() == 0x99ec5f36cb75f2b4ull);
  CHECK(r.next_u64() == 0xbf6e1f784956452aull);
  CHECK(r.next_u64() == 0x1a5f849d4933e6e0ull);
  CHECK(stable_hash("") == 0xcbf29ce484222325ull);
  CHECK(stable_hash("a") == 0xaf63dc4c8601ec8cull);
}
