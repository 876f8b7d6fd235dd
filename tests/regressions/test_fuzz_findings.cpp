// Regressions found by the fuzz targets (fuzz/). Each case is the smallest input that
// reproduced the finding, the sanitizer report or exception it gave, and the behaviour now
// required: a sim::InputError (or UnitError) naming the problem, never undefined behaviour or an
// internal error. Under the sanitizer build (build-asan) the old code fails these cases with the
// UBSan report quoted; in a plain build they fail on the exception type or the wrong value.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "app/scenario.hpp"
#include "io/yaml_params.hpp"
#include "models/environment/epw.hpp"
#include "models/environment/site.hpp"
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

// fuzz_trace, crash-76054d74: "terminate called after throwing an instance of
// 'std::overflow_error' what(): sim::Time overflow: 156986300820.000000 s" — an end_time typo
// (one digit too many) made a 5,000-year job; the CLI reported it as an internal error (exit 1).
TEST_CASE("trace: a duration or submit span beyond sim::Time is an InputError at its cell") {
  const std::string header = "job_id,gpu_num,submit_time,start_time,end_time\n";
  CHECK_THROWS_WITH_AS(models::workload::parse_trace_csv(
                           header + "a,8,1585700100,1585700400,158572001220\n", "t.csv"),
                       doctest::Contains("t.csv:2:27: duration of 1.56986e+11 s is too long"),
                       sim::InputError);
  CHECK_THROWS_WITH_AS(models::workload::parse_trace_csv(
                           "job_id,gpu_num,submit_time,duration\na,1,0,1e300\n", "t.csv"),
                       doctest::Contains("t.csv:2:7:"), sim::InputError);
  CHECK_THROWS_WITH_AS(models::workload::parse_trace_csv(
                           "job_id,gpu_num,submit_time,duration\na,1,0,60\nb,1,1e12,60\n", "t.csv"),
                       doctest::Contains("t.csv:3:5: submit_time is over 290 years"),
                       sim::InputError);
  // The largest span that fits is still accepted: 200 years.
  const auto t = models::workload::parse_trace_csv(
      "job_id,gpu_num,submit_time,duration\na,1,0,60\nb,1,6.3072e9,6.3072e9\n", "t.csv");
  CHECK(t.jobs[1].submit.seconds() == 6.3072e9);
}

// Found while fixing the above (the same product is reached by fuzz_trace): gpu_hours()
// summed gpus × duration in int64 GPU·ns, which overflows (undefined) for 10 million GPUs held
// for 100 years.
TEST_CASE("trace: GPU-hours of a huge trace do not overflow") {
  const auto t = models::workload::parse_trace_csv(
      "job_id,gpu_num,submit_time,duration\na,10000000,0,3.1536e9\n", "t.csv");
  CHECK(t.gpu_hours() == doctest::Approx(1e7 * 3.1536e9 / 3600));
}

// fuzz_units: "runtime error: signed integer overflow: 2 * 2000000000 cannot be represented in
// type 'int'" at units.cpp (scaled(): the dimension exponents of W^2000000000); and
// exponent *= sign overflowed for W/W^-2147483648.
TEST_CASE("units: an absurd exponent is a UnitError, not an integer overflow") {
  for (const char* text : {"1 W^2000000000", "1 W/W^-2147483648", "1 m^1000"}) {
    CAPTURE(text);
    CHECK_THROWS_AS(sim::parse_quantity(text), sim::UnitError);
  }
  CHECK(sim::parse_quantity("1 m^3").dim.length == 3);
  CHECK(sim::parse_quantity("2 W*s^-1").dim.time == -4);
}

// fuzz_scenario, crash-a9d8fa5a: "runtime error: signed integer overflow: -31919252400 *
// 1000000000 cannot be represented in type 'long'" at site.cpp (HourlySignal's offset in ns):
// `site.start: 1011-07-10T00:00` against 2023 grid data, 1,012 years apart.
TEST_CASE("site: a start centuries away from the grid data wraps, or is an InputError") {
  const std::string dir = std::string(JOULE_SOURCE_DIR) + "/scenarios";
  const auto site_for = [&](const std::string& start, const std::string& wrap) {
    const auto node = io::parse_yaml_text(
        "{weather: data/weather/USA_VA_Leesburg.Exec.epw, carbon: "
        "data/carbon/US-MIDA-PJM_2023_hourly.csv, start: " +
            start + ", wrap: " + wrap + "}",
        "site.yaml");
    const sim::ParamReader r(&node, models::environment::site_doc());
    return models::environment::Site(models::environment::site_spec(r, dir), sim::days(7));
  };
  // With wrap (the default), the 2023 carbon year repeats: July 10 of 1011 reads the hour of
  // the 2023 series that is a whole number of series-lengths away, as any other year does.
  const auto far = site_for("1011-07-10T00:00", "true");
  const auto near = site_for("2023-07-10T00:00", "true");
  CHECK(std::isfinite(far.carbon().at(sim::hours(5))));
  CHECK(far.carbon().at(sim::Time::zero()) > 0);
  CHECK(near.carbon().at(sim::Time::zero()) > 0);
  // Without wrap the series does not cover the run: an InputError naming the carbon file.
  CHECK_THROWS_WITH_AS(site_for("1011-07-10T00:00", "false"), doctest::Contains("site.carbon"),
                       sim::InputError);
}

// fuzz_scenario, crash-f1d1839e: "terminate called after throwing an instance of
// 'std::filesystem::filesystem_error' what(): filesystem error: status: File name too long" —
// `extends:` naming a file whose name is longer than the file system allows
// (fs::weakly_canonical threw); `joule` reported an internal error.
TEST_CASE("scenario: extends naming an impossible path is an InputError") {
  const std::string name = "whatif/h100-" + std::string(300, 'u') + ".yaml";
  CHECK_THROWS_WITH_AS(app::load_scenario_text("extends: " + name + "\n", "s.yaml",
                                               std::string(JOULE_SOURCE_DIR) + "/scenarios"),
                       doctest::Contains("s.yaml:1:10: extends: cannot read file"),
                       sim::InputError);
}
