// Civil date-times for aligning the simulation clock with weather and grid data.
//
// Simulated time is a duration since t = 0; the site maps t = 0 to a civil date-time in the
// site's local standard time (no daylight saving, as in EPW files) and, through the site's UTC
// offset, to a UTC instant. Dates use the proleptic Gregorian calendar; instants are counted as
// seconds since 1970-01-01T00:00 (days_from_civil: H. Hinnant, "chrono-Compatible Low-Level
// Date Algorithms").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace joule::models::environment {

struct CivilTime {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int hour = 0;   // 0..23
  int minute = 0;
  int second = 0;
};

inline constexpr std::int64_t seconds_per_day = 86400;
inline constexpr std::int64_t seconds_per_hour_i = 3600;
inline constexpr int hours_per_typical_year = 8760;  // EPW typical years have no Feb 29

bool is_leap_year(int year);
int days_in_month(int year, int month);
// Days since 1970-01-01 of a civil date (negative before).
std::int64_t days_from_civil(int year, int month, int day);
// Seconds since 1970-01-01T00:00 of `t` read as UTC.
std::int64_t epoch_seconds(const CivilTime& t);
// The civil time (UTC) of an epoch second count.
CivilTime civil_from_epoch_seconds(std::int64_t s);
// 0-based day of the year in a 365-day (non-leap) calendar; Feb 29 has none (returns -1).
int typical_day_of_year(int month, int day);

// Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" or "YYYY-MM-DD HH:MM[:SS]". When `utc_offset_s`
// is given, also accepts a trailing "Z" or "+HH:MM"/"-HH:MM" and stores the offset there (0 when
// absent). Returns nullopt when the text is not such a date-time or names no real date.
std::optional<CivilTime> parse_civil_time(std::string_view text,
                                          std::int64_t* utc_offset_s = nullptr);

// "2023-01-01T05:00" (seconds shown only when non-zero).
std::string to_string(const CivilTime& t);

}  // namespace joule::models::environment
