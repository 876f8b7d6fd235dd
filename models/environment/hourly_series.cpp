#include "models/environment/hourly_series.hpp"

#include <algorithm>

#include "models/environment/calendar.hpp"
#include "models/environment/text_table.hpp"

namespace joule::models::environment {

namespace {

std::string trim(std::string s) {
  const auto not_blank = [](unsigned char c) { return c != ' ' && c != '\t'; };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_blank));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_blank).base(), s.end());
  return s;
}

// `text` in single quotes, for a message.
std::string quoted(std::string_view text) {
  std::string out = "'";
  out.append(text).append("'");
  return out;
}

}  // namespace

HourlySeries parse_hourly_csv(std::string_view text, const std::string& name,
                              const std::string& time_column, const std::string& value_column,
                              bool non_negative) {
  const detail::DataFileErrors err(text, name);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte-order mark
  const auto lines = detail::split_lines(text);
  if (lines.empty() || lines[0].empty()) err.fail(1, 0, "empty CSV file: expected a header row");

  detail::CsvRow header;
  header.split(lines[0]);
  auto find_column = [&](const std::string& wanted) {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (trim(std::string(header[i].text)) == wanted) return i;
    std::string have;
    for (const auto& h : header) have += (have.empty() ? "'" : ", '") + std::string(h.text) + "'";
    err.fail(1, 1, "missing column '" + wanted + "'; the header has " + have);
  };
  const std::size_t t_col = find_column(time_column);
  const std::size_t v_col = find_column(value_column);
  const std::size_t need = std::max(t_col, v_col) + 1;

  HourlySeries out;
  out.name = name;
  out.column = value_column;
  std::int64_t prev_s = 0;
  detail::CsvRow f;  // one row's fields; its storage serves every row
  for (std::size_t li = 1; li < lines.size(); ++li) {
    const int line_no = static_cast<int>(li) + 1;
    if (lines[li].find_first_not_of(" \t") == std::string_view::npos) {
      // Blank lines are allowed only at the end of the file.
      const bool trailing =
          std::all_of(lines.begin() + static_cast<std::ptrdiff_t>(li), lines.end(),
                      [](std::string_view l) { return l.find_first_not_of(" \t") == l.npos; });
      if (trailing) break;
      err.fail(line_no, 1, "blank line inside the data");
    }
    f.split(lines[li], need);  // the fields read; the rest are not split
    if (f.size() < need)
      err.fail(line_no, 0,
               "row has " + std::to_string(f.size()) + " fields; column '" +
                   (f.size() <= t_col ? time_column : value_column) + "' is field " +
                   std::to_string((f.size() <= t_col ? t_col : v_col) + 1));
    std::int64_t offset_s = 0;
    const auto when = parse_civil_time(f[t_col].text, &offset_s);
    if (!when)
      err.fail(line_no, f[t_col].column,
               quoted(f[t_col].text) + " is not a timestamp (expected YYYY-MM-DD HH:MM:SS)");
    if (when->minute != 0 || when->second != 0)
      err.fail(line_no, f[t_col].column,
               "timestamp " + quoted(f[t_col].text) + " is not on the hour (hourly data expected)");
    const std::int64_t utc_s = epoch_seconds(*when) - offset_s;
    const auto value = detail::parse_number(f[v_col].text);
    if (!value)
      err.fail(line_no, f[v_col].column,
               quoted(value_column) + " value " + quoted(f[v_col].text) + " is not a number");
    if (non_negative && *value < 0)
      err.fail(line_no, f[v_col].column,
               quoted(value_column) + " must be >= 0, got " + std::string(f[v_col].text));
    if (out.values.empty()) {
      out.first_utc_s = utc_s;
    } else if (utc_s == prev_s) {
      err.fail(line_no, f[t_col].column,
               "duplicate hour " + to_string(civil_from_epoch_seconds(utc_s)) + " UTC");
    } else if (utc_s < prev_s) {
      err.fail(line_no, f[t_col].column,
               "hour " + to_string(civil_from_epoch_seconds(utc_s)) +
                   " UTC is out of order (after " + to_string(civil_from_epoch_seconds(prev_s)) +
                   ")");
    } else if (utc_s != prev_s + seconds_per_hour_i) {
      err.fail(line_no, f[t_col].column,
               "gap in hourly data: expected " +
                   to_string(civil_from_epoch_seconds(prev_s + seconds_per_hour_i)) + " UTC, got " +
                   to_string(civil_from_epoch_seconds(utc_s)) + " (" +
                   std::to_string((utc_s - prev_s) / seconds_per_hour_i - 1) + " hours missing)");
    }
    prev_s = utc_s;
    out.values.push_back(*value);
  }
  if (out.values.empty()) err.fail(1, 0, "CSV file has a header but no data rows");
  return out;
}

HourlySeries read_hourly_csv(const std::string& path, const std::string& time_column,
                             const std::string& value_column, bool non_negative,
                             const sim::Location& referenced_from) {
  const std::string text = detail::read_text_file(path, referenced_from);
  return parse_hourly_csv(text, path, time_column, value_column, non_negative);
}

}  // namespace joule::models::environment
