// On-site photovoltaics from the weather file's global horizontal irradiance:
//     P = P_peak · GHI / 1000 W/m² · PR
// P_peak is the array's nameplate (DC at standard test conditions, 1000 W/m², 25 °C); the
// performance ratio PR lumps inverter, temperature, soiling, wiring and mismatch losses
// (0.80: typical of modern utility/commercial systems, IEA PVPS T13 reports 0.75–0.85 —
// estimate). The array is treated as horizontal: tilted arrays collect 10–15 % more at mid
// latitudes, which a higher PR can stand in for. Zero at night by construction (GHI = 0).
#pragma once

#include "sim/params.hpp"
#include "sim/units.hpp"

namespace joule::models::power {

inline constexpr double pv_standard_irradiance_w_per_m2 = 1000.0;

struct PvSpec {
  sim::Watts peak{0};
  double performance_ratio = 0.80;
};

const sim::ModelDoc& pv_doc();
PvSpec pv_spec(const sim::ParamReader& r);

// AC power delivered to the facility bus at irradiance `ghi_w_per_m2`.
inline double pv_power_w(const PvSpec& pv, double ghi_w_per_m2) {
  return pv.peak.value() * (ghi_w_per_m2 / pv_standard_irradiance_w_per_m2) * pv.performance_ratio;
}

}  // namespace joule::models::power
