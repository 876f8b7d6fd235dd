// The one quantity parser. Grammar:
//   quantity := term { ws term }                        (a compound: "33 d 12 h", "1 h 30 min")
//   term     := number [ws unit]
//   unit     := factor { ('/' | '*' | '·' | ws) factor }     ('/' divides the next factor only)
//   factor   := [prefix] symbol ['^' int]
// Values are converted to base units (W, J, s, kg, m, K, byte, FLOP, kgCO2e, USD); a lone affine
// temperature unit (degC, degF) also adds its offset to give kelvins and records it, so a
// temperature difference can be recovered by as_kelvins().
#include "sim/units.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <vector>

#include "sim/error.hpp"

namespace joule::sim {

namespace {

struct UnitDef {
  const char* symbol;
  double scale;  // base units per unit
  DimVector dim;
  bool prefixable;
  double offset = 0;  // affine offset in K (temperatures only)
};

constexpr DimVector kPower{1, 2, -3, 0, 0, 0, 0, 0};
constexpr DimVector kEnergy{1, 2, -2, 0, 0, 0, 0, 0};
constexpr DimVector kTime{0, 0, 1, 0, 0, 0, 0, 0};
constexpr DimVector kMass{1, 0, 0, 0, 0, 0, 0, 0};
constexpr DimVector kLength{0, 1, 0, 0, 0, 0, 0, 0};
constexpr DimVector kVolume{0, 3, 0, 0, 0, 0, 0, 0};
constexpr DimVector kTemp{0, 0, 0, 1, 0, 0, 0, 0};
constexpr DimVector kData{0, 0, 0, 0, 1, 0, 0, 0};
constexpr DimVector kOps{0, 0, 0, 0, 0, 1, 0, 0};
constexpr DimVector kCo2{0, 0, 0, 0, 0, 0, 1, 0};
constexpr DimVector kMoney{0, 0, 0, 0, 0, 0, 0, 1};
constexpr DimVector kFrequency{0, 0, -1, 0, 0, 0, 0, 0};
constexpr DimVector kPressure{1, -1, -2, 0, 0, 0, 0, 0};
constexpr DimVector kNone{};

const std::vector<UnitDef>& unit_table() {
  static const std::vector<UnitDef> table = {
      {"W", 1, kPower, true},
      {"J", 1, kEnergy, true},
      {"Wh", 3600, kEnergy, true},
      {"s", 1, kTime, true},
      {"min", 60, kTime, false},
      {"h", 3600, kTime, false},
      {"d", 86400, kTime, false},
      {"wk", 604800, kTime, false},
      {"yr", 365.0 * 86400, kTime, false},  // a 365-day year, as simulations use
      {"g", 1e-3, kMass, true},
      {"t", 1e3, kMass, false},
      {"m", 1, kLength, true},
      {"L", 1e-3, kVolume, true},
      {"l", 1e-3, kVolume, true},
      {"Pa", 1, kPressure, true},
      {"bar", 1e5, kPressure, false},
      {"Hz", 1, kFrequency, true},
      {"B", 1, kData, true},
      {"KiB", 1024.0, kData, false},
      {"MiB", 1048576.0, kData, false},
      {"GiB", 1073741824.0, kData, false},
      {"TiB", 1099511627776.0, kData, false},
      {"bit", 0.125, kData, true},
      {"FLOP", 1, kOps, true},
      {"FLOPS", 1, DimVector{0, 0, -1, 0, 0, 1, 0, 0}, true},
      {"OP", 1, kOps, true},
      {"K", 1, kTemp, false},
      {"degC", 1, kTemp, false, 273.15},
      {"°C", 1, kTemp, false, 273.15},
      {"degF", 5.0 / 9.0, kTemp, false, 273.15 - 32.0 * 5.0 / 9.0},
      {"gCO2e", 1e-3, kCo2, true},
      {"gCO2eq", 1e-3, kCo2, true},
      {"tCO2e", 1e3, kCo2, false},
      {"tCO2eq", 1e3, kCo2, false},
      {"USD", 1, kMoney, true},
      {"$", 1, kMoney, false},
      {"%", 0.01, kNone, false},
  };
  return table;
}

struct Prefix {
  const char* text;
  double scale;
};

constexpr std::array<Prefix, 12> prefixes = {{{"p", 1e-12},
                                              {"n", 1e-9},
                                              {"u", 1e-6},
                                              {"µ", 1e-6},
                                              {"m", 1e-3},
                                              {"c", 1e-2},
                                              {"k", 1e3},
                                              {"M", 1e6},
                                              {"G", 1e9},
                                              {"T", 1e12},
                                              {"P", 1e15},
                                              {"E", 1e18}}};

DimVector scaled(const DimVector& d, int k) {
  return {d.mass * k, d.length * k, d.time * k, d.temp * k,
          d.data * k, d.ops * k,    d.co2 * k,  d.money * k};
}

DimVector add(const DimVector& a, const DimVector& b) {
  return {a.mass + b.mass, a.length + b.length, a.time + b.time, a.temp + b.temp,
          a.data + b.data, a.ops + b.ops,       a.co2 + b.co2,   a.money + b.money};
}

const UnitDef* find_exact(std::string_view symbol) {
  for (const auto& u : unit_table())
    if (symbol == u.symbol) return &u;
  return nullptr;
}

// Resolves a symbol with an optional SI prefix; exact symbols win ("min" is minutes, not
// milli-inches; "Pa" is pascal, not peta-annum).
bool resolve(std::string_view symbol, const UnitDef*& def, double& prefix_scale) {
  if ((def = find_exact(symbol))) {
    prefix_scale = 1;
    return true;
  }
  for (const auto& p : prefixes) {
    const std::string_view pt(p.text);
    if (symbol.size() > pt.size() && symbol.substr(0, pt.size()) == pt) {
      const UnitDef* u = find_exact(symbol.substr(pt.size()));
      if (u && u->prefixable) {
        def = u;
        prefix_scale = p.scale;
        return true;
      }
    }
  }
  return false;
}

std::vector<std::string> all_symbols() {
  std::vector<std::string> out;
  for (const auto& u : unit_table()) {
    out.emplace_back(u.symbol);
    if (u.prefixable)
      for (const char* p : {"k", "M", "G", "T", "m", "p"}) out.push_back(std::string(p) + u.symbol);
  }
  return out;
}

constexpr int max_exponent = 12;

bool is_separator(std::string_view s, std::size_t i) {
  return s[i] == ' ' || s[i] == '\t' || s[i] == '/' || s[i] == '*';
}

// '·' (U+00B7) is two bytes in UTF-8.
bool is_dot(std::string_view s, std::size_t i) {
  return i + 1 < s.size() && static_cast<unsigned char>(s[i]) == 0xC2 &&
         static_cast<unsigned char>(s[i + 1]) == 0xB7;
}

}  // namespace

std::string describe(const DimVector& dim) {
  static const std::array<std::pair<const char*, int DimVector::*>, 8> names = {{
      {"kg", &DimVector::mass},
      {"m", &DimVector::length},
      {"s", &DimVector::time},
      {"K", &DimVector::temp},
      {"B", &DimVector::data},
      {"FLOP", &DimVector::ops},
      {"kgCO2e", &DimVector::co2},
      {"USD", &DimVector::money},
  }};
  // Name the common ones the way a user would write them.
  if (dim == kPower) return "power (W)";
  if (dim == kEnergy) return "energy (J, Wh)";
  if (dim == kTime) return "time (s, min, h, d)";
  if (dim == kTemp) return "temperature (degC, K)";
  if (dim == kNone) return "dimensionless number";
  std::string out;
  for (const auto& [name, member] : names) {
    const int e = dim.*member;
    if (e == 0) continue;
    if (!out.empty()) out += " ";
    out += name;
    if (e != 1) out.append("^").append(std::to_string(e));
  }
  return out;
}

namespace {

// One term: "<number> [<unit>]". `unit_scale` receives the unit's factor to base units, and
// `single_unit` whether the unit is one symbol to the first power (as a compound's parts are).
ParsedQuantity parse_term(std::string_view text, double& unit_scale, bool& single_unit) {
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  const std::size_t number_start = i;
  if (i < text.size() && text[i] == '+') ++i;  // from_chars rejects a leading '+'
  double number = 0;
  const auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), number);
  if (ec == std::errc::result_out_of_range) throw UnitError{"number out of range", number_start};
  if (ec != std::errc() || end == text.data() + i)
    throw UnitError{
        "expected a number" + std::string(text.empty() ? "" : ", got '" + std::string(text) + "'"),
        number_start};
  if (!std::isfinite(number))
    throw UnitError{"expected a finite number, got '" +
                        std::string(text.substr(number_start, end - text.data() - number_start)) +
                        "'",
                    number_start};
  i = static_cast<std::size_t>(end - text.data());

  ParsedQuantity out;
  out.value = number;
  struct Factor {
    const UnitDef* def;
    int exponent;
    std::size_t offset;
  };
  std::vector<Factor> factors;
  double scale = 1;
  int sign = 1;
  while (i < text.size()) {
    if (is_dot(text, i)) {
      i += 2;
      continue;
    }
    if (is_separator(text, i)) {
      if (text[i] == '/') {
        if (sign == -1 || factors.empty())
          throw UnitError{factors.empty() ? "unit missing before '/'" : "unit missing after '/'",
                          i};
        sign = -1;
      }
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < text.size() && !is_separator(text, i) && !is_dot(text, i) && text[i] != '^') ++i;
    const std::string_view symbol = text.substr(start, i - start);
    int exponent = 1;
    if (i < text.size() && text[i] == '^') {
      ++i;
      const auto [e_end, e_ec] =
          std::from_chars(text.data() + i, text.data() + text.size(), exponent);
      if (e_ec != std::errc() || exponent == 0)
        throw UnitError{"expected a non-zero integer exponent after '^'", i};
      // Keeps the dimension arithmetic (int exponents) far from overflow.
      if (exponent < -max_exponent || exponent > max_exponent)
        throw UnitError{"exponent out of range (at most " + std::to_string(max_exponent) + ")", i};
      i = static_cast<std::size_t>(e_end - text.data());
    }
    const UnitDef* def = nullptr;
    double prefix_scale = 1;
    if (!resolve(symbol, def, prefix_scale)) {
      std::string msg = "unknown unit '" + std::string(symbol) + "'";
      const std::string hint = closest_match(std::string(symbol), all_symbols());
      if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
      throw UnitError{msg, start};
    }
    exponent *= sign;
    sign = 1;
    scale *= std::pow(def->scale * prefix_scale, exponent);
    out.dim = add(out.dim, scaled(def->dim, exponent));
    factors.push_back({def, exponent, start});
  }
  if (sign == -1) throw UnitError{"unit missing after '/'", text.size()};
  out.has_unit = !factors.empty();
  out.value = number * scale;
  unit_scale = scale;
  single_unit = factors.size() == 1 && factors[0].exponent == 1;
  // A lone affine temperature (e.g. "35 degC") is an absolute temperature: add the offset.
  if (factors.size() == 1 && factors[0].def->offset != 0) {
    if (factors[0].exponent != 1)
      throw UnitError{"an affine temperature unit cannot take an exponent", factors[0].offset};
    out.affine_offset = factors[0].def->offset;
    out.value += out.affine_offset;
  }
  if (!std::isfinite(out.value)) throw UnitError{"value out of range after unit conversion", 0};
  return out;
}

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// The text after a term's number, blanks trimmed: "33 d" → "d", "5min" → "min".
std::string_view unit_of_term(std::string_view part) {
  std::size_t i = 0;
  while (i < part.size() && is_blank(part[i])) ++i;
  if (i < part.size() && (part[i] == '+' || part[i] == '-')) ++i;
  double number = 0;
  const auto [end, ec] = std::from_chars(part.data() + i, part.data() + part.size(), number);
  std::string_view unit = part.substr(ec == std::errc() ? end - part.data() : i);
  while (!unit.empty() && is_blank(unit.front())) unit.remove_prefix(1);
  while (!unit.empty() && is_blank(unit.back())) unit.remove_suffix(1);
  return unit;
}

// Where each part of a compound quantity starts: at a number that follows a blank after a unit
// ("33 d 12 h": at "12"). Unit symbols never start with a digit, a sign or a point.
std::vector<std::size_t> term_starts(std::string_view text) {
  std::vector<std::size_t> out{0};
  const auto starts_number = [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == '+' || c == '-';
  };
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_blank(text[i])) ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    double number = 0;
    const auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), number);
    if (ec != std::errc()) break;  // no number: parse_term reports it
    i = static_cast<std::size_t>(end - text.data());
    bool unit = false;
    std::size_t next = std::string_view::npos;
    for (; i < text.size(); ++i) {
      if (unit && is_blank(text[i - 1]) && starts_number(text[i])) {
        next = i;
        break;
      }
      if (!is_blank(text[i])) unit = true;
    }
    if (next == std::string_view::npos) break;
    out.push_back(next);
  }
  return out;
}

}  // namespace

ParsedQuantity parse_quantity(std::string_view text) {
  const std::vector<std::size_t> starts = term_starts(text);
  double scale = 0;
  bool single = false;
  if (starts.size() == 1) return parse_term(text, scale, single);

  // A compound quantity: "33 d 12 h", "1 h 30 min". Parts of one dimension, each a number and
  // a single unit, largest unit first and each once, none negative; their values add up.
  const std::string whole(text);
  ParsedQuantity total;
  double previous_scale = 0;
  std::string previous_unit;
  for (std::size_t k = 0; k < starts.size(); ++k) {
    const std::size_t begin = starts[k];
    const std::size_t end = k + 1 < starts.size() ? starts[k + 1] : text.size();
    const std::string_view part = text.substr(begin, end - begin);
    const std::size_t first = part.find_first_not_of(" \t");
    const std::size_t at = begin + (first == std::string_view::npos ? 0 : first);
    ParsedQuantity q;
    try {
      q = parse_term(part, scale, single);
    } catch (UnitError& e) {
      e.offset += begin;
      throw;
    }
    const std::string unit(unit_of_term(part));
    if (text[at] == '-')
      throw UnitError{"the parts of a compound quantity cannot be negative ('" + whole + "')", at};
    if (!q.has_unit) {
      std::string_view number = part.substr(first);
      while (!number.empty() && is_blank(number.back())) number.remove_suffix(1);
      throw UnitError{"'" + std::string(number) + "' needs a unit: each part of a compound " +
                          "quantity has one, as in '33 d 12 h'",
                      at};
    }
    if (!single || q.affine_offset != 0)
      throw UnitError{"'" + unit + "' cannot be part of a compound quantity ('" + whole +
                          "'): each part is a number and one unit, as in '1 h 30 min'",
                      at};
    if (k > 0 && !(q.dim == total.dim))
      throw UnitError{"'" + unit + "' (" + describe(q.dim) + ") does not add to '" + previous_unit +
                          "' (" + describe(total.dim) + ") in '" + whole + "'",
                      at};
    if (k > 0 && !(scale < previous_scale))
      throw UnitError{"'" + unit + "' after '" + previous_unit +
                          "': a compound quantity lists larger units first, each once ('" + whole +
                          "')",
                      at};
    total.dim = q.dim;
    total.has_unit = true;
    total.value += q.value;
    previous_scale = scale;
    previous_unit = unit;
  }
  return total;
}

void check_dimension(const ParsedQuantity& p, const DimVector& want, bool allow_bare) {
  if (!p.has_unit) {
    if (want == kNone || allow_bare) return;
    throw UnitError{"missing unit: expected a " + describe(want), 0};
  }
  if (!(p.dim == want))
    throw UnitError{"wrong dimension: expected a " + describe(want) + ", got a " + describe(p.dim),
                    0};
}

Celsius as_celsius(const ParsedQuantity& p, bool allow_bare) {
  if (!p.has_unit) {
    if (allow_bare) return Celsius{p.value};
    throw UnitError{"missing unit: expected a temperature (degC, degF or K)", 0};
  }
  check_dimension(p, kTemp, false);
  return Celsius{p.value - kelvin_offset};
}

Kelvins as_kelvins(const ParsedQuantity& p, bool allow_bare) {
  if (!p.has_unit) {
    if (allow_bare) return Kelvins(p.value);
    throw UnitError{"missing unit: expected a temperature difference (K or degC)", 0};
  }
  check_dimension(p, kTemp, false);
  return Kelvins(p.value - p.affine_offset);
}

}  // namespace joule::sim
