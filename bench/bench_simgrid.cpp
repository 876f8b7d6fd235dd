// Joule's engine against SimGrid (s4u) on the hold model (bench/hold_model.hpp), in one process.
//
// SimGrid's form of the hold model: `pending` actors on one host, each sleeping for the next
// exponential increment (the same precomputed increments as Joule's run) and counting one
// event per wake-up, until `events` wake-ups have happened; the actors still asleep then wake
// once more and stop (counted too). Its cost per event is the discrete-event core plus an actor
// context switch, which is how a SimGrid model advances: this is the comparison a user makes
// when choosing an engine, not a data-structure race. Rates are events per CPU-second of the
// process (SimGrid may switch contexts on other threads).
//
// A SimGrid engine can be created once per process, so each run measures one pending count:
//   bench_simgrid [pending=1000] [events=1000000] [repeats=3] [SimGrid options...]
// bench/bench_simgrid.sh runs it at 100, 1,000 and 10,000. Built only where SimGrid is found
// (Debian: libsimgrid-dev).
// version.h needs the macros that s4u.hpp defines: keep this order.
// clang-format off
#include <simgrid/s4u.hpp>
#include <simgrid/version.h>
// clang-format on

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/hold_model.hpp"

namespace {

double hold_simgrid(int argc, char** argv, std::size_t pending, std::uint64_t events,
                    const std::vector<joule::sim::Time::rep>& inc, std::uint64_t& processed) {
  simgrid::s4u::Engine engine(&argc, argv);
  auto* zone = simgrid::s4u::create_full_zone("hold");
  simgrid::s4u::Host* host = zone->create_host("host", 1e9);
  zone->seal();
  const std::size_t mask = inc.size() - 1;
  std::size_t k = 0;
  std::uint64_t count = 0;
  for (std::size_t i = 0; i < pending; ++i)
    simgrid::s4u::Actor::create(std::to_string(i), host, [&] {
      while (count < events) {
        simgrid::s4u::this_actor::sleep_for(1e-9 * static_cast<double>(inc[k++ & mask]));
        ++count;
      }
    });
  const double t0 = joule::bench::cpu_s(CLOCK_PROCESS_CPUTIME_ID);
  engine.run();
  const double cpu = joule::bench::cpu_s(CLOCK_PROCESS_CPUTIME_ID) - t0;
  processed = count;
  return static_cast<double>(count) / cpu;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t pending = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000;
  const std::uint64_t events = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
  const auto inc = joule::bench::hold_increments(1 << 20);
  // SimGrid's own arguments: quiet logs; its default context factory.
  std::string quiet = "--log=root.thresh:critical";
  std::vector<char*> sg_argv = {argv[0], quiet.data()};
  for (int i = 4; i < argc; ++i) sg_argv.push_back(argv[i]);  // e.g. --cfg=contexts/factory:raw
  const int sg_argc = static_cast<int>(sg_argv.size());
  sg_argv.push_back(nullptr);
  std::uint64_t processed = 0, checksum = 0;
  const double simgrid = hold_simgrid(sg_argc, sg_argv.data(), pending, events, inc, processed);
  double joule = 0;
  for (int r = 0; r < repeats; ++r)
    joule = std::max(
        joule, joule::bench::hold_engine(pending, events, inc, checksum, CLOCK_PROCESS_CPUTIME_ID));
  int major = 0, minor = 0, patch = 0;
  sg_version_get(&major, &minor, &patch);
  std::printf("%10zu %14.3f %14.3f %8.1f   (SimGrid %d.%d.%d: %llu events)\n", pending, joule / 1e6,
              simgrid / 1e6, joule / simgrid, major, minor, patch,
              static_cast<unsigned long long>(processed));
  return 0;
}
