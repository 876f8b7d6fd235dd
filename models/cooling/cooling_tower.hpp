// Open evaporative cooling tower (condenser water), and the water it uses.
//
// Leaving water temperature from the outdoor wet-bulb and the approach. The fans hold the
// design approach; the airflow they need grows with the heat rejected and shrinks with the
// approach allowed (a linearised Merkel relation, approach ∝ Q / airflow):
//   T_lvg   = max(T_wb + A_design·max(1, Q/Q_design), T_floor)
//   f_air   = min(1, (Q/Q_design) · A_design / (T_lvg − T_wb))
//   P_fan   = P_fan,design · f_air³                       (affinity law)
// so beyond the design heat the fans are at full speed and the approach grows with load, and
// when T_floor (the chiller's minimum condenser temperature) lies above T_wb + A_design the
// fans slow down. The wet-bulb dependence of the approach at fixed airflow is neglected.
//
// Water use (m³/s):
//   evaporation E = φ·Q / h_fg(T_lvg)          φ: share of the heat leaving as latent heat
//   blowdown    B = E / (CoC − 1)              CoC: cycles of concentration
//   drift       D = d · circulating flow
// (U.S. DOE Federal Energy Management Program, "Cooling Towers: Understanding Key Components
// of Cooling Towers and How to Improve Water Efficiency", 2011: blowdown = evaporation /
// (cycles − 1); typical cycles 3–7; drift 0.0005–0.2 % of circulation, ≤ 0.001 % with modern
// drift eliminators.)
//
// | parameter          | default            | source                                       |
// |--------------------|--------------------|----------------------------------------------|
// | A_design           | 3.9 K (7 °F)       | estimate: typical data-center tower selection |
// | range (ΔT water)   | 5.56 K (10 °F)     | ASHRAE 90.1-2019 App. G G3.1.3.11            |
// | P_fan,design / Q   | 0.0133 W/W         | ASHRAE 90.1 App. G: 38.2 gpm/hp at 10 °F range |
// | φ                  | 1.0                | upper bound; the CTI rule 0.00085 gpm/(gpm·°F) is
// ~0.85 | | CoC                | 4                  | DOE FEMP typical | | drift              |
// 0.001 %            | DOE FEMP, modern drift eliminators            |
#pragma once

namespace joule::models::cooling {

struct CoolingTowerDesign {
  double heat_w = 0;  // heat rejected at design
  double approach_k = 3.9;
  double range_k = 5.56;
  double fan_power_ratio = 0.0133;  // design fan power / design heat rejected
};

struct TowerOperation {
  double leaving_c = 0;
  double approach_k = 0;
  double airflow_fraction = 0;
  double fan_power_w = 0;
};

class CoolingTower {
public:
  explicit CoolingTower(const CoolingTowerDesign& design);
  // `floor_c`: the tower does not cool the water below this (fans slow instead).
  TowerOperation operate(double heat_w, double wetbulb_c, double floor_c) const;
  double design_fan_power_w() const { return design_fan_w_; }
  // Condenser water circulating at design flow, m³/s.
  double design_flow_m3_s() const { return design_flow_m3_s_; }
  const CoolingTowerDesign& design() const { return design_; }

private:
  CoolingTowerDesign design_;
  double design_fan_w_;
  double design_flow_m3_s_;
};

struct EvaporativeWater {
  double latent_fraction = 1.0;
  double cycles_of_concentration = 4.0;
  double drift_fraction = 1e-5;
};

// Make-up water (evaporation + blowdown + drift), m³/s, for `heat_w` rejected evaporatively at
// water temperature `water_c` with `circulating_m3_s` of water flowing over the fill.
double evaporative_water_m3_s(const EvaporativeWater& w, double heat_w, double water_c,
                              double circulating_m3_s);

}  // namespace joule::models::cooling
