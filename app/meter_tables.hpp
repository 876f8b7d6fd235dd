// Hourly and monthly meter tables, like an EnergyPlus meter report: each recorded interval's
// energies binned into clock hours from the start and calendar months of the site's local
// standard time. An interval that spans a boundary is split in proportion to time (its power
// is its average); the tables cover the whole run, a warmup included, like the traces.
#pragma once

#include <hdf5.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "app/output_layout.hpp"
#include "sim/units.hpp"

namespace joule::app {

class MeterTables {
public:
  // `columns`: the meters (names without unit; written as <name>_kwh). `start` is the local
  // civil time of t = 0.
  MeterTables(std::vector<std::string> columns, models::environment::CivilTime start);
  // Energies (J, in column order) of the interval [t0_s, t1_s) of the run; its average
  // facility power `power_w` for the bins' peaks. Inline: a facility sample calls it once, and
  // the call saved and restored the sample's live registers around ~60 instructions of work.
  void add(double t0_s, double t1_s, std::span<const double> joules, double power_w) {
    const double dt_s = t1_s - t0_s;
    if (!(dt_s > 0)) return;
    // An interval inside one hour whose bin exists (every sample but an hour's first, or one
    // across the hour): add_spanning() would take its share as (t1 − t0) / dt = dt / dt, 1
    // exactly, and each energy times 1 is itself, so the energies are added as they are.
    if (const auto hour = static_cast<std::size_t>(t0_s / sim::seconds_per_hour);
        t1_s <= (static_cast<double>(hour) + 1) * sim::seconds_per_hour && hour < hours_.size()) {
      Bin& b = hours_[hour];
      for (std::size_t i = 0; i < joules.size(); ++i) b.joules[i] += joules[i];
      b.peak_w = std::max(b.peak_w, power_w);
      return;
    }
    add_spanning(t0_s, t1_s, joules, power_w);
  }
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
