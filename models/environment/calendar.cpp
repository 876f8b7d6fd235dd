#include "models/environment/calendar.hpp"

#include <cstdio>

namespace joule::models::environment {

bool is_leap_year(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

std::int64_t days_from_civil(int year, int month, int day) {
  // Hinnant's algorithm: shift the year to start in March so that Feb 29 is the last day.
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = (month + 9) % 12;  // March = 0
  const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::int64_t epoch_seconds(const CivilTime& t) {
  return days_from_civil(t.year, t.month, t.day) * seconds_per_day + t.hour * seconds_per_hour_i +
         t.minute * 60 + t.second;
}

CivilTime civil_from_epoch_seconds(std::int64_t s) {
  std::int64_t days = s / seconds_per_day;
  std::int64_t rem = s % seconds_per_day;
  if (rem < 0) {
    rem += seconds_per_day;
    --days;
  }
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  CivilTime t;
  t.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  t.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  t.year = static_cast<int>(yoe + era * 400 + (t.month <= 2 ? 1 : 0));
  t.hour = static_cast<int>(rem / seconds_per_hour_i);
  t.minute = static_cast<int>(rem % seconds_per_hour_i / 60);
  t.second = static_cast<int>(rem % 60);
  return t;
}

int typical_day_of_year(int month, int day) {
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(2023, month)) return -1;
  int doy = 0;
  for (int m = 1; m < month; ++m) doy += days_in_month(2023, m);
  return doy + day - 1;
}

namespace {

// Reads exactly `digits` decimal digits at `pos`.
bool read_int(std::string_view s, std::size_t& pos, std::size_t digits, int& out) {
  if (pos + digits > s.size()) return false;
  int value = 0;  // at most 4 digits: no overflow
  for (std::size_t i = 0; i < digits; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  pos += digits;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<CivilTime> parse_civil_time(std::string_view s, std::int64_t* utc_offset_s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  CivilTime t;
  std::size_t pos = 0;
  if (!read_int(s, pos, 4, t.year) || !expect(s, pos, '-') || !read_int(s, pos, 2, t.month) ||
      !expect(s, pos, '-') || !read_int(s, pos, 2, t.day))
    return std::nullopt;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
    ++pos;
    if (!read_int(s, pos, 2, t.hour) || !expect(s, pos, ':') || !read_int(s, pos, 2, t.minute))
      return std::nullopt;
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!read_int(s, pos, 2, t.second)) return std::nullopt;
    }
  }
  if (utc_offset_s) {
    *utc_offset_s = 0;
    if (pos < s.size() && s[pos] == 'Z') {
      ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
      const int sign = s[pos] == '-' ? -1 : 1;
      ++pos;
      int oh = 0, om = 0;
      if (!read_int(s, pos, 2, oh) || !expect(s, pos, ':') || !read_int(s, pos, 2, om) || oh > 14 ||
          om > 59)
        return std::nullopt;
      *utc_offset_s = sign * (oh * seconds_per_hour_i + om * 60);
    }
  }
  if (pos != s.size()) return std::nullopt;
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > days_in_month(t.year, t.month) ||
      t.hour > 23 || t.minute > 59 || t.second > 59)
    return std::nullopt;
  return t;
}

std::string to_string(const CivilTime& t) {
  char buf[40];
  if (t.second != 0)
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", t.year, t.month, t.day, t.hour,
                  t.minute, t.second);
  else
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d", t.year, t.month, t.day, t.hour,
                  t.minute);
  return buf;
}

}  // namespace joule::models::environment
