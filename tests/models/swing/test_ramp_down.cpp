// Ramp-down at a job end under a grid ramp limit, checked by hand: four DGX H100 nodes, no
// facility (the meter is the IT power), one 2-node job of 1 h. At its end the IT power would
// drop by P (the job's power over idle) at once; with a ramp limit X the accelerators burn a
// decaying filler so that it falls at X: the filler's energy is the triangle P² / (2X), every
// 1-s fall of the IT power is at most X, and the run's IT energy grows by exactly that energy.
#include <doctest/doctest.h>

#include <string>

#include "io/yaml_params.hpp"
#include "models/swing/grid_control.hpp"
#include "models/world/world.hpp"

using namespace joule;
using namespace joule::models::swing;

namespace {

const std::string one_job = R"(cluster:
  racks: {count: 1, nodes_per_rack: 4}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs:
    - {name: a, submit: 0 s, nodes: 2, duration: 1 h, mfu: 0.5}
)";

struct Run {
  sim::ParamNode root;
  models::world::World world;
  std::optional<GridControl> control;
  explicit Run(const std::string& grid)
      : root(io::parse_yaml_text(one_job + grid, "ramp.yaml")), world([&] {
          models::world::WorldSections s;
          s.cluster = root.find("cluster");
          s.workload = root.find("workload");
          s.duration = sim::hours(2);
          return models::world::world_spec(s, 1, ".");
        }()) {
    if (const auto* g = root.find("grid"))
      control.emplace(world, grid_spec(*g, "."), sim::hours(2));
  }
};

}  // namespace

TEST_CASE("a job end under a ramp limit ramps down: triangle energy P²/2X, ramp ≤ X") {
  Run free("");
  free.world.run_until(sim::minutes(30));
  const double busy_w = free.world.it_power_w();
  free.world.run_until(sim::hours(2));
  const double idle_w = free.world.it_power_w();
  const sim::Time end = free.world.jobs()[0].end;
  REQUIRE(end >= sim::hours(1));
  const double p_w = busy_w - idle_w;  // the drop at the job's end
  REQUIRE(p_w > 5e3);

  const double x_w_per_s = 1e3;  // 1 kW/s: the ramp lasts P / X ≈ 10 s or more
  Run held("grid: {ramp_limit: 1 kW/s}\n");
  held.world.run_until(end - sim::seconds(2));
  CHECK(held.world.it_power_w() == doctest::Approx(busy_w));
  // Sample the IT power every 10 ms from 2 s before the end to 2 s after the ramp.
  std::vector<double> w;
  const double ramp_s = p_w / x_w_per_s;
  const int n = static_cast<int>((ramp_s + 4.0) / 0.01);
  for (int i = 0; i <= n; ++i) {
    held.world.run_until(end - sim::seconds(2) + sim::Time::from_ns(10'000'000LL * i));
    w.push_back(held.world.it_power_w());
  }
  CHECK(w.back() == doctest::Approx(idle_w));
  double largest_fall_w = 0;
  for (std::size_t i = 0; i + 100 < w.size(); ++i)
    largest_fall_w = std::max(largest_fall_w, w[i] - w[i + 100]);
  CHECK(largest_fall_w <= x_w_per_s * (1 + 1e-9) + 1e-6);
  CHECK(largest_fall_w == doctest::Approx(x_w_per_s).epsilon(1e-6));  // it falls at X
  // Halfway down the ramp the held power is P/2 (the stairs are the ramp's means).
  const std::size_t half = static_cast<std::size_t>((2.0 + 0.5 * ramp_s) / 0.01);
  CHECK(w[half] - idle_w == doctest::Approx(0.5 * p_w).epsilon(2 * x_w_per_s * 0.1 / p_w));

  held.world.run_until(sim::hours(2));
  const auto report = held.control->report();
  REQUIRE(report.ramp_down);
  CHECK(report.ramp_down->events == 1);
  const double triangle_j = p_w * p_w / (2 * x_w_per_s);
  CHECK(report.ramp_down->energy_j == doctest::Approx(triangle_j).epsilon(1e-9));
  // Energy conservation: the IT energy grows by exactly the filler's energy.
  CHECK(held.world.it_energy_j() - free.world.it_energy_j() ==
        doctest::Approx(triangle_j).epsilon(1e-6));
  CHECK(held.world.jobs()[0].end == end);  // the job itself is unchanged

  SUBCASE("a drop within the limit is not held") {
    Run slow("grid: {ramp_limit: " + std::to_string(2 * p_w) + " W/s}\n");
    slow.world.run_until(sim::hours(2));
    CHECK(slow.control->report().ramp_down->events == 0);
    CHECK(slow.control->report().ramp_down->energy_j == 0);
  }
  SUBCASE("ramp_down: false leaves the drop as it is") {
    Run off("grid: {ramp_limit: 1 kW/s, ramp_down: false}\n");
    off.world.run_until(sim::hours(2));
    CHECK_FALSE(off.control->report().ramp_down);
    CHECK(off.world.it_energy_j() == doctest::Approx(free.world.it_energy_j()).epsilon(1e-12));
  }
}
