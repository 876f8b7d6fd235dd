#include "sim/time.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace joule::sim {

namespace {

constexpr Time::rep ns_per_s = 1'000'000'000;

Time from_scaled(double value, double ns_per_unit, const char* unit) {
  if (std::isnan(value)) throw std::invalid_argument(std::string("sim::Time from NaN ") + unit);
  const double ns = std::nearbyint(value * ns_per_unit);
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  constexpr double limit = 9223372036854775808.0;
  if (!(ns < limit && ns >= -limit))
    throw std::overflow_error(std::string("sim::Time overflow: ") + std::to_string(value) + " " +
                              unit);
  return Time::from_ns(static_cast<Time::rep>(ns));
}

}  // namespace

void Time::overflow(const char* what) {
  throw std::overflow_error(std::string("sim::Time overflow in ") + what);
}

Time::rep Time::operator/(Time step) const {
  if (step.ns_ == 0) throw std::domain_error("sim::Time division by a zero step");
  return ns_ / step.ns_;
}

Time Time::operator%(Time step) const {
  if (step.ns_ == 0) throw std::domain_error("sim::Time modulo by a zero step");
  return Time(ns_ % step.ns_);
}

Time saturating_mul(Time a, Time::rep factor) {
  Time::rep r;
  if (__builtin_mul_overflow(a.ns(), factor, &r))
    return (a.ns() < 0) != (factor < 0) ? Time::from_ns(std::numeric_limits<Time::rep>::min())
                                        : Time::max();
  return Time::from_ns(r);
}

Time seconds_or_never(double value) {
  if (std::isnan(value) || value < 0)
    throw std::invalid_argument("sim::seconds_or_never: NaN or negative");
  if (value * 1e9 >= 9223372036854775807.0) return Time::max();
  return seconds(value);
}

Time nanoseconds(double value) {
  return from_scaled(value, 1.0, "ns");
}
Time seconds(double value) {
  return from_scaled(value, 1e9, "s");
}
Time minutes(double value) {
  return from_scaled(value, 60e9, "min");
}
Time hours(double value) {
  return from_scaled(value, 3600e9, "h");
}
Time days(double value) {
  return from_scaled(value, 86400e9, "d");
}

std::string to_string(Time t) {
  Time::rep ns = t.ns();
  std::string sign;
  if (ns < 0) {
    if (ns == std::numeric_limits<Time::rep>::min()) return "-292 yr (min)";
    sign = "-";
    ns = -ns;
  }
  char buf[96];
  if (ns < 1000) {
    std::snprintf(buf, sizeof buf, "%s%lld ns", sign.c_str(), static_cast<long long>(ns));
  } else if (ns < 1'000'000) {
    std::snprintf(buf, sizeof buf, "%s%g us", sign.c_str(), static_cast<double>(ns) / 1e3);
  } else if (ns < ns_per_s) {
    std::snprintf(buf, sizeof buf, "%s%g ms", sign.c_str(), static_cast<double>(ns) / 1e6);
  } else {
    const Time::rep total_s = ns / ns_per_s;
    const Time::rep frac_ns = ns % ns_per_s;
    const long long d = total_s / 86400, h = (total_s / 3600) % 24, m = (total_s / 60) % 60,
                    s = total_s % 60;
    std::string frac;
    if (frac_ns != 0) {
      char f[16];
      std::snprintf(f, sizeof f, ".%09lld", static_cast<long long>(frac_ns));
      frac = f;
      while (frac.back() == '0') frac.pop_back();
    }
    if (d > 0)
      std::snprintf(buf, sizeof buf, "%s%lld d %02lld:%02lld:%02lld%s", sign.c_str(), d, h, m, s,
                    frac.c_str());
    else
      std::snprintf(buf, sizeof buf, "%s%02lld:%02lld:%02lld%s", sign.c_str(), h, m, s,
                    frac.c_str());
  }
  return buf;
}

}  // namespace joule::sim
