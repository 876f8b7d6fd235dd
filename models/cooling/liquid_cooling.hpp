// Direct liquid cooling (DLC): cold plates on the chips, a warm facility-water loop, dry
// coolers, and an assist for hot hours.
//
// Split of the heat (ASHRAE TC 9.9, "Liquid Cooling Guidelines for Datacom Equipment
// Centers", 2nd ed. 2014, W32–W45 classes; OCP/ASHRAE cold-plate capture typically 70–85 %):
//   Q_liquid = κ · Q_chip                  κ: capture fraction (default 0.8)
//   Q_air    = (1 − κ)·Q_chip + Q_other_IT + Q_room_losses   → the air path
// The facility water (supply T_fws, default 32 °C, W32; range 30–45 °C) carries Q_liquid plus
// its pump's power to dry coolers. A dry cooler (sensible only, like the tower law in
// cooling_tower.hpp, approach ∝ Q / airflow) holds the supply when the outdoor air allows:
//   T_db + A_dc ≤ T_fws  at design heat;  f_air = (Q/Q_dc) · A_dc / (T_fws − T_db) ≤ 1
//   capacity at full fan speed:  Q_dc,max = Q_dc · (T_fws − T_db) / A_dc
//   P_fan = P_fan,design · f_air³
// Heat above Q_dc,max goes to the assist:
//   evaporative  adiabatic pre-cooling of the dry-cooler air (spray/pads of effectiveness ε):
//                the air enters at T_db − ε(T_db − T_wb); the extra heat rejected equals the
//                latent heat of the water evaporated, so water = Q_assist / h_fg (+ blowdown
//                of the spray water is neglected: once-through pads are assumed fed with make-up).
//   trim-chiller an air-cooled chiller on the facility water (COP from chiller.hpp's
//                Carnot-fraction model at the outdoor temperature) removes the rest.
// Heat the plant still cannot reject is reported as unmet (capacity flag, warmer supply).
//
// | parameter        | default  | source                                                   |
// |------------------|----------|----------------------------------------------------------|
// | κ                | 0.8      | typical 0.70–0.85 (vendor cold-plate data, estimate)     |
// | T_fws            | 32 °C    | ASHRAE W32 class                                         |
// | ΔT facility water| 10 K     | estimate                                                 |
// | A_dc             | 6 K      | estimate: dry-cooler selections 5–8 K                    |
// | P_fan,design / Q | 0.02 W/W | estimate: dry-cooler data sheets 0.015–0.03 kW/kW        |
// | ε (evaporative)  | 0.8      | estimate: adiabatic pads 0.7–0.9                         |
#pragma once

namespace joule::models::cooling {

struct DryCoolerDesign {
  double heat_w = 0;
  double approach_k = 6.0;
  double fan_power_ratio = 0.02;
};

struct DryCoolerOperation {
  double heat_rejected_w = 0;
  double airflow_fraction = 0;
  double fan_power_w = 0;
  double remaining_w = 0;  // heat above what the dry cooler can reject at this air temperature
};

class DryCooler {
public:
  explicit DryCooler(const DryCoolerDesign& design);
  // Rejects up to `heat_w` from water at `supply_c` (the leaving-water target) to air entering
  // at `air_c`.
  DryCoolerOperation operate(double heat_w, double air_c, double supply_c) const;
  double max_heat_w(double air_c, double supply_c) const;
  double design_fan_power_w() const { return design_fan_w_; }
  const DryCoolerDesign& design() const { return design_; }

private:
  DryCoolerDesign design_;
  double design_fan_w_;
};

// Split of IT heat between the cold plates and the air.
struct DlcSplit {
  double liquid_w = 0;
  double air_w = 0;
};
DlcSplit dlc_split(double capture_fraction, double chip_heat_w, double other_air_heat_w);

}  // namespace joule::models::cooling
