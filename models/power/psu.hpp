// Server power supplies (PSU): AC input power for a DC load, from 80 PLUS efficiency curves.
//
//   η(x) piecewise-linear between the certification points, x = P_dc / (units · P_rated)
//   P_in = P_dc / η(x),   loss = P_in − P_dc
//   below the lowest point x_min: the loss is held at its value there (a no-load loss),
//     loss(x) = units · P_rated · x_min · (1/η(x_min) − 1), so η → 0 as the load → 0;
//   above 100 % load: η(1) (a PSU should not run there; the node model caps its load).
// Redundant PSUs share current equally: 4 + 2 units carrying 6 kW each see 1 kW.
//
// 80 PLUS "230 V internal redundant" (data-center) minimum efficiencies, CLEAResult/80 PLUS
// program requirements (vendor-certification thresholds, i.e. specs):
// | curve | 10 % | 20 % | 50 % | 100 % |
// |---|---|---|---|---|
// | titanium-230v | 90 | 94 | 96 | 91 |
// | platinum-230v | — | 90 | 94 | 91 |
// | gold-230v | — | 88 | 92 | 88 |
// (The 115 V non-redundant Gold level is 87/90/87; the data-center 230 V levels are used here.)
// Holding the loss below the lowest point is conservative: real supplies' fixed losses are a
// little lower than their loss at 10–20 % load.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sim/units.hpp"

namespace joule::models::power {

struct PsuCurve {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (load fraction, efficiency), ascending
};

// The named 80 PLUS curves; throws std::out_of_range for an unknown name.
const PsuCurve& psu_curve(const std::string& name);
std::vector<std::string> psu_curve_names();  // "titanium-230v", "platinum-230v", "gold-230v"

// Efficiency at a load fraction (0 at zero load).
double psu_efficiency(const PsuCurve& curve, double load_fraction);

class Psu {
public:
  // `units` supplies of `unit_rating` each share the load (all installed units, redundant ones
  // included, as current-sharing supplies do).
  Psu(const PsuCurve& curve, sim::Watts unit_rating, int units);

  sim::Watts input_power(sim::Watts dc_load) const { return sim::Watts(input_w(dc_load.value())); }
  sim::Watts loss(sim::Watts dc_load) const { return sim::Watts(loss_w(dc_load.value())); }
  double input_w(double dc_load_w) const { return dc_load_w + loss_w(dc_load_w); }
  double loss_w(double dc_load_w) const;
  double load_fraction(double dc_load_w) const { return dc_load_w / capacity_w_; }

private:
  const PsuCurve* curve_;
  double capacity_w_;
};

}  // namespace joule::models::power
