// Swing metrics, mitigations and grid control checked by hand: a two-phase square wave whose
// ramps, spectral peak and band shares follow from its Fourier series; a power floor whose
// range and energy follow from the phase powers; demand-response events met and missed on a
// small cluster; the sub-second trace integrating to the world's energy.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "io/yaml_params.hpp"
#include "models/swing/grid_control.hpp"
#include "models/swing/mitigation.hpp"
#include "models/swing/swing_metrics.hpp"
#include "models/swing/swing_monitor.hpp"
#include "models/workload/training_job.hpp"
#include "models/world/world.hpp"
#include "sim/error.hpp"

using namespace joule;
using namespace joule::models::swing;
using models::workload::PhaseKind;

namespace {

// A two-phase job: `high` W for `on` samples, `low` W for `off` samples, repeated.
std::vector<double> square(std::size_t n, std::size_t on, std::size_t off, double high,
                           double low) {
  std::vector<double> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = i % (on + off) < on ? high : low;
  return p;
}

}  // namespace

TEST_CASE("two-phase job: ramps, dynamic range, spectral peak and band shares by hand") {
  // 10 ms samples, 2.5 s step: 1.25 s at 10 MW (compute), 1.25 s at 4 MW (communication),
  // 300 s. The step period is the spectral peak: f₁ = 1 / 2.5 s = 0.4 Hz.
  const double dt = 0.01;
  const auto p = square(30000, 125, 125, 10e6, 4e6);
  // Within 1 s (100 samples) the load rises and falls by the whole swing, 10 − 4 = 6 MW.
  const auto r1 = max_ramp(p, 100);
  REQUIRE(r1);
  CHECK(r1->up_w == doctest::Approx(6e6));
  CHECK(r1->down_w == doctest::Approx(6e6));
  CHECK_FALSE(max_ramp(p, 30000));  // no 300-s lag inside a 300-s trace
  CHECK(dynamic_range(p) == doctest::Approx(6e6));
  const auto step = largest_step(p);
  REQUIRE(step);
  CHECK(std::fabs(step->size_w) == doctest::Approx(6e6));
  CHECK(step->index == 125);  // the first drop, 1.25 s in

  const Spectrum s = welch_psd(p, dt, 6000);  // segments of 4096 samples: Δf = 1/40.96 Hz
  CHECK(s.df_hz == doctest::Approx(1 / 40.96));
  CHECK(std::fabs(s.peak_hz() - 0.4) <= s.df_hz);
  // Parseval: Σ S Δf = variance = (6 MW / 2)².
  double var = 0;
  for (std::size_t k = 1; k < s.psd_w2_hz.size(); ++k) var += s.psd_w2_hz[k] * s.df_hz;
  CHECK(var == doctest::Approx(9e12).epsilon(0.02));
  // A square wave of 50 % duty holds 8/(π² n²) of its variance in odd harmonic n (n f₁):
  // 0.1–1 Hz has n = 1 (0.4 Hz); 1–5 Hz has n = 3 … 11 (1.2 … 4.4 Hz); 5–20 Hz n = 13 … 49.
  const double c = 8 / (std::numbers::pi * std::numbers::pi);
  double b2 = 0, b3 = 0;
  for (int n = 3; n <= 11; n += 2) b2 += c / (n * n);
  for (int n = 13; n <= 49; n += 2) b3 += c / (n * n);
  CHECK(*s.band_share(0.1, 1) == doctest::Approx(c).epsilon(0.01));
  CHECK(*s.band_share(1, 5) == doctest::Approx(b2).epsilon(0.02));
  CHECK(*s.band_share(5, 20) == doctest::Approx(b3).epsilon(0.05));
  CHECK_FALSE(s.band_share(60, 80));  // above Nyquist (50 Hz)
}

TEST_CASE("the FFT matches a direct DFT") {
  std::vector<double> re{1, 2, 0, -1, 3, 0.5, -2, 4}, im(8, 0.0);
  const auto x = re;
  fft(re, im);
  for (std::size_t k = 0; k < 8; ++k) {
    double r = 0, i = 0;
    for (std::size_t j = 0; j < 8; ++j) {
      const double a = -2 * std::numbers::pi * static_cast<double>(j * k) / 8;
      r += x[j] * std::cos(a);
      i += x[j] * std::sin(a);
    }
    CHECK(re[k] == doctest::Approx(r).epsilon(1e-12));
    CHECK(im[k] == doctest::Approx(i).epsilon(1e-12));
  }
}

namespace {

// A window of a job filling an 8-accelerator cluster: 60 samples of compute (600 W per
// accelerator), then 40 of communication (150 W), at h = 0.1 s. IT = accelerators / η + 1 kW;
// facility = 1.1 × IT, no cooling (so the facility follows IT by 1.1 at every time scale).
Window two_phase_window(double eta) {
  Window w;
  w.dt_s = 0.1;
  const std::size_t n = 100;
  for (std::size_t i = 0; i <= n; ++i) {
    const bool compute = i < 60 || i == n;
    const double chip = 8 * (compute ? 600.0 : 150.0);
    const double it = chip / eta + 1e3;
    w.it_now_w.push_back(it);
    w.chip_w.push_back(chip);
    w.phase.push_back(static_cast<std::int32_t>(compute ? PhaseKind::forward_backward
                                                        : PhaseKind::gradient_sync));
    w.job_share.push_back(1.0);
    if (i == n) break;
    w.it_w.push_back(it);
    w.facility_w.push_back(1.1 * it);
    w.grid_w.push_back(1.1 * it);
    w.cooling_w.push_back(0.0);
    for (auto& s : w.stage_w) s.push_back(0.0);
    w.cause.push_back(i == 60 ? Cause::phase : Cause::none);
  }
  return w;
}

}  // namespace

TEST_CASE("a GPU power floor lowers the dynamic range and costs energy, by hand") {
  const double eta = 0.94;
  const Window w = two_phase_window(eta);
  MitigationSpec spec;
  spec.floor_fraction = 0.5;  // 0.5 × 700 W = 350 W per accelerator
  spec.tdp_w = 700;
  spec.accelerators = 8;
  spec.psu_efficiency = eta;
  // Before: the meter swings by 1.1 × 8 × (600 − 150) W / η.
  CHECK(dynamic_range(w.grid_w) == doctest::Approx(1.1 * 8 * 450 / eta));
  const Mitigated m = apply_mitigation("floor", spec, w);
  // After: communication draws 8 × 350 W: the swing is 1.1 × 8 × (600 − 350) / η.
  CHECK(dynamic_range(m.grid_w) == doctest::Approx(1.1 * 8 * 250 / eta));
  // Extra energy: 40 samples × 0.1 s × 1.1 × 8 × (350 − 150) W / η.
  CHECK(m.extra_facility_j == doctest::Approx(40 * 0.1 * 1.1 * 8 * 200 / eta));
  CHECK(m.throughput_loss == 0.0);
  // A floor below the communication power changes nothing.
  spec.floor_fraction = 0.2;  // 140 W < 150 W
  const Mitigated none = apply_mitigation("floor", spec, w);
  CHECK(none.extra_facility_j == doctest::Approx(0.0));
  CHECK(dynamic_range(none.grid_w) == doctest::Approx(dynamic_range(w.grid_w)));
}

TEST_CASE("staggering two groups by half a step halves a 50 % duty swing to nothing") {
  // 20 samples compute at 10 kW, 20 communication at 4 kW, repeated: groups offset by 2 s
  // (half the 4-s step) are always one high and one low: a flat 7 kW.
  Window w;
  w.dt_s = 0.1;
  const auto p = square(400, 20, 20, 10e3, 4e3);
  for (std::size_t i = 0; i <= p.size(); ++i) {
    const bool compute = i < p.size() ? p[i] > 5e3 : true;
    w.it_now_w.push_back(i < p.size() ? p[i] : 10e3);
    w.chip_w.push_back(0);
    w.phase.push_back(static_cast<std::int32_t>(compute ? PhaseKind::forward_backward
                                                        : PhaseKind::gradient_sync));
    w.job_share.push_back(1);
  }
  w.it_w = w.facility_w = w.grid_w = p;
  w.cooling_w.assign(p.size(), 0.0);
  w.cause.assign(p.size(), Cause::none);
  REQUIRE(step_period_s(w));
  CHECK(*step_period_s(w) == doctest::Approx(4.0));
  MitigationSpec spec;
  spec.stagger_groups = 2;
  const Mitigated m = apply_mitigation("stagger", spec, w);
  CHECK(dynamic_range(m.grid_w) == doctest::Approx(0.0).epsilon(1e-9));
  CHECK(m.grid_w[100] == doctest::Approx(7e3));
  // The same energy, drawn at other times (the window holds whole steps).
  double before = 0, after = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    before += w.grid_w[i];
    after += m.grid_w[i];
  }
  CHECK(after == doctest::Approx(before));
  CHECK(m.extra_facility_j == 0.0);
}

TEST_CASE("a facility battery in fast-response mode holds the ramp limit and loses energy") {
  Window w = two_phase_window(0.94);
  MitigationSpec spec;
  StorageSpec bess;
  bess.battery.capacity = sim::Joules(1e9);
  bess.battery.max_charge = bess.battery.max_discharge = sim::Watts(1e6);
  bess.battery.round_trip_efficiency = 0.81;  // η_c = η_d = 0.9
  bess.battery.soc_min = 0;
  bess.battery.soc_max = 1;
  bess.tau_s = 1e6;  // a target that hardly moves
  bess.ramp_w_per_s = 10;
  spec.bess = bess;
  const Mitigated m = apply_mitigation("bess", spec, w);
  // The grid follows the target, which moves by at most 10 W/s × 0.1 s per sample.
  for (std::size_t i = 1; i < m.grid_w.size(); ++i)
    CHECK(std::fabs(m.grid_w[i] - m.grid_w[i - 1]) <= 1.0 + 1e-6);
  CHECK(m.extra_facility_j > 0);  // conversion losses
  CHECK(m.it_w == w.it_w);        // behind the meter: IT unchanged
}

namespace {

struct Built {
  sim::ParamNode root;
  std::unique_ptr<models::world::World> world;
};

Built build(const std::string& yaml, sim::Time duration) {
  Built b{io::parse_yaml_text(yaml, "swing.yaml"), nullptr};
  models::world::WorldSections s;
  s.cluster = b.root.find("cluster");
  s.workload = b.root.find("workload");
  s.duration = duration;
  b.world = std::make_unique<models::world::World>(models::world::world_spec(s, 1, "."));
  return b;
}

const std::string cluster = R"(cluster:
  racks: {count: 1, nodes_per_rack: 4}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs: [{name: a, submit: 0 s, nodes: 4, duration: 10 h, mfu: 0.5}]
)";

GridReport run_grid(const std::string& grid_yaml) {
  auto b = build(cluster + grid_yaml, sim::hours(2));
  GridControl control(*b.world, grid_spec(*b.root.find("grid"), "."), sim::hours(2));
  b.world->run_until(sim::hours(2));
  return control.report();
}

}  // namespace

TEST_CASE("a demand-response event within reach is met by caps, and costs progress") {
  // Four DGX H100 nodes at mfu 0.5 draw about 40 kW; capping their 32 GPUs can save more than
  // 5 kW (down to 210 W each).
  const GridReport r = run_grid(R"(grid:
  demand_response: [{at: 30 min, curtail: 5 kW, within: 5 min, for: 30 min}]
)");
  REQUIRE(r.events.size() == 1);
  const EventOutcome& e = r.events[0];
  CHECK(e.baseline_w > 20e3);
  CHECK(e.target_w == doctest::Approx(e.baseline_w - 5e3));
  CHECK(e.met);
  CHECK(e.achieved_w <= e.target_w + 0.005 * e.baseline_w);
  CHECK(r.met() == 1);
  // The caps slowed the job: work deferred, and the energy to redo it later.
  CHECK(r.deferred_gpu_s > 0);
  CHECK(r.shifted_j > 0);
  CHECK(r.curtailed_j == doctest::Approx((e.baseline_w - e.achieved_w) * 1800));
  // The caps were set from the notification until the hold ended (35 min) and then lifted.
  CHECK(r.capped_s == doctest::Approx(35 * 60).epsilon(0.05));
}

TEST_CASE("a demand-response event out of reach is reported missed") {
  // More than the whole cluster draws: no cap can meet it.
  const GridReport r = run_grid(R"(grid:
  demand_response: [{at: 30 min, curtail: 100 kW, within: 5 min, for: 30 min}]
)");
  REQUIRE(r.events.size() == 1);
  CHECK_FALSE(r.events[0].met);
  CHECK(r.events[0].achieved_w > r.events[0].target_w);
  CHECK(r.met() == 0);
}

TEST_CASE("an interconnection limit is held by caps") {
  const GridReport r = run_grid("grid: {import_limit: 30 kW}\n");
  // The first check interval runs uncapped (the limit is first seen at 1 min); after it the
  // caps hold the mean meter power under 30 kW.
  CHECK(r.limit_violation_s <= 120);
  CHECK(r.capped_s > 3600);
}

TEST_CASE("demand-response events from a CSV; a bad cell points at its line and column") {
  const std::string path = std::string(JOULE_BINARY_DIR) + "/swing_dr_test.csv";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("at,curtail,within,for\n30 min,2 MW,5 min,1 h\n3 h,1 MW,10 min,2 h\n", f);
    std::fclose(f);
  }
  const auto root = io::parse_yaml_text("grid: {demand_response: " + path + "}\n", "g.yaml");
  const GridSpec g = grid_spec(*root.find("grid"), ".");
  REQUIRE(g.events.size() == 2);
  CHECK(g.events[0].curtail_w == doctest::Approx(2e6));
  CHECK(g.events[1].within == sim::minutes(10));
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("at,curtail,within,for\n30 min,2 kg,5 min,1 h\n", f);
    std::fclose(f);
  }
  try {
    grid_spec(*root.find("grid"), ".");
    FAIL("a mass is not a power");
  } catch (const sim::InputError& e) {
    CHECK(e.where().line == 2);
    CHECK(e.where().column == 8);
    CHECK(std::string(e.what()).find("swing_dr_test.csv:2:8") != std::string::npos);
  }
}

TEST_CASE("the sub-second trace integrates to the world's energy; a job start is its cause") {
  auto b = build(R"(cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs: [{name: a, submit: 30.003 s, nodes: 2, duration: 1 h}]
swing: {resolution: 10 ms, start: 20 s, window: 30 s}
)",
                 sim::minutes(2));
  SwingMonitor monitor(*b.world, swing_spec(*b.root.find("swing")), sim::minutes(2));
  b.world->run_until(sim::seconds(20));
  const double e0 = b.world->it_energy_j();
  b.world->run_until(sim::minutes(2));
  const double e1 = [&] {
    auto c = build(R"(cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs: [{name: a, submit: 30.003 s, nodes: 2, duration: 1 h}]
)",
                   sim::minutes(2));
    c.world->run_until(sim::seconds(50));
    return c.world->it_energy_j();
  }();
  const SwingReport r = monitor.report();
  REQUIRE(r.windows.size() == 1);
  const Window& w = r.windows[0];
  CHECK(w.size() == 3000);
  double sum = 0;
  for (const double p : w.it_w) sum += p * w.dt_s;
  CHECK(sum == doctest::Approx(e1 - e0).epsilon(1e-9));
  // The job starts at 30.003 s, inside interval 1000 ((30.00, 30.01] s): 70 % of it at the new
  // power, so the step shows as 0.7 and 0.3 of the change; the larger is this sample's.
  CHECK(w.cause[1000] == Cause::job_start);
  CHECK(r.it.step_cause == Cause::job_start);
  CHECK(r.it.step.size_w > 0);
  CHECK(r.it.step_time_s == doctest::Approx(30.01).epsilon(1e-6));
}

TEST_CASE("bad swing and grid keys point into the file") {
  const auto root = io::parse_yaml_text(
      "swing: {window: 1 s, resolution: 1 s}\ngrid: {ramp_limit: 5 MW}\n", "bad.yaml");
  CHECK_THROWS_AS(swing_spec(*root.find("swing")), sim::InputError);  // < 8 samples
  CHECK_THROWS_WITH_AS(grid_spec(*root.find("grid"), "."), doctest::Contains("bad.yaml:2:20"),
                       sim::InputError);
}
