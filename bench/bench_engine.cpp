// Engine benchmark: the classic hold model (Vaucher & Duval 1975; Jones 1986).
//
// N events are pending; each processed event schedules one successor at now + Exp(mean).
// We run the engine (bound handler, 64-bit argument) and, in the same process, the same
// workload on a bare std::priority_queue of (time, sequence) pairs — the data-structure limit
// with no handler dispatch — and print both rates and their ratio.
//
//   bench_engine [pending=100000] [events=20000000] [repeats=3]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <queue>
#include <vector>

#include "sim/random.hpp"
#include "sim/simulator.hpp"

using namespace joule::sim;
using Clock = std::chrono::steady_clock;

namespace {

// Precomputed exponential increments (mean 1 ms) so both runs do the same arithmetic.
std::vector<Time::rep> increments(std::size_t n) {
  Rng rng = RandomStreams(2024).stream("hold");
  std::vector<Time::rep> out(n);
  for (auto& x : out) x = static_cast<Time::rep>(rng.exponential(1e6)) + 1;
  return out;
}

double run_engine(std::size_t pending, std::uint64_t events, const std::vector<Time::rep>& inc,
                  std::uint64_t& checksum) {
  Simulator sim;
  const std::size_t mask = inc.size() - 1;
  std::size_t k = 0;
  std::uint64_t sum = 0;
  HandlerId hold = 0;
  hold = sim.bind([&](std::uint64_t arg) {
    sum += arg;
    sim.at(sim.now() + Time::from_ns(inc[k++ & mask]), hold, arg + 1);
    if (sim.events_processed() == events) sim.stop();
  });
  for (std::size_t i = 0; i < pending; ++i) sim.at(Time::from_ns(inc[k++ & mask]), hold, i);
  const auto t0 = Clock::now();
  sim.run();
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  checksum = sum;
  return static_cast<double>(sim.events_processed()) / wall;
}

double run_bare(std::size_t pending, std::uint64_t events, const std::vector<Time::rep>& inc,
                std::uint64_t& checksum) {
  using Entry = std::pair<Time::rep, std::uint64_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
  const std::size_t mask = inc.size() - 1;
  std::size_t k = 0;
  std::uint64_t seq = 0, sum = 0;
  for (std::size_t i = 0; i < pending; ++i) heap.push({inc[k++ & mask], seq++});
  const auto t0 = Clock::now();
  for (std::uint64_t e = 0; e < events; ++e) {
    const Entry top = heap.top();
    heap.pop();
    sum += top.second;
    heap.push({top.first + inc[k++ & mask], seq++});
  }
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  checksum = sum;
  return static_cast<double>(events) / wall;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t pending = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
  const std::uint64_t events = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20000000;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
  const auto inc = increments(1 << 20);
  std::printf("hold model: %zu pending events, %llu events per run, best of %d\n", pending,
              static_cast<unsigned long long>(events), repeats);
  double best_engine = 0, best_bare = 0;
  std::uint64_t c1 = 0, c2 = 0;
  for (int r = 0; r < repeats; ++r) {
    // Alternate so that machine noise hits both alike.
    best_engine = std::max(best_engine, run_engine(pending, events, inc, c1));
    best_bare = std::max(best_bare, run_bare(pending, events, inc, c2));
  }
  std::printf("engine (radix heap, bound handlers): %8.2f M events/s\n", best_engine / 1e6);
  std::printf("bare std::priority_queue<(t, seq)> : %8.2f M events/s\n", best_bare / 1e6);
  std::printf("ratio engine / bare heap           : %8.2f\n", best_engine / best_bare);
  std::printf("targets: >= 20 M events/s, ratio >= 0.5 (checksums %llu %llu)\n",
              static_cast<unsigned long long>(c1), static_cast<unsigned long long>(c2));
  return 0;
}
