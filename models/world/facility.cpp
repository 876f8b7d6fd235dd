#include "models/world/facility.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "models/cooling/data_hall.hpp"
#include "models/cooling/liquid_cooling.hpp"
#include "models/power/battery.hpp"

namespace joule::models::world {

namespace {
// Design cooling load the power chain is sized for (it matters only with cooling_on_ups): half
// the design IT load, the worst case of an air-cooled hall on a hot day (a peak PUE of ~1.5;
// an estimate, not a measured figure).
constexpr double design_cooling_per_it = 0.5;
// Demand interval of the peak-import meter: 15 min, the demand interval of most US commercial
// and industrial tariffs (e.g. PG&E E-20, Dominion GS-4).
const sim::Time demand_interval = sim::minutes(15);
}  // namespace

Facility::Facility(FacilitySpec s, const FacilityDesign& design)
    : demand_(demand_interval, [this](sim::Time t) {
        const environment::CivilTime c = site_->local_time(t);
        return c.year * 12 + c.month - 1;
      }) {
  has_site_ = s.has_site;
  site_ = std::move(s.site);
  if (s.power_chain) {
    const power::PowerChainSpec& spec = *s.power_chain;
    chain_ = std::make_unique<power::PowerChain>(spec, sim::Watts(design.it_w),
                                                 sim::Watts(design_cooling_per_it * design.it_w));
    if (spec.battery) battery_spec_ = *spec.battery;
    support_ = std::make_unique<power::SupportLoads>(spec.support, design.it_w, design.racks);
  }
  if (s.plant || !s.pool_cooling.empty()) {
    rack_zone_.assign(static_cast<std::size_t>(design.racks), 0);
    rack_local_.assign(static_cast<std::size_t>(design.racks), 0);
    const auto racks_of = [](const PoolDesign& p, std::vector<std::uint32_t>& out) {
      for (int r = 0; r < p.racks; ++r) out.push_back(static_cast<std::uint32_t>(p.first_rack) + r);
    };
    if (s.pool_cooling.empty()) {
      std::vector<std::uint32_t> all(static_cast<std::size_t>(design.racks));
      for (std::size_t r = 0; r < all.size(); ++r) all[r] = static_cast<std::uint32_t>(r);
      add_zone("", std::move(all), std::move(s.plant), s.hall, design.rack_design_power_w,
               design.initial_supply_c);
    } else {
      std::vector<char> own(design.pools.size(), 0);
      for (const PoolCoolingSpec& c : s.pool_cooling) own.at(c.pool) = 1;
      pool_zone_.assign(design.pools.size(), 0);
      if (s.plant) {
        std::vector<std::uint32_t> racks;
        double rack_design_w = 0;
        for (std::size_t p = 0; p < design.pools.size(); ++p)
          if (!own[p]) {
            racks_of(design.pools[p], racks);
            rack_design_w = std::max(rack_design_w, design.pools[p].rack_design_power_w);
          }
        add_zone("", std::move(racks), std::move(s.plant), s.hall, rack_design_w,
                 design.initial_supply_c);
      }
      for (PoolCoolingSpec& c : s.pool_cooling) {
        const PoolDesign& pool = design.pools[c.pool];
        std::vector<std::uint32_t> racks;
        racks_of(pool, racks);
        pool_zone_[c.pool] = static_cast<std::uint32_t>(zones_.size());
        add_zone(pool.name, std::move(racks), std::move(c.plant), c.hall, pool.rack_design_power_w,
                 design.initial_supply_c);
      }
    }
  }
  supply_air_c_ = design.initial_supply_c;
  inlet_c_.resize(static_cast<std::size_t>(design.racks));
  outdoor_ = site_->conditions(sim::Time::zero());
  carbon_ = site_->carbon_intensity(sim::Time::zero());
  price_ = site_->price(sim::Time::zero());
  if (battery_spec_) {
    battery_ = std::make_unique<power::Battery>(*battery_spec_);
    settle_from_j_ = battery_->stored_j();
  }
  evaluate_chain();
}

Facility::~Facility() = default;

void Facility::add_zone(std::string name, std::vector<std::uint32_t> racks,
                        std::unique_ptr<cooling::CoolingPlant> plant,
                        const std::optional<cooling::HallLayout>& layout,
                        double rack_design_power_w, double initial_supply_c) {
  Zone z;
  z.name = std::move(name);
  z.racks = std::move(racks);
  z.plant = std::move(plant);
  const int n = static_cast<int>(z.racks.size());
  if (layout) {
    cooling::DataHallDesign hall;
    hall.racks = n;
    hall.rack_recirculation = cooling::recirculation_profile(*layout, n);
    hall.rack_thermal_mass_j_per_k = layout->rack_thermal_mass_j_per_k;
    hall.rack_design_power_w = rack_design_power_w;
    hall.supply_c = initial_supply_c;
    z.hall = std::make_unique<cooling::DataHall>(hall);
  }
  z.supply_air_c = z.reported_c = initial_supply_c;
  z.totals.name = z.name;
  z.totals.racks = n;
  z.every_rack = z.racks.size() == rack_zone_.size();
  for (std::size_t i = 0; i < z.racks.size(); ++i) {
    rack_zone_.at(z.racks[i]) = static_cast<std::uint32_t>(zones_.size());
    rack_local_[z.racks[i]] = static_cast<std::uint32_t>(i);
    z.every_rack = z.every_rack && z.racks[i] == i;
  }
  has_thermal_ = has_thermal_ || z.hall != nullptr;
  zones_.push_back(std::move(z));
}

cooling::Setpoints Facility::set_cooling_setpoints(const cooling::Setpoints& want) {
  cooling::Setpoints first;
  for (std::size_t z = 0; z < zones_.size(); ++z) {
    const cooling::Setpoints held = zones_[z].plant->set_setpoints(want);
    if (z == 0) first = held;
  }
  return first;
}

std::vector<Facility::ZoneTotals> Facility::zone_totals() const {
  std::vector<ZoneTotals> out;
  for (const Zone& z : zones_) out.push_back(z.totals);
  if (zones_.size() == 1) {  // update_to() keeps these in the facility's totals alone
    ZoneTotals& zt = out.front();
    zt.it_j = totals_.it_j;
    zt.component_j = totals_.component_j;
    zt.water_m3 = totals_.water_m3;
    zt.unmet_heat_j = totals_.unmet_heat_j;
  }
  return out;
}

void Facility::fit_node(compute::NodeSpec& node, std::size_t pool) const {
  if (zones_.empty() || node.accelerator_settings.cooling != compute::Cooling::cold_plate) return;
  const Zone& zone = zones_[pool_zone_.empty() ? 0 : pool_zone_.at(pool)];
  const cooling::LiquidCapture c = zone.plant->capture();
  if (!std::isfinite(c.coolant_c)) return;
  node.coolant_c = c.coolant_c;
  if (node.type->cooling != compute::Cooling::air) return;  // designed for liquid already
  const compute::NodeType& t = *node.type;
  const double chip_max_w = node.accelerators * node.accelerator->tdp_w.value;
  const double other_max_w =
      t.cpu_max_w.value + t.dram_max_w.value + t.nic_max_w.value + t.other_max_w.value;
  node.fan_max_w *=
      cooling::cold_plate_fan_scale(chip_max_w, other_max_w, c.chip_fraction, c.other_fraction);
}

void Facility::evaluate_chain() {
  if (chain_) {
    const double other_w = chain_->other_load_w() + support_->lighting_w() + block_heater_w_;
    breakdown_ = chain_->evaluate_limited(it_w_, cooling_w_ + room_cooling_w_, other_w,
                                          pv_available_w_, battery_w_);
  } else {
    breakdown_ = power::ChainBreakdown{};
    breakdown_.it_w = it_w_;
    breakdown_.cooling_w = cooling_w_;
    breakdown_.grid_w = it_w_ + cooling_w_;
  }
  peak_facility_w_ = std::max(peak_facility_w_, breakdown_.facility_w());
  totals_.ledger.peak_import_w = std::max(totals_.ledger.peak_import_w, breakdown_.grid_w);
}

std::optional<double> Facility::battery_peak_shave_above() const {
  if (!battery_ || !battery_->spec().peak_shave_above) return std::nullopt;
  return battery_->spec().peak_shave_above->value();
}

void Facility::accumulate_to(sim::Time now) {
  const double dt_s = (now - last_update_).seconds();
  if (dt_s <= 0) return;
  FacilityTotals& t = totals_;
  const power::ChainBreakdown& b = breakdown_;
  t.it_j += b.it_w * dt_s;
  t.facility_j += b.facility_w() * dt_s;
  t.grid_j += b.grid_w * dt_s;
  t.cooling_j += b.cooling_w * dt_s;
  t.losses_j += b.losses_w() * dt_s;
  t.other_j += b.other_w * dt_s;
  // Without PV (available or used), battery power, export loss or export now, the PV, export
  // and battery flows are all 0 (max(0, −grid) included): a total, a sum from +0 that is never
  // −0, plus ±0 is itself, bit for bit, so they are left as they are.
  const double pv_available_w = chain_ ? pv_available_w_ : 0.0;
  const bool flows_move =
      ((std::bit_cast<std::uint64_t>(b.pv_w) | std::bit_cast<std::uint64_t>(b.export_loss_w) |
        std::bit_cast<std::uint64_t>(b.battery_w) | std::bit_cast<std::uint64_t>(pv_available_w))
       << 1) != 0 ||
      !(b.grid_w >= 0);
  if (flows_move) {
    t.pv_j += b.pv_w * dt_s;
    t.export_loss_j += b.export_loss_w * dt_s;
    t.exported_j += std::max(0.0, -b.grid_w) * dt_s;
  }
  t.room_cooling_j += room_cooling_w_ * dt_s;
  t.lighting_j += (support_ ? support_->lighting_w() : 0.0) * dt_s;
  t.block_heater_j += block_heater_w_ * dt_s;
  t.heat_rejected_j += heat_rejected_w() * dt_s;
  if (chain_ && (b.ups_unit_load_fraction > 1.0 || b.transformer_load_fraction > 1.0))
    t.overload_s += dt_s;
  if (battery_ && battery_->spec().peak_shave_above) {
    const double over_w = b.grid_w - battery_->spec().peak_shave_above->value();
    if (over_w > 0) {
      t.above_shave_s += dt_s;
      t.above_shave_j += over_w * dt_s;
    }
  }
  t.stage_j[0] += b.pdu_loss_w * dt_s;
  t.stage_j[1] += b.ups_loss_w * dt_s;
  t.stage_j[2] += b.transformer_loss_w * dt_s;
  for (std::size_t i = 0; i < cooling::component_count; ++i)
    t.component_j[i] += component_w_[i] * dt_s;
  meter_.add(sim::Joules(b.grid_w * dt_s), carbon_, price_);
  if (flows_move)
    t.ledger.add(power::meter_flows(b, pv_available_w), dt_s);
  else
    t.ledger.import_j += std::max(0.0, b.grid_w) * dt_s;
  demand_.add(last_update_, now, std::max(0.0, b.grid_w));
  t.elapsed_s += dt_s;
  t.price_s += price_.value() * dt_s;
  t.carbon_s += carbon_.value() * dt_s;
  t.co2e_kg = meter_.emissions_total().value();
  t.cost_usd = meter_.cost_total().value();
  t.water_m3 += water_m3_per_s_ * dt_s;
  t.unmet_heat_j += unmet_w_ * dt_s;
  if (zones_.size() == 1) {
    // One zone: its IT, component, water and unmet-heat rates are the facility's (set_it() and
    // step() copy them; 0 + x adds x, or +0 for −0, the same to a total), so zone_totals()
    // reads those totals from the facility's. Its cooling is the plant's alone (the facility's
    // adds the rooms' DX units).
    zones_.front().totals.cooling_j += zones_.front().cooling_w * dt_s;
  } else {
    for (Zone& z : zones_) {
      ZoneTotals& zt = z.totals;
      zt.it_j += z.it_w * dt_s;
      zt.cooling_j += z.cooling_w * dt_s;
      for (std::size_t i = 0; i < cooling::component_count; ++i)
        zt.component_j[i] += z.component_w[i] * dt_s;
      zt.water_m3 += z.water_m3_per_s * dt_s;
      zt.unmet_heat_j += z.unmet_w * dt_s;
    }
  }
  last_update_ = now;
}

void Facility::set_it(sim::Time now, double it_w, double chip_w, std::span<const double> pool_it_w,
                      std::span<const double> pool_chip_w) {
  update_to(now);
  // Of what changes here the chain reads the IT power alone (the zones' shares go to the plants
  // at the next step), and the breakdown is always that of the present state (each step ends by
  // evaluating it): the same power, bit for bit, gives the same breakdown. About half the calls
  // at 10k GPUs bring the power unchanged.
  const bool chain_moves =
      std::bit_cast<std::uint64_t>(it_w) != std::bit_cast<std::uint64_t>(it_w_);
  it_w_ = it_w;
  chip_w_ = chip_w;
  if (zones_.size() == 1) {
    zones_.front().it_w = it_w;
    zones_.front().chip_w = chip_w;
  } else if (zones_.size() > 1) {
    if (pool_it_w.size() != pool_zone_.size() || pool_chip_w.size() != pool_zone_.size())
      throw std::logic_error("Facility::set_it: several cooling zones need each pool's power");
    for (Zone& z : zones_) z.it_w = z.chip_w = 0;
    double pools_w = 0;
    for (std::size_t p = 0; p < pool_zone_.size(); ++p) {
      Zone& z = zones_[pool_zone_[p]];
      z.it_w += pool_it_w[p];
      z.chip_w += pool_chip_w[p];
      pools_w += pool_it_w[p];
    }
    zones_.front().it_w += std::max(0.0, it_w - pools_w);  // switches, storage
  }
  if (chain_moves) evaluate_chain();
}

void Facility::control_step(sim::Time now, sim::Time dt, const std::vector<double>& rack_w) {
  step(now, dt, rack_w, nullptr);
}

void Facility::control_step(sim::Time now, sim::Time dt, const std::vector<double>& rack_w,
                            std::span<const std::uint32_t> changed) {
  step(now, dt, rack_w, &changed);
}

void Facility::step(sim::Time now, sim::Time dt, const std::vector<double>& rack_w,
                    const std::span<const std::uint32_t>* changed) {
  const double dt_s = dt.seconds();
  settle_hottest();
  update_to(now);
  outdoor_ = site_->conditions(now);
  if (now >= carbon_until_) {
    carbon_ = site_->carbon_intensity(now);
    carbon_until_ = site_->carbon().next_change(now);
  }
  if (now >= price_until_) {
    price_ = site_->price(now);
    price_until_ = site_->price_next_change(now);
  }
  if (!zones_.empty()) {
    // White-space losses (PDU losses, lighting) go to the zones in proportion to their IT.
    const double room_w = chain_ ? breakdown_.pdu_loss_w + support_->lighting_w() : 0.0;
    cooling_w_ = water_m3_per_s_ = plant_rejected_w_ = unmet_w_ = 0;
    component_w_ = {};
    bool over = false;
    for (std::size_t z = 0; z < zones_.size(); ++z) {
      const Zone& zone = zones_[z];
      const double zone_room_w =
          zones_.size() == 1 ? room_w : (it_w_ > 0 ? room_w * zone.it_w / it_w_ : 0.0);
      over = step_zone(z, now, dt_s, zone_room_w, rack_w, changed) || over;
      cooling_w_ += zone.cooling_w;
      for (std::size_t i = 0; i < cooling::component_count; ++i)
        component_w_[i] += zone.component_w[i];
      water_m3_per_s_ += zone.water_m3_per_s;
      plant_rejected_w_ += zone.rejected_w;
      unmet_w_ += zone.unmet_w;
    }
    if (over) ++over_capacity_->steps;
    supply_air_c_ = zones_.front().supply_air_c;
    inlets_taken_ = false;
    // Each hall's hottest inlet: read by take_moved_inlets() or the next reader (settle_hottest).
    if (has_thermal_) hottest_due_s_ = dt_s;
  }
  if (chain_) {
    const double tx_loss_w = breakdown_.transformer_loss_w + breakdown_.export_loss_w;
    room_cooling_w_ =
        support_->room_cooling_w(breakdown_.ups_loss_w, tx_loss_w, chain_->other_load_w());
    block_heater_w_ = support_->block_heaters_w(outdoor_.dry_bulb.value);
    pv_available_w_ = chain_->pv_w(outdoor_.ghi.value());
    if (battery_) {
      // Price and carbon dispatch look at the coming window's hourly values (known exactly).
      const power::DispatchMode mode = battery_spec_->dispatch;
      double signal = 0;
      std::vector<double> forecast;
      if (mode == power::DispatchMode::price || mode == power::DispatchMode::carbon) {
        const auto value = [&](sim::Time t) {
          return mode == power::DispatchMode::price ? site_->price(t).value()
                                                    : site_->carbon_intensity(t).value();
        };
        signal = value(now);
        for (sim::Time t = now; t < now + battery_spec_->window; t += sim::hours(1))
          forecast.push_back(value(t));
      }
      const double demand_w = breakdown_.facility_w() - pv_available_w_;
      double request_w =
          power::dispatch_request_w(mode, battery_spec_->limits(), demand_w, signal, forecast);
      if (meter_target_w_) {
        // Demand response: the meter at the target. The meter moves by the battery's power and
        // the transformer's loss on it: one secant step from the first guess finds it.
        const double other_w = chain_->other_load_w() + support_->lighting_w() + block_heater_w_;
        const auto meter_w = [&](double battery_w) {
          return chain_
              ->evaluate(it_w_, cooling_w_ + room_cooling_w_, other_w, pv_available_w_, battery_w)
              .grid_w;
        };
        const double guess_w = std::max(0.0, demand_w - *meter_target_w_);
        const double m0 = meter_w(0.0), m1 = meter_w(guess_w);
        const double need_w =
            m0 - m1 > 1e-9 ? guess_w * (m0 - *meter_target_w_) / (m0 - m1) : guess_w;
        request_w = std::max(request_w, need_w);
      }
      battery_w_ = battery_->step(dt_s, request_w).power_w;
    }
  }
  evaluate_chain();
}

void Facility::settle_hottest() const {
  if (hottest_due_s_ < 0) return;
  // Each hall's hottest inlet, read one rack per class of racks in the same state.
  double hottest_c = -std::numeric_limits<double>::infinity();
  for (const Zone& zone : zones_)
    if (zone.hall) hottest_c = std::max(hottest_c, zone.hall->max_inlet_c());
  add_hottest(hottest_c);
}

void Facility::add_hottest(double hottest_c) const {
  max_inlet_c_ = std::max(max_inlet_c_, hottest_c);
  hottest_c_s_ += hottest_c * hottest_due_s_;
  hottest_s_ += hottest_due_s_;
  hottest_due_s_ = -1;
}

bool Facility::step_zone(std::size_t z, sim::Time now, double dt_s, double room_w,
                         const std::vector<double>& rack_w,
                         const std::span<const std::uint32_t>* changed) {
  Zone& zone = zones_[z];
  cooling::PlantInputs in;
  in.chip_heat = sim::Watts(zone.chip_w);
  in.other_it_heat = sim::Watts(std::max(0.0, zone.it_w - zone.chip_w));
  in.room_losses = sim::Watts(room_w);
  in.outdoor_drybulb = outdoor_.dry_bulb;
  in.outdoor_wetbulb = outdoor_.wet_bulb;
  in.outdoor_rh = outdoor_.relative_humidity;
  const cooling::PlantOutputs out = zone.plant->step(now, in);
  if (!std::isfinite(out.power.value()))
    throw std::runtime_error("cooling plant '" + zone.plant->type() + "' produced a non-finite " +
                             "power at t = " + sim::to_string(now));
  zone.cooling_w = out.power.value();
  for (std::size_t i = 0; i < cooling::component_count; ++i)
    zone.component_w[i] = out.component_power[i].value();
  zone.water_m3_per_s = out.water_use.value();
  zone.rejected_w = out.heat_rejected.value();
  zone.unmet_w = out.unmet_heat.value();
  if (out.over_capacity && !over_capacity_) {
    std::string component(out.limiting_component);
    if (!zone.name.empty()) component += " of pool '" + zone.name + "'";
    over_capacity_ = CapacityReport{std::move(component), now, 0};
  }
  if (std::isfinite(out.supply_air.value)) zone.supply_air_c = out.supply_air.value;
  if (out.server_airflow_m3_s > 0) {
    crah_m3_ += out.crah_airflow_m3_s * dt_s;
    server_m3_ += out.server_airflow_m3_s * dt_s;
    bypass_m3_ += std::max(0.0, out.crah_airflow_m3_s - out.server_airflow_m3_s) * dt_s;
    recirculated_m3_ += std::max(0.0, out.server_airflow_m3_s - out.crah_airflow_m3_s) * dt_s;
  }
  zone.crah_airflow_ratio = out.server_airflow_m3_s > 0
                                ? out.crah_airflow_m3_s / out.server_airflow_m3_s
                                : std::numeric_limits<double>::quiet_NaN();
  if (zone.hall) {
    cooling::DataHall& hall = *zone.hall;
    hall.set_supply(zone.supply_air_c);
    // The CRAHs follow the servers' airflow at the ratio the plant delivers (air_handler.hpp).
    if (zone.crah_airflow_ratio > 0) hall.set_airflow_ratio(zone.crah_airflow_ratio);
    if (changed && zone.hall_powers_set && zone.every_rack) {
      // Rack r is the hall's rack r: no look-up of its zone and place.
      hall.set_rack_powers(*changed, rack_w);
    } else if (changed && zone.hall_powers_set) {
      for (const std::uint32_t r : *changed)
        if (rack_zone_[r] == z) hall.set_rack_power(static_cast<int>(rack_local_[r]), rack_w[r]);
    } else {
      for (std::size_t i = 0; i < zone.racks.size(); ++i)
        hall.set_rack_power(static_cast<int>(i), rack_w[zone.racks[i]]);
      zone.hall_powers_set = true;
    }
    hall.step(dt_s);
  }
  return out.over_capacity;
}

double Facility::heat_rejected_w() const {
  if (!chain_) return plant_rejected_w_;
  const power::ChainBreakdown& b = breakdown_;
  const double tx_loss_w = b.transformer_loss_w + b.export_loss_w;
  const bool indoor = support_->spec().transformer_indoor;
  return plant_rejected_w_ +
         support_->room_heat_w(b.ups_loss_w, tx_loss_w, chain_->other_load_w()) + room_cooling_w_ +
         (indoor ? 0.0 : tx_loss_w) + block_heater_w_;
}

double Facility::facility_power_at(double it_w) const {
  const double cooling_w = it_w_ > 0 ? cooling_w_ * it_w / it_w_ : cooling_w_;
  if (!chain_) return it_w + cooling_w;
  const double other_w = chain_->other_load_w() + support_->lighting_w() + block_heater_w_;
  return chain_->evaluate(it_w, cooling_w + room_cooling_w_, other_w, pv_available_w_, battery_w_)
      .facility_w();
}

std::optional<double> Facility::demand_charge_usd() const {
  const auto& rate = site_->tariff().demand_charge;
  if (!rate) return std::nullopt;
  double usd = 0;
  const auto& covered = demand_.covered_s();
  for (const auto& [month, peak_w] : demand_.peaks_w(last_update_)) {
    const int year = month / 12, m = month % 12 + 1;
    const double month_s = environment::days_in_month(year, m) * 86400.0;
    const auto it = covered.find(month);
    const double covered_s = it == covered.end() ? 0.0 : it->second;
    usd += rate->value() * peak_w * covered_s / month_s;
  }
  return usd;
}

void Facility::reset_accounts(sim::Time now) {
  update_to(now);
  totals_ = FacilityTotals{};
  meter_ = power::GridMeter{};
  demand_.restart(now);
  peak_facility_w_ = breakdown_.facility_w();
  totals_.ledger.peak_import_w = breakdown_.grid_w;
  max_inlet_c_ = -1e300;
  hottest_c_s_ = hottest_s_ = 0;
  hottest_due_s_ = -1;  // the last step's, added before the reset, would be dropped with it
  for (Zone& z : zones_) z.totals = ZoneTotals{z.name, static_cast<int>(z.racks.size())};
  if (battery_) settle_from_j_ = battery_->stored_j();
}

BatterySettlement Facility::battery_settlement() const {
  BatterySettlement s;
  if (!battery_ || !(totals_.elapsed_s > 0)) return s;
  s.energy_j =
      power::battery_settlement_j(settle_from_j_, battery_->stored_j(),
                                  battery_->charge_efficiency(), battery_->discharge_efficiency());
  s.cost_usd = s.energy_j * totals_.price_s / totals_.elapsed_s;
  s.co2e_kg = s.energy_j * totals_.carbon_s / totals_.elapsed_s;
  return s;
}

std::span<const double> Facility::inlets_c() const {
  if (inlets_taken_) return inlet_c_;
  inlets_taken_ = true;
  copy_inlets_c(inlet_c_);
  return inlet_c_;
}

void Facility::copy_inlets_c(std::span<double> out) const {
  if (out.size() != inlet_c_.size())
    throw std::invalid_argument("Facility::copy_inlets_c: " + std::to_string(out.size()) +
                                " places for " + std::to_string(inlet_c_.size()) + " racks");
  if (zones_.empty()) {
    std::fill(out.begin(), out.end(), supply_air_c_);
    return;
  }
  for (const Zone& z : zones_) {
    if (z.hall && z.every_rack)  // rack i is the hall's rack i: no look-up of its place
      z.hall->for_each_inlet([to = out.data()](int i, double inlet_c) { to[i] = inlet_c; });
    else if (z.hall)
      z.hall->for_each_inlet(
          [&](int i, double inlet_c) { out[z.racks[static_cast<std::size_t>(i)]] = inlet_c; });
    else
      for (const std::uint32_t r : z.racks) out[r] = z.supply_air_c;
  }
}

void Facility::take_moved_inlets(double tol_k, std::vector<std::uint32_t>& racks) {
  const std::size_t first = racks.size();
  double hottest_c = -std::numeric_limits<double>::infinity();  // as settle_hottest() reads it
  for (Zone& z : zones_) {
    if (z.hall) {
      moved_local_.clear();
      hottest_c = std::max(hottest_c, z.hall->take_moved_inlets(tol_k, moved_local_));
      for (const int i : moved_local_) racks.push_back(z.racks[static_cast<std::size_t>(i)]);
    } else if (!(std::fabs(z.supply_air_c - z.reported_c) <= tol_k)) {
      // Every rack of a zone without a hall breathes its supply air: one report for all.
      z.reported_c = z.supply_air_c;
      racks.insert(racks.end(), z.racks.begin(), z.racks.end());
    }
  }
  if (zones_.size() > 1) std::sort(racks.begin() + static_cast<std::ptrdiff_t>(first), racks.end());
  if (hottest_due_s_ >= 0) add_hottest(hottest_c);
}

double Facility::inlet_c(int rack) const {
  if (zones_.empty()) return supply_air_c_;
  if (zones_.front().every_rack)
    return zones_.front().hall ? zones_.front().hall->inlet_c(rack) : zones_.front().supply_air_c;
  const Zone& z = zones_[rack_zone_[static_cast<std::size_t>(rack)]];
  return z.hall ? z.hall->inlet_c(static_cast<int>(rack_local_[static_cast<std::size_t>(rack)]))
                : z.supply_air_c;
}

double Facility::inlet_rise_k_per_w(int rack) const {
  if (zones_.empty()) return 0.0;
  const Zone& z = zones_[rack_zone_[static_cast<std::size_t>(rack)]];
  return z.hall ? z.hall->inlet_rise_k_per_w(
                      static_cast<int>(rack_local_[static_cast<std::size_t>(rack)]))
                : 0.0;
}

sim::CarbonIntensity Facility::carbon_intensity_at(sim::Time t) const {
  return site_->carbon_intensity(t);
}

sim::UsdPerJoule Facility::price_at(sim::Time t) const {
  return site_->price(t);
}

double Facility::outdoor_drybulb_at(sim::Time t) const {
  return site_->conditions(t).dry_bulb.value;
}

}  // namespace joule::models::world
