// Human-readable fit summary shared by joule-calibrate and joule-calib-fit: coefficients,
// errors, per-point residuals and sanity warnings.
#pragma once

#include <iosfwd>
#include <string>

#include "calib/fit.hpp"

namespace joule::calib {

void print_fit_report(std::ostream& out, const FitResult& fit, const std::string& chip);

}  // namespace joule::calib
