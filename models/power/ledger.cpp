#include "models/power/ledger.hpp"

#include <algorithm>
#include <stdexcept>

namespace joule::models::power {

double battery_settlement_j(double initial_j, double final_j, double charge_efficiency,
                            double discharge_efficiency) {
  const double drawn_j = initial_j - final_j;
  return drawn_j >= 0 ? drawn_j / charge_efficiency : drawn_j * discharge_efficiency;
}

DemandMeter::DemandMeter(sim::Time interval, std::function<int(sim::Time)> period_of)
    : interval_(interval), period_of_(std::move(period_of)) {
  if (interval_ <= sim::Time::zero()) throw std::invalid_argument("demand interval must be > 0");
}

int DemandMeter::window_period() {
  if (!window_period_known_) {
    window_period_ = period_of_(window_start_);
    window_period_known_ = true;
  }
  return window_period_;
}

double& DemandMeter::window_covered_s() {
  // A std::map's entries stay where they are while others are added: the pointer holds until
  // the window closes or the meter restarts (which clears the map).
  if (!window_covered_s_) window_covered_s_ = &covered_s_[window_period()];
  return *window_covered_s_;
}

void DemandMeter::close_window(sim::Time end) {
  const double span_s = (end - window_start_).seconds();
  if (span_s > 0) {
    double& peak = peaks_w_[window_period()];
    peak = std::max(peak, window_j_ / span_s);
  }
  window_j_ = 0;
  window_start_ = end;
  window_period_known_ = false;
  window_covered_s_ = nullptr;
}

void DemandMeter::add_windows(sim::Time from, sim::Time to, double import_w) {
  while (from < to) {
    const sim::Time window_end = window_start_ + interval_;
    const sim::Time upto = std::min(to, window_end);
    window_j_ += import_w * (upto - from).seconds();
    window_covered_s() += (upto - from).seconds();
    from = upto;
    if (upto == window_end) close_window(window_end);
  }
}

void DemandMeter::restart(sim::Time now) {
  peaks_w_.clear();
  covered_s_.clear();
  window_start_ = now;
  window_j_ = 0;
  window_period_known_ = false;
  window_covered_s_ = nullptr;
}

std::map<int, double> DemandMeter::peaks_w(sim::Time now) const {
  std::map<int, double> out = peaks_w_;
  const double span_s = (now - window_start_).seconds();
  if (span_s > 0) {
    double& peak = out[period_of_(window_start_)];
    peak = std::max(peak, window_j_ / span_s);
  }
  return out;
}

double DemandMeter::peak_w(sim::Time now) const {
  double peak = 0;
  for (const auto& [period, w] : peaks_w(now)) peak = std::max(peak, w);
  return peak;
}

}  // namespace joule::models::power
