#include "models/cooling/water_economizer.hpp"

#include <algorithm>

namespace joule::models::cooling {

const char* to_string(EconomizerMode mode) {
  switch (mode) {
    case EconomizerMode::off:
      return "off";
    case EconomizerMode::partial:
      return "partial";
    case EconomizerMode::full:
      return "full";
  }
  return "off";
}

WaterSideEconomizer::WaterSideEconomizer(const WaterEconomizerDesign& design) : design_(design) {}

EconomizerMode WaterSideEconomizer::desired_mode(double chw_return_c, double chw_supply_c,
                                                 double wetbulb_c, double tower_approach_k) const {
  const double hx_leaving_c = wetbulb_c + tower_approach_k + design_.hx_approach_k;
  if (!(chw_return_c > hx_leaving_c + design_.deadband_k)) return EconomizerMode::off;
  return hx_leaving_c <= chw_supply_c ? EconomizerMode::full : EconomizerMode::partial;
}

EconomizerMode WaterSideEconomizer::step(sim::Time now, double chw_return_c, double chw_supply_c,
                                         double wetbulb_c, double tower_approach_k) {
  const EconomizerMode want = desired_mode(chw_return_c, chw_supply_c, wetbulb_c, tower_approach_k);
  if (!started_) {  // the first step sets the initial mode without waiting
    started_ = true;
    mode_ = want;
    since_ = now;
    return mode_;
  }
  if (want == mode_) return mode_;
  const bool dwelt = now - since_ >= design_.min_dwell;
  const bool protect = mode_ == EconomizerMode::full;  // full can no longer hold the setpoint
  if (dwelt || protect) {
    mode_ = protect && !dwelt ? EconomizerMode::partial : want;
    since_ = now;
  }
  return mode_;
}

double WaterSideEconomizer::hx_fraction(double chw_return_c, double chw_supply_c,
                                        double tower_c) const {
  const double span_k = chw_return_c - chw_supply_c;
  if (span_k <= 0) return 0.0;
  return std::clamp((chw_return_c - (tower_c + design_.hx_approach_k)) / span_k, 0.0, 1.0);
}

}  // namespace joule::models::cooling
