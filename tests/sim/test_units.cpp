#include <doctest/doctest.h>

#include "sim/units.hpp"

using namespace joule::sim;

namespace {
double base(const char* text) {
  return parse_quantity(text).value;
}
std::string error_of(const char* text) {
  try {
    parse_quantity(text);
  } catch (const UnitError& e) {
    return e.message;
  }
  return "";
}
}  // namespace

TEST_CASE("quantities parse to base units") {
  CHECK(as<Watts>(parse_quantity("700 W")).value() == 700);
  CHECK(as<Watts>(parse_quantity("1.2 MW")).value() == doctest::Approx(1.2e6));
  CHECK(as<Seconds>(parse_quantity("15 min")).value() == 900);
  CHECK(as<Seconds>(parse_quantity("50000 h")).value() == doctest::Approx(1.8e8));
  CHECK(as<Seconds>(parse_quantity("365 d")).value() == doctest::Approx(365 * 86400.0));
  CHECK(as<BytesPerSecond>(parse_quantity("3.35 TB/s")).value() == doctest::Approx(3.35e12));
  CHECK(as<FlopsPerSecond>(parse_quantity("989 TFLOP/s")).value() == doctest::Approx(989e12));
  CHECK(as<FlopsPerSecond>(parse_quantity("989 TFLOPS")).value() == doctest::Approx(989e12));
  // 2.5 pJ/bit = 2.5e-12 J per 1/8 byte = 2e-11 J/B.
  CHECK(as<JoulesPerByte>(parse_quantity("2.5 pJ/bit")).value() == doctest::Approx(2e-11));
  CHECK(as<JoulesPerFlop>(parse_quantity("0.71 pJ/FLOP")).value() == doctest::Approx(0.71e-12));
  // 0.4 kgCO2e/kWh = 0.4 / 3.6e6 kgCO2e per J.
  CHECK(as<CarbonIntensity>(parse_quantity("0.4 kgCO2e/kWh")).value() ==
        doctest::Approx(0.4 / 3.6e6));
  CHECK(as<CarbonIntensity>(parse_quantity("400 gCO2e/kWh")).value() ==
        doctest::Approx(0.4 / 3.6e6));
  CHECK(as<UsdPerJoule>(parse_quantity("80 USD/MWh")).value() == doctest::Approx(80 / 3.6e9));
  CHECK(as<Joules>(parse_quantity("2 kWh")).value() == doctest::Approx(7.2e6));
  CHECK(as<Hertz>(parse_quantity("1980 MHz")).value() == doctest::Approx(1.98e9));
  CHECK(as<CubicMeters>(parse_quantity("250 L")).value() == doctest::Approx(0.25));
  CHECK(as<Ratio>(parse_quantity("40 %")).value() == doctest::Approx(0.4));
  CHECK(as<Ratio>(parse_quantity("0.4")).value() == doctest::Approx(0.4));
  CHECK(as<WattsPerKelvin>(parse_quantity("150 W/K")).value() == 150);
  CHECK(base("1e3 W") == 1000);
  CHECK(base("+5 W") == 5);
  CHECK(base("-5 W") == -5);
}

TEST_CASE("temperatures are affine; differences are not") {
  CHECK(as_celsius(parse_quantity("35 degC")).value == doctest::Approx(35));
  CHECK(as_celsius(parse_quantity("300 K")).value == doctest::Approx(26.85));
  CHECK(as_celsius(parse_quantity("95 degF")).value == doctest::Approx(35));
  CHECK(as_kelvins(parse_quantity("5 K")).value() == doctest::Approx(5));
  CHECK(as_kelvins(parse_quantity("5 degC")).value() == doctest::Approx(5));
  CHECK(as_kelvins(parse_quantity("9 degF")).value() == doctest::Approx(5));
  CHECK(as_celsius(parse_quantity("20"), true).value == 20);
}

TEST_CASE("bad quantities give precise errors") {
  CHECK(error_of("700 Wt").find("unknown unit 'Wt'") != std::string::npos);
  CHECK(error_of("700 Wt").find("did you mean 'W'") != std::string::npos);
  CHECK(error_of("W").find("expected a number") != std::string::npos);
  CHECK(error_of("nan W").find("finite") != std::string::npos);
  CHECK(error_of("inf W").find("finite") != std::string::npos);
  CHECK(error_of("1e999 W").find("out of range") != std::string::npos);
  CHECK(error_of("3 TB/").find("unit missing after '/'") != std::string::npos);
  CHECK(error_of("3 m^x").find("exponent") != std::string::npos);
  // Wrong dimension and missing unit are caught when the type is known.
  try {
    as<Watts>(parse_quantity("5 J"));
    FAIL("no error");
  } catch (const UnitError& e) {
    CHECK(e.message.find("expected a power (W)") != std::string::npos);
    CHECK(e.message.find("got a energy") != std::string::npos);
  }
  CHECK_THROWS_AS(as<Watts>(parse_quantity("700")), UnitError);
  CHECK_THROWS_AS(as_celsius(parse_quantity("20 W")), UnitError);
  // The error offset points at the unit.
  try {
    parse_quantity("12 Wt");
  } catch (const UnitError& e) {
    CHECK(e.offset == 3);
  }
}

TEST_CASE("typed arithmetic carries dimensions") {
  const Joules e = Watts(700) * Seconds(3600);
  CHECK(e.value() == doctest::Approx(2.52e6));
  const Watts p = e / Seconds(3600);
  CHECK(p.value() == doctest::Approx(700));
  const KgCo2e c = e * CarbonIntensity(0.4 / 3.6e6);
  CHECK(c.value() == doctest::Approx(0.28));
  CHECK(Celsius{30} - Celsius{20} == Kelvins(10));
}

TEST_CASE("compound quantities add their parts: 33 d 12 h, 1 h 30 min") {
  CHECK(as<Seconds>(parse_quantity("33 d 12 h")).value() == 33 * 86400.0 + 12 * 3600.0);
  CHECK(as<Seconds>(parse_quantity("1 h 30 min")).value() == 5400);
  CHECK(as<Seconds>(parse_quantity("2 min 30 s")).value() == 150);
  CHECK(as<Seconds>(parse_quantity("1 d 2 h 3 min 4 s")).value() == 86400 + 7200 + 180 + 4);
  CHECK(as<Seconds>(parse_quantity("1 h 0.5 min")).value() == 3630);
  CHECK(as<Seconds>(parse_quantity("  1h 30min  ")).value() == 5400);
  CHECK(as<Seconds>(parse_quantity("1 wk 2 d")).value() == 9 * 86400.0);
  // Any dimension: the parts only need to agree.
  CHECK(as<Watts>(parse_quantity("1 MW 200 kW")).value() == doctest::Approx(1.2e6));
  // A single term is as before, "1e3 W" included.
  CHECK(base("1e3 W") == 1000);
  CHECK(base("1 kg m^-2") == 1);
}

TEST_CASE("malformed compound quantities say what is wrong, and where") {
  const auto offset_of = [](const char* text) -> std::size_t {
    try {
      parse_quantity(text);
    } catch (const UnitError& e) {
      return e.offset;
    }
    return std::string::npos;
  };
  // A part without its unit.
  CHECK(error_of("33 d 12").find("'12' needs a unit") != std::string::npos);
  CHECK(offset_of("33 d 12") == 5);
  // Parts that do not add: another dimension, an affine temperature, a product of units.
  CHECK(error_of("1 h 30 W").find("'W' (power (W)) does not add to 'h' (time (s, min, h, d))") !=
        std::string::npos);
  CHECK(offset_of("1 h 30 W") == 4);
  CHECK(error_of("20 degC 5 K").find("'degC' cannot be part of a compound quantity") !=
        std::string::npos);
  CHECK(error_of("1 W/K 2 W/K").find("'W/K' cannot be part of a compound quantity") !=
        std::string::npos);
  // Smaller units first, or one unit twice: most likely a typo.
  CHECK(error_of("30 min 1 h").find("'h' after 'min': a compound quantity lists larger units "
                                    "first, each once") != std::string::npos);
  CHECK(error_of("1 h 2 h").find("'h' after 'h'") != std::string::npos);
  // A negative part.
  CHECK(error_of("1 d -2 h").find("cannot be negative") != std::string::npos);
  CHECK(offset_of("1 d -2 h") == 4);
  CHECK(error_of("-1 d 2 h").find("cannot be negative") != std::string::npos);
  // An error inside a later part points into that part.
  CHECK(error_of("1 h 30 mni").find("unknown unit 'mni'") !=
        std::string::npos);
  CHECK(offset_of("1 h 30 mni") == 7);
}
