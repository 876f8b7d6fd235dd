// `air` cooling plant: CRAC units (fans + DX / air-cooled compressors) with an optional
// air-side economizer.
//
//   Q_coil  = Q_in + P_fans                       fans: air_handler.hpp
//   f_free  = air_economizer_fraction(...)        outdoor air takes f_free of the coil load, with
//             T_return = T_supply + Q/(ρ·cp·V_crah): CRAH bypass dilutes the return air
//   Q_mech  = (1 − f_free)·Q_coil,   P_comp = Q_mech / COP(T_out)      chiller.hpp
//   T_cond  = max(T_out + ΔT_cond, T_cond,min)  (head-pressure control: COP stops rising in
//             cold air)
//   P_cf    = k_cf · (Q_mech + P_comp)          condenser fans, per W rejected (estimate 0.02:
//             DX condenser fan motors ~0.1 hp per ton of heat rejected)
//   Q_rejected = f_free·Q_coil (exhaust air) + Q_mech + P_comp + P_cf (condenser air)
// Compressor capacity is the design heat × (1 + margin), independent of outdoor temperature
// (a simplification: real air-cooled capacity falls a few %/K above the rating point).
// Default COP 3.5 at 35 °C outdoor: estimate for data-center CRAC units (AHRI 1360 SCOP of
// current units is 2.5–4 including fans; compressors alone are higher).
#include <cmath>
#include <limits>
#include <memory>

#include "models/cooling/air_handler.hpp"
#include "models/cooling/chiller.hpp"
#include "models/cooling/plant.hpp"
#include "models/cooling/plant_common.hpp"
#include "models/cooling/properties.hpp"

namespace joule::models::cooling {

namespace {

struct AirPlantSpec {
  detail::AirSideSpec air;
  AirCooledChillerDesign compressor;
  double condenser_fan_power = 0.02;
  bool economizer = false;
  AirEconomizerLimits limits;
};

const sim::ModelDoc& air_plant_doc() {
  static const sim::ModelDoc doc{
      "cooling", "air",
      "CRAC units: fans and DX/air-cooled compressors (COP falls with outdoor temperature), "
      "optional air-side economizer",
      detail::concat(
          detail::air_side_keys(),
          {
              {"cop", "number", "3.5", "compressor COP at the rated outdoor temperature"},
              {"rated_outdoor", "degC", "35 degC", "outdoor temperature of the COP rating"},
              {"evaporating", "degC", "12 degC", "refrigerant evaporating temperature"},
              {"condenser_delta_t", "K", "15 K", "condensing minus outdoor air temperature"},
              {"cop_max", "number", "10", "COP ceiling at small temperature lift"},
              {"min_condensing", "degC", "30 degC",
               "lowest condensing temperature (head-pressure control; estimate 27-35 degC)"},
              {"condenser_fan_power", "number", "0.02",
               "condenser fan power per W of heat rejected by the DX units (estimate)"},
              {"economizer", "string", "none", "none or air-side"},
              {"economizer_margin", "K", "2 K",
               "outdoor air must be this much colder than the air it replaces"},
              {"rh_min", "number", "20 %", "lowest outdoor relative humidity for economizing"},
              {"rh_max", "number", "80 %", "highest outdoor relative humidity for economizing"},
          })};
  return doc;
}

AirPlantSpec air_plant_spec(const sim::ParamReader& r) {
  AirPlantSpec s;
  s.air = detail::air_side_spec(r);
  s.compressor.cop_rated = r.number("cop", sim::Range::positive());
  s.compressor.rated_outdoor_c = r.celsius("rated_outdoor", sim::Range::between(-20, 60)).value;
  s.compressor.evaporating_c = r.celsius("evaporating", sim::Range::between(-10, 30)).value;
  s.compressor.condenser_delta_k = r.kelvins("condenser_delta_t", sim::Range::positive()).value();
  s.compressor.cop_max = r.number("cop_max", sim::Range::positive());
  s.compressor.min_condensing_c = r.celsius("min_condensing", sim::Range::between(0, 60)).value;
  s.condenser_fan_power = r.number("condenser_fan_power", sim::Range::non_negative());
  if (s.compressor.rated_outdoor_c + s.compressor.condenser_delta_k <= s.compressor.evaporating_c)
    r.fail("evaporating", "must be below rated_outdoor + condenser_delta_t");
  s.economizer = r.choice("economizer", {"none", "air-side"}) == "air-side";
  s.limits.margin_k = r.kelvins("economizer_margin", sim::Range::non_negative()).value();
  s.limits.rh_min = r.number("rh_min", sim::Range::unit_interval());
  s.limits.rh_max = r.number("rh_max", sim::Range::unit_interval());
  if (s.limits.rh_max < s.limits.rh_min) r.fail("rh_max", "must be >= rh_min");
  return s;
}

class AirPlant final : public CoolingPlant {
public:
  AirPlant(const AirPlantSpec& spec, const PlantSizing& sizing)
      : spec_(spec),
        design_heat_w_(sizing.total().value() * (1 + spec.air.capacity_margin)),
        crah_(detail::air_handler_design(spec.air, design_heat_w_)),
        compressor_(spec.compressor),
        initial_supply_c_(spec.air.supply_air.value) {}

  PlantOutputs step(sim::Time, const PlantInputs& in) override { return evaluate(in); }

  PlantOutputs evaluate(const PlantInputs& in) const override {
    PlantOutputs out;
    const double heat_in_w = in.heat_in().value();
    out.heat_in = sim::Watts(heat_in_w);
    const double supply_c = spec_.air.supply_air.value;
    const AirHandlerOperation fans = crah_.operate(heat_in_w);
    // The coil's return air: diluted by any bypass, Q/(ρ·cp·V_crah) above the supply.
    const double return_c =
        supply_c + (fans.airflow_m3_s > 0 ? fans.return_rise_k : spec_.air.air_delta_t.value());
    const double coil_w = heat_in_w - fans.unmet_heat_w + fans.fan_power_w;
    const double free = spec_.economizer
                            ? air_economizer_fraction(spec_.limits, in.outdoor_drybulb.value,
                                                      in.outdoor_rh, supply_c, return_c)
                            : 0.0;
    const double mech_demand_w = (1 - free) * coil_w;
    const double mech_w = std::min(mech_demand_w, design_heat_w_);
    const double unmet_w = fans.unmet_heat_w + (mech_demand_w - mech_w);
    const double compressor_w = mech_w / compressor_.cop(in.outdoor_drybulb.value);
    const double condenser_fans_w = spec_.condenser_fan_power * (mech_w + compressor_w);

    out[Component::crah_fans] = sim::Watts(fans.fan_power_w);
    out.crah_airflow_m3_s = fans.airflow_m3_s;
    out.server_airflow_m3_s = fans.server_airflow_m3_s;
    out[Component::chillers] = sim::Watts(compressor_w + condenser_fans_w);
    out.total_up();
    out.heat_rejected = sim::Watts(free * coil_w + mech_w + compressor_w + condenser_fans_w);
    out.free_cooling_fraction = coil_w > 0 ? free : 0.0;
    out.economizer = free >= 1  ? EconomizerMode::full
                     : free > 0 ? EconomizerMode::partial
                                : EconomizerMode::off;
    out.unmet_heat = sim::Watts(unmet_w);
    out.over_capacity = unmet_w > 0;
    if (fans.over_capacity)
      out.limiting_component = "crah_fans";
    else if (mech_demand_w > mech_w)
      out.limiting_component = "chillers";
    const double rate_w_per_k = crah_.design_airflow_m3_s() * rho_air_kg_per_m3 * cp_air_j_per_kg_k;
    out.supply_air = sim::Celsius{detail::warmed_by_unmet(supply_c, unmet_w, rate_w_per_k)};
    out.facility_water = sim::Celsius{std::numeric_limits<double>::quiet_NaN()};
    return out;
  }

  const std::string& type() const override { return air_plant_doc().name; }

  // The supply air within the recommended inlet range (the DX units' evaporating temperature is
  // a fixed key, so moving it changes economizer hours and inlets, not the compressor COP).
  Setpoints setpoints() const override { return {spec_.air.supply_air.value, nan_c}; }
  Setpoints setpoint_min() const override {
    return {std::min(controller_supply_air_min_c, initial_supply_c_), nan_c};
  }
  Setpoints setpoint_max() const override {
    return {std::max(controller_supply_air_max_c, initial_supply_c_), nan_c};
  }
  Setpoints set_setpoints(const Setpoints& want) override {
    const Setpoints held =
        detail::clamp_setpoints(want, setpoints(), setpoint_min(), setpoint_max());
    spec_.air.supply_air = sim::Celsius{held.supply_air_c};
    return held;
  }

private:
  static constexpr double nan_c = std::numeric_limits<double>::quiet_NaN();
  AirPlantSpec spec_;
  double design_heat_w_;
  AirHandler crah_;
  AirCooledChiller compressor_;
  double initial_supply_c_;  // the scenario's supply air
};

const bool registered = CoolingPlantRegistry::add(
    air_plant_doc(), [](const sim::ParamReader& r, const PlantSizing& sizing) {
      return std::make_unique<AirPlant>(air_plant_spec(r), sizing);
    });

}  // namespace

}  // namespace joule::models::cooling
