#include "models/environment/epw.hpp"

#include <cmath>
#include <sstream>

#include "models/environment/calendar.hpp"
#include "models/environment/text_table.hpp"

namespace joule::models::environment {

namespace {

using detail::CsvRow;
using detail::DataFileErrors;

constexpr int header_lines = 8;
constexpr std::size_t data_fields = 35;  // EPW rows carry 35 fields; we need up to index 15

struct Column {
  std::size_t index;
  const char* name;
  double missing;  // the EPW spec's "missing" marker
  double min, max;
  double scale;  // file unit → stored unit
};

// Physical bounds are the EPW data dictionary's, widened slightly where it is silent.
constexpr Column dry_bulb{6, "dry-bulb temperature", 99.9, -70, 70, 1};
constexpr Column dew_point{7, "dew-point temperature", 99.9, -70, 70, 1};
constexpr Column rel_hum{8, "relative humidity", 999, 0, 110, 0.01};
constexpr Column pressure{9, "station pressure", 999999, 31000, 120000, 1};
constexpr Column ghi{13, "global horizontal irradiation", 9999, 0, 2000, 1};
constexpr Column dni{14, "direct normal irradiation", 9999, 0, 2000, 1};
constexpr Column dhi{15, "diffuse horizontal irradiation", 9999, 0, 2000, 1};

std::string format(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

double header_number(const DataFileErrors& err, const CsvRow& f, std::size_t i, const char* what,
                     double lo, double hi) {
  if (i >= f.size()) err.fail(1, 0, "LOCATION line has no " + std::string(what) + " field");
  const auto v = detail::parse_number(f[i].text);
  if (!v)
    err.fail(1, f[i].column,
             "LOCATION " + std::string(what) + " '" + std::string(f[i].text) + "' is not a number");
  if (*v < lo || *v > hi)
    err.fail(1, f[i].column,
             "LOCATION " + std::string(what) + " " + std::string(f[i].text) + " is outside [" +
                 format(lo) + ", " + format(hi) + "]");
  return *v;
}

EpwLocation parse_location(const DataFileErrors& err, std::string_view line) {
  CsvRow f;
  f.split(line);
  if (f.empty() || f[0].text != "LOCATION")
    err.fail(1, 1, "not an EPW file: the first line must start with LOCATION");
  EpwLocation loc;
  auto text = [&](std::size_t i) { return i < f.size() ? std::string(f[i].text) : std::string(); };
  loc.city = text(1);
  loc.state = text(2);
  loc.country = text(3);
  loc.source = text(4);
  loc.wmo = text(5);
  loc.latitude_deg = header_number(err, f, 6, "latitude", -90, 90);
  loc.longitude_deg = header_number(err, f, 7, "longitude", -180, 180);
  loc.utc_offset_h = header_number(err, f, 8, "time zone", -12, 14);
  loc.elevation_m = header_number(err, f, 9, "elevation", -1000, 9999.9);
  return loc;
}

}  // namespace

EpwData parse_epw(std::string_view text, const std::string& name) {
  const DataFileErrors err(text, name);
  const auto lines = detail::split_lines(text);
  if (lines.size() < header_lines)
    err.fail(static_cast<int>(lines.size()), 0,
             "EPW file ends inside its 8-line header (" + std::to_string(lines.size()) + " lines)");
  EpwData data;
  data.name = name;
  data.location = parse_location(err, lines[0]);
  if (lines[header_lines - 1].substr(0, 12) != "DATA PERIODS")
    err.fail(header_lines, 1, "expected the DATA PERIODS line as the 8th header line");

  std::vector<double>* columns[] = {
      &data.dry_bulb_c,    &data.dew_point_c,   &data.relative_humidity, &data.pressure_pa,
      &data.ghi_wh_per_m2, &data.dni_wh_per_m2, &data.dhi_wh_per_m2};
  const Column* specs[] = {&dry_bulb, &dew_point, &rel_hum, &pressure, &ghi, &dni, &dhi};
  for (auto* c : columns) c->reserve(hours_per_typical_year);

  int expect_month = 1, expect_day = 1, expect_hour = 1;
  std::size_t last_data_line = lines.size();
  while (last_data_line > header_lines && lines[last_data_line - 1].empty()) --last_data_line;
  CsvRow f;  // one row's fields; its storage serves every row
  for (std::size_t li = header_lines; li < last_data_line; ++li) {
    const int line_no = static_cast<int>(li) + 1;
    f.split(lines[li], dhi.index + 1);  // the fields read; the rest are not split
    if (f.size() < dhi.index + 1)
      err.fail(line_no, 0,
               "EPW data row has " + std::to_string(f.size()) + " fields, expected " +
                   std::to_string(data_fields));
    if (data.hours() == hours_per_typical_year)
      err.fail(line_no, 1,
               "more than 8760 hourly rows (leap-year or sub-hourly EPW files are not "
               "supported)");
    // Calendar position: month, day, hour in order over a 365-day year.
    int when[3];
    const char* when_names[] = {"month", "day", "hour"};
    for (int k = 0; k < 3; ++k) {
      const auto v = detail::parse_number(f[1 + k].text);
      if (!v || *v != std::floor(*v))
        err.fail(line_no, f[1 + k].column,
                 std::string("EPW ") + when_names[k] + " '" + std::string(f[1 + k].text) +
                     "' is not an integer");
      if (std::fabs(*v) > 9999)  // far outside any calendar field (and outside int's range)
        err.fail(line_no, f[1 + k].column,
                 std::string("EPW ") + when_names[k] + " '" + std::string(f[1 + k].text) +
                     "' is out of range");
      when[k] = static_cast<int>(*v);
    }
    if (when[0] != expect_month || when[1] != expect_day || when[2] != expect_hour) {
      std::ostringstream msg;
      msg << "EPW row out of order: expected month " << expect_month << ", day " << expect_day
          << ", hour " << expect_hour << "; got " << when[0] << ", " << when[1] << ", " << when[2];
      err.fail(line_no, f[1].column, msg.str());
    }
    for (std::size_t c = 0; c < std::size(specs); ++c) {
      const Column& col = *specs[c];
      const detail::Field& field = f[col.index];
      const auto v = detail::parse_number(field.text);
      if (!v)
        err.fail(line_no, field.column,
                 std::string("EPW ") + col.name + " (field " + std::to_string(col.index + 1) +
                     ") '" + std::string(field.text) + "' is not a number");
      if (*v == col.missing)
        err.fail(line_no, field.column,
                 std::string("EPW ") + col.name + " is missing (" + std::string(field.text) +
                     "); fill the gap in the weather file");
      if (*v < col.min || *v > col.max)
        err.fail(line_no, field.column,
                 std::string("EPW ") + col.name + " " + std::string(field.text) + " is outside [" +
                     format(col.min) + ", " + format(col.max) + "]");
      columns[c]->push_back(*v * col.scale);
    }
    if (++expect_hour > 24) {
      expect_hour = 1;
      if (++expect_day > days_in_month(2023, expect_month)) {
        expect_day = 1;
        ++expect_month;
      }
    }
  }
  if (data.hours() != hours_per_typical_year)
    err.fail(static_cast<int>(last_data_line), 0,
             "EPW file has " + std::to_string(data.hours()) +
                 " hourly rows, expected 8760 (a full non-leap year)");
  return data;
}

EpwData read_epw(const std::string& path, const sim::Location& referenced_from) {
  const std::string text = detail::read_text_file(path, referenced_from);
  return parse_epw(text, path);
}

}  // namespace joule::models::environment
