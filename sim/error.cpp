#include "sim/error.hpp"

#include <algorithm>
#include <sstream>

namespace joule::sim {

std::string Location::to_string() const {
  std::ostringstream out;
  out << name();
  if (line > 0) {
    out << ':' << line;
    if (column > 0) out << ':' << column;
  }
  return out.str();
}

std::string quote_line(const Location& where) {
  if (!where.source || where.line <= 0) return "";
  std::istringstream in(where.source->text);
  std::string text;
  for (int i = 0; i < where.line; ++i)
    if (!std::getline(in, text)) return "";
  const std::string number = std::to_string(where.line);
  std::ostringstream out;
  out << ' ' << number << " | " << text << '\n';
  if (where.column > 0) {
    // Keep tabs so the caret lines up under tab-indented text.
    std::string pad;
    for (int i = 0; i < where.column - 1 && i < static_cast<int>(text.size()); ++i)
      pad += text[i] == '\t' ? '\t' : ' ';
    out << ' ' << std::string(number.size(), ' ') << " | " << pad << "^\n";
  }
  return out.str();
}

std::string InputError::format(const Location& where, const std::string& message) {
  std::ostringstream text;
  const std::string place = where.to_string();
  if (!place.empty()) text << place << ": ";
  text << message;
  const std::string quoted = quote_line(where);
  if (!quoted.empty()) text << '\n' << quoted;
  std::string out = text.str();
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

InputError::InputError(Location where, std::string message)
    : std::runtime_error(format(where, message)),
      where_(std::move(where)),
      message_(std::move(message)) {}

InputError::InputError(Location where, std::string message, Location also, std::string also_message)
    : std::runtime_error(format(where, message).append("\n").append(format(also, also_message))),
      where_(std::move(where)),
      message_(std::move(message)) {}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string closest_match(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
  for (const auto& c : candidates) {
    // The distance is at least the difference in length: most candidates need no table.
    const std::size_t length_gap =
        name.size() > c.size() ? name.size() - c.size() : c.size() - name.size();
    if (length_gap >= best_distance) continue;
    const std::size_t d = edit_distance(name, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace joule::sim
