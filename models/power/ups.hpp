// Uninterruptible power supplies: load-dependent losses of a redundant UPS system.
//
// Per unit, with x = P_out / P_rated the unit's load fraction (Rasmussen, "Electrical
// Efficiency Modeling for Data Centers", APC/Schneider White Paper 113, and WP 108: losses are a
// no-load part, a part proportional to load and a square-law I²R part):
//     loss = P_rated · (a0 + a1·x + a2·x²),   η(x) = x / (x + a0 + a1·x + a2·x²)
// System: N = ceil(design load / P_rated) units are needed; N, N+1 or 2N are installed and all
// share the load equally, so each runs at x = P_out / (installed · P_rated): 2N keeps each unit
// at or under 50 % of its rating up to the design load. By default (no `unit_rating`) the units
// are sized to the design load: N = ceil(design / 1 MW), P_rated = design / N, so a small hall
// does not run a 1 MW unit at a few per cent.
// Module shedding (`shedding: true`; Eaton VMMS, Kohler/ABB "Xtra VFI": the fewest modules that
// carry the load at ≤ `shed_target` of their rating run, with the redundancy applied to that
// count; the others stand by without loss, switching back within milliseconds):
//     active = min(installed, redundancy(max(1, ceil(P_out / (shed_target · P_rated)))))
// A unit loaded above 1 (x > 1) is past its rating: the chain reports it (overload KPI).
//
// | type              | a0    | a1    | a2    | η at 10 / 25 / 50 / 100 %   |
// |-------------------|-------|-------|-------|-----------------------------|
// | double-conversion | 0.013 | 0.008 | 0.015 | 87.8 / 94.0 / 96.0 / 96.5 % |
// | eco (bypass)      | 0.0043| 0.0027| 0.005 | 95.6 / 97.9 / 98.6 / 98.8 % |
// | none              | 0     | 0     | 0     | 100 % (rack batteries)      |
// Basis: double conversion is an estimate, fitted to modern transformerless online UPS data
// sheets (≈ 96 % at half load) and the light-load fall-off of WP 108/113 and the LBNL UPS
// measurements (Ton & Fortenbery 2005); no vendor efficiency-vs-load table could be retrieved
// to check it (validation/facility/ups-double-conversion.yaml lists the gap). Eco is the
// double-conversion loss divided by three, each coefficient (vendor spec: Schneider Electric,
// Galaxy VX Operation manual 990-5452, "Operation Modes": eConversion "permits to reduce the
// electricity absorbed by the UPS by a factor three compared with double conversion"; the
// inverter keeps running in parallel, so the no-load part stays); its peak, 98.8 % near full
// load, agrees with Eaton's "up to 99%" for ESS (vendor spec: Eaton 91PS/93PS UPS 8–40 kW
// User's and installation guide P-164000493 rev. 005, 2018, Table 3). Both are checked in
// validation/facility/ups-eco-vendor.yaml. All coefficients are per unit of the UPS rating and
// can be overridden in the scenario.
#pragma once

#include <cmath>
#include <string>

#include "sim/params.hpp"
#include "sim/units.hpp"

namespace joule::models::power {

enum class UpsType { double_conversion, eco, none };
enum class Redundancy { n, n_plus_1, two_n };

struct UpsSpec {
  UpsType type = UpsType::double_conversion;
  Redundancy redundancy = Redundancy::n_plus_1;
  sim::Watts unit_rating{1.0e6};
  bool auto_rating = false;     // size the units to the design load (largest unit: unit_rating)
  bool shedding = false;        // module shedding
  double shed_target = 0.8;     // estimate: highest load fraction of an active module
  double no_load_loss = 0.013;  // a0, per unit of rating
  double proportional_loss = 0.008;  // a1
  double square_loss = 0.015;        // a2
};

const sim::ModelDoc& ups_doc();
UpsSpec ups_spec(const sim::ParamReader& r);
// The spec of `type` with its shipped loss coefficients (table above), all else default.
UpsSpec default_ups_spec(UpsType type);
std::string to_string(Redundancy r);

class UpsSystem {
public:
  // Sizes the system for `design_load` (the IT load it must carry, with its PDU losses).
  UpsSystem(const UpsSpec& spec, sim::Watts design_load);

  int units_needed() const { return needed_; }
  int units_installed() const { return installed_; }
  // Load fraction of each active unit at system output `output_w`.
  double unit_load_fraction(double output_w) const;
  // Units carrying the load at `output_w` (all installed ones unless shedding).
  int units_active(double output_w) const;
  double unit_rating_w() const { return rating_w_; }
  double loss_w(double output_w) const;
  // loss_w() and unit_load_fraction() at one output, the same bits: the active units counted
  // once and, at an output ≥ 0 (|output| = output), one division for both. Inline: the power
  // chain evaluates it at every change of the IT power.
  struct Operation {
    double loss_w = 0;
    double unit_load_fraction = 0;
  };
  Operation operate(double output_w) const {
    const int units = spec_.shedding ? units_active(output_w) : installed_;
    const double capacity_w = units * rating_w_;
    Operation op;
    op.unit_load_fraction = output_w / capacity_w;
    if (spec_.type == UpsType::none) return op;
    const double x = output_w >= 0 ? op.unit_load_fraction : std::abs(output_w) / capacity_w;
    op.loss_w =
        capacity_w * (spec_.no_load_loss + spec_.proportional_loss * x + spec_.square_loss * x * x);
    return op;
  }
  double efficiency(double output_w) const;  // output / input
  sim::Watts loss(sim::Watts output) const { return sim::Watts(loss_w(output.value())); }
  const UpsSpec& spec() const { return spec_; }

private:
  UpsSpec spec_;
  int with_redundancy(int needed) const;

  int needed_ = 0;
  int installed_ = 0;
  double rating_w_ = 0;
};

}  // namespace joule::models::power
