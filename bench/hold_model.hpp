// The classic hold model (Vaucher & Duval 1975; Jones 1986) on Joule's engine, shared by the
// engine benchmarks: N events are pending; each processed event schedules one successor at
// now + an exponential increment (mean 1 ms, precomputed, so that every run of every engine
// does the same arithmetic on the same times).
#pragma once

#include <time.h>

#include <cstdint>
#include <vector>

#include "sim/random.hpp"
#include "sim/simulator.hpp"

namespace joule::bench {

// CPU seconds of this thread (`CLOCK_THREAD_CPUTIME_ID`) or of the whole process.
inline double cpu_s(clockid_t clock = CLOCK_THREAD_CPUTIME_ID) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// `n` exponential increments in ns (n a power of two: callers index them with `& (n - 1)`).
inline std::vector<sim::Time::rep> hold_increments(std::size_t n) {
  sim::Rng rng = sim::RandomStreams(2024).stream("hold");
  std::vector<sim::Time::rep> out(n);
  for (auto& x : out) x = static_cast<sim::Time::rep>(rng.exponential(1e6)) + 1;
  return out;
}

// Runs `events` events of the hold model with `pending` events in the queue on Joule's engine
// (a bound handler with a 64-bit argument); returns events per CPU-second of `clock`.
inline double hold_engine(std::size_t pending, std::uint64_t events,
                          const std::vector<sim::Time::rep>& inc, std::uint64_t& checksum,
                          clockid_t clock = CLOCK_THREAD_CPUTIME_ID) {
  sim::Simulator sim;
  const std::size_t mask = inc.size() - 1;
  std::size_t k = 0;
  std::uint64_t sum = 0;
  sim::HandlerId hold = 0;
  hold = sim.bind([&](std::uint64_t arg) {
    sum += arg;
    sim.at(sim.now() + sim::Time::from_ns(inc[k++ & mask]), hold, arg + 1);
    if (sim.events_processed() == events) sim.stop();
  });
  for (std::size_t i = 0; i < pending; ++i) sim.at(sim::Time::from_ns(inc[k++ & mask]), hold, i);
  const double t0 = cpu_s(clock);
  sim.run();
  const double cpu = cpu_s(clock) - t0;
  checksum = sum;
  return static_cast<double>(sim.events_processed()) / cpu;
}

}  // namespace joule::bench
