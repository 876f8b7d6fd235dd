// Writer of the calibration file read by the accelerator model (format joule-calibration/1,
// kernels/README.md). Plain text, no yaml-cpp: the GPU machines that run the calibration do
// not have it. Quantities carry their unit in the string ("0.95 pJ/FLOP", "70 W") because the
// simulator reads them with its one unit parser; omitted energy_per_op keys = not measured.
#pragma once

#include <iosfwd>
#include <string>

#include "calib/fit.hpp"

namespace joule::calib {

struct CalibrationInfo {
  std::string chip = "unknown";  // catalog id, e.g. h100-sxm
  std::string device;            // NVML name
  std::string kind = "measurement";
  std::string source;
  std::string date;  // YYYY-MM-DD
  std::string driver;
  std::string method;
};

// Fixed-point text with `significant` significant digits and no exponent, trailing zeros
// trimmed: 0.9512 -> "0.9512", 60.04 -> "60.04", 1980 -> "1980".
std::string format_number(double v, int significant = 4);

// Double-quoted YAML scalar with backslash and quote escaped.
std::string yaml_quote(const std::string& s);

void write_calibration_yaml(std::ostream& out, const CalibrationInfo& info, const FitResult& fit);
void write_calibration_yaml_file(const std::string& path, const CalibrationInfo& info,
                                 const FitResult& fit);

// Catalog id from an NVML device name ("NVIDIA H100 80GB HBM3" -> "h100-sxm"); "unknown" if no
// rule matches (override with --chip).
std::string chip_id_from_name(const std::string& nvml_name);

}  // namespace joule::calib
