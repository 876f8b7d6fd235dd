// Fuzz target: the EPW weather reader (models::environment::parse_epw).
// Expected outcomes: 8760 complete, in-range hourly rows, or a sim::InputError.
#include <cmath>

#include "fuzz_common.hpp"
#include "models/environment/epw.hpp"

using namespace joule;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  models::environment::EpwData epw;
  if (!fuzz::accepts(
          [&] { epw = models::environment::parse_epw(fuzz::as_text(data, size), "f.epw"); }))
    return 0;
  const std::size_t n = epw.hours();
  fuzz::require(n == 8760);
  for (const auto* column : {&epw.dew_point_c, &epw.relative_humidity, &epw.pressure_pa,
                             &epw.ghi_wh_per_m2, &epw.dni_wh_per_m2, &epw.dhi_wh_per_m2})
    fuzz::require(column->size() == n);
  for (std::size_t i = 0; i < n; ++i)
    fuzz::require(std::isfinite(epw.dry_bulb_c[i]) && std::isfinite(epw.pressure_pa[i]) &&
                  epw.pressure_pa[i] > 0);
  return 0;
}
