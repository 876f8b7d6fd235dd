// Demand response met by pausing flexible jobs, checked by hand: four DGX H100 nodes, no
// facility (the meter is the IT power), two 2-node jobs of 1 h at 0; job a is flexible. An
// event asks for less than job a adds: pausing it meets the event without any cap, and job a
// ends exactly the pause later. An event asking for more than the cluster draws is missed even
// with job a paused and job b capped to the lowest cap.
#include <doctest/doctest.h>

#include <string>

#include "io/yaml_params.hpp"
#include "models/swing/grid_control.hpp"
#include "models/world/world.hpp"

using namespace joule;
using namespace joule::models::swing;

namespace {

struct Outcome {
  GridReport report;
  double a_added_w = 0;  // job a's power over idle nodes, before the event
  sim::Time end_a, end_b;
};

Outcome run(const std::string& event, const std::string& extra = "") {
  const std::string yaml = R"(cluster:
  racks: {count: 1, nodes_per_rack: 4}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs:
    - {name: a, submit: 0 s, nodes: 2, duration: 1 h, mfu: 0.5, flexible: true}
    - {name: b, submit: 0 s, nodes: 2, duration: 1 h, mfu: 0.5}
grid:
  demand_response: [)" + event +
                           "]\n" + extra;
  const auto root = io::parse_yaml_text(yaml, "dr.yaml");
  models::world::WorldSections s;
  s.cluster = root.find("cluster");
  s.workload = root.find("workload");
  s.facility.power_chain = root.find("power_chain");
  s.duration = sim::hours(3);
  models::world::World world(models::world::world_spec(s, 1, "."));
  const double idle_w = world.it_power_w();
  GridControl control(world, grid_spec(*root.find("grid"), "."), sim::hours(3));
  world.run_until(sim::minutes(10));
  Outcome o;
  o.a_added_w = (world.it_power_w() - idle_w) / 2;  // two equal jobs
  world.run_until(sim::hours(3));
  o.report = control.report();
  o.end_a = world.jobs()[0].end;
  o.end_b = world.jobs()[1].end;
  return o;
}

}  // namespace

TEST_CASE("a demand-response event met by pausing the flexible job") {
  // 10 kW is less than job a adds (≈ 2 × 7 kW): pausing a alone meets it.
  const Outcome o = run("{at: 20 min, curtail: 10 kW, within: 5 min, for: 20 min}");
  REQUIRE(o.a_added_w > 10e3);
  REQUIRE(o.report.events.size() == 1);
  const EventOutcome& e = o.report.events[0];
  CHECK(e.met);
  // Paused from the notification (20 min) to the end of the hold (45 min): the meter fell by
  // job a's added power exactly.
  CHECK(e.achieved_w == doctest::Approx(e.baseline_w - o.a_added_w).epsilon(1e-9));
  CHECK(o.report.capped_s == 0.0);  // no cap was needed
  CHECK(o.report.paused_jobs == 1);
  // 16 accelerators × 25 min paused; job a ends 25 min after job b (the same work at the same
  // speed; rounding of the nominal clock to whole nanoseconds aside).
  CHECK(o.report.paused_gpu_s == doctest::Approx(16 * 25 * 60.0));
  CHECK(o.end_b >= sim::hours(1));
  CHECK((o.end_a - o.end_b).seconds() == doctest::Approx(25 * 60.0).epsilon(1e-9));
  // The energy to redo 25 min of job a's work later: 25 min at its power before the pause.
  CHECK(o.report.shifted_j > 0);
  CHECK(o.report.curtailed_j == doctest::Approx(o.a_added_w * 20 * 60).epsilon(1e-9));
}

TEST_CASE("a demand-response event neither pausing nor caps can meet is reported missed") {
  const Outcome o = run("{at: 20 min, curtail: 100 kW, within: 5 min, for: 20 min}");
  REQUIRE(o.report.events.size() == 1);
  CHECK_FALSE(o.report.events[0].met);
  CHECK(o.report.paused_jobs == 1);  // the flexible job was paused first
  CHECK(o.report.capped_s > 0);      // then the other one capped
  CHECK(o.report.met() == 0);
}

TEST_CASE("a demand-response event met by the facility battery alone") {
  // Without pausing, a 100 kWh / 50 kW battery covers 5 kW for the 25 min of the event: it
  // discharges from the notification (20 min) to the end of the hold (45 min) what keeps the
  // meter at the target, and no cap is set.
  const Outcome o = run("{at: 20 min, curtail: 5 kW, within: 5 min, for: 20 min}",
                        "  pause_flexible: false\n"
                        "power_chain:\n"
                        "  battery: {capacity: 100 kWh, max_charge: 50 kW, max_discharge: 50 kW, "
                        "dispatch: none}\n");
  REQUIRE(o.report.events.size() == 1);
  const EventOutcome& e = o.report.events[0];
  CHECK(e.met);
  CHECK(e.achieved_w == doctest::Approx(e.target_w).epsilon(1e-3));
  CHECK(o.report.capped_s == 0.0);
  CHECK(o.report.paused_jobs == 0);
  // ≈ 5 kW × 25 min at the meter (the load drifts a little with the chain's losses).
  CHECK(o.report.battery_j == doctest::Approx(5e3 * 25 * 60).epsilon(0.02));
  CHECK(o.end_a == o.end_b);  // nothing deferred
}

TEST_CASE("grid.pause_flexible: false turns pausing off") {
  const auto root = io::parse_yaml_text("grid: {pause_flexible: false}\n", "g.yaml");
  CHECK_FALSE(grid_spec(*root.find("grid"), ".").pause_flexible);
}
