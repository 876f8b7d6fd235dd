#include "models/cooling/liquid_cooling.hpp"

#include <algorithm>

namespace joule::models::cooling {

DryCooler::DryCooler(const DryCoolerDesign& design)
    : design_(design), design_fan_w_(design.heat_w * design.fan_power_ratio) {}

double DryCooler::max_heat_w(double air_c, double supply_c) const {
  return std::max(0.0, design_.heat_w * (supply_c - air_c) / design_.approach_k);
}

DryCoolerOperation DryCooler::operate(double heat_w, double air_c, double supply_c) const {
  DryCoolerOperation op;
  if (heat_w <= 0 || design_.heat_w <= 0) return op;
  const double available_k = supply_c - air_c;
  if (available_k <= 0) {  // air warmer than the water: the dry cooler cannot help
    op.remaining_w = heat_w;
    return op;
  }
  op.heat_rejected_w = std::min(heat_w, max_heat_w(air_c, supply_c));
  op.remaining_w = heat_w - op.heat_rejected_w;
  op.airflow_fraction =
      std::min(1.0, op.heat_rejected_w / design_.heat_w * design_.approach_k / available_k);
  const double f = op.airflow_fraction;
  op.fan_power_w = design_fan_w_ * f * f * f;
  return op;
}

DlcSplit dlc_split(double capture_fraction, double chip_heat_w, double other_air_heat_w) {
  DlcSplit s;
  s.liquid_w = capture_fraction * chip_heat_w;
  s.air_w = chip_heat_w - s.liquid_w + other_air_heat_w;
  return s;
}

}  // namespace joule::models::cooling
