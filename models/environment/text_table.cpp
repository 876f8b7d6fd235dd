#include "models/environment/text_table.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>

#include "sim/input_files.hpp"

namespace joule::models::environment::detail {

void split_csv_line(std::string_view line, std::vector<Field>& out) {
  std::size_t n = 0;  // fields so far; out's first n are this line's
  const auto next = [&](int column) -> Field& {
    if (n == out.size()) out.emplace_back();
    Field& f = out[n++];
    f.text.clear();
    f.column = column;
    return f;
  };
  std::size_t i = 0;
  while (true) {
    Field& f = next(static_cast<int>(i) + 1);
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            f.text += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        f.text += line[i++];
      }
      while (i < line.size() && line[i] != ',') f.text += line[i++];  // text after the quote
    } else {
      const std::size_t end = line.find(',', i);
      const std::size_t stop = end == std::string_view::npos ? line.size() : end;
      f.text.assign(line.substr(i, stop - i));
      i = stop;
    }
    if (i >= line.size()) break;
    ++i;                     // the comma
    if (i == line.size()) {  // trailing comma: one more empty field
      next(static_cast<int>(i) + 1);
      break;
    }
  }
  out.resize(n);
}

std::vector<Field> split_csv_line(std::string_view line) {
  std::vector<Field> out;
  split_csv_line(line, out);
  return out;
}

std::optional<double> parse_number(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

std::string read_text_file(const std::string& path, const sim::Location& referenced_from) {
  return sim::read_input_file(path, referenced_from);  // recorded in the run's provenance
}

void DataFileErrors::fail(int line, int column, const std::string& message) const {
  sim::Location where;
  where.source =
      std::make_shared<const sim::SourceText>(sim::SourceText{name_, std::string(text_)});
  where.file = name_;
  where.line = line;
  where.column = column;
  throw sim::InputError(where, message);
}

}  // namespace joule::models::environment::detail
