// Keys and helpers the plant types share: the CRAH air side, water-loop pumps, sizing margin.
// Internal to models/cooling (the plant files and their tests).
#pragma once

#include <vector>

#include "models/cooling/air_handler.hpp"
#include "models/cooling/plant.hpp"
#include "models/cooling/pump.hpp"
#include "sim/params.hpp"

namespace joule::models::cooling::detail {

// supply_air, air_delta_t, server_airflow, airflow_ratio, fan_pressure, fan_efficiency,
// min_airflow, capacity_margin, crah_redundancy, hall.
std::vector<sim::KeyDoc> air_side_keys();

struct AirSideSpec {
  sim::Celsius supply_air{22};
  sim::Kelvins air_delta_t{12};
  sim::Pascals fan_pressure{500};
  double fan_efficiency = 0.6;
  double min_airflow = 0.3;
  double capacity_margin = 0.15;
  double redundancy = 0.25;
  double server_airflow_cfm_per_kw = 0;  // 0: from air_delta_t
  double airflow_ratio = 1.05;
};
AirSideSpec air_side_spec(const sim::ParamReader& r);
AirHandlerDesign air_handler_design(const AirSideSpec& s, double design_heat_w);

// Appends `more` to `keys`.
std::vector<sim::KeyDoc> concat(std::vector<sim::KeyDoc> keys,
                                const std::vector<sim::KeyDoc>& more);

// A controller's set-point request clamped as CoolingPlant::set_setpoints says: each finite
// value of `want` to [lo, hi]; the chilled water also to at most the supply air - 1 K, and
// re-clamped when the supply air moves.
Setpoints clamp_setpoints(const Setpoints& want, const Setpoints& now, const Setpoints& lo,
                          const Setpoints& hi);

// Supply temperature after the plant fails to remove `unmet_w` from a stream carrying
// `capacity_rate_w_per_k` (m_dot·cp): the stream warms by unmet / rate. Inline: a plant's
// evaluation takes one or two.
inline double warmed_by_unmet(double setpoint_c, double unmet_w, double capacity_rate_w_per_k) {
  if (unmet_w <= 0 || capacity_rate_w_per_k <= 0) return setpoint_c;
  return setpoint_c + unmet_w / capacity_rate_w_per_k;
}

}  // namespace joule::models::cooling::detail
