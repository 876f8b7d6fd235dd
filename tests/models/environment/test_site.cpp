#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/yaml_params.hpp"
#include "models/environment/psychrometrics.hpp"
#include "models/environment/site.hpp"
#include "sim/error.hpp"

using namespace joule::models::environment;
using joule::sim::InputError;
namespace sim = joule::sim;

namespace {

const std::string scenario_dir = std::string(JOULE_SOURCE_DIR) + "/scenarios";

SiteSpec spec_from(const std::string& yaml, const std::string& base = scenario_dir) {
  const sim::ParamNode root = joule::io::parse_yaml_text(yaml, "scenario.yaml");
  const sim::ParamReader r(root.find("site"), site_doc());
  return site_spec(r, base);
}

Site site_from(const std::string& yaml, sim::Time horizon) {
  return Site(spec_from(yaml), horizon);
}

// The value in `column` (0-based) of the CSV row whose first field starts with `stamp`.
double csv_value(const std::string& path, const std::string& stamp, int column) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(stamp, 0) != 0) continue;
    std::istringstream row(line);
    std::string field;
    for (int i = 0; i <= column; ++i) std::getline(row, field, ',');
    return std::stod(field);
  }
  FAIL("no row " << stamp << " in " << path);
  return 0;
}

constexpr double g_per_kwh = 1e-3 / 3.6e6;   // kgCO2e/J per gCO2e/kWh
constexpr double usd_per_mwh = 1.0 / 3.6e9;  // USD/J per USD/MWh

const std::string leesburg_pjm =
    "site:\n"
    "  weather: data/weather/USA_VA_Leesburg.Exec.epw\n"
    "  carbon: data/carbon/US-MIDA-PJM_2023_hourly.csv\n"
    "  price: data/prices/US-MIDA-PJM_2023.csv\n";

}  // namespace

TEST_CASE("carbon and price align to UTC through the EPW time zone") {
  const Site site = site_from(leesburg_pjm, sim::days(30));
  CHECK(site.utc_offset_h() == -5.0);
  // t = 0 is 2023-01-01 00:00 EST = 05:00 UTC.
  CHECK(to_string(site.utc_time(sim::Time::zero())) == "2023-01-01T05:00");
  const std::string carbon = scenario_dir + "/data/carbon/US-MIDA-PJM_2023_hourly.csv";
  const std::string price = scenario_dir + "/data/prices/US-MIDA-PJM_2023.csv";
  const double ci_05 = csv_value(carbon, "2023-01-01 05:00:00", 4) * g_per_kwh;  // direct
  const double ci_06 = csv_value(carbon, "2023-01-01 06:00:00", 4) * g_per_kwh;
  CHECK(site.carbon_intensity(sim::Time::zero()).value() == doctest::Approx(ci_05));
  CHECK(site.carbon_intensity(sim::minutes(59)).value() == doctest::Approx(ci_05));
  CHECK(site.carbon_intensity(sim::hours(1)).value() == doctest::Approx(ci_06));
  CHECK(site.carbon().next_change(sim::minutes(10)) == sim::hours(1));
  CHECK(site.price(sim::hours(3)).value() ==
        doctest::Approx(csv_value(price, "2023-01-01 08:00:00", 2) * usd_per_mwh));
}

TEST_CASE("carbon_column selects the life-cycle intensity") {
  const Site site = site_from(leesburg_pjm + "  carbon_column: lca\n", sim::days(1));
  const std::string carbon = scenario_dir + "/data/carbon/US-MIDA-PJM_2023_hourly.csv";
  CHECK(site.carbon_intensity(sim::hours(2)).value() ==
        doctest::Approx(csv_value(carbon, "2023-01-01 07:00:00", 5) * g_per_kwh));
}

TEST_CASE("weather: instantaneous fields interpolate, irradiance holds per hour") {
  const Site site = site_from(leesburg_pjm, sim::days(365));
  const EpwData& d = *site.weather().data();
  // t = 0 (Jan 1 00:00) is the typical year's Dec 31 24:00 row; row 0 sits at 01:00.
  CHECK(site.conditions(sim::Time::zero()).dry_bulb.value == doctest::Approx(d.dry_bulb_c[8759]));
  CHECK(site.conditions(sim::hours(1)).dry_bulb.value == doctest::Approx(d.dry_bulb_c[0]));
  CHECK(site.conditions(sim::minutes(90)).dry_bulb.value ==
        doctest::Approx(0.5 * (d.dry_bulb_c[0] + d.dry_bulb_c[1])));
  CHECK(site.conditions(sim::minutes(90)).pressure.value() ==
        doctest::Approx(0.5 * (d.pressure_pa[0] + d.pressure_pa[1])));
  // Noon hour of Jan 1 (row 12 covers 12:00-13:00) is sunny, midnight dark.
  CHECK(site.conditions(sim::minutes(12 * 60 + 30)).ghi.value() == d.ghi_wh_per_m2[12]);
  CHECK(d.ghi_wh_per_m2[12] > 0.0);
  CHECK(site.conditions(sim::hours(2)).ghi.value() == 0.0);
  // Wet-bulb at an hour is the psychrometric wet-bulb of that row.
  const Conditions c = site.conditions(sim::hours(5));
  CHECK(c.wet_bulb.value ==
        doctest::Approx(wet_bulb_c(d.dry_bulb_c[4], d.relative_humidity[4], d.pressure_pa[4])));
  CHECK(c.wet_bulb.value <= c.dry_bulb.value);
  // The last instant of the year is the last row.
  CHECK(site.conditions(sim::hours(8760)).dry_bulb.value == doctest::Approx(d.dry_bulb_c[8759]));
}

TEST_CASE("a start date moves the weather and grid clocks together") {
  const Site site =
      site_from(leesburg_pjm + "  start: 2023-07-04T12:00\n  wrap: false\n", sim::days(1));
  const EpwData& d = *site.weather().data();
  const int row = (typical_day_of_year(7, 4) * 24 + 12) - 1;  // observation at 12:00
  CHECK(site.conditions(sim::Time::zero()).dry_bulb.value == doctest::Approx(d.dry_bulb_c[row]));
  CHECK(to_string(site.utc_time(sim::hours(1))) == "2023-07-04T18:00");
  CHECK(to_string(site.local_time(sim::hours(1))) == "2023-07-04T13:00");
  const std::string carbon = scenario_dir + "/data/carbon/US-MIDA-PJM_2023_hourly.csv";
  CHECK(site.carbon_intensity(sim::Time::zero()).value() ==
        doctest::Approx(csv_value(carbon, "2023-07-04 17:00:00", 4) * g_per_kwh));
}

TEST_CASE("wrap repeats the typical year and the grid year") {
  const Site site = site_from(leesburg_pjm, sim::days(3 * 365));
  CHECK(site.conditions(sim::hours(8760 + 7)).dry_bulb.value ==
        site.conditions(sim::hours(7)).dry_bulb.value);
  // UTC 2024-01-01T00:00 wraps to the first row of the 2023 file.
  const sim::Time new_year_utc = sim::hours(8760 - 5);
  CHECK(to_string(site.utc_time(new_year_utc)) == "2024-01-01T00:00");
  const std::string carbon = scenario_dir + "/data/carbon/US-MIDA-PJM_2023_hourly.csv";
  CHECK(site.carbon_intensity(new_year_utc).value() ==
        doctest::Approx(csv_value(carbon, "2023-01-01 00:00:00", 4) * g_per_kwh));
}

TEST_CASE("wrap: every instant of the first pass reads as the same instant a pass later") {
  // Inside the year (or the series) a position is its own remainder; at its end, and on the
  // next pass, the remainder starts again. Every half hour of the first year, the weather (all
  // fields, the hour's irradiance included) and both hourly signals equal their reads one year
  // (8,760 hours: the typical year and the 2023 series) later, bit for bit, the instant the
  // year ends among them.
  const Site site = site_from(leesburg_pjm, sim::days(3 * 365));
  const sim::Time year = sim::hours(8760);
  const auto bits = [](double x) { return std::bit_cast<std::uint64_t>(x); };
  int checked = 0;
  for (sim::Time t = sim::Time::zero(); t <= year; t += sim::minutes(30)) {
    CAPTURE(t.ns());
    const Conditions a = site.conditions(t), b = site.conditions(t + year);
    CHECK(bits(a.dry_bulb.value) == bits(b.dry_bulb.value));
    CHECK(bits(a.wet_bulb.value) == bits(b.wet_bulb.value));
    CHECK(bits(a.relative_humidity) == bits(b.relative_humidity));
    CHECK(bits(a.pressure.value()) == bits(b.pressure.value()));
    CHECK(bits(a.ghi.value()) == bits(b.ghi.value()));
    CHECK(bits(site.carbon_intensity(t).value()) == bits(site.carbon_intensity(t + year).value()));
    CHECK(bits(site.price(t).value()) == bits(site.price(t + year).value()));
    ++checked;
  }
  CHECK(checked == 2 * 8760 + 1);
  // The year's end itself reads the first hour (its irradiance), not the last row at its own
  // time, which the unwrapped weather reads there: the two hours given different irradiance.
  EpwData data = read_epw(scenario_dir + "/data/weather/USA_VA_Leesburg.Exec.epw");
  data.ghi_wh_per_m2.front() = 100;
  data.ghi_wh_per_m2.back() = 200;
  const Weather wrapped(data, CivilTime{2023, 7, 4, 12}, true);
  const sim::Time year_end = sim::hours(8760 - (31 + 28 + 31 + 30 + 31 + 30 + 3) * 24 - 12);
  CHECK(wrapped.at(year_end - sim::minutes(30)).ghi.value() == 200);
  CHECK(wrapped.at(year_end).ghi.value() == 100);
  CHECK(wrapped.at(year_end + year).ghi.value() == 100);
}

TEST_CASE("without wrap, a period beyond the files is an InputError when the site is built") {
  SUBCASE("weather: 365 days from June 1 leave the typical year") {
    const std::string yaml =
        "site:\n"
        "  weather: data/weather/USA_AZ_Phoenix-Sky.Harbor.epw\n"
        "  start: 2023-06-01T00:00\n"
        "  wrap: false\n";
    CHECK_THROWS_WITH_AS(site_from(yaml, sim::days(365)),
                         doctest::Contains("scenario.yaml:2:12: site.weather: the run"),
                         InputError);
    CHECK_NOTHROW(site_from(yaml, sim::days(200)));
  }
  SUBCASE("carbon: a local-midnight year in UTC-5 ends 5 h past the 2023 UTC file") {
    const std::string yaml = leesburg_pjm + "  wrap: false\n";
    CHECK_THROWS_WITH_AS(
        site_from(yaml, sim::days(365)),
        doctest::Contains("scenario.yaml:3:11: site.carbon: the run (365 d 00:00:00 from "
                          "2023-01-01T00:00 local standard time) spans "
                          "2023-01-01T05:00 to 2024-01-01T05:00 UTC"),
        InputError);
    CHECK_NOTHROW(site_from(yaml, sim::days(365) - sim::hours(5)));
  }
  SUBCASE("price: a start before the data") {
    const std::string yaml =
        "site:\n"
        "  price: data/prices/US-TEX-ERCO_2023.csv\n"
        "  start: 2022-12-31T00:00\n"
        "  wrap: false\n";
    CHECK_THROWS_WITH_AS(
        site_from(yaml, sim::days(2)),
        doctest::Contains("scenario.yaml:2:10: site.price: the run (2 d 00:00:00 from 2022-12-31"),
        InputError);
  }
}

TEST_CASE("fixed fallbacks: constant weather, carbon and price") {
  const Site site = site_from(
      "site:\n"
      "  dry_bulb: 30 degC\n"
      "  relative_humidity: 40 %\n"
      "  carbon: 350 gCO2e/kWh\n"
      "  price: 60 USD/MWh\n",
      sim::days(1000));
  CHECK(site.carbon_intensity(sim::days(500)).value() == doctest::Approx(350 * g_per_kwh));
  CHECK(site.price(sim::days(3)).value() == doctest::Approx(60 * usd_per_mwh));
  const Conditions c = site.conditions(sim::days(7));
  CHECK(c.dry_bulb.value == 30.0);
  CHECK(c.wet_bulb.value == doctest::Approx(wet_bulb_c(30.0, 0.4, 101325.0)));
  CHECK(c.ghi.value() == 0.0);
  CHECK(site.utc_offset_h() == 0.0);

  const Site defaults = site_from("site: {}\n", sim::days(1));
  CHECK(defaults.carbon_intensity(sim::Time::zero()).value() == doctest::Approx(400 * g_per_kwh));
  CHECK(defaults.price(sim::Time::zero()).value() == doctest::Approx(80 * usd_per_mwh));
}

TEST_CASE("timezone overrides the EPW header") {
  const Site site = site_from(leesburg_pjm + "  timezone: -4\n", sim::days(1));
  CHECK(site.utc_offset_h() == -4.0);
  CHECK(to_string(site.utc_time(sim::Time::zero())) == "2023-01-01T04:00");
}

TEST_CASE("site spec errors point into the scenario") {
  CHECK_THROWS_WITH_AS(spec_from("site:\n  weather: data/weather/Atlantis.epw\n"),
                       doctest::Contains("scenario.yaml:2:12: site.weather names a file that "
                                         "does not exist"),
                       InputError);
  CHECK_THROWS_WITH_AS(spec_from("site:\n  carbon: 400 g/kWh\n"),
                       doctest::Contains("scenario.yaml:2:11: site.carbon must be a file path or "
                                         "a value such as \"400 gCO2e/kWh\""),
                       InputError);
  CHECK_THROWS_WITH_AS(spec_from("site:\n  price: 80\n"),
                       doctest::Contains("scenario.yaml:2:10: site.price must be a file path or "
                                         "a value with units"),
                       InputError);
  CHECK_THROWS_WITH_AS(spec_from("site:\n  carbon_column: lcaa\n"),
                       doctest::Contains("did you mean 'lca'?"), InputError);
  CHECK_THROWS_WITH_AS(spec_from("site:\n  start: 2023-02-30\n"),
                       doctest::Contains("scenario.yaml:2:10: site.start must be a date-time"),
                       InputError);
  CHECK_THROWS_WITH_AS(spec_from(leesburg_pjm + "  start: 2024-02-29T00:00\n"),
                       doctest::Contains("Feb 29"), InputError);
  CHECK_THROWS_WITH_AS(spec_from(leesburg_pjm + "  dry_bulb: 25 degC\n"),
                       doctest::Contains("scenario.yaml:5:13: site.dry_bulb sets constant "
                                         "weather, but a weather file is given"),
                       InputError);
  CHECK_THROWS_WITH_AS(spec_from("site:\n  timezone: -15\n"),
                       doctest::Contains("site.timezone must be in [-12, 14]"), InputError);
  CHECK_THROWS_WITH_AS(spec_from("site:\n  wether: x.epw\n"),
                       doctest::Contains("did you mean 'weather'?"), InputError);
}

TEST_CASE("a site line with weather, carbon and price builds a year-long site") {
  const Site site = site_from(
      "site: {weather: data/weather/USA_VA_Leesburg.Exec.epw, carbon: "
      "data/carbon/US-MIDA-PJM_2023_hourly.csv}\n",
      sim::days(365));
  CHECK(site.weather().data()->location.city == "Leesburg.Exec.AP-Godfrey.Field");
  CHECK(site.carbon().series() != nullptr);
  CHECK(site.price_signal().series() == nullptr);  // fixed fallback price
}

TEST_CASE("hours that share their inputs share their wet-bulb; hours a bit apart do not") {
  // A typical year cycling through inputs that agree but for one of them: the pressure, one ulp
  // of the RH, the sign of a zero dry-bulb; and an RH above 1 (fog) that psychrometrics takes as
  // 1, the same as an RH of 1. Every hour's wet-bulb and humidity ratio must be those of its own
  // inputs, bit for bit (on the hour the interpolation adds zero).
  struct Hour {
    double dry_bulb_c, relative_humidity, pressure_pa;
  };
  const double rh_ulp = std::nextafter(0.5, 1.0);
  const std::vector<Hour> inputs = {
      {21.3, 0.5, 101325},  {21.3, 0.5, 98000},  {21.3, rh_ulp, 101325}, {0.0, 0.8, 101325},
      {-0.0, 0.8, 101325},  {-7.4, 1.1, 99500},  {-7.4, 1.0, 99500},     {-7.4, 1.0, 99501},
      {35.0, 0.4, 101325},  {21.3, 0.5, 101325}, {-0.0, 0.8, 101325},    {35.0, 0.4, 101326},
      {35.0, 0.41, 101325}, {13.9, 0.02, 84000}, {13.9, 0.02, 84000},    {-0.1, 0.8, 101325},
  };
  EpwData data;
  data.name = "cycled";
  constexpr std::size_t hours = 8760;
  for (std::size_t h = 0; h < hours; ++h) {
    // Strides through the list so neighbours differ and every input recurs.
    const Hour& in = inputs[(h * 7 + h / inputs.size()) % inputs.size()];
    data.dry_bulb_c.push_back(in.dry_bulb_c);
    data.dew_point_c.push_back(in.dry_bulb_c - 5);
    data.relative_humidity.push_back(in.relative_humidity);
    data.pressure_pa.push_back(in.pressure_pa);
    data.ghi_wh_per_m2.push_back(0);
    data.dni_wh_per_m2.push_back(0);
    data.dhi_wh_per_m2.push_back(0);
  }
  const EpwData copy = data;
  const Weather weather(std::move(data), CivilTime{2023, 1, 1, 0, 0, 0}, true);
  int checked = 0;
  for (std::size_t h = 0; h < hours; ++h) {
    // Row h is the observation at (h + 1):00.
    const Conditions c = weather.at(sim::hours(static_cast<std::int64_t>(h) + 1));
    const double rh = std::min(1.0, copy.relative_humidity[h]);
    const double p = copy.pressure_pa[h];
    CHECK(std::bit_cast<std::uint64_t>(c.wet_bulb.value) ==
          std::bit_cast<std::uint64_t>(wet_bulb_c(copy.dry_bulb_c[h], rh, p)));
    CHECK(std::bit_cast<std::uint64_t>(c.humidity_ratio) ==
          std::bit_cast<std::uint64_t>(humidity_ratio(copy.dry_bulb_c[h], rh, p)));
    ++checked;
  }
  CHECK(checked == 8760);
  // By hand: 35 °C, 40 %, 101.325 kPa → t* = 23.93 °C (psychrometrics.hpp).
  CHECK(wet_bulb_c(35.0, 0.4, 101325) == doctest::Approx(23.93).epsilon(1e-3));
}
