#include "models/world/facility.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

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
  if (s.plant) {
    plant_ = std::move(s.plant);
    if (s.hall) {
      const cooling::HallLayout& layout = *s.hall;
      cooling::DataHallDesign hall;
      hall.racks = design.racks;
      hall.rack_recirculation = cooling::recirculation_profile(layout, design.racks);
      hall.rack_thermal_mass_j_per_k = layout.rack_thermal_mass_j_per_k;
      hall.rack_design_power_w = design.rack_design_power_w;
      hall.supply_c = design.initial_supply_c;
      hall_ = std::make_unique<cooling::DataHall>(hall);
    }
  }
  supply_air_c_ = design.initial_supply_c;
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

void Facility::fit_node(compute::NodeSpec& node) const {
  if (!plant_ || node.accelerator_settings.cooling != compute::Cooling::cold_plate) return;
  const cooling::LiquidCapture c = plant_->capture();
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

void Facility::update_to(sim::Time now) {
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
  t.pv_j += b.pv_w * dt_s;
  t.export_loss_j += b.export_loss_w * dt_s;
  t.exported_j += std::max(0.0, -b.grid_w) * dt_s;
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
  t.ledger.add(power::meter_flows(b, chain_ ? pv_available_w_ : 0.0), dt_s);
  demand_.add(last_update_, now, std::max(0.0, b.grid_w));
  t.elapsed_s += dt_s;
  t.price_s += price_.value() * dt_s;
  t.carbon_s += carbon_.value() * dt_s;
  t.co2e_kg = meter_.emissions_total().value();
  t.cost_usd = meter_.cost_total().value();
  t.water_m3 += water_m3_per_s_ * dt_s;
  t.unmet_heat_j += unmet_w_ * dt_s;
  last_update_ = now;
}

void Facility::set_it(sim::Time now, double it_w, double chip_w) {
  update_to(now);
  it_w_ = it_w;
  chip_w_ = chip_w;
  evaluate_chain();
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
  update_to(now);
  outdoor_ = site_->conditions(now);
  carbon_ = site_->carbon_intensity(now);
  price_ = site_->price(now);
  if (plant_) {
    cooling::PlantInputs in;
    in.chip_heat = sim::Watts(chip_w_);
    in.other_it_heat = sim::Watts(std::max(0.0, it_w_ - chip_w_));
    in.room_losses = sim::Watts(chain_ ? breakdown_.pdu_loss_w + support_->lighting_w() : 0.0);
    in.outdoor_drybulb = outdoor_.dry_bulb;
    in.outdoor_wetbulb = outdoor_.wet_bulb;
    in.outdoor_rh = outdoor_.relative_humidity;
    const cooling::PlantOutputs out = plant_->step(now, in);
    if (!std::isfinite(out.power.value()))
      throw std::runtime_error("cooling plant '" + plant_->type() + "' produced a non-finite " +
                               "power at t = " + sim::to_string(now));
    cooling_w_ = out.power.value();
    for (std::size_t i = 0; i < cooling::component_count; ++i)
      component_w_[i] = out.component_power[i].value();
    water_m3_per_s_ = out.water_use.value();
    plant_rejected_w_ = out.heat_rejected.value();
    unmet_w_ = out.unmet_heat.value();
    if (out.over_capacity) {
      if (!over_capacity_) over_capacity_ = CapacityReport{out.limiting_component, now, 0};
      ++over_capacity_->steps;
    }
    if (std::isfinite(out.supply_air.value)) supply_air_c_ = out.supply_air.value;
    if (out.server_airflow_m3_s > 0) {
      crah_m3_ += out.crah_airflow_m3_s * dt_s;
      server_m3_ += out.server_airflow_m3_s * dt_s;
      bypass_m3_ += std::max(0.0, out.crah_airflow_m3_s - out.server_airflow_m3_s) * dt_s;
      recirculated_m3_ += std::max(0.0, out.server_airflow_m3_s - out.crah_airflow_m3_s) * dt_s;
    }
    crah_airflow_ratio_ = out.server_airflow_m3_s > 0
                              ? out.crah_airflow_m3_s / out.server_airflow_m3_s
                              : std::numeric_limits<double>::quiet_NaN();
  }
  if (hall_) {
    hall_->set_supply(supply_air_c_);
    // The CRAHs follow the servers' airflow at the ratio the plant delivers (air_handler.hpp).
    if (crah_airflow_ratio_ > 0) hall_->set_airflow_ratio(crah_airflow_ratio_);
    if (changed && hall_powers_set_) {
      for (const std::uint32_t r : *changed) hall_->set_rack_power(static_cast<int>(r), rack_w[r]);
    } else {
      for (int r = 0; r < hall_->racks(); ++r)
        hall_->set_rack_power(r, rack_w[static_cast<std::size_t>(r)]);
      hall_powers_set_ = true;
    }
    hall_->step(dt_s);
    const double hottest_c = hall_->max_inlet_c();
    max_inlet_c_ = std::max(max_inlet_c_, hottest_c);
    hottest_c_s_ += hottest_c * dt_s;
    hottest_s_ += dt_s;
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

double Facility::inlet_c(int rack) const {
  return hall_ ? hall_->inlet_c(rack) : supply_air_c_;
}

double Facility::inlet_rise_k_per_w(int rack) const {
  return hall_ ? hall_->inlet_rise_k_per_w(rack) : 0.0;
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
