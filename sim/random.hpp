// Named random streams.
//
// Each model draws from its own stream, seeded from (scenario seed, stream name) by hashing, so
// adding a model, or a model drawing more numbers, never changes what another model draws. The
// generator is xoshiro256** (Blackman & Vigna 2018), seeded through SplitMix64; distributions
// are implemented here rather than taken from <random>, whose algorithms differ between
// standard libraries: same seed, same numbers, on every platform this builds on.
#pragma once

#include <cstdint>
#include <string_view>

namespace joule::sim {

class Rng {
public:
  explicit Rng(std::uint64_t seed);

  std::uint64_t next_u64();
  // Uniform on [0, 1) with 53 random bits.
  double uniform();
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n) without modulo bias (Lemire 2019). n must be > 0.
  std::uint64_t below(std::uint64_t n);
  // Exponential with the given mean (> 0).
  double exponential(double mean);
  double normal(double mean = 0.0, double stddev = 1.0);
  double lognormal(double mu, double sigma);
  // Weibull with shape k and scale lambda.
  double weibull(double shape, double scale);
  bool bernoulli(double p) { return uniform() < p; }

private:
  std::uint64_t s_[4];
  double spare_normal_ = 0.0;
  bool has_spare_ = false;
};

// 64-bit FNV-1a of a name: stable across platforms and runs.
std::uint64_t stable_hash(std::string_view text);

class RandomStreams {
public:
  explicit RandomStreams(std::uint64_t seed) : seed_(seed) {}
  std::uint64_t seed() const { return seed_; }
  // A fresh generator for the stream `name`; the same name always gives the same sequence.
  Rng stream(std::string_view name) const;

private:
  std::uint64_t seed_;
};

}  // namespace joule::sim
