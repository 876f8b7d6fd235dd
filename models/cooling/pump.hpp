// Variable-flow pumps (chilled water, condenser water, facility water).
//
// Flow ∝ heat load (constant design ΔT), PLR = Q / Q_design; power from the part-load curves
// of ASHRAE 90.1 Appendix G as coded in openstudio-standards:
//   P = P_design · (c0 + c1·PLR + c2·PLR² + c3·PLR³)
//   riding the pump curve      {0, 3.2485, −4.7443, 2.5294}
//   VSD, no pressure reset     {0, 0.5726, −0.301, 0.7347}
//   VSD with DP reset          {0, 0.0205, 0.4101, 0.5753}
// (At PLR = 1 these give 1.0336, 1.0063 and 1.0059, not exactly 1: used as published.)
// Design power from the design flow and the pump head over the wire-to-water efficiency:
//   V_design = Q_design / (ρ_w·cp_w·ΔT_design),  P_design = V_design·Δp / η
// ASHRAE 90.1 App. G baselines are 22 W/gpm (chilled water, = 349 kPa / 1) and 19 W/gpm
// (condenser, = 301 kPa / 1); the defaults 245 kPa / 0.7 and 210 kPa / 0.7 reproduce them.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "models/cooling/properties.hpp"

namespace joule::models::cooling {

enum class PumpControl { riding_curve, vsd, vsd_dp_reset };

// "riding-curve", "vsd", "vsd-dp-reset"
const std::vector<std::string>& pump_control_names();
PumpControl pump_control_from_name(const std::string& name);
const Cubic& pump_curve(PumpControl control);

struct PumpDesign {
  double heat_w = 0;        // heat carried at design flow
  double delta_t_k = 5.56;  // water temperature difference at design
  double head_pa = 245e3;
  double efficiency = 0.7;
  PumpControl control = PumpControl::vsd_dp_reset;
};

class Pump {
public:
  explicit Pump(const PumpDesign& design);
  double design_power_w() const { return design_power_w_; }
  double design_flow_m3_s() const { return design_flow_m3_s_; }
  // Power while carrying `heat_w` (0 when there is no load). Inline: a chilled-water plant
  // takes two a step.
  double power_w(double heat_w) const {
    if (heat_w <= 0 || design_.heat_w <= 0) return 0.0;
    const double plr = heat_w / design_.heat_w;
    return design_power_w_ * std::max(0.0, curve_(plr));
  }

private:
  PumpDesign design_;
  double design_flow_m3_s_;
  double design_power_w_;
  Cubic curve_;  // pump_curve(design_.control), copied once
};

}  // namespace joule::models::cooling
