#include "models/power/ups.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace joule::models::power {

namespace {

struct Coefficients {
  double a0, a1, a2;
};

Coefficients defaults(UpsType type) {
  switch (type) {
    case UpsType::double_conversion:
      return {0.013, 0.008, 0.015};
    case UpsType::eco:
      // Double conversion / 3 (Galaxy VX eConversion, vendor spec; ups.hpp).
      return {0.0043, 0.0027, 0.005};
    case UpsType::none:
      return {0, 0, 0};
  }
  return {0, 0, 0};
}

}  // namespace

std::string to_string(Redundancy r) {
  switch (r) {
    case Redundancy::n:
      return "N";
    case Redundancy::n_plus_1:
      return "N+1";
    case Redundancy::two_n:
      return "2N";
  }
  return "?";
}

const sim::ModelDoc& ups_doc() {
  static const sim::ModelDoc doc{
      "power_chain",
      "ups",
      "UPS system: losses a0 + a1·x + a2·x² per unit of rating at unit load fraction x; N, N+1 "
      "or 2N units share the load (APC WP 108/113 loss model).",
      {
          {"type", "string", "double-conversion",
           "double-conversion (online; estimate curve), eco (bypass with the inverter running "
           "in parallel: a third of the double-conversion loss, Schneider Galaxy VX manual "
           "990-5452, vendor spec) or none"},
          {"redundancy", "string", "N+1", "N, N+1 or 2N units for the design load"},
          {"unit_rating", "W", "auto",
           "output rating of one UPS unit (real power); auto: units of at most 1 MW sized to "
           "the design load (estimate: large single-module UPS span ~0.6-1.2 MW, e.g. Vertiv "
           "Liebert EXL 625-1200 kVA at PF 1.0, vendor installation manual)"},
          {"shedding", "bool", "false",
           "module shedding: only the modules the load needs run (Eaton VMMS, Xtra VFI)"},
          {"shed_target", "number", "0.8",
           "with shedding, highest load fraction of an active module (estimate)"},
          {"no_load_loss", "number", "by type (double-conversion 0.013, eco 0.0043)",
           "a0: loss at zero load, per unit of rating"},
          {"proportional_loss", "number", "by type (double-conversion 0.008, eco 0.0027)",
           "a1: loss proportional to load fraction, per unit of rating"},
          {"square_loss", "number", "by type (double-conversion 0.015, eco 0.005)",
           "a2: I²R loss at full load, per unit of rating"},
      }};
  return doc;
}

UpsSpec default_ups_spec(UpsType type) {
  UpsSpec s;
  s.type = type;
  const Coefficients c = defaults(type);
  s.no_load_loss = c.a0;
  s.proportional_loss = c.a1;
  s.square_loss = c.a2;
  return s;
}

UpsSpec ups_spec(const sim::ParamReader& r) {
  UpsSpec s;
  const std::string type = r.choice("type", {"double-conversion", "eco", "none"});
  s.type = type == "eco"    ? UpsType::eco
           : type == "none" ? UpsType::none
                            : UpsType::double_conversion;
  const std::string red = r.choice("redundancy", {"N", "N+1", "2N"});
  s.redundancy = red == "N"    ? Redundancy::n
                 : red == "2N" ? Redundancy::two_n
                               : Redundancy::n_plus_1;
  s.auto_rating = !r.has("unit_rating") || r.string("unit_rating") == "auto";
  if (!s.auto_rating) s.unit_rating = r.quantity<sim::Watts>("unit_rating", sim::Range::positive());
  s.shedding = r.boolean("shedding");
  s.shed_target = r.number("shed_target", {0, 1, true, true});
  const Coefficients c = defaults(s.type);
  const sim::Range per_unit = sim::Range::between(0, 0.5);
  s.no_load_loss = r.has("no_load_loss") ? r.number("no_load_loss", per_unit) : c.a0;
  s.proportional_loss = r.has("proportional_loss") ? r.number("proportional_loss", per_unit) : c.a1;
  s.square_loss = r.has("square_loss") ? r.number("square_loss", per_unit) : c.a2;
  if (s.type == UpsType::none)
    for (const char* key : {"no_load_loss", "proportional_loss", "square_loss"})
      if (r.has(key)) r.fail(key, "is set, but ups.type is none (no UPS, no losses)");
  return s;
}

UpsSystem::UpsSystem(const UpsSpec& spec, sim::Watts design_load) : spec_(spec) {
  if (!(spec.unit_rating.value() > 0)) throw std::invalid_argument("UPS rating must be > 0");
  // At most a million units (a rating far below the load): keeps the count an int.
  needed_ = static_cast<int>(
      std::clamp(std::ceil(design_load.value() / spec.unit_rating.value()), 1.0, 1e6));
  rating_w_ = spec.auto_rating && design_load.value() > 0 ? design_load.value() / needed_
                                                          : spec.unit_rating.value();
  installed_ = with_redundancy(needed_);
}

int UpsSystem::with_redundancy(int needed) const {
  switch (spec_.redundancy) {
    case Redundancy::n:
      return needed;
    case Redundancy::n_plus_1:
      return needed + 1;
    case Redundancy::two_n:
      return 2 * needed;
  }
  return needed;
}

int UpsSystem::units_active(double output_w) const {
  if (!spec_.shedding) return installed_;
  const int carrying = static_cast<int>(
      std::clamp(std::ceil(std::abs(output_w) / (spec_.shed_target * rating_w_)), 1.0, 1e6));
  return std::min(installed_, with_redundancy(carrying));
}

double UpsSystem::unit_load_fraction(double output_w) const {
  return output_w / (units_active(output_w) * rating_w_);
}

double UpsSystem::loss_w(double output_w) const {
  if (spec_.type == UpsType::none) return 0.0;
  const double x = unit_load_fraction(std::abs(output_w));
  return units_active(output_w) * rating_w_ *
         (spec_.no_load_loss + spec_.proportional_loss * x + spec_.square_loss * x * x);
}

double UpsSystem::efficiency(double output_w) const {
  return output_w / (output_w + loss_w(output_w));
}

}  // namespace joule::models::power
