// Direct liquid cooling (DLC): cold plates on the chips, a coolant distribution unit (CDU), a
// warm facility-water loop, dry coolers, and an assist for hot hours.
//
// Split of the heat (ASHRAE TC 9.9, "Liquid Cooling Guidelines for Datacom Equipment
// Centers", 2nd ed. 2014, W32–W45 classes; OCP/ASHRAE cold-plate capture typically 70–85 %):
//   Q_liquid = κ_chip · Q_chip + κ_other · Q_other_IT     κ_other: CPU and switch cold plates
//   Q_air    = the rest of the IT heat + Q_room_losses    → the air path
// Chip coolant: the CDU's plate exchanger passes the heat from the secondary (chip) loop to
// the facility water with an approach A_cdu, so the cold plates see T_coolant = T_fws + A_cdu;
// the accelerators' die temperature and leakage follow from T_coolant (compute/accelerator.hpp).
// Nodes designed for air keep only the fans the residual air heat needs: airflow ∝ air heat,
// P_fan,max ∝ airflow³ (affinity law), so P_fan,max,DLC = P_fan,max,air · r³ with r the air
// share of the node's heat at full load.
//
// Dry cooler (sensible, fixed water and design air flows: constant effectiveness ε, on the
// water side, at full fan speed). The facility water returns at T_ret = T_fws + Q_loop / C_w
// (C_w = Q_design / ΔT_fw, constant flow) and the dry cooler can take at most
//   Q_dc,max = ε · C_w · (T_ret − T_air),     ε = ΔT_fw / (ΔT_fw + A_dc)
// (so that at design it cools T_fws + ΔT_fw to T_fws with air at T_fws − A_dc). Below that the
// fans slow: f = Q / Q_dc,max, P_fan = P_fan,design · f³. Above it, the fans run at full speed
// and the assist handles the rest in series:
//   evaporative  adiabatic pre-cooling of the dry-cooler air (spray/pads of effectiveness ε_e):
//                the air enters at T_db − ε_e(T_db − T_wb); the extra heat rejected equals the
//                latent heat of the water evaporated, so water = Q_assist / h_fg (+ blowdown
//                of the spray water is neglected: once-through pads are assumed fed with make-up).
//   trim-chiller an air-cooled chiller after the dry cooler cools the water the rest of the way
//                to T_fws (COP from chiller.hpp's Carnot-fraction model at the outdoor air).
// Heat the plant still cannot reject is reported as unmet (capacity flag, warmer supply).
//
// | parameter        | default  | source                                                   |
// |------------------|----------|----------------------------------------------------------|
// | κ_chip           | 0.8      | typical 0.70–0.85 (vendor cold-plate data, estimate)     |
// | κ_other          | 0.2      | estimate: CPU and NVSwitch cold plates take ~700 of the  |
// |                  |          | ~3.7 kW non-GPU heat of a DGX-class node                 |
// | A_cdu            | 3 K      | estimate: CDU plate exchangers 2–5 K (vendor sheets)     |
// | T_fws            | 32 °C    | ASHRAE W32 class                                         |
// | ΔT facility water| 10 K     | estimate                                                 |
// | A_dc             | 6 K      | estimate: dry-cooler selections 5–8 K                    |
// | P_fan,design / Q | 0.02 W/W | estimate: dry-cooler data sheets 0.015–0.03 kW/kW        |
// | ε_e (evaporative)| 0.8      | estimate: adiabatic pads 0.7–0.9                         |
#pragma once

namespace joule::models::cooling {

struct DryCoolerDesign {
  double heat_w = 0;
  double approach_k = 6.0;    // leaving water minus entering air at design
  double water_delta_k = 10;  // entering minus leaving water at design
  double fan_power_ratio = 0.02;
};

struct DryCoolerOperation {
  double heat_rejected_w = 0;
  double airflow_fraction = 0;
  double fan_power_w = 0;
  double remaining_w = 0;  // heat above what the dry cooler can reject at this air temperature
  double leaving_c = 0;    // water leaving the dry cooler (before any trim)
};

class DryCooler {
public:
  explicit DryCooler(const DryCoolerDesign& design);
  // Rejects up to `heat_w` carried by the loop whose supply setpoint is `supply_c` (the water
  // returns at supply + heat / C_w) to air entering at `air_c`.
  DryCoolerOperation operate(double heat_w, double air_c, double supply_c) const;
  // Most heat the dry cooler rejects at full fan speed when the loop carries `heat_w`.
  double max_heat_w(double heat_w, double air_c, double supply_c) const;
  double effectiveness() const { return effectiveness_; }
  double design_fan_power_w() const { return design_fan_w_; }
  const DryCoolerDesign& design() const { return design_; }

private:
  DryCoolerDesign design_;
  double design_fan_w_;
  double capacity_rate_w_per_k_;  // C_w, water
  double effectiveness_;
};

// Split of IT heat between the cold plates and the air.
struct DlcSplit {
  double liquid_w = 0;
  double air_w = 0;
};
DlcSplit dlc_split(double chip_capture, double other_capture, double chip_heat_w,
                   double other_it_heat_w, double room_losses_w);

// Fan scale of an air-designed node on cold plates: r³, r = air share of its full-load heat.
double cold_plate_fan_scale(double chip_max_w, double other_max_w, double chip_capture,
                            double other_capture);

}  // namespace joule::models::cooling
