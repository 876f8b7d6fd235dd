// Describing a run for the calibration file: the method line and the metadata shared by
// joule-calibrate (which measures) and joule-calib-fit (which refits a raw CSV).
#pragma once

#include <string>
#include <vector>

#include "calib/calibration_yaml.hpp"
#include "calib/raw_csv.hpp"

namespace joule::calib {

// "bounded NNLS of window-average power on op rates; 5 windows x 5 s per point", from the
// fit-phase windows (median repetitions per point and median window length).
std::string method_text(const std::vector<Window>& windows);

// CalibrationInfo from CSV metadata (chip, device, driver, date, source, mode). A run made with
// --quick (mode: quick) is written as kind: estimate with the method saying it is not a
// calibration.
CalibrationInfo info_from_meta(const CsvMeta& meta, const std::vector<Window>& windows);

}  // namespace joule::calib
