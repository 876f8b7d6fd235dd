#include "sim/params.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <sstream>

namespace joule::sim {

namespace {

std::string format_number(double v) {
  std::ostringstream out;
  out.precision(12);
  out << v;
  return out.str();
}

// Location of character `offset` inside a scalar that starts at `where` (single-line scalars;
// quoted scalars are off by the quote, which is harmless for a caret).
Location shifted(const Location& where, std::size_t offset) {
  Location out = where;
  if (out.column > 0) out.column += static_cast<int>(offset);
  return out;
}

}  // namespace

const ParamNode::Entry* ParamNode::find_entry(std::string_view key) const {
  for (const auto& e : entries)
    if (e.key == key) return &e;
  return nullptr;
}

const ParamNode* ParamNode::find(std::string_view key) const {
  const Entry* e = find_entry(key);
  return e ? &e->value : nullptr;
}

bool Range::contains(double v) const {
  if (min_exclusive ? !(v > min) : !(v >= min)) return false;
  if (max_exclusive ? !(v < max) : !(v <= max)) return false;
  return true;
}

std::string Range::describe() const {
  const bool has_min = std::isfinite(min), has_max = std::isfinite(max);
  if (has_min && has_max)
    return std::string("in ") + (min_exclusive ? "(" : "[") + format_number(min) + ", " +
           format_number(max) + (max_exclusive ? ")" : "]");
  if (has_min) return std::string(min_exclusive ? "> " : ">= ") + format_number(min);
  if (has_max) return std::string(max_exclusive ? "< " : "<= ") + format_number(max);
  return "finite";
}

std::string directory_of(const Location& where, const std::string& fallback) {
  const std::string name = where.name();
  std::error_code ec;
  if (!name.empty() && std::filesystem::is_regular_file(name, ec))
    return std::filesystem::absolute(name).parent_path().string();
  return fallback;
}

std::vector<const ModelDoc*>& model_docs() {
  static std::vector<const ModelDoc*> docs;
  return docs;
}

ParsedQuantity parse_at(const std::string& text, const Location& where, const std::string& path) {
  try {
    return parse_quantity(text);
  } catch (const UnitError& e) {
    throw InputError(shifted(where, e.offset), path + ": " + e.message);
  }
}

ParamReader::ParamReader(const ParamNode* node, const ModelDoc& doc,
                         std::vector<std::string> ignored)
    : node_(node), doc_(doc) {
  if (!node_ || node_->kind == ParamNode::Kind::null) return;
  if (!node_->is_map())
    throw InputError(node_->where, (node_->path.empty() ? std::string("value") : node_->path) +
                                       " must be a map of keys for '" + doc_.name + "'");
  for (const auto& e : node_->entries) {
    if (std::any_of(doc_.keys.begin(), doc_.keys.end(),
                    [&](const KeyDoc& k) { return k.name == e.key; }))
      continue;
    if (std::find(ignored.begin(), ignored.end(), e.key) != ignored.end()) continue;
    std::vector<std::string> names;
    for (const auto& k : doc_.keys) names.push_back(k.name);
    std::string msg = "unknown key '" + e.key + "' for " + doc_.kind + " '" + doc_.name + "'";
    const std::string hint = closest_match(e.key, names);
    if (!hint.empty())
      msg += " (did you mean '" + hint + "'?)";
    else if (!names.empty()) {
      std::string valid;
      for (const auto& n : names) valid += (valid.empty() ? "" : ", ") + n;
      msg += ". Valid keys: " + valid;
    }
    throw InputError(e.key_where, msg);
  }
}

// A key left out whose default the caller's range refuses (a list job's `duration` is 0 s by
// default but must be > 0 for a fixed-duration job): the key is required here, and the error
// points at the map it is missing from, not at a default the user never wrote.
namespace {

[[noreturn]] void missing_in_range(const Location& map, const std::string& path, const KeyDoc& k,
                                   const Range& range) {
  throw InputError(map, "missing key '" + path + "' (" + k.help + "): give a value " +
                            range.describe() +
                            (k.unit.empty() || k.unit == "number" ? "" : " " + k.unit));
}

}  // namespace

const KeyDoc& ParamReader::declared(std::string_view key) const {
  for (const auto& k : doc_.keys)
    if (k.name == key) return k;
  throw std::logic_error("model '" + doc_.name + "' reads undeclared key '" + std::string(key) +
                         "'");
}

bool ParamReader::has(std::string_view key) const {
  declared(key);
  return node_ && node_->is_map() && node_->find(key) != nullptr;
}

std::string ParamReader::path(std::string_view key) const {
  if (!node_ || node_->path.empty()) return std::string(key);
  return node_->path + "." + std::string(key);
}

Location ParamReader::location(std::string_view key) const {
  if (node_ && node_->is_map())
    if (const ParamNode* v = node_->find(key)) return v->where;
  return node_ ? node_->where : Location{};
}

void ParamReader::fail(std::string_view key, const std::string& message) const {
  throw InputError(location(key), path(key) + " " + message);
}

const ParamNode* ParamReader::node(std::string_view key) const {
  declared(key);
  if (!node_ || !node_->is_map()) return nullptr;
  const ParamNode* v = node_->find(key);
  return v && v->kind != ParamNode::Kind::null ? v : nullptr;
}

std::pair<std::string, Location> ParamReader::text(std::string_view key) const {
  const KeyDoc& k = declared(key);
  if (const ParamNode* v = node(key)) {
    if (!v->is_scalar())
      throw InputError(v->where, path(key) + " must be a single value" +
                                     (k.unit.empty() ? "" : " (" + k.unit + ")"));
    return {v->scalar, v->where};
  }
  if (k.default_value.empty())
    throw InputError(node_ ? node_->where : Location{},
                     "missing required key '" + path(key) + "' (" + k.help + ")");
  Location where;
  where.file = "<default of " + doc_.kind + " '" + doc_.name + "'." + k.name + ">";
  return {k.default_value, where};
}

std::pair<ParsedQuantity, Location> ParamReader::parse(std::string_view key) const {
  auto [t, where] = text(key);
  return {parse_at(t, where, path(key)), where};
}

void ParamReader::check_dimension_at(const ParsedQuantity& p, const DimVector& want,
                                     std::string_view key, const Location& where) const {
  try {
    check_dimension(p, want, false);
  } catch (const UnitError& e) {
    throw InputError(where,
                     path(key) + ": " + e.message + " (e.g. \"" + declared(key).unit + "\")");
  }
}

void ParamReader::check_range(std::string_view key, double value, const Range& range,
                              const Location& where, const ParsedQuantity&) const {
  if (!range.contains(value) && !has(key))
    missing_in_range(node_ ? node_->where : Location{}, path(key), declared(key), range);
  if (!range.contains(value))
    throw InputError(
        where,
        path(key) + " must be " + range.describe() + ", got " + format_number(value) +
            (declared(key).unit.empty() || declared(key).unit == "number" ? ""
                                                                          : " (in base units)"));
}

Celsius ParamReader::celsius(std::string_view key, Range range_c) const {
  const auto [p, where] = parse(key);
  Celsius c;
  try {
    c = as_celsius(p, false);
  } catch (const UnitError& e) {
    throw InputError(where, path(key) + ": " + e.message);
  }
  if (!range_c.contains(c.value))
    throw InputError(where, path(key) + " must be " + range_c.describe() + " degC, got " +
                                format_number(c.value) + " degC");
  return c;
}

Kelvins ParamReader::kelvins(std::string_view key, Range range) const {
  const auto [p, where] = parse(key);
  Kelvins k;
  try {
    k = as_kelvins(p, false);
  } catch (const UnitError& e) {
    throw InputError(where, path(key) + ": " + e.message);
  }
  if (!range.contains(k.value()))
    throw InputError(where, path(key) + " must be " + range.describe() + " K, got " +
                                format_number(k.value()) + " K");
  return k;
}

Time ParamReader::duration(std::string_view key, Range range_s) const {
  const auto s = quantity<Seconds>(key, range_s);
  Time t;
  try {
    t = seconds(s.value());
  } catch (const std::exception&) {
    throw InputError(location(key), path(key) + " is too long to simulate (over 292 years)");
  }
  // A positive duration that rounds to 0 ns (the simulator's resolution) would be a zero step,
  // interval or duration downstream: refused here, at the key.
  if (t == Time::zero() && s.value() != 0 && !range_s.contains(0))
    throw InputError(location(key), path(key) +
                                        " is shorter than 1 ns, the simulator's resolution (it "
                                        "would be 0)");
  return t;
}

double ParamReader::number(std::string_view key, Range range) const {
  const auto [p, where] = parse(key);
  check_dimension_at(p, DimVector{}, key, where);
  check_range(key, p.value, range, where, p);
  return p.value;
}

std::int64_t ParamReader::integer(std::string_view key, Range range) const {
  auto [t, where] = text(key);
  std::int64_t v = 0;
  const char* first = t.data();
  if (!t.empty() && t[0] == '+') ++first;
  const auto [end, ec] = std::from_chars(first, t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size()) {
    // Accept integral floating forms such as 1e4.
    double d = 0;
    const auto [dend, dec] = std::from_chars(first, t.data() + t.size(), d);
    if (dec != std::errc() || dend != t.data() + t.size() || d != std::floor(d) ||
        std::fabs(d) > 9.0e15)
      throw InputError(where, path(key) + " must be an integer, got '" + t + "'");
    v = static_cast<std::int64_t>(d);
  }
  if (!range.contains(static_cast<double>(v)) && !has(key))
    missing_in_range(node_ ? node_->where : Location{}, path(key), declared(key), range);
  if (!range.contains(static_cast<double>(v)))
    throw InputError(where, path(key) + " must be " + range.describe() + ", got " + t);
  return v;
}

bool ParamReader::boolean(std::string_view key) const {
  auto [t, where] = text(key);
  std::string lower = t;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "no" || lower == "off") return false;
  throw InputError(where, path(key) + " must be true or false, got '" + t + "'");
}

std::string ParamReader::string(std::string_view key) const {
  return text(key).first;
}

std::string ParamReader::choice(std::string_view key,
                                const std::vector<std::string>& choices) const {
  auto [t, where] = text(key);
  if (std::find(choices.begin(), choices.end(), t) != choices.end()) return t;
  std::string valid;
  for (const auto& c : choices) valid += (valid.empty() ? "" : ", ") + c;
  std::string msg = path(key) + ": unknown value '" + t + "'";
  const std::string hint = closest_match(t, choices);
  if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
  throw InputError(where, msg + ". Valid: " + valid);
}

}  // namespace joule::sim
