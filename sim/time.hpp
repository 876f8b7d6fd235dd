// Simulated time: a signed 64-bit count of nanoseconds.
//
// A year is 3.156e16 ns and int64 holds 9.22e18, so every study fits with room to spare;
// integer time makes event order and energy integrals independent of rounding.
// Construction from floating-point units rounds to the nearest nanosecond and throws
// std::overflow_error when the value does not fit (never wraps silently).
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <string>

namespace joule::sim {

class Time {
public:
  using rep = std::int64_t;

  constexpr Time() = default;
  static constexpr Time from_ns(rep ns) { return Time(ns); }
  static constexpr Time max() { return Time(std::numeric_limits<rep>::max()); }
  static constexpr Time zero() { return Time(0); }

  constexpr rep ns() const { return ns_; }
  // Division (not multiplication by 1e-9) so whole seconds convert exactly.
  constexpr double seconds() const { return static_cast<double>(ns_) / 1e9; }
  constexpr double hours() const { return seconds() / 3600.0; }

  constexpr auto operator<=>(const Time&) const = default;

  // Checked arithmetic: overflow is a bug in the caller, reported, never wrapped. Inline (the
  // engine adds a time per event; a call into time.cpp cost more than the add), the report
  // out of line.
  Time operator+(Time other) const {
    rep r;
    if (__builtin_add_overflow(ns_, other.ns_, &r)) [[unlikely]]
      overflow("addition");
    return Time(r);
  }
  Time operator-(Time other) const {
    rep r;
    if (__builtin_sub_overflow(ns_, other.ns_, &r)) [[unlikely]]
      overflow("subtraction");
    return Time(r);
  }
  Time& operator+=(Time other) { return *this = *this + other; }
  Time& operator-=(Time other) { return *this = *this - other; }
  Time operator*(rep factor) const {
    rep r;
    if (__builtin_mul_overflow(ns_, factor, &r)) [[unlikely]]
      overflow("multiplication");
    return Time(r);
  }
  // Whole number of `step`s in this duration (floor for positive values).
  rep operator/(Time step) const;
  Time operator%(Time step) const;

private:
  constexpr explicit Time(rep ns) : ns_(ns) {}
  // Throws std::overflow_error naming the operation.
  [[noreturn]] static void overflow(const char* what);
  rep ns_ = 0;
};

// Builders: round to the nearest nanosecond; throw std::overflow_error when out of range
// and std::invalid_argument for NaN.
Time nanoseconds(double value);
Time seconds(double value);
Time minutes(double value);
Time hours(double value);
Time days(double value);

// Saturating forms, for instants that may lie past the end of representable time (a job
// slowed down late in a long run): Time::max() (never reached) instead of an overflow.
// seconds_or_never() also takes +inf; NaN and negative values still throw.
// Inline: a job's end is scheduled through it at every phase.
inline Time saturating_add(Time a, Time b) {
  Time::rep r;
  if (__builtin_add_overflow(a.ns(), b.ns(), &r))
    return b.ns() > 0 ? Time::max() : Time::from_ns(std::numeric_limits<Time::rep>::min());
  return Time::from_ns(r);
}
Time saturating_mul(Time a, Time::rep factor);
Time seconds_or_never(double value);

// Human form, e.g. "1 d 02:03:04.5" or "350 ms"; exact to the nanosecond.
std::string to_string(Time t);

}  // namespace joule::sim
