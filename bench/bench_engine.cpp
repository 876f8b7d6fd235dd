// Engine benchmark: the classic hold model (Vaucher & Duval 1975; Jones 1986).
//
// N events are pending; each processed event schedules one successor at now + Exp(mean).
// We run the engine (bound handler, 64-bit argument) and, in the same process, the same
// workload on a bare std::priority_queue of (time, sequence) pairs — the data-structure limit
// with no handler dispatch — and print both rates and their ratio, at 1e3, 1e5 and 1e6 pending
// events (or the one count given). Rates are per CPU-second of this thread, so other work on
// a shared machine slows neither side.
//
//   bench_engine [pending=all] [events=5000000] [repeats=3]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <queue>
#include <vector>

#include "bench/hold_model.hpp"

using namespace joule::sim;
using joule::bench::cpu_s;
namespace {

double run_bare(std::size_t pending, std::uint64_t events, const std::vector<Time::rep>& inc,
                std::uint64_t& checksum) {
  using Entry = std::pair<Time::rep, std::uint64_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
  const std::size_t mask = inc.size() - 1;
  std::size_t k = 0;
  std::uint64_t seq = 0, sum = 0;
  for (std::size_t i = 0; i < pending; ++i) heap.push({inc[k++ & mask], seq++});
  const double t0 = cpu_s();
  for (std::uint64_t e = 0; e < events; ++e) {
    const Entry top = heap.top();
    heap.pop();
    sum += top.second;
    heap.push({top.first + inc[k++ & mask], seq++});
  }
  const double wall = cpu_s() - t0;
  checksum = sum;
  return static_cast<double>(events) / wall;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes = {1000, 100000, 1000000};
  if (argc > 1) sizes = {std::strtoull(argv[1], nullptr, 10)};
  const std::uint64_t events = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 5000000;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
  const auto inc = joule::bench::hold_increments(1 << 20);
  std::printf("hold model: %llu events per run, best of %d, M events per CPU-second\n",
              static_cast<unsigned long long>(events), repeats);
  std::printf("%10s %12s %12s %8s\n", "pending", "engine", "bare heap", "ratio");
  for (const std::size_t pending : sizes) {
    double best_engine = 0, best_bare = 0;
    std::uint64_t c1 = 0, c2 = 0;
    for (int r = 0; r < repeats; ++r) {
      // Alternate so that machine noise hits both alike.
      best_engine = std::max(best_engine, joule::bench::hold_engine(pending, events, inc, c1));
      best_bare = std::max(best_bare, run_bare(pending, events, inc, c2));
    }
    std::printf("%10zu %12.2f %12.2f %8.2f   (checksums %llu %llu)\n", pending, best_engine / 1e6,
                best_bare / 1e6, best_engine / best_bare, static_cast<unsigned long long>(c1),
                static_cast<unsigned long long>(c2));
  }
  std::printf("targets: engine >= 1.0x the bare heap at 1e5 pending\n");
  return 0;
}
