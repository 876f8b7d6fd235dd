// Regressions found by the fuzz targets (fuzz/). Each case is the smallest input that
// reproduced the finding, the sanitizer report or exception it gave, and the behaviour now
// required: a sim::InputError (or UnitError) naming the problem, never undefined behaviour or an
// internal error. Under the sanitizer build (build-asan) the old code fails these cases with the
// UBSan report quoted; in a plain build they fail on the exception type or the wrong value.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "models/environment/epw.hpp"
#include "models/workload/trace.hpp"
#include "sim/error.hpp"
#include "sim/units.hpp"

using namespace joule;

namespace {

std::string epw_header() {
  std::ifstream in(std::string(JOULE_SOURCE_DIR) +
                   "/scenarios/data/weather/USA_VA_Leesburg.Exec.epw");
  REQUIRE(in.good());
  std::string text, line;
  for (int i = 0; i < 8 && std::getline(in, line); ++i) text += line + "\n";
  return text;
}

}  // namespace

// fuzz_epw, crash-25f18781: "runtime error: -1e+300 is outside the range of representable
// values of type 'int'" at epw.cpp (static_cast<int> of the month field).
TEST_CASE("EPW: a calendar field far out of range is an InputError, not a float-to-int cast") {
  for (const char* month : {"-1e300", "1e300", "4294967296", "-2147483649"}) {
    CAPTURE(month);
    const std::string text = epw_header() + "1999," + month +
                             ",1,1,60,?,-1.1,-3.3,85,101300,0,0,250,0,0,0,"
                             "250,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n";
    CHECK_THROWS_WITH_AS(models::environment::parse_epw(text, "w.epw"),
                         doctest::Contains("w.epw:9:"), sim::InputError);
    CHECK_THROWS_WITH_AS(models::environment::parse_epw(text, "w.epw"), doctest::Contains("month"),
                         sim::InputError);
  }
}
