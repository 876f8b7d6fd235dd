#include "models/cooling/liquid_cooling.hpp"

#include <algorithm>

namespace joule::models::cooling {

DryCooler::DryCooler(const DryCoolerDesign& design)
    : design_(design),
      design_fan_w_(design.heat_w * design.fan_power_ratio),
      capacity_rate_w_per_k_(design.heat_w / design.water_delta_k),
      effectiveness_(design.water_delta_k / (design.water_delta_k + design.approach_k)) {}

double DryCooler::max_heat_w(double heat_w, double air_c, double supply_c) const {
  const double return_c = supply_c + std::max(heat_w, 0.0) / capacity_rate_w_per_k_;
  return std::max(0.0, effectiveness_ * capacity_rate_w_per_k_ * (return_c - air_c));
}

DryCoolerOperation DryCooler::operate(double heat_w, double air_c, double supply_c) const {
  DryCoolerOperation op;
  op.leaving_c = supply_c;
  if (heat_w <= 0 || design_.heat_w <= 0) return op;
  const double return_c = supply_c + heat_w / capacity_rate_w_per_k_;
  const double max_w = max_heat_w(heat_w, air_c, supply_c);
  op.heat_rejected_w = std::min(heat_w, max_w);
  op.remaining_w = heat_w - op.heat_rejected_w;
  op.leaving_c = return_c - op.heat_rejected_w / capacity_rate_w_per_k_;
  op.airflow_fraction = max_w > 0 ? std::min(1.0, op.heat_rejected_w / max_w) : 0.0;
  const double f = op.airflow_fraction;
  op.fan_power_w = design_fan_w_ * f * f * f;
  return op;
}

DlcSplit dlc_split(double chip_capture, double other_capture, double chip_heat_w,
                   double other_it_heat_w, double room_losses_w) {
  DlcSplit s;
  s.liquid_w = chip_capture * chip_heat_w + other_capture * other_it_heat_w;
  s.air_w = chip_heat_w + other_it_heat_w + room_losses_w - s.liquid_w;
  return s;
}

double cold_plate_fan_scale(double chip_max_w, double other_max_w, double chip_capture,
                            double other_capture) {
  const double total_w = chip_max_w + other_max_w;
  if (total_w <= 0) return 1.0;
  const double r = (total_w - chip_capture * chip_max_w - other_capture * other_max_w) / total_w;
  return r * r * r;
}

}  // namespace joule::models::cooling
