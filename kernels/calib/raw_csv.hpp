// The raw per-window CSV: one row per measurement window, everything the fit needs, so that
// `joule-calib-fit raw.csv` can refit without a GPU. Metadata (device, driver, chip, ...) sits
// in leading "# key: value" comment lines (pandas: read_csv(path, comment="#")).
//
// Columns: kernel, intensity, repetition, duration_s, energy_j, avg_power_w, then per op unit
// <unit>_ops and <unit>_rate (count and count/s), then sm_clock_mhz, mem_clock_mhz, temp_c,
// power_limit_w, throttle_reasons (hex), flagged (0/1), phase, sweep_setting.
#pragma once

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "calib/window.hpp"

namespace joule::calib {

using CsvMeta = std::map<std::string, std::string>;

std::string raw_csv_header();
std::string raw_csv_row(const Window& w);

// Writes metadata comments, the header and all rows.
void write_raw_csv(std::ostream& out, const CsvMeta& meta, const std::vector<Window>& windows);

struct RawCsv {
  CsvMeta meta;
  std::vector<Window> windows;
};

// Throws std::runtime_error "<name>:<line>: <what>" on malformed input.
RawCsv read_raw_csv(std::istream& in, const std::string& name = "<csv>");
RawCsv read_raw_csv_file(const std::string& path);

}  // namespace joule::calib
