// Power-swing mitigations as models applied to a recorded window: each maps the window's IT
// and meter powers to what they would be with the measure in place, and states its energy and
// throughput cost. They act on the sub-second trace only (the steady trace and the run's
// energy totals are those of the unmitigated facility); the cost is reported as the mean
// extra facility power while mitigated and as a share of the windows' facility energy.
//
// With A(t) the dominant job's accelerator power, G its share of the cluster's N
// accelerators, TDP the accelerator's rating, η the PSU efficiency, m(t) = dP_fac/dP_IT:
//
//   floor      ΔP_IT = max(0, f·TDP·G·N − A) / η while the job runs              (f: fraction)
//   filler     ΔP_IT = max(0, b·A_c − A) / η in non-compute phases, A_c the last compute
//              phase's accelerator power                                        (b: level)
//   storage    rack (PSU) storage and a facility BESS share one controller: target T(t) is
//              an exponential moving average of the load with time constant τ (and, for the
//              BESS, moves by at most r per second); the store supplies load − T within its
//              power and energy limits (power::Battery); the cost is its conversion loss
//   stagger    n equal job groups whose steps are offset by T_step / n:
//              P'(t) = (1/n) Σ_k P(t − k T_step / n) (circular within the window)
//
//   facility and grid move by m·ΔP_IT (the rack storage's ΔP is on the IT side); the BESS
//   moves the grid only.
//
// Sources: Choukse et al., "Power Stabilization for AI Training Datacenters", arXiv 2508.14318
// (2025) — GPU power floor, burn/filler work, rack energy storage, facility batteries and
// desynchronised phases, each with its energy cost; NVIDIA, "How new GB300 NVL72 features
// provide steady power for AI" (developer blog, 2025) — PSU energy storage and a power floor
// with a ramp-down at job end. Default parameter values are estimates (docs/power-swings.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/power/battery.hpp"
#include "models/swing/swing_trace.hpp"

namespace joule::models::swing {

struct StorageSpec {
  power::BatterySpec battery;  // capacity, power limits, efficiency (whole facility)
  double tau_s = 30;           // smoothing time constant
  double ramp_w_per_s = 0;     // BESS only: target ramp limit (0: none)
};

struct MitigationSpec {
  double floor_fraction = 0;   // 0: off
  double filler_level = 0;     // 0: off
  double filler_slowdown = 0;  // step-time penalty of filler work (fraction)
  // `apply: run` (in_run.hpp): the floor or filler acts inside the run; the window models
  // below evaluate only the measures applied to the windows.
  bool floor_in_run = false, filler_in_run = false;
  std::optional<StorageSpec> rack_storage;
  std::optional<StorageSpec> bess;
  int stagger_groups = 1;  // 1: off
  double psu_efficiency = 0.94;
  double tdp_w = 700;
  double accelerators = 1;  // N, the cluster's accelerators
};

// One channel set after a mitigation.
struct Mitigated {
  std::string name;
  std::vector<double> it_w, facility_w, grid_w;
  double extra_facility_j = 0;  // over the window
  double throughput_loss = 0;   // fraction of the job's progress
};

// The measures applied to the recorded windows, and those acting inside the run.
std::vector<std::string> enabled_mitigations(const MitigationSpec& spec);
std::vector<std::string> in_run_mitigations(const MitigationSpec& spec);
// How the facility follows a change ΔP of IT power over a window: within a second only the
// power chain does (fast = the slope of facility − cooling on IT, least squares); over hours
// the cooling follows the heat too (slow = fast + mean cooling / mean IT).
struct Response {
  double fast = 1, slow = 1;
};
Response facility_response(const Window& w);
// The window with mitigation `name` ("floor", "filler", "rack_storage", "bess", "stagger").
Mitigated apply_mitigation(const std::string& name, const MitigationSpec& spec, const Window& w);

// Mean step period of the dominant job in a window (time between starts of forward-backward
// phases), seconds; nullopt with fewer than two.
std::optional<double> step_period_s(const Window& w);

}  // namespace joule::models::swing
