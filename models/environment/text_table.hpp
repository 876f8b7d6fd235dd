// Small helpers shared by the readers of weather and grid files: splitting comma-separated
// lines with their column positions, strict number parsing, file loading, and InputErrors that
// quote the offending line of a data file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/error.hpp"

namespace joule::models::environment::detail {

struct Field {
  std::string text;  // unquoted, as written
  int column = 0;    // 1-based character column where the field starts
};

// Splits one line at commas; double-quoted fields may contain commas and "" escapes.
std::vector<Field> split_csv_line(std::string_view line);
// The same into `out`, whose storage is reused: a reader splitting every row of a data file
// with one vector allocates once, not once per row and growth.
void split_csv_line(std::string_view line, std::vector<Field>& out);

// The whole field as a finite decimal number (surrounding blanks allowed), else nullopt.
std::optional<double> parse_number(std::string_view text);

// Lines of a text, without line terminators (handles \n and \r\n).
std::vector<std::string_view> split_lines(std::string_view text);

// Reads a whole file; an unreadable file is an InputError at `referenced_from`.
std::string read_text_file(const std::string& path, const sim::Location& referenced_from);

// Builds InputErrors for one data file, quoting the offending line (the text is shared only
// when an error is raised).
class DataFileErrors {
public:
  DataFileErrors(std::string_view text, std::string name) : text_(text), name_(std::move(name)) {}
  [[noreturn]] void fail(int line, int column, const std::string& message) const;
  const std::string& name() const { return name_; }

private:
  std::string_view text_;
  std::string name_;
};

}  // namespace joule::models::environment::detail
