// The node's own power-supply model: 80 PLUS efficiency points, 230 V internal redundant
// (80 PLUS / CLEAResult test points, as in DESIGN.md §4.4):
//   Titanium: 90 / 94 / 96 / 91 % at 10 / 20 / 50 / 100 % load
//   Platinum:  – / 90 / 94 / 91 % (the 10 % point is not rated; 85 % assumed, estimate)
// Efficiency is interpolated linearly between points and held beyond 100 %. Below 10 % load the
// loss is held at its 10 % value (fixed losses dominate at light load), so loss never falls to
// zero with the load. All PSUs share the load equally: load fraction = P_dc / (n · rating).
// Small and self-contained so that models/power's PSU model can replace it later.
#pragma once

#include <string_view>

namespace joule::models::compute {

enum class PsuCurve { titanium, platinum };

std::string_view to_string(PsuCurve c);

// Efficiency η(load fraction) of one 80 PLUS curve, for load ≥ 10 %.
double psu_80plus_efficiency(PsuCurve curve, double load_fraction);

struct NodePsu {
  PsuCurve curve = PsuCurve::titanium;
  int count = 1;
  double rating_w = 3300.0;  // per PSU

  // Loss (W) when the node's components draw dc_w; the wall sees dc_w + loss.
  double loss_w(double dc_w) const;
};

}  // namespace joule::models::compute
