// `liquid` cooling plant: direct liquid cooling (cold plates, facility water, dry coolers with
// an evaporative assist or a trim chiller) for the captured share of chip heat; the rest goes
// to an air-side plant (`air_side:`, any registered type, default chilled-water) sized for it.
// Equations and defaults: liquid_cooling.hpp.
//
//   Q_loop     = κ_chip·Q_chip + κ_other·Q_other + P_fws pump
//   dry cooler rejects min(Q_loop, Q_dc,max(T_ret − T_db)) (+ its fan power)
//   evaporative assist: up to Q_dc,max(T_ret − T_pre) − Q_dc,max(T_ret − T_db) more, at full
//     fan speed, with pre-cooled air T_pre, using Q_assist / h_fg of water;   or
//   trim chiller in series after the dry cooler: the rest, P = Q_trim / COP(T_db), rejecting
//     Q_trim + P to outdoor air.
//   chip coolant = facility supply + A_cdu
//   Q_rejected = Q_loop − unmet + P_dry fans (+ P_trim) + the air side's Q_rejected
#include <algorithm>
#include <memory>

#include "models/cooling/chiller.hpp"
#include "models/cooling/liquid_cooling.hpp"
#include "models/cooling/plant.hpp"
#include "models/cooling/plant_common.hpp"
#include "models/cooling/properties.hpp"
#include "models/cooling/pump.hpp"

namespace joule::models::cooling {

namespace {

struct LiquidSpec {
  double capture_fraction = 0.8;
  double capture_other = 0.2;
  sim::Kelvins cdu_approach{3};
  sim::Celsius facility_supply{32};
  sim::Kelvins facility_delta_t{10};
  sim::Pascals pump_head{150e3};
  double pump_efficiency = 0.7;
  PumpControl pump_control = PumpControl::vsd_dp_reset;
  sim::Kelvins dry_cooler_approach{6};
  double dry_cooler_fan_power = 0.02;
  bool evaporative = true;
  double evaporative_effectiveness = 0.8;
  AirCooledChillerDesign trim;
  double capacity_margin = 0.15;
};

const sim::ModelDoc& liquid_doc() {
  static const sim::ModelDoc doc{
      "cooling",
      "liquid",
      "direct liquid cooling: cold plates capture a share of chip heat into warm facility "
      "water, rejected by dry coolers (evaporative assist or trim chiller on hot hours); the "
      "rest goes to an air-side plant",
      {
          {"capture_fraction", "number", "0.8",
           "share of accelerator heat the cold plates capture (estimate, typical 0.70-0.85)"},
          {"capture_other", "number", "0.2",
           "share of the other IT heat (CPUs, switch chips) on cold plates (estimate)"},
          {"cdu_approach", "K", "3 K",
           "chip coolant supply minus facility-water supply across the CDU (estimate, 2-5 K)"},
          {"facility_supply", "degC", "32 degC", "facility-water supply temperature (30-45 degC)"},
          {"facility_delta_t", "K", "10 K", "facility-water return minus supply"},
          {"pump_head", "Pa", "150 kPa", "facility-water pump head at design"},
          {"pump_efficiency", "number", "0.7", "pump wire-to-water efficiency"},
          {"pump_control", "string", "vsd-dp-reset", "riding-curve, vsd or vsd-dp-reset"},
          {"dry_cooler_approach", "K", "6 K", "facility supply minus outdoor dry-bulb at design"},
          {"dry_cooler_fan_power", "number", "0.02",
           "dry-cooler fan power at design per W of heat rejected"},
          {"assist", "string", "evaporative", "evaporative or trim-chiller"},
          {"evaporative_effectiveness", "number", "0.8",
           "adiabatic pre-cooling effectiveness (share of the wet-bulb depression)"},
          {"trim_cop", "number", "6", "trim chiller COP at 35 degC outdoor"},
          {"capacity_margin", "number", "0.15", "liquid loop sized for design times (1 + margin)"},
          {"hall", "map", "{}", "data-hall air path: containment, recirculation (see 'hall')"},
          {"air_side", "map", "{type: chilled-water}",
           "plant for the heat left in the air (a cooling map with its own type)"},
      }};
  return doc;
}

LiquidSpec liquid_spec(const sim::ParamReader& r) {
  LiquidSpec s;
  s.capture_fraction = r.number("capture_fraction", sim::Range::unit_interval());
  s.capture_other = r.number("capture_other", sim::Range::unit_interval());
  s.cdu_approach = r.kelvins("cdu_approach", sim::Range::non_negative());
  s.facility_supply = r.celsius("facility_supply", sim::Range::between(15, 60));
  s.facility_delta_t = r.kelvins("facility_delta_t", sim::Range::positive());
  s.pump_head = r.quantity<sim::Pascals>("pump_head", sim::Range::non_negative());
  s.pump_efficiency = r.number("pump_efficiency", {0, 1, true, false});
  s.pump_control = pump_control_from_name(r.choice("pump_control", pump_control_names()));
  s.dry_cooler_approach = r.kelvins("dry_cooler_approach", sim::Range::positive());
  s.dry_cooler_fan_power = r.number("dry_cooler_fan_power", sim::Range::non_negative());
  s.evaporative = r.choice("assist", {"evaporative", "trim-chiller"}) == "evaporative";
  s.evaporative_effectiveness = r.number("evaporative_effectiveness", sim::Range::unit_interval());
  s.trim.cop_rated = r.number("trim_cop", sim::Range::positive());
  s.trim.rated_outdoor_c = 35.0;
  s.trim.evaporating_c = s.facility_supply.value - 5.0;
  s.trim.condenser_delta_k = 15.0;
  s.trim.cop_max = 15.0;
  s.capacity_margin = r.number("capacity_margin", sim::Range::non_negative());
  return s;
}

class LiquidPlant final : public CoolingPlant {
public:
  LiquidPlant(const LiquidSpec& spec, const PlantSizing& sizing,
              std::unique_ptr<CoolingPlant> air_side)
      : spec_(spec),
        design_loop_w_((spec.capture_fraction * sizing.chip_heat.value() +
                        spec.capture_other * sizing.other_heat.value()) *
                       (1 + spec.capacity_margin)),
        pump_({design_loop_w_, spec.facility_delta_t.value(), spec.pump_head.value(),
               spec.pump_efficiency, spec.pump_control}),
        dry_cooler_({design_loop_w_ + pump_.design_power_w(), spec.dry_cooler_approach.value(),
                     spec.facility_delta_t.value(), spec.dry_cooler_fan_power}),
        trim_(spec.trim),
        air_side_(std::move(air_side)) {}

  PlantOutputs step(sim::Time now, const PlantInputs& in) override {
    const PlantOutputs air = air_side_->step(now, air_inputs(in));
    return combine(in, air);
  }

  PlantOutputs evaluate(const PlantInputs& in) const override {
    return combine(in, air_side_->evaluate(air_inputs(in)));
  }

  const std::string& type() const override { return liquid_doc().name; }

  // The air side's set-points; the facility water is fixed (the nodes take their coolant
  // temperature from it when the World is built: Facility::fit_node).
  Setpoints setpoints() const override { return air_side_->setpoints(); }
  Setpoints setpoint_min() const override { return air_side_->setpoint_min(); }
  Setpoints setpoint_max() const override { return air_side_->setpoint_max(); }
  Setpoints set_setpoints(const Setpoints& want) override { return air_side_->set_setpoints(want); }

  LiquidCapture capture() const override {
    return {spec_.capture_fraction, spec_.capture_other,
            spec_.facility_supply.value + spec_.cdu_approach.value()};
  }

private:
  PlantInputs air_inputs(const PlantInputs& in) const {
    const DlcSplit split =
        dlc_split(spec_.capture_fraction, spec_.capture_other, in.chip_heat.value(),
                  in.other_it_heat.value(), in.room_losses.value());
    PlantInputs air = in;
    air.chip_heat = sim::Watts(0);
    air.other_it_heat = sim::Watts(split.air_w);
    air.room_losses = sim::Watts(0);
    return air;
  }

  PlantOutputs combine(const PlantInputs& in, PlantOutputs out) const {
    const double drybulb_c = in.outdoor_drybulb.value;
    const double supply_c = spec_.facility_supply.value;
    const double liquid_w = dlc_split(spec_.capture_fraction, spec_.capture_other,
                                      in.chip_heat.value(), in.other_it_heat.value(), 0.0)
                                .liquid_w;
    const double pump_w = pump_.power_w(liquid_w);
    const double loop_w = liquid_w + pump_w;

    DryCoolerOperation dry = dry_cooler_.operate(loop_w, drybulb_c, supply_c);
    double assist_w = 0, trim_w = 0, trim_power_w = 0, water_m3_s = 0, unmet_w = 0;
    if (dry.remaining_w > 0) {
      if (spec_.evaporative) {
        const double precooled_c =
            drybulb_c - spec_.evaporative_effectiveness *
                            (drybulb_c - std::min(in.outdoor_wetbulb.value, drybulb_c));
        const double wet_max_w = dry_cooler_.max_heat_w(loop_w, precooled_c, supply_c);
        assist_w =
            std::clamp(std::min(loop_w, wet_max_w) - dry.heat_rejected_w, 0.0, dry.remaining_w);
        unmet_w = dry.remaining_w - assist_w;
        dry.fan_power_w = dry_cooler_.design_fan_power_w();  // full speed while assisting
        water_m3_s = assist_w / latent_heat_j_per_kg(precooled_c) / rho_water_kg_per_m3;
      } else {
        const double trim_capacity_w = design_loop_w_ + pump_.design_power_w();
        trim_w = std::min(dry.remaining_w, trim_capacity_w);
        unmet_w = dry.remaining_w - trim_w;
        trim_power_w = trim_w / trim_.cop(drybulb_c);
      }
    }

    out.heat_in = in.heat_in();
    out[Component::pumps] += sim::Watts(pump_w);
    out[Component::dry_coolers] += sim::Watts(dry.fan_power_w);
    out[Component::trim_chiller] += sim::Watts(trim_power_w);
    out.total_up();
    const double own_rejected_w =
        dry.heat_rejected_w + assist_w + trim_w + trim_power_w + dry.fan_power_w;
    // Share of the heat in removed without compressors: the air side's free share of its heat
    // plus the chip heat the dry coolers (with evaporative assist) carried.
    const double air_in_w = in.heat_in().value() - liquid_w;
    const double total_in_w = in.heat_in().value();
    const double liquid_free_w = std::min(liquid_w, dry.heat_rejected_w + assist_w);
    out.free_cooling_fraction =
        total_in_w > 0 ? (out.free_cooling_fraction * air_in_w + liquid_free_w) / total_in_w : 0.0;
    out.heat_rejected += sim::Watts(own_rejected_w);
    out.water_use += sim::CubicMetersPerSecond(water_m3_s);
    out.unmet_heat += sim::Watts(unmet_w);
    if (unmet_w > 0) {
      out.over_capacity = true;
      if (out.limiting_component.empty())
        out.limiting_component = spec_.evaporative ? "dry_coolers" : "trim_chiller";
    }
    const double loop_rate_w_per_k =
        pump_.design_flow_m3_s() * rho_water_kg_per_m3 * cp_water_j_per_kg_k;
    out.facility_water =
        sim::Celsius{detail::warmed_by_unmet(supply_c, unmet_w, loop_rate_w_per_k)};
    return out;
  }

  LiquidSpec spec_;
  double design_loop_w_;
  Pump pump_;
  DryCooler dry_cooler_;
  AirCooledChiller trim_;
  std::unique_ptr<CoolingPlant> air_side_;
};

std::unique_ptr<CoolingPlant> make_liquid(const sim::ParamReader& r, const PlantSizing& sizing) {
  const LiquidSpec spec = liquid_spec(r);
  PlantSizing air_sizing;
  air_sizing.other_heat =
      sizing.other_heat * (1 - spec.capture_other) + sizing.chip_heat * (1 - spec.capture_fraction);
  const sim::ParamNode* air_node = r.node("air_side");
  if (air_node && !air_node->is_map()) r.fail("air_side", "must be a map with a type");
  auto air = make_cooling_plant(air_node, air_sizing);
  if (air->type() == "liquid") r.fail("air_side", "cannot itself be a liquid plant");
  return std::make_unique<LiquidPlant>(spec, sizing, std::move(air));
}

const bool registered = CoolingPlantRegistry::add(liquid_doc(), make_liquid);

}  // namespace

}  // namespace joule::models::cooling
