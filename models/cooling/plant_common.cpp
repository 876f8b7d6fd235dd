#include "models/cooling/plant_common.hpp"

#include <algorithm>
#include <cmath>

#include "models/cooling/properties.hpp"

namespace joule::models::cooling::detail {

namespace {
constexpr double w_per_kw = 1e3;
}  // namespace

std::vector<sim::KeyDoc> air_side_keys() {
  return {
      {"supply_air", "degC", "22 degC",
       "CRAH supply-air setpoint (rack inlet before recirculation)"},
      {"air_delta_t", "K", "12 K",
       "air temperature rise across the servers at full fan speed (estimate: ASHRAE TC 9.9 "
       "servers 10-20 K)"},
      {"server_airflow", "CFM/kW", "from air_delta_t (146 CFM/kW at 12 K)",
       "server airflow per kW of IT heat, 1/(rho*cp*dT); the CRAH airflow follows it "
       "(1 CFM = 4.719e-4 m3/s)"},
      {"airflow_ratio", "number", "1.05",
       "CRAH supply / server airflow: the surplus above 1 bypasses the racks, a shortfall "
       "below 1 is made up with hot room air (estimate: contained aisles over-supply a few %)"},
      {"fan_pressure", "Pa", "500 Pa", "CRAH fan total pressure rise at design flow"},
      {"fan_efficiency", "number", "0.6", "CRAH fan wire-to-air efficiency"},
      {"min_airflow", "number", "0.3", "lowest CRAH fan speed, fraction of design flow"},
      {"capacity_margin", "number", "0.15", "plant sized for the design heat times (1 + margin)"},
      {"crah_redundancy", "number", "0.25",
       "running standby CRAH/CRAC units, share of the duty units (N+1 on four: 0.25; "
       "estimate); they share the flow at lower speed"},
      {"hall", "map", "{}", "data-hall air path: containment, recirculation (see 'hall')"},
  };
}

AirSideSpec air_side_spec(const sim::ParamReader& r) {
  AirSideSpec s;
  s.supply_air = r.celsius("supply_air", sim::Range::between(10, 35));
  s.air_delta_t = r.kelvins("air_delta_t", sim::Range::positive());
  s.fan_pressure = r.quantity<sim::Pascals>("fan_pressure", sim::Range::positive());
  s.fan_efficiency = r.number("fan_efficiency", {0, 1, true, false});
  s.min_airflow = r.number("min_airflow", sim::Range::unit_interval());
  s.capacity_margin = r.number("capacity_margin", sim::Range::non_negative());
  s.redundancy = r.number("crah_redundancy", sim::Range::between(0, 4));
  if (r.has("server_airflow"))
    s.server_airflow_cfm_per_kw = r.number("server_airflow", sim::Range::between(10, 1000));
  s.airflow_ratio = r.number("airflow_ratio", sim::Range::between(0.5, 3));
  return s;
}

AirHandlerDesign air_handler_design(const AirSideSpec& s, double design_heat_w) {
  AirHandlerDesign d;
  d.heat_w = design_heat_w;
  d.delta_t_k = s.air_delta_t.value();
  d.fan_pressure_pa = s.fan_pressure.value();
  d.fan_efficiency = s.fan_efficiency;
  d.min_flow_fraction = s.min_airflow;
  d.redundancy = s.redundancy;
  d.server_airflow_m3_s_per_w = s.server_airflow_cfm_per_kw * m3_per_s_per_cfm / w_per_kw;
  d.airflow_ratio = s.airflow_ratio;
  return d;
}

std::vector<sim::KeyDoc> concat(std::vector<sim::KeyDoc> keys,
                                const std::vector<sim::KeyDoc>& more) {
  keys.insert(keys.end(), more.begin(), more.end());
  return keys;
}

Setpoints clamp_setpoints(const Setpoints& want, const Setpoints& now, const Setpoints& lo,
                          const Setpoints& hi) {
  Setpoints held = now;
  if (std::isfinite(want.supply_air_c) && std::isfinite(now.supply_air_c))
    held.supply_air_c = std::clamp(want.supply_air_c, lo.supply_air_c, hi.supply_air_c);
  if (std::isfinite(now.chilled_water_c) &&
      (std::isfinite(want.chilled_water_c) || held.supply_air_c != now.supply_air_c)) {
    const double target =
        std::isfinite(want.chilled_water_c) ? want.chilled_water_c : now.chilled_water_c;
    double top = hi.chilled_water_c;
    if (std::isfinite(held.supply_air_c)) top = std::min(top, held.supply_air_c - 1.0);
    held.chilled_water_c =
        std::clamp(target, lo.chilled_water_c, std::max(lo.chilled_water_c, top));
  }
  return held;
}

}  // namespace joule::models::cooling::detail
