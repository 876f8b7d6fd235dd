#include "models/cooling/cooling_tower.hpp"

#include <algorithm>

#include "models/cooling/properties.hpp"

namespace joule::models::cooling {

CoolingTower::CoolingTower(const CoolingTowerDesign& design)
    : design_(design),
      design_fan_w_(design.heat_w * design.fan_power_ratio),
      design_flow_m3_s_(design.heat_w /
                        (rho_water_kg_per_m3 * cp_water_j_per_kg_k * design.range_k)) {}

TowerOperation CoolingTower::operate(double heat_w, double wetbulb_c, double floor_c) const {
  TowerOperation op;
  const double load = design_.heat_w > 0 ? std::max(heat_w, 0.0) / design_.heat_w : 0.0;
  op.leaving_c = std::max(wetbulb_c + design_.approach_k * std::max(1.0, load), floor_c);
  op.approach_k = op.leaving_c - wetbulb_c;
  if (load <= 0) return op;
  op.airflow_fraction = std::min(1.0, load * design_.approach_k / op.approach_k);
  const double f = op.airflow_fraction;
  op.fan_power_w = design_fan_w_ * f * f * f;
  return op;
}

double evaporative_water_m3_s(const EvaporativeWater& w, double heat_w, double water_c,
                              double circulating_m3_s) {
  if (heat_w <= 0) return 0.0;
  const double evaporation_m3_s =
      w.latent_fraction * heat_w / latent_heat_j_per_kg(water_c) / rho_water_kg_per_m3;
  const double blowdown_m3_s = evaporation_m3_s / (w.cycles_of_concentration - 1.0);
  return evaporation_m3_s + blowdown_m3_s + w.drift_fraction * circulating_m3_s;
}

}  // namespace joule::models::cooling
