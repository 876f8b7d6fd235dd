// Admission under the grid import limit on a cluster checked by hand: four DGX H100 nodes, no
// facility (the meter is the IT power), two 2-node jobs submitted at 0. With P_i the idle and
// P_r the running power of a node, the first job adds A = 2 (P_r − P_i) and the limit decides
// whether the second starts uncapped, capped, later, or never.
#include <doctest/doctest.h>

#include <string>

#include "io/yaml_params.hpp"
#include "models/swing/grid_control.hpp"
#include "models/world/world.hpp"

using namespace joule;
using namespace joule::models::swing;

namespace {

struct Case {
  double idle_w = 0, it_w = 0;  // the cluster idle; IT power 30 s in
  GridReport report;
  sim::Time start_b = sim::Time::max(), end_a = sim::Time::max();
  std::optional<double> cap_a, cap_b;  // at 30 s
};

const std::string jobs = R"(cluster:
  racks: {count: 1, nodes_per_rack: 4}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs:
    - {name: a, submit: 0 s, nodes: 2, duration: 1 h, mfu: 0.5}
    - {name: b, submit: 0 s, nodes: 2, duration: 1 h, mfu: 0.5}
)";

Case run(const std::string& grid) {
  const auto root = io::parse_yaml_text(jobs + grid, "admission.yaml");
  models::world::WorldSections s;
  s.cluster = root.find("cluster");
  s.workload = root.find("workload");
  s.duration = sim::hours(3);
  models::world::World world(models::world::world_spec(s, 1, "."));
  std::optional<GridControl> control;
  if (const auto* g = root.find("grid")) control.emplace(world, grid_spec(*g, "."), sim::hours(3));
  Case c;
  c.idle_w = world.it_power_w();  // before anything starts
  world.run_until(sim::seconds(30));
  c.it_w = world.it_power_w();
  auto& ctx = world.control();
  for (const auto* j : ctx.running())
    (j->request.name == "a" ? c.cap_a : c.cap_b) =
        ctx.power_cap(*j) ? std::optional<double>(ctx.power_cap(*j)->value()) : std::nullopt;
  world.run_until(sim::hours(3));
  c.end_a = world.jobs()[0].end;
  if (world.jobs()[1].state != models::world::JobState::queued) c.start_b = world.jobs()[1].start;
  if (control) c.report = control->report();
  return c;
}

}  // namespace

TEST_CASE("admission under the import limit: uncapped, capped to fit, waiting, refused") {
  // Without a limit both start at 0: the IT power is P_idle_cluster + 2A.
  const Case free = run("");
  const double a_w = (free.it_w - free.idle_w) / 2;  // one job's added power
  REQUIRE(a_w > 10e3);
  CHECK(free.start_b == sim::Time::zero());

  SUBCASE("room for both: the limit changes nothing") {
    const Case c = run("grid: {import_limit: " + std::to_string(free.it_w * 1.05) + " W}\n");
    CHECK(c.start_b == sim::Time::zero());
    CHECK_FALSE(c.cap_a);
    CHECK_FALSE(c.cap_b);
    CHECK(c.report.admission->capped == 0);
  }
  SUBCASE("room for one and a half: the second starts capped to add half its power") {
    const double limit_w = free.idle_w + 1.5 * a_w;
    const Case c = run("grid: {import_limit: " + std::to_string(limit_w) + " W}\n");
    CHECK(c.start_b == sim::Time::zero());
    CHECK_FALSE(c.cap_a);
    REQUIRE(c.cap_b);
    // The meter sits at the limit (bisection to 0.5 W of cap × 16 accelerators), not over it.
    CHECK(c.it_w <= limit_w + 1e-6);
    CHECK(c.it_w == doctest::Approx(limit_w).epsilon(2e-3));
    CHECK(c.report.admission->capped == 1);
    CHECK(c.report.admission->refused == 0);
  }
  SUBCASE("room for one only: the second waits until the first ends") {
    // Even at the lowest cap (30 % of TDP) a job adds more than 0.2 A here.
    const double limit_w = free.idle_w + 1.05 * a_w;
    const Case c = run("grid: {import_limit: " + std::to_string(limit_w) + " W}\n");
    CHECK(c.it_w <= limit_w);
    CHECK(c.start_b == c.end_a);  // started when the first job's power was gone
    CHECK(c.end_a >= sim::hours(1));
    CHECK(c.report.admission->wait_s == doctest::Approx(c.end_a.seconds()));
    CHECK(c.report.admission->refused == 0);
  }
  SUBCASE("no room even alone: refused, the limit cannot be met with it") {
    const double limit_w = free.idle_w + 0.1 * a_w;
    const Case c = run("grid: {import_limit: " + std::to_string(limit_w) + " W}\n");
    CHECK(c.start_b == sim::Time::max());
    CHECK(c.report.admission->refused == 2);
  }
  SUBCASE("admission off: both start, the caps catch up later") {
    const double limit_w = free.idle_w + 1.05 * a_w;
    const Case c =
        run("grid: {import_limit: " + std::to_string(limit_w) + " W, admission: false}\n");
    CHECK(c.start_b == sim::Time::zero());
    CHECK(c.it_w > limit_w);
    CHECK_FALSE(c.report.admission);
  }
}

TEST_CASE("a ramp limit staggers job starts by the previous start's step") {
  const Case free = run("");
  const double a_w = (free.it_w - free.idle_w) / 2;  // each job's step at start
  // 1 kW/s: the second job waits a_w / (1 kW/s) after the first (started at 0).
  const Case c = run("grid: {ramp_limit: 1 kW/s}\n");
  CHECK(c.start_b.seconds() == doctest::Approx(a_w / 1e3).epsilon(1e-3));
  CHECK(c.report.admission->staggered == 1);
  CHECK(c.report.admission->wait_s == doctest::Approx(a_w / 1e3).epsilon(1e-3));
  CHECK(c.report.admission->capped == 0);
}
