// Hourly time series in CSV files: grid carbon intensity and electricity prices.
//
// Layout: a header row naming the columns, then one row per hour. The time column holds UTC
// timestamps "YYYY-MM-DD HH:MM:SS" with an optional offset ("+00:00", any offset is converted
// to UTC); each value holds for the hour that starts at its timestamp (Electricity Maps and
// market day-ahead convention). Columns are found by their header name, so extra or reordered
// columns are fine.
//
// Shipped files (scenarios/data, see its README for attribution):
// | kind | time column | value column | unit |
// |---|---|---|---|
// | carbon (Electricity Maps, ODbL) | Datetime (UTC) | Carbon Intensity gCO₂eq/kWh (direct) or
// (LCA) | gCO2e/kWh | | prices | Datetime (UTC) | Price (USD/MWh) | USD/MWh |
//
// Strictness: a missing column, a row without enough fields, an unparsable or empty value, a
// timestamp not on the hour, a duplicate hour, an hour out of order or a gap is an InputError at
// file:line:column. Nothing is filled or dropped silently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/error.hpp"

namespace joule::models::environment {

struct HourlySeries {
  std::string name;              // file as given
  std::string column;            // value column read
  std::int64_t first_utc_s = 0;  // epoch seconds (UTC) of the first hour's start
  std::vector<double> values;    // one per hour, in the file's unit

  std::int64_t end_utc_s() const {
    return first_utc_s + static_cast<std::int64_t>(values.size()) * 3600;
  }
};

// Parses CSV text; `name` is how errors name it. When `non_negative`, a negative value is an
// error (carbon intensity; prices may be negative).
HourlySeries parse_hourly_csv(std::string_view text, const std::string& name,
                              const std::string& time_column, const std::string& value_column,
                              bool non_negative);
// Reads a file; an unreadable file is an InputError at `referenced_from`.
HourlySeries read_hourly_csv(const std::string& path, const std::string& time_column,
                             const std::string& value_column, bool non_negative,
                             const sim::Location& referenced_from = {});

// Column names of the shipped files.
inline constexpr std::string_view carbon_time_column = "Datetime (UTC)";
inline constexpr std::string_view carbon_direct_column = "Carbon Intensity gCO₂eq/kWh (direct)";
inline constexpr std::string_view carbon_lca_column = "Carbon Intensity gCO₂eq/kWh (LCA)";
inline constexpr std::string_view price_time_column = "Datetime (UTC)";
inline constexpr std::string_view price_column = "Price (USD/MWh)";

}  // namespace joule::models::environment
