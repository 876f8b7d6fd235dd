// The swing and grid KPIs (docs/power-swings.md defines each metric and its source). All are
// absent unless the scenario has a `swing:` (windows) or `grid:` section.
#include <cmath>
#include <string>

#include "models/swing/grid_control.hpp"
#include "models/swing/swing_monitor.hpp"
#include "models/world/kpi.hpp"
#include "sim/units.hpp"

namespace joule::models::swing {

namespace {

using world::KpiRegistry;
using world::RunRecord;
using Value = std::optional<double>;

Value mw(double w) {
  return w / 1e6;
}

const bool registered = [] {
  int rank = 600;  // after the built-in and ledger KPIs (…500), before the example (1000)
  auto add = [&](const std::string& name, const char* unit, const std::string& label,
                 const char* topic, const std::string& description, auto compute,
                 const char* warning = "") {
    KpiRegistry::add({name, unit, label, description, topic, rank++, compute, warning});
  };
  struct Channel {
    const char* key;
    const char* label;
    ChannelMetrics SwingReport::*metrics;
  };
  for (const Channel c : {Channel{"it", "IT", &SwingReport::it},
                          Channel{"facility", "facility", &SwingReport::facility},
                          Channel{"grid", "grid import", &SwingReport::grid}}) {
    const std::string k = std::string("swing_") + c.key + "_";
    const std::string l = c.label;
    const auto m = c.metrics;
    auto metric = [m](auto get) {
      return [m, get](const RunRecord& r) -> Value {
        if (!r.swing || r.swing->windows.empty()) return std::nullopt;
        return get(r.swing->*m);
      };
    };
    add(k + "ramp_up_1s_mw", "MW", l + " ramp up in 1 s", "swing",
        "Largest rise of the " + l +
            " power within 1 s over the swing windows: max P(t+1 s) − "
            "P(t) on the sub-second samples",
        metric([](const ChannelMetrics& x) -> Value {
          return x.ramp_1s ? mw(x.ramp_1s->up_w) : std::nullopt;
        }));
    add(k + "ramp_down_1s_mw", "MW", l + " ramp down in 1 s", "swing",
        "Largest fall of the " + l + " power within 1 s over the swing windows",
        metric([](const ChannelMetrics& x) -> Value {
          return x.ramp_1s ? mw(x.ramp_1s->down_w) : std::nullopt;
        }));
    add(k + "ramp_up_1min_mw", "MW", l + " ramp up in 1 min", "swing",
        "Largest rise of the " + l + " power within 1 min (absent when the windows are shorter)",
        metric([](const ChannelMetrics& x) -> Value {
          return x.ramp_1min ? mw(x.ramp_1min->up_w) : std::nullopt;
        }));
    add(k + "ramp_down_1min_mw", "MW", l + " ramp down in 1 min", "swing",
        "Largest fall of the " + l + " power within 1 min (absent when the windows are shorter)",
        metric([](const ChannelMetrics& x) -> Value {
          return x.ramp_1min ? mw(x.ramp_1min->down_w) : std::nullopt;
        }));
    add(k + "range_mw", "MW", l + " dynamic range", "swing",
        "Largest dynamic range (max − min of the samples) of a swing window, " + l + " power",
        metric([](const ChannelMetrics& x) -> Value { return mw(x.range_w); }));
    add(k + "band_0p1_1hz", "1", l + " spectral share 0.1-1 Hz", "swing",
        "Share of the " + l + " power's fluctuation energy (Welch PSD, f > 0) in 0.1–1 Hz",
        metric([](const ChannelMetrics& x) -> Value { return x.band_01_1; }));
    add(k + "band_1_5hz", "1", l + " spectral share 1-5 Hz", "swing",
        "Share of the " + l + " power's fluctuation energy in 1–5 Hz (absent above Nyquist)",
        metric([](const ChannelMetrics& x) -> Value { return x.band_1_5; }));
    add(k + "band_5_20hz", "1", l + " spectral share 5-20 Hz", "swing",
        "Share of the " + l + " power's fluctuation energy in 5–20 Hz (absent above Nyquist)",
        metric([](const ChannelMetrics& x) -> Value { return x.band_5_20; }));
    add(k + "rms_0p1_20hz_mw", "MW", l + " oscillation RMS 0.1-20 Hz", "swing",
        "RMS amplitude of the " + l + " power's oscillation in 0.1–20 Hz: √(Σ S(f) Δf)",
        metric([](const ChannelMetrics& x) -> Value { return mw(x.band_rms_w); }));
    add(k + "peak_hz", "Hz", l + " spectral peak", "swing",
        "Frequency of the largest PSD value of the " + l + " power (f > 0)",
        metric([](const ChannelMetrics& x) -> Value { return x.peak_hz; }));
    add(k + "step_mw", "MW", l + " largest step", "swing",
        "Largest change of the " + l + " power between consecutive samples (signed: < 0 a drop)",
        metric([](const ChannelMetrics& x) -> Value { return mw(x.step.size_w); }));
  }
  auto report = [](auto get) {
    return [get](const RunRecord& r) -> Value {
      if (!r.swing || r.swing->windows.empty()) return std::nullopt;
      return get(*r.swing);
    };
  };
  add("swing_step_cause", "1", "cause of the largest grid step", "swing",
      "What changed where the grid import's largest step shows: 0 none, 1 phase, 2 checkpoint, 3 "
      "failure, 4 job start, 5 job end (of the dominant job; /swing:largest_step_cause names it)",
      report([](const SwingReport& s) -> Value {
        return static_cast<double>(static_cast<int>(s.grid.step_cause));
      }));
  add("swing_step_time_s", "s", "time of the largest grid step", "swing",
      "End of the sample interval where the grid import's largest step shows",
      report([](const SwingReport& s) -> Value { return s.grid.step_time_s; }));
  add("swing_step_period_s", "s", "training step period", "swing",
      "Mean time between the dominant job's compute-phase starts in the windows",
      report([](const SwingReport& s) -> Value { return s.step_period_s; }));
  add("swing_ramp_limit_violation_s", "s", "time above the ramp limit", "swing",
      "Window time whose 1-s grid ramp exceeded grid.ramp_limit; absent without a limit",
      report([](const SwingReport& s) -> Value {
        if (s.ramp_limit_w_per_s <= 0) return std::nullopt;
        return s.ramp_limit_violation_s;
      }),
      "the grid import ramped faster than grid.ramp_limit inside the swing windows");
  add("swing_lift_run_kwh", "kWh", "in-run floor/filler energy", "swing",
      "Wall energy the GPU power floor and filler acting in the run (apply: run) added at the "
      "nodes over the whole run (IT side; facility, carbon and cost totals include it)",
      [](const RunRecord& r) -> Value {
        if (!r.swing || !r.swing->lift_run_j) return std::nullopt;
        return *r.swing->lift_run_j / sim::joules_per_kwh;
      });
  for (const char* name : {"floor", "filler", "rack_storage", "bess", "stagger"}) {
    const std::string k = std::string("swing_") + name + "_";
    const std::string l = name;
    auto mit = [name = std::string(name)](auto get) {
      return [name, get](const RunRecord& r) -> Value {
        if (!r.swing) return std::nullopt;
        const MitigationResult* m = r.swing->mitigation(name);
        if (!m) return std::nullopt;
        return get(*m);
      };
    };
    add(k + "range_mw", "MW", "grid range with " + l, "swing",
        "Largest dynamic range of the grid import in a window with swing." + l,
        mit([](const MitigationResult& m) -> Value { return mw(m.grid.range_w); }));
    add(k + "ramp_1s_mw", "MW", "grid 1-s ramp with " + l, "swing",
        "Largest 1-s rise or fall of the grid import with swing." + l,
        mit([](const MitigationResult& m) -> Value {
          return m.grid.ramp_1s ? mw(std::max(m.grid.ramp_1s->up_w, m.grid.ramp_1s->down_w))
                                : std::nullopt;
        }));
    add(k + "rms_mw", "MW", "grid oscillation RMS with " + l, "swing",
        "RMS of the grid import's 0.1–20 Hz oscillation with swing." + l,
        mit([](const MitigationResult& m) -> Value { return mw(m.grid.band_rms_w); }));
    add(k + "extra_kw", "kW", "extra power of " + l, "swing",
        "Mean extra facility power swing." + l +
            " costs over the windows (storage: its conversion losses; acting in the run: the "
            "lift measured at the nodes, at the chain's and cooling's response)",
        mit([](const MitigationResult& m) -> Value { return m.extra_kw; }));
    add(k + "extra_share", "1", "extra energy share of " + l, "swing",
        "Extra facility energy of swing." + l + " over the windows' facility energy",
        mit([](const MitigationResult& m) -> Value { return m.extra_share; }));
    add(k + "throughput_loss", "1", "throughput loss of " + l, "swing",
        "Fraction of the training progress swing." + l + " costs",
        mit([](const MitigationResult& m) -> Value { return m.throughput_loss; }));
  }
  auto grid = [](auto get) {
    return [get](const RunRecord& r) -> Value {
      if (!r.grid) return std::nullopt;
      return get(*r.grid);
    };
  };
  add("grid_dr_events", "1", "demand-response event count", "grid",
      "Demand-response events whose hold period ended within the run",
      grid([](const GridReport& g) -> Value { return static_cast<double>(g.events.size()); }));
  add("grid_dr_met", "1", "demand-response met", "grid",
      "Events whose mean meter power over the hold period was at most baseline − curtailment "
      "(+0.5 % of the baseline)",
      grid([](const GridReport& g) -> Value { return static_cast<double>(g.met()); }));
  add("grid_dr_missed", "1", "demand-response missed", "grid",
      "Events whose mean meter power over the hold period stayed above the target (/grid lists "
      "each with its baseline, target and achieved power)",
      grid([](const GridReport& g) -> Value {
        return static_cast<double>(g.events.size() - g.met());
      }),
      "a demand-response request was missed: caps could not curtail enough");
  add("grid_dr_curtailed_kwh", "kWh", "energy curtailed", "grid",
      "Σ (baseline − mean meter power) × hold time over the events",
      grid([](const GridReport& g) -> Value { return g.curtailed_j / sim::joules_per_kwh; }));
  add("grid_dr_deferred_gpu_h", "GPU-h", "work deferred by caps", "grid",
      "Accelerator-hours of progress the grid controller's caps cost (nominal clock behind the "
      "wall clock)",
      grid([](const GridReport& g) -> Value { return g.deferred_gpu_s / sim::seconds_per_hour; }));
  add("grid_dr_paused_gpu_h", "GPU-h", "work deferred by pausing", "grid",
      "Accelerator-hours flexible jobs spent paused by demand-response events (their progress "
      "resumes after the event)",
      grid([](const GridReport& g) -> Value { return g.paused_gpu_s / sim::seconds_per_hour; }));
  add("grid_dr_battery_kwh", "kWh", "battery energy for demand response", "grid",
      "Energy the facility battery (power_chain.battery) discharged from each event's "
      "notification to the end of its hold",
      grid([](const GridReport& g) -> Value { return g.battery_j / sim::joules_per_kwh; }));
  add("grid_dr_shifted_kwh", "kWh", "energy shifted", "grid",
      "Energy to redo the work deferred by caps and pauses later, at each job's uncapped power "
      "per accelerator",
      grid([](const GridReport& g) -> Value { return g.shifted_j / sim::joules_per_kwh; }));
  add(
      "grid_limit_violation_s", "s", "time above the import limit", "grid",
      "Check intervals whose mean meter power exceeded grid.import_limit; absent without one",
      [](const RunRecord& r) -> Value {
        if (!r.grid || r.grid->import_limit_w <= 0) return std::nullopt;
        return r.grid->limit_violation_s;
      },
      "the meter exceeded grid.import_limit on average over some check intervals");
  auto admission = [](auto get) {
    return [get](const RunRecord& r) -> Value {
      if (!r.grid || !r.grid->admission) return std::nullopt;
      return get(*r.grid->admission);
    };
  };
  add("grid_admission_capped", "1", "jobs started capped for the import limit", "grid",
      "Jobs that would have pushed the predicted facility power over grid.import_limit "
      "uncapped and started with an accelerator cap that fits",
      admission([](const AdmissionReport& a) -> Value { return static_cast<double>(a.capped); }));
  add("grid_admission_wait_h", "h", "time jobs waited for the import limit", "grid",
      "Job-hours queued jobs waited at admission because even at the lowest cap they would "
      "have pushed the predicted facility power over grid.import_limit",
      admission(
          [](const AdmissionReport& a) -> Value { return a.wait_s / sim::seconds_per_hour; }));
  add("grid_ramp_staggered", "1", "job starts staggered for the ramp limit", "grid",
      "Jobs whose start grid.ramp_limit delayed: each start waits until the previous start's "
      "facility step, at the ramp limit, has passed",
      admission(
          [](const AdmissionReport& a) -> Value { return static_cast<double>(a.staggered); }));
  auto ramp_down = [](auto get) {
    return [get](const RunRecord& r) -> Value {
      if (!r.grid || !r.grid->ramp_down) return std::nullopt;
      return get(*r.grid->ramp_down);
    };
  };
  add("grid_ramp_down_events", "1", "job ends and failures ramped down", "grid",
      "Job ends and failures whose facility power drop would have exceeded grid.ramp_limit within "
      "1 s, held by a decaying filler load so that it falls at the limit",
      ramp_down(
          [](const world::RampDownReport& d) -> Value { return static_cast<double>(d.events); }));
  add("grid_ramp_down_kwh", "kWh", "ramp-down filler energy", "grid",
      "Wall energy of the decaying filler load burnt after job ends and failures to hold "
      "grid.ramp_limit (IT side; ½ ΔI·ΔF/r per held drop; facility, carbon and cost totals "
      "include it)",
      ramp_down([](const world::RampDownReport& d) -> Value {
        return d.energy_j / sim::joules_per_kwh;
      }));
  auto ramp_floor = [](auto get) {
    return [get](const RunRecord& r) -> Value {
      if (!r.grid || !r.grid->ramp_floor) return std::nullopt;
      return get(*r.grid);
    };
  };
  add("grid_ramp_floor_kwh", "kWh", "ramp floor energy", "grid",
      "Wall energy the in-run floor added at the nodes to hold grid.ramp_limit on phase swings "
      "(with a swing floor or filler acting in the run too: of them together; IT side, facility, "
      "carbon and cost totals include it)",
      ramp_floor(
          [](const GridReport& g) -> Value { return g.ramp_floor_j / sim::joules_per_kwh; }));
  add("grid_ramp_floor_jobs", "1", "jobs lifted by the ramp floor", "grid",
      "Jobs whose phase swings would have moved the facility faster than their share of "
      "grid.ramp_limit, held by raising their accelerators' floor",
      ramp_floor([](const GridReport& g) -> Value {
        return static_cast<double>(g.ramp_floor->lifted_jobs);
      }));
  add("grid_ramp_floor_unmet_cap", "1", "ramp floor above the cap", "grid",
      "Jobs whose phase swings the ramp floor could not hold: the floor needed is above their "
      "accelerators' power cap (a grid or policy cap), so they swing faster than the limit",
      ramp_floor([](const GridReport& g) -> Value {
        return static_cast<double>(g.ramp_floor->unmet_cap);
      }),
      "grid.ramp_limit not held on some jobs' phase swings: the floor needed is above their "
      "accelerator cap");
  add("grid_ramp_floor_unmet_model", "1", "ramp floor without a node model for it", "grid",
      "Jobs whose phase swings the ramp floor could not hold: the node model is not the "
      "operation model (cluster.node.model), which alone can lift the accelerators' power",
      ramp_floor([](const GridReport& g) -> Value {
        return static_cast<double>(g.ramp_floor->unmet_model);
      }),
      "grid.ramp_limit not held on phase swings: the node model cannot raise a floor (use "
      "cluster.node.model: operation)");
  add("grid_admission_refused", "1", "jobs refused for the import limit", "grid",
      "Jobs that cannot start under grid.import_limit even alone on an idle cluster at the "
      "lowest cap: the limit cannot be met with them (they stay queued)",
      admission([](const AdmissionReport& a) -> Value { return static_cast<double>(a.refused); }),
      "some jobs can never start under grid.import_limit (too large for the limit)");
  add("grid_capped_h", "h", "time under grid caps", "grid",
      "Time the grid controller held accelerator caps",
      grid([](const GridReport& g) -> Value { return g.capped_s / sim::seconds_per_hour; }));
  return true;
}();

}  // namespace

}  // namespace joule::models::swing
