// The energy ledger at the grid meter: where every joule the facility consumed came from.
//
// At every instant (power_chain.hpp), with PV_used the PV the site used or exported (available
// PV less what an export limit curtailed) and the battery's AC power split into discharge D and
// charge C (one of them zero):
//     import − export = grid = consumption + export_loss − PV_used − D + C
// so over any interval, exactly to rounding,
//     import − export + PV_used + D − C = consumption + export_loss.            (closure)
// consumption is the PUE numerator (IT + chain losses + cooling + other); export_loss is the
// transformer loss of exporting, kept outside the PUE (ISO/IEC 30134-2).
//
// Battery settlement: a run ends with the battery holding E_end against E_0 at the start. The
// grid energy that restores it is (E_0 − E_end)/η_c when it was drawn down, and −(E_end −
// E_0)·η_d (a credit: what it could deliver) when it ended fuller; it is booked at the run's
// time-average grid price and carbon intensity, so the initial charge is never free energy and
// a battery's only lasting effect on cost and carbon is what its dispatch shifted (and lost).
//
// Peak demand for demand charges: the highest average import over clock-aligned windows
// (`interval`, 15 min by default: the demand interval of most US commercial tariffs), per
// billing period. Windows align to t = 0 (the site's `start`, normally on the hour); the last
// window of a run is averaged over the part that was simulated.
#pragma once

#include <algorithm>
#include <functional>
#include <map>

#include "models/power/power_chain.hpp"
#include "sim/time.hpp"

namespace joule::models::power {

// The meter-side flows of one chain state, W (each ≥ 0).
struct MeterFlows {
  double import_w = 0;
  double export_w = 0;
  double pv_w = 0;            // PV used on site or exported
  double pv_curtailed_w = 0;  // PV available but curtailed by the export limit
  double charge_w = 0;        // AC power into the battery
  double discharge_w = 0;     // AC power out of the battery
};
// Inline, as LedgerTotals::add(): the facility takes both at every update of its accounts.
inline MeterFlows meter_flows(const ChainBreakdown& b, double pv_available_w) {
  MeterFlows f;
  f.import_w = std::max(0.0, b.grid_w);
  f.export_w = std::max(0.0, -b.grid_w);
  f.pv_w = b.pv_w;
  f.pv_curtailed_w = std::max(0.0, pv_available_w - b.pv_w);
  f.discharge_w = std::max(0.0, b.battery_w);
  f.charge_w = std::max(0.0, -b.battery_w);
  return f;
}

// Integrated flows, J (each ≥ 0), and the instantaneous peak import.
struct LedgerTotals {
  double import_j = 0;
  double export_j = 0;
  double pv_j = 0;
  double pv_curtailed_j = 0;
  double charge_j = 0;
  double discharge_j = 0;
  double peak_import_w = 0;

  void add(const MeterFlows& f, double dt_s) {
    import_j += f.import_w * dt_s;
    export_j += f.export_w * dt_s;
    pv_j += f.pv_w * dt_s;
    pv_curtailed_j += f.pv_curtailed_w * dt_s;
    charge_j += f.charge_w * dt_s;
    discharge_j += f.discharge_w * dt_s;
  }
};

// The grid energy that returns a battery to its initial charge (> 0: it was drawn down; < 0:
// it ended fuller, a credit), J at the AC bus.
double battery_settlement_j(double initial_j, double final_j, double charge_efficiency,
                            double discharge_efficiency);

// Highest window-average import per billing period (`period_of(t)`: e.g. the calendar month of
// t as year·12 + month).
class DemandMeter {
public:
  DemandMeter(sim::Time interval, std::function<int(sim::Time)> period_of);
  // Not copied: it keeps a pointer into its own map.
  DemandMeter(const DemandMeter&) = delete;
  DemandMeter& operator=(const DemandMeter&) = delete;
  // Import `import_w` held over [from, to).
  void add(sim::Time from, sim::Time to, double import_w) {
    // Inside the open window, its period's entry already found (every add but a window's first):
    // the loop's one pass, inline (the facility adds at every update of its accounts).
    if (window_covered_s_ && from < to && to < window_start_ + interval_) {
      const double span_s = (to - from).seconds();
      window_j_ += import_w * span_s;
      *window_covered_s_ += span_s;
      return;
    }
    add_windows(from, to, import_w);
  }
  // Peak window-average import by billing period, W, up to `now` (reached by add()): the open
  // window counts with its average over the elapsed part.
  std::map<int, double> peaks_w(sim::Time now) const;
  double peak_w(sim::Time now) const;
  // Forgets every window; the next starts at `now`.
  void restart(sim::Time now);
  // Time added in each billing period, s.
  const std::map<int, double>& covered_s() const { return covered_s_; }
  sim::Time interval() const { return interval_; }

private:
  // add() across windows: each window's part, closing each window it reaches the end of.
  void add_windows(sim::Time from, sim::Time to, double import_w);
  void close_window(sim::Time end);
  // The billing period of the open window (period_of(window_start_)), asked once per window.
  int window_period();
  // covered_s_'s entry for the open window's period, looked up once per window.
  double& window_covered_s();

  sim::Time interval_;
  std::function<int(sim::Time)> period_of_;
  sim::Time window_start_ = sim::Time::zero();
  double window_j_ = 0;
  int window_period_ = 0;
  bool window_period_known_ = false;
  std::map<int, double> peaks_w_;
  std::map<int, double> covered_s_;
  double* window_covered_s_ = nullptr;  // null: not looked up in this window yet
};

}  // namespace joule::models::power
