// KPIs of the energy ledger at the grid meter (power/ledger.hpp): import and export, on-site
// PV and its curtailment, the battery's throughput and settlement, and the peaks the grid saw
// against the facility's own. Each is absent when the scenario lacks the model it reads.
#include <algorithm>
#include <cmath>

#include "models/world/kpi.hpp"
#include "models/world/world.hpp"
#include "sim/units.hpp"

namespace joule::models::world {

namespace {

using Value = std::optional<double>;

double kwh(double j) {
  return j / sim::joules_per_kwh;
}
bool has_facility(const Facility& f) {
  return f.has_power_chain() || f.has_cooling();
}
const power::LedgerTotals& ledger(const RunRecord& r) {
  return r.world.facility_totals().ledger;
}

const bool registered = [] {
  auto add = [](int rank, const char* name, const char* unit, const char* label,
                const char* description, auto compute) {
    KpiRegistry::add({name, unit, label, description, "grid", rank, compute, ""});
  };
  add(400, "grid_import_kwh", "kWh", "grid import",
      "Energy drawn from the grid at the meter (after on-site PV and battery); absent without "
      "a power chain or cooling plant",
      [](const RunRecord& r) -> Value {
        if (!has_facility(r.world.facility())) return std::nullopt;
        return kwh(ledger(r).import_j);
      });
  add(410, "grid_export_kwh", "kWh", "grid export",
      "Energy sent to the grid at the meter (PV surplus); absent without a power chain",
      [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_power_chain()) return std::nullopt;
        return kwh(ledger(r).export_j);
      });
  add(420, "pv_yield_kwh", "kWh", "PV yield",
      "On-site PV energy delivered to the bus (used on site or exported), after curtailment; "
      "absent without PV",
      [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_pv()) return std::nullopt;
        return kwh(ledger(r).pv_j);
      });
  add(430, "pv_curtailed_kwh", "kWh", "PV curtailed",
      "PV energy available but curtailed because the export limit (power_chain.export_limit) "
      "was reached; absent without PV",
      [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_pv()) return std::nullopt;
        return kwh(ledger(r).pv_curtailed_j);
      });
  add(440, "battery_charge_kwh", "kWh", "battery charge",
      "AC energy into the battery; absent without a battery", [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_battery()) return std::nullopt;
        return kwh(ledger(r).charge_j);
      });
  add(450, "battery_discharge_kwh", "kWh", "battery discharge",
      "AC energy out of the battery (its throughput); absent without a battery",
      [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_battery()) return std::nullopt;
        return kwh(ledger(r).discharge_j);
      });
  add(460, "battery_settlement_kwh", "kWh", "battery settlement",
      "Grid energy that returns the battery to its initial charge (< 0: a credit, it ended "
      "fuller), booked in co2e_t and cost_usd at the run's mean carbon intensity and price; "
      "absent without a battery",
      [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_battery()) return std::nullopt;
        r.world.facility_totals();  // brings the accounts up to now
        return kwh(r.world.facility().battery_settlement().energy_j);
      });
  add(470, "battery_final_soc", "1", "battery final SOC",
      "Battery state of charge at the end of the run; absent without a battery",
      [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_battery()) return std::nullopt;
        return r.world.facility().battery_soc();
      });
  add(480, "peak_grid_import_kw", "kW", "peak grid import",
      "Highest instantaneous import at the grid meter; compare peak_facility_power_kw (the "
      "facility's own peak, before PV and battery); absent without a facility",
      [](const RunRecord& r) -> Value {
        if (!has_facility(r.world.facility())) return std::nullopt;
        return ledger(r).peak_import_w / 1e3;
      });
  add(490, "peak_shaved_kw", "kW", "peak shaved",
      "peak_facility_power_kw − peak_grid_import_kw: how much PV and battery lowered the peak "
      "the grid saw; absent without a facility",
      [](const RunRecord& r) -> Value {
        if (!has_facility(r.world.facility())) return std::nullopt;
        // The two peaks are sums of the same powers taken in different orders: a difference
        // at rounding level (1e-13 kW on a 1 MW site without PV or battery) is no shaving.
        const double facility_w = r.world.facility().peak_facility_w();
        const double shaved_w = facility_w - ledger(r).peak_import_w;
        return std::abs(shaved_w) <= 1e-9 * facility_w ? 0.0 : shaved_w / 1e3;
      });
  add(500, "peak_demand_15min_kw", "kW", "peak 15-min demand",
      "Highest 15-minute average grid import (clock-aligned windows from the start), the "
      "demand that demand charges bill; absent without a facility",
      [](const RunRecord& r) -> Value {
        if (!has_facility(r.world.facility())) return std::nullopt;
        r.world.facility_totals();
        double peak = 0;
        for (const auto& [month, w] : r.world.facility().monthly_peak_import_w())
          peak = std::max(peak, w);
        return peak / 1e3;
      });
  for (const bool energy : {false, true}) {
    KpiRegistry::add(
        {energy ? "peak_shave_exceeded_kwh" : "peak_shave_exceeded_s", energy ? "kWh" : "s",
         energy ? "import above the shaving threshold" : "time above the shaving threshold",
         energy ? "Grid import energy above power_chain.battery.peak_shave_above (the battery "
                  "is dispatched once per control step, so a load step inside a step passes "
                  "the threshold until the next; an empty or power-limited battery too); "
                  "absent without a threshold"
                : "Time the grid import was above power_chain.battery.peak_shave_above; absent "
                  "without a threshold",
         "grid", energy ? 506 : 505,
         [energy](const RunRecord& r) -> Value {
           const FacilityTotals& t = r.world.facility_totals();
           const Facility& f = r.world.facility();
           if (!f.has_battery() || !f.battery_peak_shave_above()) return std::nullopt;
           return energy ? kwh(t.above_shave_j) : t.above_shave_s;
         },
         "the grid import rose above the battery's peak_shave_above (within control steps, or "
         "with the battery empty or at its power limit)"});
  }
  KpiRegistry::add(
      {"demand_charge_usd", "USD", "demand charge",
       "site.tariff.demand_charge × each calendar month's peak 15-minute import, prorated by the "
       "part of the month simulated; absent without a demand charge",
       "cost", 105,
       [](const RunRecord& r) -> Value {
         r.world.facility_totals();
         return r.world.facility().demand_charge_usd();
       },
       ""});
  KpiRegistry::add(
      {"electricity_bill_usd", "USD", "electricity bill",
       "cost_usd (energy, with the battery's settlement) + demand_charge_usd; absent without a "
       "site price",
       "cost", 106,
       [](const RunRecord& r) -> Value {
         const Kpi* energy = KpiRegistry::find("cost_usd");
         const Value cost = energy ? energy->compute(r) : std::nullopt;
         if (!cost) return std::nullopt;
         r.world.facility_totals();
         return *cost + r.world.facility().demand_charge_usd().value_or(0.0);
       },
       ""});
  return true;
}();

}  // namespace

}  // namespace joule::models::world
