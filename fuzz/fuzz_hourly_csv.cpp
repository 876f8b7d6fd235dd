// Fuzz target: the hourly CSV reader for grid carbon intensity and prices
// (models::environment::parse_hourly_csv). The header decides which shipped layout is read:
// one naming a carbon column is read as carbon (values must be >= 0), anything else as prices.
// Expected outcomes: a gap-free, ordered series of finite values, or a sim::InputError.
#include <cmath>

#include "fuzz_common.hpp"
#include "models/environment/hourly_series.hpp"

using namespace joule;
namespace env = joule::models::environment;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  const bool carbon = text.substr(0, text.find('\n')).find("Carbon") != std::string_view::npos;
  const std::string time_column(carbon ? env::carbon_time_column : env::price_time_column);
  const std::string value_column(carbon ? env::carbon_direct_column : env::price_column);
  env::HourlySeries series;
  if (!fuzz::accepts([&] {
        series = env::parse_hourly_csv(text, "f.csv", time_column, value_column, carbon);
      }))
    return 0;
  fuzz::require(!series.values.empty());
  fuzz::require(series.first_utc_s % 60 == 0);  // on the hour, offsets in whole minutes
  for (const double v : series.values) fuzz::require(std::isfinite(v) && (!carbon || v >= 0));
  return 0;
}
