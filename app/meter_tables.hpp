// Hourly and monthly meter tables, like an EnergyPlus meter report: each recorded interval's
// energies binned into clock hours from the start and calendar months of the site's local
// standard time. An interval that spans a boundary is split in proportion to time (its power
// is its average); the tables cover the whole run, a warmup included, like the traces.
#pragma once

#include <hdf5.h>

#include <span>
#include <string>
#include <vector>

#include "app/output_layout.hpp"

namespace joule::app {

class MeterTables {
public:
  // `columns`: the meters (names without unit; written as <name>_kwh). `start` is the local
  // civil time of t = 0.
  MeterTables(std::vector<std::string> columns, models::environment::CivilTime start);
  // Energies (J, in column order) of the interval [t0_s, t1_s) of the run; its average
  // facility power `power_w` for the bins' peaks.
  void add(double t0_s, double t1_s, std::span<const double> joules, double power_w);
  // /meters/hourly and /meters/monthly, each with its CF time coordinate (start of the bin).
  void write(hid_t file, const Calendar& calendar) const;

private:
  struct Bin {
    double start_s = 0;
    std::vector<double> joules;
    double peak_w = 0;
  };
  void add_hour(std::size_t hour, double share, std::span<const double> joules, double power_w);
  // add()'s general case, out of line (an interval over an hour's end, or into a new bin): the
  // interval split by the hours it covers.
  [[gnu::noinline]] void add_spanning(double t0_s, double t1_s, std::span<const double> joules,
                                      double power_w);
  void grow_to(std::size_t hour);  // hours_ up to and including `hour`

  std::vector<std::string> columns_;
  models::environment::CivilTime start_;
  std::vector<Bin> hours_;
};

}  // namespace joule::app
