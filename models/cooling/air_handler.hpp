// Computer-room air handler (CRAH, chilled-water coil) or air conditioner (CRAC, DX coil): the
// fans that move the white-space air, and an optional air-side economizer.
//
// Airflow from the heat it must carry and the air temperature rise across the IT equipment
// (return − supply):
//   m_dot = Q / (cp·ΔT),  V = m_dot / ρ           cp = 1006 J/(kg·K), ρ = 1.2 kg/m³
// Fan power by the affinity law (speed ∝ flow, power ∝ speed³), the design point from the fan's
// total pressure rise and efficiency:
//   P_design = V_design·Δp / η,   P = P_design·(max(V/V_design, f_min))³
// The fans never run below f_min of design flow (EC fans and coil-velocity limits).
// Redundant units (a share ρ beyond the duty units, e.g. N+1 on four: ρ = 0.25) run too and
// share the flow at lower speed, s = (V/V_design)/(1 + ρ):
//   P = (1 + ρ)·P_design·max(s, f_min)³  = P_design·(V/V_design)³/(1 + ρ)²  above f_min
// When V > (1 + ρ)·V_design the units cannot carry the heat: `over_capacity` is set and the
// supply air warms by the heat the installed airflow cannot carry.
//
// | parameter      | default | source                                                    |
// |----------------|---------|-----------------------------------------------------------|
// | ΔT (air)       | 12 K    | estimate: contained hot aisle, ASHRAE TC 9.9 typical 10–15 K |
// | fan Δp         | 500 Pa  | estimate: CRAH external + coil + filter pressure           |
// | fan efficiency | 0.6     | estimate: EC plug fan total efficiency (wire to air)       |
// | f_min          | 0.3     | estimate: EC fan turndown                                  |
// | ρ              | 0.25    | estimate: N+1 on groups of four units (plant key)           |
// Δp/η = 833 W/(m³/s) specific fan power, within the 500–1500 W/(m³/s) of CRAH data sheets.
//
// Air-side economizer (outdoor air replaces mechanical cooling): the share of the coil load the
// outdoor air can take, linear between full free cooling at T_out ≤ T_supply − margin and none
// at T_out ≥ T_return − margin:
//   f_free = clamp((T_return − margin − T_out) / (T_return − T_supply), 0, 1)
// and zero when the outdoor relative humidity is outside [RH_min, RH_max] (ASHRAE TC 9.9
// allowable envelope A1: 8–80 % RH; the defaults 20–80 % keep a margin for mixing).
#pragma once

namespace joule::models::cooling {

struct AirHandlerDesign {
  double heat_w = 0;        // heat the fans are sized to carry
  double delta_t_k = 12.0;  // return − supply air temperature at design
  double fan_pressure_pa = 500.0;
  double fan_efficiency = 0.6;
  double min_flow_fraction = 0.3;
  double redundancy = 0.0;  // running standby units, share of the duty units
};

struct AirHandlerOperation {
  double airflow_m3_s = 0;   // volume flow the fans move
  double flow_fraction = 0;  // of design (duty) flow, ≥ f_min when running, 0 when no heat
  double unit_speed = 0;     // each running unit's speed, shared with the redundant units
  double fan_power_w = 0;
  double unmet_heat_w = 0;  // heat the design airflow cannot carry
  bool over_capacity = false;
};

class AirHandler {
public:
  explicit AirHandler(const AirHandlerDesign& design);

  double design_airflow_m3_s() const { return design_flow_m3_s_; }
  double design_fan_power_w() const { return design_power_w_; }
  const AirHandlerDesign& design() const { return design_; }

  // Airflow needed to carry `heat_w` at the design temperature rise.
  double required_airflow_m3_s(double heat_w) const;
  AirHandlerOperation operate(double heat_w) const;

private:
  AirHandlerDesign design_;
  double design_flow_m3_s_;
  double design_power_w_;
};

struct AirEconomizerLimits {
  double margin_k = 2.0;
  double rh_min = 0.20;
  double rh_max = 0.80;
};

// Share of the coil load the outdoor air takes (0: mechanical only, 1: full free cooling).
double air_economizer_fraction(const AirEconomizerLimits& limits, double outdoor_c,
                               double outdoor_rh, double supply_c, double return_c);

}  // namespace joule::models::cooling
