// Fuzz target: the unit parser (sim::parse_quantity) and the typed conversions after it.
// Expected outcomes: a finite quantity, or a sim::UnitError whose offset lies within the text.
#include <cmath>

#include "fuzz_common.hpp"
#include "sim/units.hpp"

using namespace joule;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  sim::ParsedQuantity q;
  try {
    q = sim::parse_quantity(text);
  } catch (const sim::UnitError& e) {
    fuzz::require(!e.message.empty() && e.offset <= text.size());
    return 0;
  }
  fuzz::require(std::isfinite(q.value));
  const auto convert = [](auto&& f) {
    try {
      const double v = f();
      fuzz::require(std::isfinite(v));
    } catch (const sim::UnitError& e) {
      fuzz::require(!e.message.empty());
    }
  };
  convert([&] { return sim::as<sim::Watts>(q).value(); });
  convert([&] { return sim::as<sim::Seconds>(q, true).value(); });
  convert([&] { return sim::as<sim::BytesPerSecond>(q).value(); });
  convert([&] { return sim::as<sim::CarbonIntensity>(q).value(); });
  convert([&] { return sim::as_celsius(q, true).value; });
  convert([&] { return sim::as_kelvins(q, true).value(); });
  return 0;
}
