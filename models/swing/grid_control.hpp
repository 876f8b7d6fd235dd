// Grid limits and demand response, met by capping the running jobs' accelerators.
//
// A controller re-evaluates every `check_interval` (and at each event boundary). Its target is
// the lower of the interconnection limit (aimed at 1 % under it) and, during a demand-response
// event, the event's target T = B − X, with B the baseline (mean meter power over `baseline` before
// the event's notification) and X the curtailment. With P̄ the mean meter power over the last
// interval, G the accelerators of the running jobs and m = dP_meter/dP_IT, one uniform
// per-accelerator cap c moves by
//     Δc = −(P̄ − T) / (m · G)          (clamped to the settable range; released when P̄ < T
//                                       and the cap reaches the accelerator's own limit)
// a proportional step that assumes every capped watt is saved; when only part of the step is
// above the cap (a training job's communication phases), the saving is smaller and the next
// interval steps again, so the meter approaches T from above. An event is met when the mean
// meter power over [at + within, at + within + for] is at most T (+0.5 % of B, the
// measurement tolerance); otherwise it is reported missed, with its shortfall.
// Throughput: while caps are set, each job's nominal clock falls behind the wall clock; the
// deferred accelerator-hours G·(Δt − Δτ) and the energy to redo them later at the job's
// uncapped power per accelerator (the energy shifted) are reported.
// Demand-response programs measure the mean reduction against a pre-event baseline (e.g. PJM
// Manual 19, Load Data Systems; the Emerald AI/EPRI field test, Colangelo et al., arXiv
// 2507.00909, 2025, cut a 256-GPU cluster's power 25 % for 3 h by the same kind of control).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "models/swing/grid_admission.hpp"
#include "models/swing/swing_spec.hpp"
#include "models/world/ramp_down.hpp"
#include "models/world/ramp_floor.hpp"

namespace joule::models::world {
class World;
}

namespace joule::models::swing {

struct EventOutcome {
  double at_s = 0;
  double baseline_w = 0;
  double target_w = 0;
  double achieved_w = 0;  // mean meter power while it had to hold
  bool met = false;
};

struct GridReport {
  std::vector<EventOutcome> events;
  double curtailed_j = 0;        // Σ (baseline − achieved) × hold time
  double deferred_gpu_s = 0;     // accelerator-seconds of progress lost to the caps
  double shifted_j = 0;          // energy to redo the deferred work later
  double paused_gpu_s = 0;       // accelerator-seconds flexible jobs spent paused by events
  double battery_j = 0;          // facility battery discharge during events (notification to end)
  std::size_t paused_jobs = 0;   // pauses (a job paused in two events counts twice)
  double limit_violation_s = 0;  // check intervals whose mean meter power exceeded the limit
  double capped_s = 0;           // time any cap of the controller was set
  double import_limit_w = 0;     // the limit checked (0: none)
  std::optional<AdmissionReport> admission;  // with an import limit and `admission: true`
  // Job ends and failures held by a decaying filler (a ramp limit and `ramp_down: true`).
  std::optional<world::RampDownReport> ramp_down;
  // Phase swings held by raising the in-run floor (a ramp limit and `ramp_floor: true`), and
  // the wall energy of the in-run lift (a swing floor or filler acting in the run included).
  std::optional<world::RampFloorReport> ramp_floor;
  double ramp_floor_j = 0;
  std::size_t met() const;
};

class GridControl {
public:
  GridControl(world::World& world, GridSpec spec, sim::Time duration);
  GridReport report() const;
  const GridSpec& spec() const { return spec_; }

private:
  void on_tick(std::uint64_t kind);
  double meter_j() const;
  void account_progress(sim::Time now);
  void set_caps(std::optional<double> cap_w);
  // Pauses flexible running jobs, largest saving first, until their estimated saving at the
  // meter reaches `needed_w`; resume_all() brings them back.
  // Returns the estimated saving.
  double pause_flexible(double needed_w);
  void resume_all();

  world::World& world_;
  GridSpec spec_;
  std::shared_ptr<GridAdmission> admission_;
  sim::Time duration_;
  std::uint32_t handler_ = 0;
  double last_j_ = 0;
  sim::Time last_t_;
  std::optional<double> cap_w_;  // the controller's cap, when set
  struct Progress {
    sim::Time tau, wall;
    double w_per_gpu = 0;  // uncapped power per accelerator, when first capped
  };
  std::map<std::uint32_t, Progress> progress_;
  std::vector<std::uint32_t> paused_;  // by this controller, in the event in force
  // Demand-response bookkeeping: the event index in force and its measured energies.
  std::optional<std::size_t> active_;
  double baseline_start_j_ = 0, hold_start_j_ = 0;
  sim::Time hold_start_;
  double target_w_ = 0;
  double paused_saving_w_ = 0;  // estimated at the notification
  double battery_w_ = 0;        // the battery's expected discharge in the event in force
  double battery_start_j_ = 0;  // its discharge account at the notification
  GridReport report_;
};

}  // namespace joule::models::swing
