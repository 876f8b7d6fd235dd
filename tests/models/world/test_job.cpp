// The Job record's layout (models/world/job.hpp): what an activity end touches lies in the
// record's first hot_bytes(), and the copy of the generator's utilization it keeps there drives
// the nodes as the request did.
#include <doctest/doctest.h>

#include <string>

#include "build_world.hpp"
#include "models/world/job.hpp"
#include "models/world/world.hpp"

using namespace joule;
using models::world::Job;

namespace {

// Where `field` lies in `job`, in bytes from its start.
std::size_t offset(const Job& job, const void* field) {
  return static_cast<std::size_t>(static_cast<const char*>(field) -
                                  reinterpret_cast<const char*>(&job));
}

}  // namespace

TEST_CASE("job record: the fields an activity end touches come first, the cold ones after") {
  Job job;
  const std::size_t hot = job.hot_bytes();
  // Read or written at each activity end or job phase.
  for (const void* f :
       {static_cast<const void*>(&job.id), static_cast<const void*>(&job.request),
        static_cast<const void*>(&job.nodes), static_cast<const void*>(&job.model),
        static_cast<const void*>(&job.activity), static_cast<const void*>(&job.end_event),
        static_cast<const void*>(&job.load), static_cast<const void*>(&job.capped_node),
        static_cast<const void*>(&job.last_update), static_cast<const void*>(&job.model_pool)})
    CHECK(offset(job, f) < hot);
  CHECK(offset(job, &job.utilization) + sizeof(double) == hot);
  // Read at other times.
  for (const void* f :
       {static_cast<const void*>(&job.cap_w), static_cast<const void*>(&job.interruptions),
        static_cast<const void*>(&job.reconfigure_event), static_cast<const void*>(&job.sized_at),
        static_cast<const void*>(&job.source)})
    CHECK(offset(job, f) >= hot);
  // The generator's request (hundreds of bytes) is not among them: the hot part is under half
  // of the record.
  CHECK(2 * hot < sizeof(Job));
  // From a line's start, the hot part spans the fewest lines it can.
  CHECK(alignof(Job) == 64);
  CHECK(hot <= 10 * 64);
}

TEST_CASE("job record: the utilization copy drives a linear node as the request says") {
  // Linear node model: P_wall = 1 kW + u · (5 kW − 1 kW); u = 0.25 → 2 kW while the job runs.
  auto b = test::build_world(R"(cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW}
workload:
  generator: list
  jobs:
    - {name: quarter, nodes: 1, duration: 1 h, utilization: 0.25}
scheduler: {policy: fifo}
)",
                             sim::hours(3), "job.yaml");
  models::world::World& w = *b.world;
  w.run_until(sim::minutes(30));
  const Job& running = w.jobs().at(0);
  REQUIRE(running.nodes.size() == 1);
  CHECK(running.utilization == 0.25);
  CHECK(running.load.utilization == 0.25);
  CHECK(running.power_w == doctest::Approx(1000.0 + 0.25 * 4000.0));
  w.run_until(sim::hours(2));
  // Done: the request is cleared and its copy with it (JobRequest's default).
  const Job& done = w.jobs().at(0);
  CHECK(done.end == sim::hours(1));
  CHECK(done.utilization == models::workload::JobRequest{}.utilization);
  CHECK(done.energy_j == doctest::Approx(3600.0 * 2000.0));
}
