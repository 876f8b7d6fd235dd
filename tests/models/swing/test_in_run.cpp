// In-run swing mitigations checked by hand on a two-phase job: 1 s of dense work, then 1 s
// with the accelerators waiting (gradient sync, no op demand), repeated. A GPU power floor
// and filler lift the waiting accelerators to their level; the run's energy rises by exactly
// the lift over the waiting time, and the dynamic range falls by the same lift.
#include <doctest/doctest.h>

#include <string>

#include "io/yaml_params.hpp"
#include "models/swing/grid_control.hpp"
#include "models/swing/swing_monitor.hpp"
#include "models/workload/job_model.hpp"
#include "models/world/world.hpp"
#include "sim/error.hpp"

using namespace joule;
using namespace joule::models::swing;
using models::workload::Activity;
using models::workload::PhaseKind;

namespace {

class TwoPhase final : public models::workload::JobModel {
public:
  TwoPhase(sim::Time work, models::workload::OpRates rates) : work_(work), rates_(rates) {}
  sim::Time planned_work() const override { return work_; }
  models::workload::OpRates typical_rates() const override { return rates_; }
  Activity start() override { return phase(PhaseKind::forward_backward, sim::Time::zero()); }
  Activity advance(sim::Time tau) override {
    if (tau >= work_) return Activity{};
    return phase(current_ == PhaseKind::forward_backward ? PhaseKind::gradient_sync
                                                         : PhaseKind::forward_backward,
                 tau);
  }

private:
  Activity phase(PhaseKind kind, sim::Time at) {
    current_ = kind;
    Activity a;
    a.kind = kind;
    a.start = at;
    a.end = at + sim::seconds(1);
    if (kind == PhaseKind::forward_backward) a.rates = rates_;  // waiting: no demand
    return a;
  }
  sim::Time work_;
  models::workload::OpRates rates_;
  PhaseKind current_ = PhaseKind::forward_backward;
};

const bool registered = models::workload::JobModelRegistry::add(
    "two-phase-test",
    [](const models::workload::JobRequest& r, models::workload::JobEnvironment env) {
      return std::make_unique<TwoPhase>(r.duration, env.reference_rates(0.35));
    });

struct Run {
  double it_j = 0, lift_j = 0, job_accel_j = 0;
  SwingReport report;
  std::optional<GridReport> grid;
};

// Two DGX H100 nodes (16 GPUs) running the two-phase job; a 20-s window at 100 ms from 10 s.
Run run(const std::string& mitigation, const std::string& grid = "", const std::string& node = "") {
  const std::string yaml = R"(cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100)" + node +
                           R"(}
workload:
  generator: list
  jobs: [{name: a, submit: 0 s, nodes: 2, duration: 10 h, kind: two-phase-test}]
swing: {resolution: 100 ms, start: 10 s, window: 20 s)" +
                           mitigation + "}\n" + grid;
  const auto root = io::parse_yaml_text(yaml, "in_run.yaml");
  models::world::WorldSections s;
  s.cluster = root.find("cluster");
  s.workload = root.find("workload");
  s.duration = sim::seconds(40);
  models::world::World world(models::world::world_spec(s, 1, "."));
  SwingMonitor monitor(world, swing_spec(*root.find("swing")), sim::seconds(40));
  std::optional<GridControl> control;
  if (const auto* g = root.find("grid"))
    control.emplace(world, grid_spec(*g, "."), sim::seconds(40));
  world.run_until(sim::seconds(40));
  Run r{world.it_energy_j(), world.power_floor_energy_j(), world.jobs()[0].accelerator_energy_j,
        monitor.report(control ? control->spec().ramp_limit_w_per_s : 0.0), std::nullopt};
  if (control) r.grid = control->report();
  return r;
}

// Accelerator power per GPU in the window's compute (first) and waiting (second) seconds.
std::pair<double, double> chip_per_gpu(const Run& r) {
  const Window& w = r.report.windows.at(0);
  return {w.chip_w.at(5) / 16, w.chip_w.at(15) / 16};
}

}  // namespace

TEST_CASE("a GPU power floor in the run raises energy and lowers the range by hand") {
  const Run base = run("");
  const Run floored = run(", floor: {fraction: 0.5}");  // 0.5 × 700 W = 350 W per GPU
  const auto [compute_w, wait_w] = chip_per_gpu(base);
  REQUIRE(base.report.windows.at(0).phase.at(15) == static_cast<int>(PhaseKind::gradient_sync));
  REQUIRE(compute_w > 350);  // the floor acts in the waiting phases only
  REQUIRE(compute_w < 690);  // under the 700 W cap: the clock is nominal, a step is 2 s
  REQUIRE(wait_w < 350);
  // The floored run: waiting accelerators draw exactly the floor, computing ones are unchanged.
  CHECK(chip_per_gpu(floored).second == doctest::Approx(350));
  CHECK(chip_per_gpu(floored).first == doctest::Approx(compute_w));
  // 40 s = 20 waiting seconds: the job's accelerators draw 16 × (350 − P_wait) × 20 s more.
  CHECK(floored.job_accel_j - base.job_accel_j == doctest::Approx(16 * (350 - wait_w) * 20));
  // The nodes' wall (host activity, fans, PSU follow the accelerators): the run's IT energy
  // rises by exactly the lift the world accounted.
  CHECK(floored.it_j - base.it_j == doctest::Approx(floored.lift_j).epsilon(1e-9));
  CHECK(floored.lift_j > 16 * (350 - wait_w) * 20);  // ≥ the accelerators' own share
  CHECK(base.lift_j == 0.0);
  // The IT range is compute − waiting wall power: the floor narrows it by the waiting phases'
  // lift, lift_j / 20 s, and the windows' samples integrate to the lifted energy.
  CHECK(base.report.it.range_w - floored.report.it.range_w ==
        doctest::Approx(floored.lift_j / 20).epsilon(1e-6));
  const MitigationResult* m = floored.report.mitigation("floor");
  REQUIRE(m != nullptr);
  CHECK(m->grid.range_w == doctest::Approx(floored.report.grid.range_w));
  // No facility: the response is 1; the window holds 10 waiting seconds.
  CHECK(m->extra_facility_j == doctest::Approx(floored.lift_j / 2).epsilon(1e-6));
  REQUIRE(floored.report.lift_run_j.has_value());
  CHECK(*floored.report.lift_run_j == doctest::Approx(floored.lift_j));
}

TEST_CASE("filler in the run lifts waiting accelerators to a share of the compute power") {
  const Run base = run("");
  const Run filled = run(", filler: {level: 0.9}");
  const auto [compute_w, wait_w] = chip_per_gpu(base);
  CHECK(chip_per_gpu(filled).second == doctest::Approx(0.9 * compute_w));
  CHECK(filled.job_accel_j - base.job_accel_j ==
        doctest::Approx(16 * (0.9 * compute_w - wait_w) * 20));
  CHECK(filled.it_j - base.it_j == doctest::Approx(filled.lift_j).epsilon(1e-9));
  // Both: the larger of the two levels.
  const Run both = run(", floor: {fraction: 0.5}, filler: {level: 0.9}");
  CHECK(chip_per_gpu(both).second == doctest::Approx(std::max(350.0, 0.9 * compute_w)));
  // Applied to the windows only, the run is unchanged.
  const Run window = run(", floor: {fraction: 0.5, apply: window}");
  CHECK(window.it_j == doctest::Approx(base.it_j).epsilon(1e-12));
  CHECK(window.report.mitigation("floor")->extra_facility_j > 0);
}

TEST_CASE("a ramp limit raises the floor to the lowest level that holds the phase swings") {
  // No facility: the meter is the IT power. The job swings the IT power by ΔI = I_c − I_w
  // between its compute and waiting seconds; under a ramp limit X < ΔI (the job holds all 16
  // accelerators: its share is the whole limit) the waiting phases are lifted to I_c − X, which
  // costs (ΔI − X) over the 20 waiting seconds of the run and leaves an IT range of exactly X.
  const Run base = run("");
  const Window& w = base.report.windows.at(0);
  const double compute_it_w = w.it_w.at(5), wait_it_w = w.it_w.at(15);  // whole intervals
  const double swing_w = compute_it_w - wait_it_w;
  REQUIRE(swing_w > 1e3);
  CHECK(base.report.it.range_w == doctest::Approx(swing_w));
  const double x = 0.4 * swing_w;  // W/s
  const Run held = run("", "grid: {ramp_limit: " + std::to_string(x) + " W/s}\n");
  REQUIRE(held.grid);
  REQUIRE(held.grid->ramp_floor);
  CHECK(held.grid->ramp_floor->lifted_jobs == 1);
  CHECK(held.grid->ramp_floor->unmet_cap == 0);
  // The node targets are rounded up to a whole watt: 2 nodes, within 2 W of I_c − X.
  const double held_wait_w = held.report.windows.at(0).it_w.at(15);
  CHECK(held_wait_w >= compute_it_w - x - 1e-6);
  CHECK(held_wait_w <= compute_it_w - x + 2.0);
  CHECK(held.report.it.range_w <= x + 1e-6);
  CHECK(held.report.it.range_w >= x - 2.0);
  CHECK(held.report.grid.ramp_1s->down_w <= x + 1e-6);
  CHECK(held.report.grid.ramp_1s->up_w <= x + 1e-6);
  CHECK(held.report.ramp_limit_violation_s == 0);
  CHECK(base.report.it.ramp_1s->down_w > x);
  // Energy: (ΔI − X) over the 20 waiting seconds, all of it in the run's IT energy.
  CHECK(held.grid->ramp_floor_j >= (swing_w - x) * 20 - 1e-6);
  CHECK(held.grid->ramp_floor_j <= (swing_w - x + 2.0) * 20);
  CHECK(held.it_j - base.it_j == doctest::Approx(held.grid->ramp_floor_j).epsilon(1e-9));
  // A limit above the swing lifts nothing; ramp_floor: false leaves the swings as they are.
  const Run loose = run("", "grid: {ramp_limit: " + std::to_string(2 * swing_w) + " W/s}\n");
  CHECK(loose.grid->ramp_floor->lifted_jobs == 0);
  CHECK(loose.it_j == doctest::Approx(base.it_j).epsilon(1e-12));
  const Run off = run("", "grid: {ramp_limit: " + std::to_string(x) + " W/s, ramp_floor: false}\n");
  CHECK_FALSE(off.grid->ramp_floor);
  CHECK(off.it_j == doctest::Approx(base.it_j).epsilon(1e-12));
}

TEST_CASE("a ramp floor the node model cannot raise is reported, not hidden") {
  // The linear node model has no accelerator power to lift: whatever it swings stays, the job
  // counts.
  const Run base = run("", "", ", model: linear");
  const Run linear = run("", "grid: {ramp_limit: 1 W/s}\n", ", model: linear");
  REQUIRE(linear.grid->ramp_floor);
  CHECK(linear.grid->ramp_floor->unmet_model == 1);
  CHECK(linear.grid->ramp_floor->lifted_jobs == 0);
  CHECK(linear.report.it.range_w == doctest::Approx(base.report.it.range_w));
  CHECK(linear.it_j == doctest::Approx(base.it_j).epsilon(1e-12));
}

TEST_CASE("filler slowdown acting in the run is refused, pointing at the key") {
  const auto root =
      io::parse_yaml_text("swing: {filler: {level: 0.9, slowdown: 0.1}}\n", "slow.yaml");
  CHECK_THROWS_WITH_AS(swing_spec(*root.find("swing")), doctest::Contains("slow.yaml:1:"),
                       sim::InputError);
}
