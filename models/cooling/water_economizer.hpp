// Water-side economizer: a plate heat exchanger between condenser (tower) water and the
// chilled-water return, upstream of the chillers (Stein, "Waterside Economizing in Data
// Centers: Design and Control Considerations", ASHRAE Transactions 115(2), 2009; control
// sequence as in Modelica Buildings.Applications.DataCenters ChillerCooled controls).
//
// Enable condition (outdoor wet-bulb low enough for the HX to help):
//   T_chw,return > T_wb + A_tower + A_hx + deadband
// Modes:
//   off      mechanical only: HX bypassed.
//   partial  HX pre-cools the return, chillers trim to the supply setpoint. The HX takes
//              f = clamp((T_ret − (T_tower + A_hx)) / (T_ret − T_sup), 0, 1) of the load.
//   full     chillers off; HX alone reaches the supply setpoint
//              (T_wb + A_tower + A_hx ≤ T_chw,supply).
// The desired mode follows from the conditions; the controller changes mode only after
// `min_dwell` (20 min) in the current one, so the plant does not short-cycle around the
// thresholds. One exception protects the supply temperature: in `full`, when the HX can no
// longer reach the setpoint, the controller drops to `partial` at once (chillers restart)
// instead of letting the data hall warm for up to 20 minutes.
//
// | parameter | default | source                                                          |
// |-----------|---------|-----------------------------------------------------------------|
// | A_hx      | 1.5 K   | estimate: plate HX selections 1–2 K (Stein 2009: 2–3 °F)        |
// | deadband  | 1 K     | estimate                                                        |
// | dwell     | 20 min  | Modelica Buildings data-center controls (minimum mode time)      |
#pragma once

#include "sim/time.hpp"

namespace joule::models::cooling {

enum class EconomizerMode { off = 0, partial = 1, full = 2 };

const char* to_string(EconomizerMode mode);

struct WaterEconomizerDesign {
  double hx_approach_k = 1.5;
  double deadband_k = 1.0;
  sim::Time min_dwell = sim::Time::from_ns(20LL * 60 * 1'000'000'000);
};

class WaterSideEconomizer {
public:
  explicit WaterSideEconomizer(const WaterEconomizerDesign& design);

  // The mode the conditions call for, ignoring the dwell timer.
  EconomizerMode desired_mode(double chw_return_c, double chw_supply_c, double wetbulb_c,
                              double tower_approach_k) const;
  // Advances the controller to `now`: switches to the desired mode when the current one has
  // lasted `min_dwell` (or at once, full → partial, when full cannot hold the setpoint).
  EconomizerMode step(sim::Time now, double chw_return_c, double chw_supply_c, double wetbulb_c,
                      double tower_approach_k);

  EconomizerMode mode() const { return mode_; }
  sim::Time mode_since() const { return since_; }
  // Share of the chilled-water load the HX takes with condenser water at `tower_c`.
  double hx_fraction(double chw_return_c, double chw_supply_c, double tower_c) const;
  const WaterEconomizerDesign& design() const { return design_; }

private:
  WaterEconomizerDesign design_;
  EconomizerMode mode_ = EconomizerMode::off;
  sim::Time since_ = sim::Time::zero();
  bool started_ = false;
};

}  // namespace joule::models::cooling
