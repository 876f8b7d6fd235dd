#include "models/compute/node_psu.hpp"

#include <algorithm>
#include <array>

namespace joule::models::compute {

namespace {
struct Point {
  double load, efficiency;
};
constexpr std::array<Point, 4> titanium = {{{0.1, 0.90}, {0.2, 0.94}, {0.5, 0.96}, {1.0, 0.91}}};
constexpr std::array<Point, 4> platinum = {{{0.1, 0.85}, {0.2, 0.90}, {0.5, 0.94}, {1.0, 0.91}}};
}  // namespace

std::string_view to_string(PsuCurve c) {
  return c == PsuCurve::titanium ? "titanium" : "platinum";
}

double psu_80plus_efficiency(PsuCurve curve, double load) {
  const auto& pts = curve == PsuCurve::titanium ? titanium : platinum;
  if (load <= pts.front().load) return pts.front().efficiency;
  if (load >= pts.back().load) return pts.back().efficiency;
  for (std::size_t i = 1; i < pts.size(); ++i)
    if (load <= pts[i].load) {
      const double t = (load - pts[i - 1].load) / (pts[i].load - pts[i - 1].load);
      return pts[i - 1].efficiency + t * (pts[i].efficiency - pts[i - 1].efficiency);
    }
  return pts.back().efficiency;
}

double NodePsu::loss_w(double dc_w) const {
  const double capacity_w = count * rating_w;
  const double floor_dc_w = 0.1 * capacity_w;  // below 10 % load: the 10 % loss
  const double at_w = std::max(dc_w, floor_dc_w);
  const double eta = psu_80plus_efficiency(curve, at_w / capacity_w);
  return at_w * (1.0 / eta - 1.0);
}

}  // namespace joule::models::compute
