// Parameters: how models read their part of a scenario without knowing YAML.
//
// The application turns YAML into a ParamNode tree that keeps every key's and value's location.
// A model declares its keys once, in a ModelDoc (name, unit, default, help); a ParamReader over
// the model's node rejects undeclared keys ("did you mean ..."), parses every value through the
// one unit parser, applies documented defaults, checks ranges, and reports any problem as an
// InputError pointing into the user's file. `joule list-models` prints the same ModelDocs.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/error.hpp"
#include "sim/time.hpp"
#include "sim/units.hpp"

namespace joule::sim {

class ParamNode {
public:
  enum class Kind { null, scalar, map, sequence };
  struct Entry;

  Kind kind = Kind::null;
  std::string scalar;          // for scalars: the text as written
  Location where;              // where the value starts
  std::string path;            // dotted path from the root, e.g. "cooling.chiller.cop" or "jobs[2]"
  std::vector<Entry> entries;  // for maps, in file order
  std::vector<ParamNode> items;  // for sequences
  // Tagged `!replace` in YAML: where a scenario extends another, this value replaces the base's
  // instead of merging into it; with no value, it removes the base's key.
  bool replace = false;

  bool is_map() const { return kind == Kind::map; }
  bool is_scalar() const { return kind == Kind::scalar; }
  bool is_sequence() const { return kind == Kind::sequence; }
  const ParamNode* find(std::string_view key) const;
  const Entry* find_entry(std::string_view key) const;
};

struct ParamNode::Entry {
  std::string key;
  Location key_where;
  ParamNode value;
};

// Declared key of a model. `unit` is what the value must be written in: a unit such as "W",
// "degC", "K" (difference), "s"; or one of "number", "integer", "bool", "string", "list", "map".
// `default_value` is the text used when the key is absent; empty means the key is required.
struct KeyDoc {
  std::string name;
  std::string unit;
  std::string default_value;
  std::string help;
};

// Documentation of one registered model or policy.
struct ModelDoc {
  std::string kind;  // e.g. "node", "cooling", "policy"
  std::string name;  // the `type:` value that selects it
  std::string summary;
  std::vector<KeyDoc> keys;
};

// Numeric range a value must fall in; messages say "must be > 0, got -3".
struct Range {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;
  bool max_exclusive = false;
  static Range any() { return {}; }
  static Range positive() { return {0, std::numeric_limits<double>::infinity(), true, false}; }
  static Range non_negative() { return {0, std::numeric_limits<double>::infinity()}; }
  static Range unit_interval() { return {0, 1}; }
  static Range at_least(double v) { return {v, std::numeric_limits<double>::infinity()}; }
  static Range between(double lo, double hi) { return {lo, hi}; }
  bool contains(double v) const;
  std::string describe() const;  // "> 0", "in [0, 1]"
};

class ParamReader {
public:
  // Checks that `node` is a map (or null: all defaults) whose keys are all declared in `doc`.
  // Keys listed in `ignored` are accepted without being declared (e.g. "type", read by the
  // factory that chose this model).
  ParamReader(const ParamNode* node, const ModelDoc& doc,
              std::vector<std::string> ignored = {"type"});

  bool has(std::string_view key) const;  // present in the file (not defaulted)

  template <class Q>
  Q quantity(std::string_view key, Range range = Range::any()) const {
    const auto [parsed, where] = parse(key);
    check_dimension_at(parsed, DimVector::of<typename Q::dim>(), key, where);
    check_range(key, parsed.value, range, where, parsed);
    return Q(parsed.value);
  }
  Celsius celsius(std::string_view key, Range range_c = Range::any()) const;
  Kelvins kelvins(std::string_view key, Range range = Range::any()) const;
  Time duration(std::string_view key, Range range_s = Range::non_negative()) const;
  double number(std::string_view key, Range range = Range::any()) const;  // dimensionless; "%" ok
  std::int64_t integer(std::string_view key, Range range = Range::any()) const;
  bool boolean(std::string_view key) const;
  std::string string(std::string_view key) const;
  // One of `choices`; otherwise an error listing them.
  std::string choice(std::string_view key, const std::vector<std::string>& choices) const;
  // The raw node of a key (maps, lists), or nullptr when absent.
  const ParamNode* node(std::string_view key) const;

  // Where a key's value is (or the model's node, when the key is absent).
  Location location(std::string_view key) const;
  std::string path(std::string_view key) const;
  [[noreturn]] void fail(std::string_view key, const std::string& message) const;

  const ModelDoc& doc() const { return doc_; }

private:
  const KeyDoc& declared(std::string_view key) const;
  // The scalar text of a key (the value or its default) and where it came from.
  std::pair<std::string, Location> text(std::string_view key) const;
  std::pair<ParsedQuantity, Location> parse(std::string_view key) const;
  void check_dimension_at(const ParsedQuantity& p, const DimVector& want, std::string_view key,
                          const Location& where) const;
  void check_range(std::string_view key, double value, const Range& range, const Location& where,
                   const ParsedQuantity& parsed) const;

  const ParamNode* node_;
  const ModelDoc& doc_;
};

// Parses a scalar node as a quantity, reporting errors at the node. For values not owned by a
// ModelDoc (list items, table cells).
ParsedQuantity parse_at(const std::string& text, const Location& where, const std::string& path);

// The folder relative paths in a value are resolved against: the folder of the file the value
// was written in (so a base scenario's data paths keep working when another scenario extends
// it from elsewhere), or `fallback` for values from the command line or embedded text.
std::string directory_of(const Location& where, const std::string& fallback);

// Every documented model, in registration order (for `joule list-models`).
std::vector<const ModelDoc*>& model_docs();

}  // namespace joule::sim
