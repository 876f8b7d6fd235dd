// The facility around the IT: site (weather, grid carbon and price), power-supply chain,
// cooling plant and the data hall's thermal network, coupled to the IT load.
//
//   grid = IT + PDU + UPS + transformer losses + cooling + other − PV ± battery   (power_chain)
//          (+ export losses while PV exports)
//   cooling = plant(chip heat, other IT heat, PDU losses + lighting, outdoor air)  (cooling)
//           + DX units of the electrical rooms and offices (UPS losses, offices)   (support)
//   other = offices + lighting + generator block heaters                            (support)
//   rack inlets = data hall RC network(supply air, rack heat)                      (cooling)
//
// Cooling zones: the top-level `cooling` (the shared zone) serves the racks of the pools
// without a `cooling` of their own and the IT outside the racks (switches, storage); each pool
// with its own `cooling` is a zone of its own — its plant sized for its racks, its data hall
// over its racks. Each zone's plant takes its racks' chip and other IT heat and a share of the
// white-space losses (PDU losses and lighting) in proportion to its IT power, under the same
// outdoor air; the facility's cooling power, components, water, unmet and rejected heat are the
// sums over the zones. One power chain (one utility feed) still serves every zone.
//
// Power is piecewise constant: the chain is re-evaluated whenever the IT load changes (its
// losses are instantaneous functions of load); the plant, the data hall, PV and the battery
// advance on control steps (default every 60 s) and hold their power until the next. Every
// account (energy of each component, carbon, cost, water) is integrated lazily:
// account += rate × elapsed, before each change and each read.
//
// Carbon and cost are booked on grid power (after PV and battery), plus the battery's
// settlement: the grid energy that returns it to its initial charge, at the run's mean price
// and carbon intensity (power/ledger.hpp). The meter-side ledger (import, export, PV used and
// curtailed, battery charge and discharge) closes exactly on consumption + export losses. PUE per
// ISO/IEC 30134-2: consumption before on-site sources, (IT + losses + cooling + other) / IT,
// without the transformer losses caused by exporting PV surplus (reported apart); the renewable
// energy factor (ISO/IEC 30134-3) is the on-site PV the facility used over its consumption. Heat:
// every watt drawn ends outdoors — through the plant (IT, PDU losses, lighting), the
// electrical-room DX units (UPS losses, offices, indoor transformers), or directly (outdoor
// transformers, block heaters, the plant's and DX units' own heat); `heat_rejected_j` adds them.
#pragma once

#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "models/compute/node.hpp"
#include "models/cooling/hall_layout.hpp"
#include "models/cooling/plant.hpp"
#include "models/environment/site.hpp"
#include "models/power/battery.hpp"
#include "models/power/grid.hpp"
#include "models/power/ledger.hpp"
#include "models/power/power_chain.hpp"
#include "models/world/world_spec.hpp"
#include "sim/time.hpp"

namespace joule::models::cooling {
// data_hall.hpp, which brings in the thermal network's solver (Eigen): facility.cpp includes
// it; what only reaches the facility through the world does not parse it.
class DataHall;
}  // namespace joule::models::cooling

namespace joule::models::world {

inline constexpr std::size_t loss_stage_count = 3;
inline constexpr std::array<std::string_view, loss_stage_count> loss_stage_names = {"pdu", "ups",
                                                                                    "transformer"};

// Cumulative accounts (J, kg, USD, m³) since the start of the run.
struct FacilityTotals {
  double it_j = 0;
  double facility_j = 0;  // consumption before on-site sources (PUE numerator)
  double grid_j = 0;      // at the meter
  double cooling_j = 0;
  double losses_j = 0;
  double other_j = 0;
  double pv_j = 0;
  double export_loss_j = 0;    // transformer losses caused by exporting (not in facility_j)
  double exported_j = 0;       // energy sent to the grid (grid power < 0)
  double room_cooling_j = 0;   // DX units of the electrical rooms and offices (in cooling_j)
  double lighting_j = 0;       // white-space lighting (in other_j)
  double block_heater_j = 0;   // generator block heaters (in other_j)
  double heat_rejected_j = 0;  // heat leaving the site (plant, DX units, outdoor equipment)
  double overload_s = 0;       // time any power-chain stage ran above its rating
  // Grid import above the battery's peak_shave_above: time and energy above it (the battery is
  // dispatched once per control step, and may run out of charge or power).
  double above_shave_s = 0;
  double above_shave_j = 0;
  std::array<double, cooling::component_count> component_j{};
  std::array<double, loss_stage_count> stage_j{};
  double co2e_kg = 0;
  double cost_usd = 0;
  double water_m3 = 0;
  double unmet_heat_j = 0;
  power::LedgerTotals ledger;  // the meter side: import, export, PV, battery (power/ledger.hpp)
  double elapsed_s = 0;        // time integrated so far
  double price_s = 0;   // ∫ price dt (USD/J · s): the run's mean price is price_s/elapsed_s
  double carbon_s = 0;  // ∫ carbon intensity dt (kg/J · s)
};

// The grid energy, carbon and cost that return the battery to its initial charge (zero without
// a battery; < 0 a credit when it ended fuller).
struct BatterySettlement {
  double energy_j = 0;
  double co2e_kg = 0;
  double cost_usd = 0;
};

class Facility {
public:
  // `spec` from facility_spec() (world_spec.hpp), sized for `design`.
  Facility(FacilitySpec spec, const FacilityDesign& design);
  ~Facility();

  bool has_site() const { return has_site_; }
  const environment::Site* site() const { return site_.get(); }  // null without a site
  bool has_power_chain() const { return chain_ != nullptr; }
  bool has_cooling() const { return !zones_.empty(); }
  bool has_thermal() const { return has_thermal_; }  // some zone has a data hall

  // Nodes on cold plates with a liquid plant: their accelerators run on the plant's chip
  // coolant (facility water + CDU approach), and a node designed for air keeps only the fans
  // its residual air heat needs (cooling/liquid_cooling.hpp). The plant is that of the zone
  // cooling pool `pool`.
  void fit_node(compute::NodeSpec& node, std::size_t pool = 0) const;

  // The IT load changed at `now` (power at the server inputs; `chip_w` of it is accelerators).
  // With several cooling zones, `pool_it_w` and `pool_chip_w` give each pool's share (the IT
  // outside the pools, it_w − Σ pool_it_w, is the shared zone's, else the first zone's).
  void set_it(sim::Time now, double it_w, double chip_w, std::span<const double> pool_it_w = {},
              std::span<const double> pool_chip_w = {});
  // A control step at `now`: weather, grid signals, plant, data hall, PV, battery; their powers
  // then hold until the next step. `rack_w` is each rack's IT power now.
  void control_step(sim::Time now, sim::Time dt, const std::vector<double>& rack_w);
  // The same, told that only the racks in `changed` may differ from the powers the previous
  // step had (the data hall re-reads those alone; the first step reads every rack).
  void control_step(sim::Time now, sim::Time dt, const std::vector<double>& rack_w,
                    std::span<const std::uint32_t> changed);
  // Adds the powers held since the last update to the totals, up to `now` (nothing when `now`
  // is not later). Inline: about half the calls come at the last update's instant (a job's
  // change at a control step's, a sample's read after the step), and were a call to return.
  void update_to(sim::Time now) {
    if (now > last_update_) accumulate_to(now);
  }
  // Starts the accounts afresh at `now` (the end of a warmup): totals, meters and peaks; the
  // battery settles against its charge now.
  void reset_accounts(sim::Time now);

  // A rack's inlet now: from its zone's data hall, else its zone's supply air.
  double inlet_c(int rack) const;
  // Every rack's inlet_c() as one span, rack by rack, for a reader that scans them all (copied
  // at the first read after a control step, the only time inlets move: O(racks) per read).
  std::span<const double> inlets_c() const;
  // The same values written to `out` (one per rack), not to the facility's own span: for a
  // reader whose row is in cache now (the recorder's rack sample, every 15 minutes), where the
  // span, last written a sample ago, is not (write misses: 2 % of a 100k-GPU run's, measured).
  void copy_inlets_c(std::span<double> out) const;
  // Appends the racks whose inlet_c() moved by more than `tol_k` (|now − reported| > tol_k, or
  // not a number) since this call last reported it, in ascending order, and reports them at
  // their inlet now; every rack is first reported at its inlet when the facility is made (the
  // design's supply air). Called after each control step, it costs O(zones + the halls' classes
  // of racks in the same state + racks that changed class or moved), not O(racks): the racks
  // of one class share their inlet (cooling::DataHall::take_moved_inlets).
  void take_moved_inlets(double tol_k, std::vector<std::uint32_t>& racks);
  // Steady rise of a rack's inlet per watt of its power (data hall recirculation; 0 without a
  // hall: every rack breathes the supply air).
  double inlet_rise_k_per_w(int rack) const;
  // The first zone's supply air (every zone starts at the design's).
  double supply_air_c() const { return supply_air_c_; }
  // The plant's set-points and a controller's range for them (all NaN without a plant), and a
  // controller moving them (cooling::CoolingPlant::set_setpoints): they act from the next
  // control step. The reads are the first zone's (the shared plant's, else the first pool's);
  // a move goes to every zone's plant, each clamping it to its own range. Returns the first
  // zone's set-points in force.
  cooling::Setpoints cooling_setpoints() const {
    return zones_.empty() ? cooling::Setpoints{} : zones_.front().plant->setpoints();
  }
  cooling::Setpoints cooling_setpoint_min() const {
    return zones_.empty() ? cooling::Setpoints{} : zones_.front().plant->setpoint_min();
  }
  cooling::Setpoints cooling_setpoint_max() const {
    return zones_.empty() ? cooling::Setpoints{} : zones_.front().plant->setpoint_max();
  }
  cooling::Setpoints set_cooling_setpoints(const cooling::Setpoints& want);
  // Highest rack inlet temperature of any hall seen at any control step (NaN without a hall).
  double max_inlet_c() const {
    settle_hottest();
    return has_thermal() ? max_inlet_c_ : std::nan("");
  }
  // Shares of the CRAH supply that bypassed the servers, and of the servers' intake that was
  // hot room air for want of supply, over the run and every zone's CRAHs (air_handler.hpp); NaN
  // without CRAHs.
  double crah_bypass_share() const { return crah_m3_ > 0 ? bypass_m3_ / crah_m3_ : std::nan(""); }
  double crah_recirculation_share() const {
    return server_m3_ > 0 ? recirculated_m3_ / server_m3_ : std::nan("");
  }
  // Time average of the hall's hottest rack inlet over the control steps.
  double mean_max_inlet_c() const {
    settle_hottest();
    return has_thermal() && hottest_s_ > 0 ? hottest_c_s_ / hottest_s_ : std::nan("");
  }

  // One cooling zone's accounts since the start (or the last reset_accounts), up to the last
  // update: its name ("" for the shared zone, else the pool's), the IT energy it cooled, its
  // plant's energy, water and unmet heat.
  struct ZoneTotals {
    std::string name;
    int racks = 0;
    double it_j = 0;
    double cooling_j = 0;
    std::array<double, cooling::component_count> component_j{};
    double water_m3 = 0;
    double unmet_heat_j = 0;
  };
  std::vector<ZoneTotals> zone_totals() const;
  std::size_t zone_count() const { return zones_.size(); }

  const FacilityTotals& totals() const { return totals_; }
  double facility_power_w() const { return breakdown_.facility_w(); }
  double grid_power_w() const { return breakdown_.grid_w; }
  double cooling_power_w() const { return breakdown_.cooling_w; }
  double losses_power_w() const { return breakdown_.losses_w(); }
  // Heat leaving the site now, W (equals facility power + export losses in steady state).
  double heat_rejected_w() const;
  double peak_facility_w() const { return peak_facility_w_; }
  bool has_pv() const { return chain_ && chain_->spec().pv; }
  bool has_battery() const { return battery_ != nullptr; }
  // The battery's peak-shaving threshold, W (none without one).
  std::optional<double> battery_peak_shave_above() const;
  // Demand response (models/swing/grid_control.hpp): while set, the battery discharges at least
  // what keeps the meter at `target_w` (within its limits), whatever its dispatch mode.
  void set_meter_target(std::optional<double> target_w) { meter_target_w_ = target_w; }
  // The discharge the battery can hold for `seconds` from now (0 without one).
  double battery_available_w(double seconds) const {
    return battery_ ? battery_->max_discharge_w(seconds) : 0.0;
  }
  // Now: PV available (before curtailment), battery state of charge (NaN without one).
  double pv_available_w() const { return pv_available_w_; }
  double battery_soc() const { return battery_ ? battery_->soc() : std::nan(""); }
  // Settlement of the battery's net energy, from the accounts as last brought up to date.
  BatterySettlement battery_settlement() const;
  // Highest 15-minute average grid import by calendar month (local; key year·12 + month − 1),
  // up to the last update.
  std::map<int, double> monthly_peak_import_w() const { return demand_.peaks_w(last_update_); }
  // Demand charge so far: Σ_months rate · peak · covered / month length (environment/tariff.hpp);
  // nullopt without a demand charge.
  std::optional<double> demand_charge_usd() const;
  // Meter power if IT were `it_w` under present conditions: chain losses at that load plus
  // cooling scaled with the heat. Non-decreasing in it_w; equals facility_power_w() now.
  double facility_power_at(double it_w) const;
  const environment::Conditions& outdoor() const { return outdoor_; }
  // Grid carbon intensity and price now, and the forecasts the site offers (exact: the series
  // are known).
  sim::CarbonIntensity carbon_intensity() const { return carbon_; }
  sim::UsdPerJoule price() const { return price_; }
  sim::CarbonIntensity carbon_intensity_at(sim::Time t) const;
  sim::UsdPerJoule price_at(sim::Time t) const;
  double outdoor_drybulb_at(sim::Time t) const;

  // Over-capacity episodes of the plants (component — "chillers of pool 'b200'" in a pool's
  // zone —, first time, control steps in which some zone fell short).
  struct CapacityReport {
    std::string component;
    sim::Time first;
    std::int64_t steps = 0;
  };
  const std::optional<CapacityReport>& over_capacity() const { return over_capacity_; }

private:
  void accumulate_to(sim::Time now);  // update_to() when `now` is later
  void evaluate_chain();
  // The last step's hottest inlet into max_inlet_c_ and the time average, if not in yet: a step
  // leaves it to take_moved_inlets(), which reads the halls' inlets anyway (in the same state:
  // nothing moves the halls but a step, which settles first), else to the next reader.
  void settle_hottest() const;
  void add_hottest(double hottest_c) const;
  // `changed` null: every rack's power may have changed.
  void step(sim::Time now, sim::Time dt, const std::vector<double>& rack_w,
            const std::span<const std::uint32_t>* changed);

  bool has_site_ = false;
  bool has_thermal_ = false;  // some zone has a data hall (set as zones are added)
  std::unique_ptr<environment::Site> site_;
  std::unique_ptr<power::PowerChain> chain_;
  // A cooling zone: a plant, its data hall (null for fixed-pue) and the racks they serve; the
  // plant's power and flows hold between control steps.
  struct Zone {
    std::string name;                  // "" the shared zone, else the pool's
    std::vector<std::uint32_t> racks;  // the cluster's racks it serves, in order
    std::unique_ptr<cooling::CoolingPlant> plant;
    std::unique_ptr<cooling::DataHall> hall;
    double it_w = 0, chip_w = 0;  // IT and accelerator power of its racks now
    double cooling_w = 0, rejected_w = 0, water_m3_per_s = 0, unmet_w = 0;
    std::array<double, cooling::component_count> component_w{};
    double supply_air_c = 24.0;
    double crah_airflow_ratio = std::numeric_limits<double>::quiet_NaN();  // CRAH / server flow
    bool hall_powers_set = false;  // the data hall has had every rack's power once
    bool every_rack = false;       // racks[i] = i for each of the cluster's racks
    double reported_c = 24.0;      // without a hall: take_moved_inlets()'s reported inlet
    ZoneTotals totals;
  };
  void add_zone(std::string name, std::vector<std::uint32_t> racks,
                std::unique_ptr<cooling::CoolingPlant> plant,
                const std::optional<cooling::HallLayout>& layout, double rack_design_power_w,
                double initial_supply_c);
  // Steps zone `z`'s plant and hall (`room_w`: the white-space losses it takes); returns
  // whether its plant fell short.
  bool step_zone(std::size_t z, sim::Time now, double dt_s, double room_w,
                 const std::vector<double>& rack_w, const std::span<const std::uint32_t>* changed);

  std::vector<Zone> zones_;                // the shared zone first, then the pools' in order
  std::vector<std::uint32_t> rack_zone_;   // zone of each rack
  std::vector<std::uint32_t> rack_local_;  // its index in the zone's hall
  std::vector<std::uint32_t> pool_zone_;   // zone of each pool (empty: every pool in zone 0)
  std::optional<power::BatterySpec> battery_spec_;
  std::unique_ptr<power::Battery> battery_;
  std::optional<double> meter_target_w_;
  std::unique_ptr<power::SupportLoads> support_;

  // Current piecewise-constant state.
  double it_w_ = 0, chip_w_ = 0, cooling_w_ = 0, pv_available_w_ = 0, battery_w_ = 0;
  std::array<double, cooling::component_count> component_w_{};  // Σ over the zones
  double water_m3_per_s_ = 0, unmet_w_ = 0;
  double plant_rejected_w_ = 0, room_cooling_w_ = 0, block_heater_w_ = 0;
  sim::CarbonIntensity carbon_{0};
  sim::UsdPerJoule price_{0};
  // step() reads the carbon intensity and the price again from these instants on (the next
  // hour of their series): between, they are the same values.
  sim::Time carbon_until_ = sim::Time::zero(), price_until_ = sim::Time::zero();
  // Grid imports × carbon intensity and net energy × price (power/grid.hpp).
  power::GridMeter meter_;
  power::DemandMeter demand_;
  double supply_air_c_ = 24.0;  // the first zone's (the design's without a plant)
  power::ChainBreakdown breakdown_;
  environment::Conditions outdoor_;
  double peak_facility_w_ = 0;
  mutable double max_inlet_c_ = -1e300;
  mutable std::vector<double> inlet_c_;  // inlets_c()
  mutable bool inlets_taken_ = false;    // inlet_c_ holds the inlets since the last step
  std::vector<int> moved_local_;         // work: take_moved_inlets()
  double settle_from_j_ = 0;             // the battery's charge the settlement returns it to
  mutable double hottest_c_s_ = 0, hottest_s_ = 0;
  // The last step's length while its hottest inlet is not added yet (< 0: none).
  mutable double hottest_due_s_ = -1;
  // ∫ CRAH supply, its bypass, the servers' airflow and their recirculated share, m³.
  double crah_m3_ = 0, bypass_m3_ = 0, server_m3_ = 0, recirculated_m3_ = 0;

  FacilityTotals totals_;
  sim::Time last_update_;
  std::optional<CapacityReport> over_capacity_;
};

}  // namespace joule::models::world
