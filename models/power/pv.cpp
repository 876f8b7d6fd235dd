#include "models/power/pv.hpp"

namespace joule::models::power {

const sim::ModelDoc& pv_doc() {
  static const sim::ModelDoc doc{
      "power_chain",
      "pv",
      "On-site PV: P = peak · GHI/1000 W/m² · performance_ratio (horizontal array).",
      {
          {"peak", "W", "", "nameplate (DC, standard test conditions), e.g. \"5 MW\""},
          {"performance_ratio", "number", "0.8",
           "AC output ÷ (nameplate × irradiance/1000 W/m²): inverter, heat, soiling losses"},
      }};
  return doc;
}

PvSpec pv_spec(const sim::ParamReader& r) {
  PvSpec s;
  s.peak = r.quantity<sim::Watts>("peak", sim::Range::non_negative());
  s.performance_ratio = r.number("performance_ratio", {0, 1, true, false});
  return s;
}

}  // namespace joule::models::power
