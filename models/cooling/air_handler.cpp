#include "models/cooling/air_handler.hpp"

#include <algorithm>
#include <cmath>

#include "models/cooling/properties.hpp"

namespace joule::models::cooling {

AirHandler::AirHandler(const AirHandlerDesign& design)
    : design_(design),
      k_m3_s_per_w_(design.server_airflow_m3_s_per_w > 0
                        ? design.server_airflow_m3_s_per_w
                        : 1.0 / (rho_air_kg_per_m3 * cp_air_j_per_kg_k * design.delta_t_k)),
      design_flow_m3_s_(k_m3_s_per_w_ * design.heat_w),
      design_power_w_(design_flow_m3_s_ * design.fan_pressure_pa / design.fan_efficiency) {}

double AirHandler::required_airflow_m3_s(double heat_w) const {
  return std::max(heat_w, 0.0) * k_m3_s_per_w_;
}

AirHandlerOperation AirHandler::operate(double heat_w) const {
  AirHandlerOperation op;
  if (heat_w <= 0 || design_flow_m3_s_ <= 0) return op;
  const double installed = 1.0 + std::max(design_.redundancy, 0.0);
  op.server_airflow_m3_s = required_airflow_m3_s(heat_w);
  const double fraction = design_.airflow_ratio * op.server_airflow_m3_s / design_flow_m3_s_;
  op.unit_speed = std::clamp(fraction / installed, design_.min_flow_fraction, 1.0);
  op.flow_fraction = op.unit_speed * installed;
  op.airflow_m3_s = op.flow_fraction * design_flow_m3_s_;
  op.bypass_m3_s = std::max(0.0, op.airflow_m3_s - op.server_airflow_m3_s);
  op.recirculation_m3_s = std::max(0.0, op.server_airflow_m3_s - op.airflow_m3_s);
  op.return_rise_k = heat_w / (rho_air_kg_per_m3 * cp_air_j_per_kg_k * op.airflow_m3_s);
  const double s = op.unit_speed;
  op.fan_power_w = installed * design_power_w_ * s * s * s;
  if (op.server_airflow_m3_s > installed * design_flow_m3_s_) {
    op.over_capacity = true;
    op.unmet_heat_w = heat_w - installed * design_.heat_w;
  }
  return op;
}

double air_economizer_fraction(const AirEconomizerLimits& limits, double outdoor_c,
                               double outdoor_rh, double supply_c, double return_c) {
  if (outdoor_rh < limits.rh_min || outdoor_rh > limits.rh_max) return 0.0;
  const double span_k = return_c - supply_c;
  if (span_k <= 0) return outdoor_c <= supply_c - limits.margin_k ? 1.0 : 0.0;
  return std::clamp((return_c - limits.margin_k - outdoor_c) / span_k, 0.0, 1.0);
}

}  // namespace joule::models::cooling
