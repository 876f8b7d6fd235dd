// Computer-room air handler (CRAH, chilled-water coil) or air conditioner (CRAC, DX coil): the
// fans that move the white-space air, and an optional air-side economizer.
//
// The CRAH airflow follows the servers' airflow. The servers move air in proportion to the heat
// they carry (their fans ramp with load; CFM per kW at full speed, k):
//   V_srv = k·Q
// and the CRAHs supply a set ratio ψ of it (pressure or ΔT control on the cold aisle):
//   V_crah = ψ·V_srv,   clamped to [f_min, 1] of each running unit's design flow
// With V_crah > V_srv the surplus bypasses the servers back to the CRAH return,
//   bypass = V_crah − V_srv
// and dilutes the return air; with V_crah < V_srv (ψ < 1, or the units at full speed) the
// servers draw the shortfall from the hot room (return) air,
//   recirculation = V_srv − V_crah
// (data_hall.hpp carries both to the rack inlets). The return air then leaves the coil at
//   T_return − T_supply = Q / (ρ·cp·V_crah)
// Fan power by the affinity law on the delivered flow (speed ∝ flow, power ∝ speed³), the units
// sized for the servers' flow at the design heat, the design point from the fan's total pressure
// rise and efficiency:
//   V_design = k·Q_design,  P_design = V_design·Δp / η,  P = P_design·(V_crah/V_design)³
// so a bypass ψ > 1 costs ψ³ in fan power at the same heat.
// Redundant units (a share ρ beyond the duty units, e.g. N+1 on four: ρ = 0.25) run too and
// share the flow at lower speed, s = (V_crah/V_design)/(1 + ρ):
//   P = (1 + ρ)·P_design·max(s, f_min)³  = P_design·(V_crah/V_design)³/(1 + ρ)²  above f_min
// When V_srv > (1 + ρ)·V_design even all units at full speed fall short of the servers: the
// servers recirculate, `over_capacity` is set and the heat beyond what the installed airflow
// carries, (1 + ρ)·Q_design, is unmet.
//
// | parameter      | default | source                                                    |
// |----------------|---------|-----------------------------------------------------------|
// | k              | 146 CFM/kW | from ΔT: k = 1/(ρ·cp·ΔT), 12 K across the servers at    |
// |                |         | full fan speed (estimate: ASHRAE TC 9.9 servers 10–20 K)     |
// | ψ              | 1.05    | estimate: contained aisles over-supply a few % (the bypass)  |
// | fan Δp         | 500 Pa  | estimate: CRAH external + coil + filter pressure           |
// | fan efficiency | 0.6     | estimate: EC plug fan total efficiency (wire to air)       |
// | f_min          | 0.3     | estimate: EC fan turndown                                  |
// | ρ              | 0.25    | estimate: N+1 on groups of four units (plant key)           |
// Δp/η = 833 W/(m³/s) specific fan power, within the 500–1500 W/(m³/s) of CRAH data sheets.
// 1 CFM = 0.3048³ m³ per minute = 4.719e-4 m³/s.
//
// Air-side economizer (outdoor air replaces mechanical cooling): the share of the coil load the
// outdoor air can take, linear between full free cooling at T_out ≤ T_supply − margin and none
// at T_out ≥ T_return − margin:
//   f_free = clamp((T_return − margin − T_out) / (T_return − T_supply), 0, 1)
// and zero when the outdoor relative humidity is outside [RH_min, RH_max] (ASHRAE TC 9.9
// allowable envelope A1: 8–80 % RH; the defaults 20–80 % keep a margin for mixing).
#pragma once

namespace joule::models::cooling {

// m³/s per CFM (1 ft = 0.3048 m, per minute).
inline constexpr double m3_per_s_per_cfm = 0.3048 * 0.3048 * 0.3048 / 60.0;

struct AirHandlerDesign {
  double heat_w = 0;        // heat the fans are sized to carry
  double delta_t_k = 12.0;  // air temperature rise across the servers at full fan speed
  // Server airflow per watt of heat, k (m³/s per W); 0: from delta_t_k, k = 1/(ρ·cp·ΔT).
  double server_airflow_m3_s_per_w = 0;
  double airflow_ratio = 1.0;  // ψ: CRAH supply / server airflow
  double fan_pressure_pa = 500.0;
  double fan_efficiency = 0.6;
  double min_flow_fraction = 0.3;
  double redundancy = 0.0;  // running standby units, share of the duty units
};

struct AirHandlerOperation {
  double airflow_m3_s = 0;         // volume flow the fans move (the CRAH supply)
  double server_airflow_m3_s = 0;  // what the servers draw, k·Q
  double bypass_m3_s = 0;          // CRAH supply that bypasses the servers
  double recirculation_m3_s = 0;   // server intake that is hot room air (CRAH supply short)
  double return_rise_k = 0;        // T_return − T_supply at the coil, Q/(ρ·cp·V_crah)
  double flow_fraction = 0;        // of design (duty) flow, ≥ f_min when running, 0 when no heat
  double unit_speed = 0;           // each running unit's speed, shared with the redundant units
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

  // Airflow the servers draw carrying `heat_w`: k·Q.
  double required_airflow_m3_s(double heat_w) const;
  double server_airflow_m3_s_per_w() const { return k_m3_s_per_w_; }
  AirHandlerOperation operate(double heat_w) const;

private:
  AirHandlerDesign design_;
  double k_m3_s_per_w_;
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
