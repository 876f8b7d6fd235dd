// Small helpers shared by the readers of weather and grid files: splitting comma-separated
// lines with their column positions, strict number parsing, file loading, and InputErrors that
// quote the offending line of a data file.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/error.hpp"

namespace joule::models::environment::detail {

struct Field {
  // Unquoted, as written: a view into the line, or into the row's own storage for a quoted
  // field that is not a slice of the line ("" escapes, text after the closing quote).
  std::string_view text;
  int column = 0;  // 1-based character column where the field starts
};

// One line's fields. Splitting every row of a data file into one row allocates once, not once
// per row and field: the fields view the line (which must outlive them) and copy nothing.
class CsvRow {
public:
  CsvRow() = default;
  CsvRow(const CsvRow&) = delete;  // the fields may view the row's own storage
  CsvRow& operator=(const CsvRow&) = delete;

  // Splits `line` at commas; double-quoted fields may contain commas and "" escapes. Only the
  // first `max_fields` fields are taken (a reader that needs the first k fields of a longer
  // row leaves the rest unsplit); size() is the row's field count when it has fewer.
  void split(std::string_view line,
             std::size_t max_fields = std::numeric_limits<std::size_t>::max());

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Field& operator[](std::size_t i) const { return fields_[i]; }
  const Field* begin() const { return fields_.data(); }
  const Field* end() const { return fields_.data() + size_; }

private:
  Field& next(int column);

  std::vector<Field> fields_;  // the first size_ are this line's
  std::size_t size_ = 0;
  std::string unquoted_;  // quoted fields that are not slices of the line, back to back
};

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
