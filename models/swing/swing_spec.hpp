// The scenario's `swing:` section (sub-second windows, metrics, mitigations) and `grid:`
// section (interconnection limit, ramp limit, demand-response events). Keys, units and
// defaults are declared here and printed by `joule list-models`.
//
//   swing:
//     resolution: 10 ms        # sampling interval inside the windows
//     start: 10 min            # first window
//     window: 2 min            # length of each window
//     every: 0 s               # window period (0: one window)
//     psd_segment: 60 s        # Welch segment (rounded down to 2^m samples)
//     floor: {fraction: 0.6}
//     filler: {level: 0.9}
//     rack_storage: {capacity: 50 Wh, power: 20 kW}   # per rack
//     bess: {capacity: 5 MWh, power: 20 MW, ramp_limit: 1 MW/s}
//     stagger: {groups: 4}
//   grid:
//     import_limit: 20 MW
//     ramp_limit: 5 MW/s
//     demand_response: [{at: 30 min, curtail: 3 MW, within: 5 min, for: 15 min}]   # or a CSV
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/swing/mitigation.hpp"
#include "sim/params.hpp"
#include "sim/time.hpp"

namespace joule::models::swing {

struct SwingSpec {
  sim::Time resolution = sim::Time::from_ns(100'000'000);
  sim::Time start = sim::minutes(10);
  sim::Time window = sim::minutes(2);
  sim::Time every = sim::Time::zero();
  sim::Time psd_segment = sim::seconds(60);
  MitigationSpec mitigation;  // tdp_w, accelerators and rack count are filled by the monitor
  double rack_storage_capacity_j = 0, rack_storage_power_w = 0;  // per rack
  sim::Location floor_where, filler_where;                       // for errors about them
  // Windows [start_k, start_k + window) inside [0, duration).
  std::vector<sim::Time> window_starts(sim::Time duration) const;
};

struct DemandResponseEvent {
  sim::Time at;          // notification: the curtailment may start
  double curtail_w = 0;  // X: reduction below the baseline at the meter
  sim::Time within;      // Y: time allowed to reach it
  sim::Time lasting;     // Z: how long it must hold
  sim::Location where;
};

struct GridSpec {
  double import_limit_w = 0;              // 0: none
  bool admission = true;                  // jobs start only when they fit under the limit
  bool pause_flexible = true;             // events pause flexible jobs before capping
  bool discharge_battery = true;          // events discharge power_chain.battery first
  double ramp_limit_w_per_s = 0;          // 0: none (reported over the swing windows)
  bool ramp_down = true;                  // job ends and failures ramp down at the limit
  bool ramp_floor = true;                 // phase swings held by raising the in-run floor
  sim::Time baseline = sim::minutes(15);  // baseline: mean meter power before the event
  sim::Time check_interval = sim::minutes(1);
  std::vector<DemandResponseEvent> events;
};

const sim::ModelDoc& swing_doc();
const sim::ModelDoc& grid_doc();
// `swing_node` may be null (no windows); `base_dir` resolves a demand-response CSV.
SwingSpec swing_spec(const sim::ParamNode& node);
GridSpec grid_spec(const sim::ParamNode& node, const std::string& base_dir);

}  // namespace joule::models::swing
