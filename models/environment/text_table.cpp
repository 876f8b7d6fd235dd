#include "models/environment/text_table.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>

#include "sim/input_files.hpp"

namespace joule::models::environment::detail {

Field& CsvRow::next(int column) {
  if (size_ == fields_.size()) fields_.emplace_back();
  Field& f = fields_[size_++];
  f.text = {};
  f.column = column;
  return f;
}

void CsvRow::split(std::string_view line, std::size_t max_fields) {
  size_ = 0;
  unquoted_.clear();
  if (max_fields == 0) return;
  const std::size_t n = line.size();
  std::size_t i = 0;
  while (true) {
    Field& f = next(static_cast<int>(i) + 1);
    if (i < n && line[i] == '"') {
      const std::size_t first = ++i;
      const std::size_t quote = line.find('"', first);
      if (quote == std::string_view::npos) {  // unclosed: the rest of the line
        f.text = line.substr(first);
        i = n;
      } else if (quote + 1 == n || line[quote + 1] == ',') {  // a slice of the line
        f.text = line.substr(first, quote - first);
        i = quote + 1;
      } else {
        // "" escapes or text after the closing quote: unquoted into the row's storage. The
        // unquoted text of a line is never longer than the line, so once reserved the storage
        // does not move under the views taken from it.
        unquoted_.reserve(n);
        const std::size_t from = unquoted_.size();
        while (i < n) {
          if (line[i] == '"') {
            if (i + 1 < n && line[i + 1] == '"') {
              unquoted_ += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          unquoted_ += line[i++];
        }
        while (i < n && line[i] != ',') unquoted_ += line[i++];  // text after the quote
        f.text = std::string_view(unquoted_).substr(from);
      }
    } else {
      const std::size_t end = line.find(',', i);
      const std::size_t stop = end == std::string_view::npos ? n : end;
      f.text = line.substr(i, stop - i);
      i = stop;
    }
    if (i >= n || size_ == max_fields) break;
    ++i;           // the comma
    if (i == n) {  // trailing comma: one more empty field
      next(static_cast<int>(i) + 1);
      break;
    }
  }
}

std::optional<double> parse_number(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  // A plain decimal of at most 15 digits (most fields of a weather or price file: "0", "99846",
  // "-1.10", "21.957204"): its digits m are an exact double, and so is 10^k for its k decimals,
  // so the one rounding of m / 10^k gives the double nearest the text, as from_chars does
  // (Clinger's fast path), -0 included.
  const std::size_t sign = s.front() == '-' ? 1 : 0;
  if (s.size() - sign <= 16) {
    static constexpr double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    double m = 0;
    std::size_t i = sign, point = 0;  // point: the position after the '.', 0 without one
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (c >= '0' && c <= '9')
        m = m * 10 + (c - '0');
      else if (c == '.' && point == 0 && i > sign)
        point = i + 1;
      else
        break;
    }
    const std::size_t decimals = point ? s.size() - point : 0;
    const std::size_t digits = s.size() - sign - (point ? 1 : 0);
    if (i == s.size() && digits >= 1 && digits <= 15) {
      const double v = m / pow10[decimals];
      return sign ? -v : v;
    }
  }
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
