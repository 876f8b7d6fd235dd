// Sub-second power windows of a running world, and the swing metrics computed from them.
//
// Inside each window [start, start + length) the monitor samples at the resolution h as an
// engine event of the latest priority: each sample is the interval's energy delta over h (IT,
// facility, grid meter, cooling, the power-chain stages), so Σ sample × h equals the energy
// the accounts integrated over the window. At each sample it also notes the state that holds
// from then on (the dominant job's phase, accelerator power, the facility's marginal response)
// and what changed since the previous sample (phase, checkpoint, failure, job start or end).
// Outside the windows it schedules nothing: the steady trace and the run are unchanged.
// Metrics (swing_metrics.hpp) and mitigations (mitigation.hpp) are computed at the end.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/swing/mitigation.hpp"
#include "models/swing/swing_metrics.hpp"
#include "models/swing/swing_spec.hpp"
#include "models/swing/swing_trace.hpp"

namespace joule::models::world {
class World;
}

namespace joule::models::swing {

// The metrics of one channel (IT, facility, grid) over all windows.
struct ChannelMetrics {
  std::optional<Ramp> ramp_1s, ramp_1min;                // largest over the windows
  double range_w = 0;                                    // largest dynamic range of a window
  std::vector<double> window_range_w;                    // per window
  Spectrum spectrum;                                     // PSD averaged over the windows
  std::optional<double> band_01_1, band_1_5, band_5_20;  // shares of the fluctuation energy
  double band_rms_w = 0;  // RMS of the 0.1–20 Hz band (√ Σ S Δf)
  double peak_hz = 0;
  Step step;               // largest step over the windows
  double step_time_s = 0;  // end of the interval where it shows
  Cause step_cause = Cause::none;
};

struct MitigationResult {
  std::string name;
  ChannelMetrics grid;          // the meter after the measure
  double extra_facility_j = 0;  // over all windows
  double extra_kw = 0;          // mean extra facility power over the windows
  double extra_share = 0;       // extra over the windows' facility energy
  double throughput_loss = 0;
  std::vector<double> grid_w;  // the mitigated grid import, windows concatenated
};

struct SwingReport {
  std::vector<Window> windows;
  ChannelMetrics it, facility, grid;
  std::vector<MitigationResult> mitigations;
  std::optional<double> step_period_s;  // of the dominant job, first window with two steps
  // Time share of each phase kind of the dominant job over the windows (index: PhaseKind).
  std::vector<double> phase_share;
  double window_facility_j = 0;
  // In-run floor/filler (in_run.hpp): the wall energy it added over the whole run (its
  // MitigationResults hold the windows' share and the run's own grid metrics).
  std::optional<double> lift_run_j;
  double ramp_limit_w_per_s = 0;      // grid.ramp_limit (0: none)
  double ramp_limit_violation_s = 0;  // window time whose 1-s meter ramp exceeded it
  const MitigationResult* mitigation(const std::string& name) const;
};

// Computes the metrics of `windows` (all of one resolution) for one channel.
ChannelMetrics channel_metrics(const std::vector<Window>& windows,
                               const std::vector<const std::vector<double>*>& traces,
                               double psd_segment_s);

class SwingMonitor {
public:
  SwingMonitor(world::World& world, SwingSpec spec, sim::Time duration);
  ~SwingMonitor();
  // Metrics and mitigations of the windows recorded so far (the last may be partial).
  // `ramp_limit_w_per_s`: the grid's 1-s ramp limit to check (0: none).
  SwingReport report(double ramp_limit_w_per_s = 0) const;
  const SwingSpec& spec() const { return spec_; }

private:
  struct State;
  void on_sample(std::uint64_t window);
  State state_now() const;

  world::World& world_;
  SwingSpec spec_;
  std::vector<sim::Time> starts_;
  std::vector<Window> windows_;
  std::unique_ptr<State> last_state_;
  std::array<double, 5 + stage_count> last_j_{};  // it, facility, grid, cooling, stages, lift
  sim::Time next_;
  std::uint32_t handler_ = 0;
  bool has_facility_ = false;
  bool in_run_ = false;  // a floor or filler acts in the run
};

}  // namespace joule::models::swing
