#include "models/workload/trace.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "sim/input_files.hpp"

namespace joule::models::workload {

namespace {

struct Cell {
  std::string text;
  int column = 0;  // 1-based
};

// Splits one CSV line; double-quoted cells may contain commas and "" for a quote.
std::vector<Cell> split_csv(std::string_view line, const sim::Location& where) {
  std::vector<Cell> cells;
  std::size_t i = 0;
  while (true) {
    Cell c;
    c.column = static_cast<int>(i) + 1;
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) {
          sim::Location at = where;
          at.column = c.column;
          throw sim::InputError(at, "unterminated quoted cell");
        }
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            c.text += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        c.text += line[i++];
      }
      if (i < line.size() && line[i] != ',') {
        sim::Location at = where;
        at.column = static_cast<int>(i) + 1;
        throw sim::InputError(at, "text after a quoted cell");
      }
    } else {
      const std::size_t end = std::min(line.find(',', i), line.size());
      c.text = std::string(line.substr(i, end - i));
      i = end;
    }
    // Trim blanks.
    const auto first = c.text.find_first_not_of(" \t");
    const auto last = c.text.find_last_not_of(" \t");
    c.text = first == std::string::npos ? "" : c.text.substr(first, last - first + 1);
    cells.push_back(std::move(c));
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return cells;
}

// Longest span sim::Time holds (±9.22e18 ns), with a margin: a duration, or a submit time after
// the trace's first, beyond it is an input error rather than a sim::Time overflow.
constexpr double max_span_s = 9.2e9;

bool parse_double(std::string_view s, double& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(out);
}

// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t k = pos; k < pos + n; ++k) {
    if (s[k] < '0' || s[k] > '9') return false;
    out = out * 10 + (s[k] - '0');
  }
  return true;
}

}  // namespace

bool parse_iso8601(std::string_view s, double& seconds_out) {
  int y, mo, d, h, mi, sec;
  if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ') || !digits(s, 11, 2, h) ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec))
    return false;
  static constexpr int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
    return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return false;
  double frac = 0;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    std::size_t j = i + 1;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j == i + 1 || !parse_double(std::string("0") + std::string(s.substr(i, j - i)), frac))
      return false;
    i = j;
  }
  double offset_s = 0;
  if (i < s.size()) {
    if (s[i] == 'Z' && i + 1 == s.size()) {
      // UTC
    } else if ((s[i] == '+' || s[i] == '-') && s.size() == i + 6 && s[i + 3] == ':') {
      int oh, om;
      if (!digits(s, i + 1, 2, oh) || !digits(s, i + 4, 2, om) || oh > 23 || om > 59) return false;
      offset_s = (s[i] == '+' ? 1 : -1) * (oh * 3600.0 + om * 60.0);
    } else {
      return false;
    }
  }
  const double days = static_cast<double>(days_from_civil(y, mo, d));
  seconds_out = days * 86400.0 + h * 3600.0 + mi * 60.0 + sec + frac - offset_s;
  return true;
}

double Trace::gpu_hours() const {
  // Sum in integer GPU·ns, exact for any realistic trace; 128 bits so that even 1e7 GPUs × the
  // longest sim::Time cannot overflow.
  __int128 gpu_ns = 0;
  for (const auto& j : jobs) gpu_ns += static_cast<__int128>(j.gpus) * j.duration.ns();
  return static_cast<double>(gpu_ns) * 1e-9 / 3600.0;
}

Trace parse_trace_csv(std::string_view text, const std::string& name) {
  Trace trace;
  trace.name = name;
  auto source = std::make_shared<sim::SourceText>(sim::SourceText{name, std::string(text)});
  auto at = [&](int line, int column) {
    sim::Location l;
    l.source = source;
    l.file = name;
    l.line = line;
    l.column = column;
    return l;
  };

  std::map<std::string, std::size_t> col;  // header name → index
  std::size_t header_fields = 0;
  int header_line = 0;
  struct Raw {
    TraceJob job;
    double submit_s;
    int submit_column;
  };
  std::vector<Raw> rows;
  std::map<std::string, int> seen_ids;

  std::size_t pos = 0;
  int line_no = 0;
  while (pos <= text.size()) {
    const std::size_t nl = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos || line.front() == '#') {
      if (nl == text.size()) break;
      continue;
    }
    const auto cells = split_csv(line, at(line_no, 1));
    if (header_line == 0) {
      header_line = line_no;
      header_fields = cells.size();
      for (std::size_t i = 0; i < cells.size(); ++i) col[cells[i].text] = i;
      for (const char* required : {"job_id", "gpu_num", "submit_time"})
        if (!col.count(required))
          throw sim::InputError(at(line_no, 1), std::string("trace header has no '") + required +
                                                    "' column (needs job_id, gpu_num, "
                                                    "submit_time, and duration or start_time + "
                                                    "end_time)");
      if (!col.count("duration") && !(col.count("start_time") && col.count("end_time")))
        throw sim::InputError(at(line_no, 1),
                              "trace header needs a 'duration' column or both 'start_time' and "
                              "'end_time'");
      if (nl == text.size()) break;
      continue;
    }
    if (cells.size() != header_fields) {
      const int column = cells.size() > header_fields ? cells[header_fields].column
                                                      : static_cast<int>(line.size()) + 1;
      throw sim::InputError(at(line_no, column), "row has " + std::to_string(cells.size()) +
                                                     " fields, the header (line " +
                                                     std::to_string(header_line) + ") has " +
                                                     std::to_string(header_fields));
    }
    auto cell = [&](const char* name_) -> const Cell* {
      const auto it = col.find(name_);
      return it == col.end() ? nullptr : &cells[it->second];
    };
    auto time_of = [&](const Cell& c, const char* what) {
      double v = 0;
      if (parse_double(c.text, v) || parse_iso8601(c.text, v)) return v;
      throw sim::InputError(
          at(line_no, c.column),
          std::string(what) + " must be seconds or an ISO 8601 timestamp, got '" + c.text + "'");
    };

    Raw raw;
    raw.job.line = line_no;
    const Cell& id = *cell("job_id");
    if (id.text.empty()) throw sim::InputError(at(line_no, id.column), "job_id is empty");
    if (const auto [it, fresh] = seen_ids.emplace(id.text, line_no); !fresh)
      throw sim::InputError(
          at(line_no, id.column),
          "duplicate job_id '" + id.text + "' (first on line " + std::to_string(it->second) + ")");
    raw.job.id = id.text;

    const Cell& g = *cell("gpu_num");
    double gpus = 0;
    if (!parse_double(g.text, gpus) || gpus < 0 || gpus != std::floor(gpus) || gpus > 1e7)
      throw sim::InputError(at(line_no, g.column),
                            "gpu_num must be a whole number >= 0, got '" + g.text + "'");
    raw.job.gpus = static_cast<int>(gpus);
    raw.job.gpus_column = g.column;

    raw.submit_s = time_of(*cell("submit_time"), "submit_time");
    raw.submit_column = cell("submit_time")->column;

    double duration_s = 0;
    const Cell* dur = cell("duration");
    if (dur && !dur->text.empty()) {
      if (!parse_double(dur->text, duration_s) || duration_s < 0)
        throw sim::InputError(at(line_no, dur->column),
                              "duration must be seconds >= 0, got '" + dur->text + "'");
    } else {
      const Cell* st = cell("start_time");
      const Cell* en = cell("end_time");
      if (!st || !en) {
        throw sim::InputError(at(line_no, dur->column),
                              "duration is empty and the trace has no start_time/end_time");
      }
      if (st->text.empty() || en->text.empty()) {
        const Cell& missing = st->text.empty() ? *st : *en;
        throw sim::InputError(at(line_no, missing.column),
                              "no duration: duration is empty and so is this time");
      }
      const double s0 = time_of(*st, "start_time"), s1 = time_of(*en, "end_time");
      if (s1 < s0) throw sim::InputError(at(line_no, en->column), "end_time is before start_time");
      duration_s = s1 - s0;
    }
    if (duration_s > max_span_s) {
      const int column = dur && !dur->text.empty() ? dur->column : cell("end_time")->column;
      char text[32];
      std::snprintf(text, sizeof text, "%.6g", duration_s);
      throw sim::InputError(at(line_no, column), "duration of " + std::string(text) +
                                                     " s is too long to simulate (over 290 years)");
    }
    raw.job.duration = sim::seconds(duration_s);
    if (const Cell* state = cell("state")) raw.job.state = state->text;
    rows.push_back(std::move(raw));
    if (nl == text.size()) break;
  }
  if (header_line == 0) throw sim::InputError(at(1, 1), "trace is empty (no header row)");

  if (!rows.empty()) {
    trace.origin_s = rows.front().submit_s;
    for (const auto& r : rows) trace.origin_s = std::min(trace.origin_s, r.submit_s);
  }
  trace.jobs.reserve(rows.size());
  for (auto& r : rows) {
    if (r.submit_s - trace.origin_s > max_span_s)
      throw sim::InputError(at(r.job.line, r.submit_column),
                            "submit_time is over 290 years after the trace's first submit");
    r.job.submit = sim::seconds(r.submit_s - trace.origin_s);
    trace.jobs.push_back(std::move(r.job));
  }
  return trace;
}

Trace read_trace_csv(const std::string& path, const sim::Location& referenced_from) {
  // Through the input log (recorded in the run's provenance); a missing file, or one that is
  // not a regular file of bounded size, is an error at the key that named it.
  return parse_trace_csv(sim::read_input_file(path, referenced_from), path);
}

}  // namespace joule::models::workload
