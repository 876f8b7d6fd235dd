#include "app/meter_tables.hpp"

#include <algorithm>

#include "models/environment/calendar.hpp"
#include "sim/units.hpp"

namespace joule::app {

namespace env = models::environment;

MeterTables::MeterTables(std::vector<std::string> columns, env::CivilTime start)
    : columns_(std::move(columns)), start_(start) {}

void MeterTables::grow_to(std::size_t hour) {
  while (hours_.size() <= hour)
    hours_.push_back({static_cast<double>(hours_.size()) * sim::seconds_per_hour,
                      std::vector<double>(columns_.size(), 0.0), 0.0});
}

// Small enough to be inlined into add(): the bins are grown out of line, once an hour.
inline void MeterTables::add_hour(std::size_t hour, double share, std::span<const double> joules,
                                  double power_w) {
  if (hours_.size() <= hour) [[unlikely]]
    grow_to(hour);
  Bin& b = hours_[hour];
  for (std::size_t i = 0; i < joules.size(); ++i) b.joules[i] += joules[i] * share;
  b.peak_w = std::max(b.peak_w, power_w);
}

void MeterTables::add_spanning(double t0_s, double t1_s, std::span<const double> joules,
                               double power_w) {
  const double dt_s = t1_s - t0_s;
  for (double t = t0_s; t < t1_s;) {
    // t ≥ 0 (a run's time): the truncating conversion is the floor, without std::floor's
    // emulation (no SSE4.1 in the build's baseline).
    const auto hour = static_cast<std::size_t>(t / sim::seconds_per_hour);
    const double end = std::min(t1_s, (static_cast<double>(hour) + 1) * sim::seconds_per_hour);
    add_hour(hour, (end - t) / dt_s, joules, power_w);
    t = end;
  }
}

namespace {

void write_table(hid_t parent, const std::string& name, const std::string& description,
                 const std::vector<std::string>& columns, const std::vector<double>& start_s,
                 const std::vector<std::vector<double>>& joules, const std::vector<double>& peak_w,
                 const Calendar& calendar) {
  h5::Handle group = h5::create_group(parent, name);
  const hid_t g = group.get();
  h5::set_attr(g, "description", description);
  h5::Handle time = h5::write_coordinate(g, "time", start_s, {"start of the bin", "s"});
  describe_time(time.get(), calendar);
  h5::set_attr(time.get(), "long_name", std::string("start of the bin"));
  const h5::Dimension dim{"time", time.get()};
  for (std::size_t c = 0; c < columns.size(); ++c) {
    std::vector<double> kwh;
    for (const auto& row : joules) kwh.push_back(row[c] / sim::joules_per_kwh);
    h5::write_variable(g, columns[c] + "_kwh", kwh, {&dim}, {columns[c] + " energy", "kWh"});
  }
  h5::write_variable(g, "peak_power_kw",
                     [&] {
                       std::vector<double> kw;
                       for (const double w : peak_w) kw.push_back(w / 1e3);
                       return kw;
                     }(),
                     {&dim}, {"highest recorded interval-average facility power in the bin", "kW"});
}

}  // namespace

void MeterTables::write(hid_t file, const Calendar& calendar) const {
  h5::Handle meters = h5::create_group(file, "meters");
  const hid_t m = meters.get();
  std::vector<double> starts, peaks, month_starts, month_peaks;
  std::vector<std::vector<double>> rows, month_rows;
  const std::int64_t epoch0 = env::epoch_seconds(start_);
  int last_key = -1;
  for (const Bin& b : hours_) {
    starts.push_back(b.start_s);
    rows.push_back(b.joules);
    peaks.push_back(b.peak_w);
    const env::CivilTime local =
        env::civil_from_epoch_seconds(epoch0 + static_cast<std::int64_t>(b.start_s));
    const int key = local.year * 12 + local.month;
    if (key != last_key) {
      month_starts.push_back(b.start_s);
      month_rows.emplace_back(columns_.size(), 0.0);
      month_peaks.push_back(0.0);
      last_key = key;
    }
    for (std::size_t i = 0; i < columns_.size(); ++i) month_rows.back()[i] += b.joules[i];
    month_peaks.back() = std::max(month_peaks.back(), b.peak_w);
  }
  write_table(m, "hourly",
              "Energy per clock hour from the start of the run (interval energies split in "
              "proportion to time); time is the start of each hour",
              columns_, starts, rows, peaks, calendar);
  write_table(m, "monthly",
              "Energy per calendar month of local standard time (the first and last months as "
              "far as simulated); time is the start of the month's first simulated hour",
              columns_, month_starts, month_rows, month_peaks, calendar);
}

}  // namespace joule::app
