// EnergyPlus Weather (EPW) files: the hourly typical-year weather of a site.
//
// Format (EnergyPlus "Auxiliary Programs", Weather Converter, EPW data dictionary): 8 header
// lines (LOCATION, DESIGN CONDITIONS, TYPICAL/EXTREME PERIODS, GROUND TEMPERATURES,
// HOLIDAYS/DAYLIGHT SAVINGS, COMMENTS 1, COMMENTS 2, DATA PERIODS), then one comma-separated row
// per hour in local standard time. Fields used (0-based):
//
// | # | field | unit | EPW "missing" value | accepted range |
// |---|---|---|---|---|
// | 1, 2, 3 | month, day, hour (1..24: hour h ends at h:00) | — | — | a 365-day calendar, in order
// | | 6 | dry-bulb temperature | °C | 99.9 | −70..70 | | 7 | dew-point temperature | °C | 99.9 |
// −70..70 | | 8 | relative humidity | % | 999 | 0..110 | | 9 | atmospheric station pressure | Pa |
// 999999 | 31000..120000 | | 13 | global horizontal irradiation (over the hour that ends at the
// row's time) | Wh/m² | 9999 | 0..2000 | | 14 | direct normal irradiation | Wh/m² | 9999 | 0..2000
// | | 15 | diffuse horizontal irradiation | Wh/m² | 9999 | 0..2000 |
//
// The year field is ignored: TMYx files splice months of different years. LOCATION carries city,
// state, country, source, WMO station, latitude (°N), longitude (°E), time zone (hours from UTC,
// standard time) and elevation (m). A missing value, a malformed number, an out-of-range value,
// a row out of calendar order or a row count other than 8760 is an InputError at file:line:column
// — never skipped or filled. Leap-year files (8784 rows) are not supported.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/error.hpp"

namespace joule::models::environment {

struct EpwLocation {
  std::string city;
  std::string state;
  std::string country;
  std::string source;
  std::string wmo;
  double latitude_deg = 0;
  double longitude_deg = 0;
  double utc_offset_h = 0;  // local standard time − UTC, hours (−5 for US Eastern)
  double elevation_m = 0;
};

// The 8760 hourly rows as plain vectors (index 0 = Jan 1, hour ending 01:00).
struct EpwData {
  std::string name;  // the path as given
  EpwLocation location;
  std::vector<double> dry_bulb_c;
  std::vector<double> dew_point_c;
  std::vector<double> relative_humidity;  // fraction 0..1.1 (the file's % / 100)
  std::vector<double> pressure_pa;
  std::vector<double> ghi_wh_per_m2;
  std::vector<double> dni_wh_per_m2;
  std::vector<double> dhi_wh_per_m2;

  std::size_t hours() const { return dry_bulb_c.size(); }
};

// Parses EPW text; `name` is how errors name it.
EpwData parse_epw(std::string_view text, const std::string& name);
// Reads and parses a file. An unreadable file is an InputError at `referenced_from`.
EpwData read_epw(const std::string& path, const sim::Location& referenced_from = {});

}  // namespace joule::models::environment
