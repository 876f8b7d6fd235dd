// `chilled-water` cooling plant: CRAHs on a chilled-water loop, water-cooled chillers (EIR
// model), open cooling towers, variable-flow pumps, optional water-side economizer.
//
// Heat path (each arrow adds the electric power of the component that drives it):
//   Q_in → CRAH coil (+ fans) → chilled water (+ CHW pump)
//        → HX share f (economizer) and chillers (1 − f) (+ compressors)
//        → condenser water (+ CW pump) → towers (+ tower fans) → outdoors
//   Q_rejected = Q_tower + P_tower fans
// Chilled water: supply setpoint T_chw,sup, return T_chw,sup + ΔT_chw (variable primary flow
// keeps ΔT). Towers (YorkCalc, cooling_tower.hpp) aim at max(T_wb + A_design, T_cond,min) with
// chillers alone, and at T_chw,sup − A_hx while economizing; condenser water entering the
// chillers = max(T_tower, T_cond,min). The economizer mode is judged on the tower's full-fan
// approach. Basin heaters (tower component) heat the basin water, which leaves outdoors.
// Sizing: design heat × (1 + margin) on the air and chilled-water side, × (1 + 1/COP_ref)
// on the condenser side; chillers: round(design / catalog capacity) duty units (≥ 1) of equal
// size, plus `chiller_redundancy` standby units.
// Water: tower make-up (cooling_tower.hpp).
// Temperature reset (`reset: load`, ASHRAE 90.1 §6.5.4.4 asks for chilled-water reset by load
// or outdoor temperature): at part load both the supply air and the chilled water rise,
// together, by
//   Δ_reset = span · (1 − clamp(Q_in / Q_design, 0, 1))      span: `reset_span`
// so the CRAH coil keeps its approach and the chillers lift less. The warmest supply air,
// supply_air + span, must stay within ASHRAE TC 9.9's recommended inlet range (≤ 27 °C); the
// racks' recirculation adds to it (data_hall.hpp). The chiller curves hold over the reset range:
// above their 8.89 °C fit the EIR follows the Carnot lift (chiller.hpp).
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>

#include "models/cooling/air_handler.hpp"
#include "models/cooling/chiller.hpp"
#include "models/cooling/cooling_tower.hpp"
#include "models/cooling/plant.hpp"
#include "models/cooling/plant_common.hpp"
#include "models/cooling/properties.hpp"
#include "models/cooling/pump.hpp"
#include "models/cooling/water_economizer.hpp"

namespace joule::models::cooling {

namespace {

struct ChilledWaterSpec {
  detail::AirSideSpec air;
  ChillerCurves chiller;  // the catalog's, with `chiller_cop` when set
  int redundancy = 1;
  double stage_up_plr = 0.9;
  sim::Celsius chw_supply{10};
  sim::Kelvins chw_delta_t{6};
  sim::Kelvins tower_approach{3.9};
  sim::Kelvins cw_delta_t{5.56};
  sim::Celsius tower_design_wetbulb{25.6};
  double tower_min_airflow = 0.2;
  double basin_heater_w_per_k_per_mw = 130;
  sim::Celsius basin_setpoint{2};
  double tower_fan_power = 0.0133;
  EvaporativeWater water;
  sim::Pascals chw_pump_head{245e3};
  sim::Pascals cw_pump_head{210e3};
  double pump_efficiency = 0.7;
  PumpControl pump_control = PumpControl::vsd_dp_reset;
  bool economizer = false;
  WaterEconomizerDesign wse;
  bool reset = false;
  sim::Kelvins reset_span{3};
};

// ASHRAE TC 9.9 (Thermal Guidelines for Data Processing Environments): recommended inlet range
// 18–27 °C for classes A1–A4.
constexpr double recommended_inlet_max_c = 27.0;

const sim::ModelDoc& chilled_water_doc() {
  static const sim::ModelDoc doc{
      "cooling", "chilled-water",
      "CRAHs, water-cooled chillers (EnergyPlus EIR curves), cooling towers, pumps, optional "
      "water-side economizer",
      detail::concat(
          detail::air_side_keys(),
          {
              {"chiller", "string", "york-yk-2159kw",
               "catalog chiller: york-yk-2159kw, trane-cvhe-1407kw-vsd"},
              {"chiller_cop", "number", "(from chiller)",
               "COP at the chiller's rated point, replacing the catalog's (6.85 York, 7.14 "
               "Trane); the curves' shape is kept, so the COP scales at every point"},
              {"chiller_redundancy", "integer", "1", "standby chillers beyond the duty units"},
              {"stage_up_plr", "number", "0.9",
               "add a chiller when the running ones would exceed this part-load ratio"},
              {"chw_supply", "degC", "10 degC", "chilled-water supply setpoint"},
              {"chw_delta_t", "K", "6 K", "chilled-water return minus supply"},
              {"tower_approach", "K", "3.9 K",
               "tower leaving water minus wet-bulb at design (EnergyPlus CoolingTower:"
               "VariableSpeed); off-design from the YorkCalc correlation"},
              {"tower_design_wetbulb", "degC", "25.6 degC",
               "outdoor wet-bulb the tower approach is specified at (EnergyPlus default)"},
              {"tower_min_airflow", "number", "0.2",
               "lowest tower fan speed before cycling (EnergyPlus default)"},
              {"basin_heater", "number", "130",
               "basin heater capacity, W per K below the setpoint per MW of design heat "
               "(estimate: ~10 kW per 3.5 MW cell sized for -18 degC)"},
              {"basin_setpoint", "degC", "2 degC",
               "outdoor dry-bulb below which the basin heaters run (EnergyPlus default)"},
              {"cw_delta_t", "K", "5.56 K", "condenser-water range at design"},
              {"tower_fan_power", "number", "0.0133",
               "tower fan power at design per W of heat rejected"},
              {"cycles_of_concentration", "number", "4", "tower cycles of concentration"},
              {"drift", "number", "0.001 %", "drift loss, fraction of circulating water"},
              {"latent_fraction", "number", "0.85",
               "share of tower heat rejected by evaporation (CTI rule of thumb: 0.00085 gpm "
               "evaporated per gpm and degF of range)"},
              {"chw_pump_head", "Pa", "245 kPa", "chilled-water pump head at design"},
              {"cw_pump_head", "Pa", "210 kPa", "condenser-water pump head at design"},
              {"pump_efficiency", "number", "0.7", "pump wire-to-water efficiency"},
              {"pump_control", "string", "vsd-dp-reset", "riding-curve, vsd or vsd-dp-reset"},
              {"economizer", "string", "none", "none or water-side"},
              {"hx_approach", "K", "1.5 K", "economizer heat-exchanger approach"},
              {"economizer_deadband", "K", "1 K", "economizer enable deadband"},
              {"economizer_dwell", "s", "20 min", "minimum time in an economizer mode"},
              {"reset", "string", "none",
               "none, or load: supply air and chilled water rise together at part load by "
               "reset_span x (1 - load / design load) (ASHRAE 90.1 6.5.4.4 reset by load)"},
              {"reset_span", "K", "3 K",
               "largest reset at zero load (estimate); supply_air + reset_span must stay within "
               "ASHRAE TC 9.9's recommended 27 degC inlet"},
          })};
  return doc;
}

ChilledWaterSpec chilled_water_spec(const sim::ParamReader& r) {
  ChilledWaterSpec s;
  s.air = detail::air_side_spec(r);
  s.chiller = *find_chiller(r.choice("chiller", chiller_names()));
  if (r.has("chiller_cop")) s.chiller.cop = r.number("chiller_cop", sim::Range::positive());
  s.redundancy = static_cast<int>(r.integer("chiller_redundancy", sim::Range::between(0, 100)));
  s.stage_up_plr = r.number("stage_up_plr", {0, 1, true, false});
  s.chw_supply = r.celsius("chw_supply", sim::Range::between(2, 25));
  s.chw_delta_t = r.kelvins("chw_delta_t", sim::Range::positive());
  s.tower_approach = r.kelvins("tower_approach", sim::Range::positive());
  s.cw_delta_t = r.kelvins("cw_delta_t", sim::Range::between(1.1, 22.2));
  s.tower_design_wetbulb = r.celsius("tower_design_wetbulb", sim::Range::between(-10, 26.7));
  s.tower_min_airflow = r.number("tower_min_airflow", {0, 1, false, true});
  s.basin_heater_w_per_k_per_mw = r.number("basin_heater", sim::Range::non_negative());
  s.basin_setpoint = r.celsius("basin_setpoint", sim::Range::between(-20, 20));
  s.tower_fan_power = r.number("tower_fan_power", sim::Range::non_negative());
  s.water.cycles_of_concentration = r.number("cycles_of_concentration", {1, 1e9, true, false});
  s.water.drift_fraction = r.number("drift", sim::Range::unit_interval());
  s.water.latent_fraction = r.number("latent_fraction", sim::Range::unit_interval());
  s.chw_pump_head = r.quantity<sim::Pascals>("chw_pump_head", sim::Range::non_negative());
  s.cw_pump_head = r.quantity<sim::Pascals>("cw_pump_head", sim::Range::non_negative());
  s.pump_efficiency = r.number("pump_efficiency", {0, 1, true, false});
  s.pump_control = pump_control_from_name(r.choice("pump_control", pump_control_names()));
  s.economizer = r.choice("economizer", {"none", "water-side"}) == "water-side";
  s.wse.hx_approach_k = r.kelvins("hx_approach", sim::Range::non_negative()).value();
  s.wse.deadband_k = r.kelvins("economizer_deadband", sim::Range::non_negative()).value();
  s.wse.min_dwell = r.duration("economizer_dwell");
  s.reset = r.choice("reset", {"none", "load"}) == "load";
  s.reset_span = r.kelvins("reset_span", sim::Range::non_negative());
  if (s.reset && s.air.supply_air.value + s.reset_span.value() > recommended_inlet_max_c)
    r.fail("reset_span", "takes the supply air to " +
                             std::to_string(s.air.supply_air.value + s.reset_span.value()) +
                             " degC, above ASHRAE TC 9.9's recommended 27 degC inlet");
  {
    // The correlation's own bounds: approach ≥ 1.1 K, LG up to what the fans' minimum speed
    // allows.
    const double wb = s.tower_design_wetbulb.value, range = s.cw_delta_t.value();
    const double a = s.tower_approach.value();
    const double lo = std::max(1.1, yorkcalc_approach_k(wb, range, 0.05));
    const double hi = yorkcalc_approach_k(wb, range, 5.0);
    if (!(lo <= a && a <= hi))
      r.fail("tower_approach",
             "is outside what the YorkCalc correlation reaches at this design "
             "wet-bulb and range (" +
                 std::to_string(lo) + " to " + std::to_string(hi) + " K)");
  }
  if (s.air.supply_air.value <= s.chw_supply.value)
    r.fail("chw_supply", "must be below supply_air (the coil needs colder water than air)");
  return s;
}

class ChilledWaterPlant final : public CoolingPlant {
public:
  ChilledWaterPlant(const ChilledWaterSpec& spec, const PlantSizing& sizing)
      : spec_(spec),
        design_heat_w_(sizing.total().value() * (1 + spec.air.capacity_margin)),
        crah_(detail::air_handler_design(spec.air, design_heat_w_)),
        chillers_(make_bank(spec, design_heat_w_)),
        condenser_per_heat_(1 + 1 / spec.chiller.cop),
        condenser_heat_w_(design_heat_w_ * condenser_per_heat_),
        tower_(tower_design(spec, condenser_heat_w_)),
        chw_pump_({design_heat_w_, spec.chw_delta_t.value(), spec.chw_pump_head.value(),
                   spec.pump_efficiency, spec.pump_control}),
        cw_pump_({condenser_heat_w_, spec.cw_delta_t.value(), spec.cw_pump_head.value(),
                  spec.pump_efficiency, spec.pump_control}),
        economizer_(spec.wse),
        initial_{spec.air.supply_air.value, spec.chw_supply.value},
        chw_rate_w_per_k_(chw_pump_.design_flow_m3_s() * rho_water_kg_per_m3 * cp_water_j_per_kg_k),
        air_rate_w_per_k_(crah_.design_airflow_m3_s() * rho_air_kg_per_m3 * cp_air_j_per_kg_k) {}

  PlantOutputs step(sim::Time now, const PlantInputs& in) override {
    if (spec_.economizer) {
      const double supply_c = spec_.chw_supply.value + reset_k(in.heat_in().value());
      // The economizer is judged on what the tower reaches at full fan speed (YorkCalc at the
      // present wet-bulb and heat), not on its design approach.
      const double heat_w = in.heat_in().value() * condenser_per_heat_;
      const double wetbulb_c = in.outdoor_wetbulb.value;
      // A function of the heat and the wet-bulb alone: the last step's value where both are
      // the last step's, bit for bit (no job changed and the weather held).
      const std::uint64_t heat_b = std::bit_cast<std::uint64_t>(heat_w),
                          wetbulb_b = std::bit_cast<std::uint64_t>(wetbulb_c);
      if (!full_fan_ || ((full_fan_->heat_b ^ heat_b) | (full_fan_->wetbulb_b ^ wetbulb_b)) != 0)
        full_fan_ = FullFan{heat_b, wetbulb_b, tower_.full_fan_approach_k(heat_w, wetbulb_c)};
      economizer_.step(now, supply_c + spec_.chw_delta_t.value(), supply_c, wetbulb_c,
                       full_fan_->approach_k);
    }
    // evaluate() reads the heat in, the wet- and dry-bulb, the economizer's mode and the
    // set-points, nothing else: where all are the previous step's, bit for bit (the weather
    // holds within an hour whose ends are equal, the IT when no job changed), so are its outputs.
    const StepKey key{{std::bit_cast<std::uint64_t>(in.heat_in().value()),
                       std::bit_cast<std::uint64_t>(in.outdoor_wetbulb.value),
                       std::bit_cast<std::uint64_t>(in.outdoor_drybulb.value),
                       std::bit_cast<std::uint64_t>(spec_.air.supply_air.value),
                       std::bit_cast<std::uint64_t>(spec_.chw_supply.value)},
                      spec_.economizer ? economizer_.mode() : EconomizerMode::off};
    if (last_ && last_->key == key) return last_->out;
    return evaluate_and_keep(key, in);
  }

  PlantOutputs evaluate(const PlantInputs& in) const override {
    PlantOutputs out;
    const double heat_in_w = in.heat_in().value();
    out.heat_in = sim::Watts(heat_in_w);
    const double wetbulb_c = in.outdoor_wetbulb.value;
    const double reset_k_now = reset_k(heat_in_w);
    const double chw_supply_c = spec_.chw_supply.value + reset_k_now;
    const double chw_return_c = chw_supply_c + spec_.chw_delta_t.value();
    const EconomizerMode mode = spec_.economizer ? economizer_.mode() : EconomizerMode::off;
    const double cond_min_c = chillers_.chiller().curves().cond_entering_min_c;

    // Air side and chilled-water loop.
    const AirHandlerOperation fans = crah_.operate(heat_in_w);
    const double coil_w = heat_in_w - fans.unmet_heat_w + fans.fan_power_w;
    const double chw_pump_w = chw_pump_.power_w(coil_w);
    const double chw_load_w = coil_w + chw_pump_w;

    // Tower water temperature: the setpoint when the fans can hold it, warmer when even full
    // speed cannot (YorkCalc). It depends on the heat, estimated here with the rated COP; only
    // the water is needed here, not the fans' speed (the tower is operated below).
    const double tower_set_c = mode == EconomizerMode::off
                                   ? tower_.fixed_approach_setpoint_c(wetbulb_c, cond_min_c)
                                   : chw_supply_c - economizer_.design().hx_approach_k;
    const double heat_estimate_w = chw_load_w * condenser_per_heat_;
    const double tower_c = tower_.leaving_c(heat_estimate_w, wetbulb_c, tower_set_c);

    // Economizer share, then chillers trim the rest.
    const double hx_fraction = mode == EconomizerMode::off
                                   ? 0.0
                                   : economizer_.hx_fraction(chw_return_c, chw_supply_c, tower_c);
    const double hx_w = hx_fraction * chw_load_w;
    const double cond_entering_c = std::max(tower_c, cond_min_c);
    const ChillerOperation ch = chillers_.operate(chw_load_w - hx_w, chw_supply_c, cond_entering_c);

    // Condenser loop and towers.
    const double cw_heat_w = hx_w + ch.load_w + ch.power_w;
    const double cw_pump_w = cw_pump_.power_w(cw_heat_w);
    const double tower_heat_w = cw_heat_w + cw_pump_w;
    const TowerOperation tw = tower_.operate(tower_heat_w, wetbulb_c, tower_set_c);
    const double circulating_m3_s =
        tower_.design_flow_m3_s() * std::min(1.0, tower_heat_w / condenser_heat_w_);

    out[Component::crah_fans] = sim::Watts(fans.fan_power_w);
    out.crah_airflow_m3_s = fans.airflow_m3_s;
    out.server_airflow_m3_s = fans.server_airflow_m3_s;
    out[Component::chillers] = sim::Watts(ch.power_w);
    const double basin_w = tower_.basin_heater_w(in.outdoor_drybulb.value);
    out[Component::towers] = sim::Watts(tw.fan_power_w + basin_w);
    out[Component::pumps] = sim::Watts(chw_pump_w + cw_pump_w);
    out.total_up();
    out.heat_rejected = sim::Watts(tower_heat_w + tw.fan_power_w + basin_w);
    out.water_use = sim::CubicMetersPerSecond(
        evaporative_water_m3_s(spec_.water, tower_heat_w, tw.leaving_c, circulating_m3_s));
    out.economizer = mode;
    out.free_cooling_fraction = chw_load_w > 0 ? hx_w / chw_load_w : 0.0;

    const double unmet_w = fans.unmet_heat_w + ch.unmet_w;
    out.unmet_heat = sim::Watts(unmet_w);
    out.over_capacity = unmet_w > 0;
    if (fans.over_capacity)
      out.limiting_component = "crah_fans";
    else if (ch.unmet_w > 0)
      out.limiting_component = "chillers";
    const double chw_actual_c =
        detail::warmed_by_unmet(chw_supply_c, ch.unmet_w, chw_rate_w_per_k_);
    out.facility_water = sim::Celsius{chw_actual_c};
    out.supply_air = sim::Celsius{detail::warmed_by_unmet(
        spec_.air.supply_air.value + reset_k_now + (chw_actual_c - chw_supply_c), fans.unmet_heat_w,
        air_rate_w_per_k_)};
    return out;
  }

  const std::string& type() const override { return chilled_water_doc().name; }

  Setpoints setpoints() const override {
    return {spec_.air.supply_air.value, spec_.chw_supply.value};
  }
  // The supply air within the recommended inlet range less the reset span (as the scenario
  // check requires), the chilled water within the scenario key's own range.
  Setpoints setpoint_min() const override {
    return {std::min(controller_supply_air_min_c, initial_.supply_air_c), 2.0};
  }
  Setpoints setpoint_max() const override {
    const double span_k = spec_.reset ? spec_.reset_span.value() : 0.0;
    return {std::max(controller_supply_air_max_c - span_k, initial_.supply_air_c), 25.0};
  }
  Setpoints set_setpoints(const Setpoints& want) override {
    const Setpoints held =
        detail::clamp_setpoints(want, setpoints(), setpoint_min(), setpoint_max());
    spec_.air.supply_air = sim::Celsius{held.supply_air_c};
    spec_.chw_supply = sim::Celsius{held.chilled_water_c};
    return held;
  }

private:
  // Supply-air and chilled-water reset at this heat (header), K.
  double reset_k(double heat_in_w) const {
    if (!spec_.reset || !(design_heat_w_ > 0)) return 0.0;
    return spec_.reset_span.value() * (1.0 - std::clamp(heat_in_w / design_heat_w_, 0.0, 1.0));
  }

  static CoolingTowerDesign tower_design(const ChilledWaterSpec& spec, double heat_w) {
    CoolingTowerDesign d;
    d.heat_w = heat_w;
    d.approach_k = spec.tower_approach.value();
    d.range_k = spec.cw_delta_t.value();
    d.wetbulb_c = spec.tower_design_wetbulb.value;
    d.fan_power_ratio = spec.tower_fan_power;
    d.min_airflow = spec.tower_min_airflow;
    d.basin_w_per_k_per_w = spec.basin_heater_w_per_k_per_mw / 1e6;
    d.basin_setpoint_c = spec.basin_setpoint.value;
    return d;
  }

  static ChillerBank make_bank(const ChilledWaterSpec& spec, double design_heat_w) {
    const double catalog_w = spec.chiller.capacity_w;
    const int duty = std::max(1, static_cast<int>(std::lround(design_heat_w / catalog_w)));
    const double unit_w = design_heat_w > 0 ? design_heat_w / duty : catalog_w;
    return ChillerBank(Chiller(spec.chiller, unit_w), duty + spec.redundancy, spec.stage_up_plr);
  }

  // The last step's inputs, as evaluate() reads them, and its outputs (step()).
  struct StepKey {
    std::array<std::uint64_t, 5> bits;  // heat in, wet-bulb, dry-bulb, supply air, chilled water
    EconomizerMode mode;
    // The words' differences or-ed together, inline: the defaulted comparison called memcmp()
    // for the array, at every step.
    bool operator==(const StepKey& o) const {
      std::uint64_t differ = 0;
      for (std::size_t i = 0; i < bits.size(); ++i) differ |= bits[i] ^ o.bits[i];
      return differ == 0 && mode == o.mode;
    }
  };
  struct Step {
    StepKey key;
    PlantOutputs out;
  };
  // evaluate() made in the caller's return slot, and kept for the next step: one copy.
  PlantOutputs evaluate_and_keep(const StepKey& key, const PlantInputs& in) {
    PlantOutputs out = evaluate(in);
    last_ = Step{key, out};
    return out;
  }
  // The tower's full-fan approach the economizer was last judged on, and its inputs' bits
  // (the heat to reject and the wet-bulb).
  struct FullFan {
    std::uint64_t heat_b, wetbulb_b;
    double approach_k;
  };

  ChilledWaterSpec spec_;
  double design_heat_w_;
  AirHandler crah_;
  ChillerBank chillers_;
  double condenser_per_heat_;  // 1 + 1/COP_ref: condenser heat per W of chilled-water heat
  double condenser_heat_w_;
  CoolingTower tower_;
  Pump chw_pump_;
  Pump cw_pump_;
  WaterSideEconomizer economizer_;
  Setpoints initial_;  // the scenario's set-points
  // The heat capacity rates at design flow of the chilled water and the CRAHs' air, W/K.
  double chw_rate_w_per_k_, air_rate_w_per_k_;
  std::optional<Step> last_;
  std::optional<FullFan> full_fan_;
};

const bool registered = CoolingPlantRegistry::add(
    chilled_water_doc(), [](const sim::ParamReader& r, const PlantSizing& sizing) {
      return std::make_unique<ChilledWaterPlant>(chilled_water_spec(r), sizing);
    });

}  // namespace

}  // namespace joule::models::cooling
