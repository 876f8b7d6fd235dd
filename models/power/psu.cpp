#include "models/power/psu.hpp"

#include <stdexcept>

namespace joule::models::power {

namespace {

const std::vector<PsuCurve>& curves() {
  static const std::vector<PsuCurve> all = {
      {"titanium-230v", {{0.10, 0.90}, {0.20, 0.94}, {0.50, 0.96}, {1.00, 0.91}}},
      {"platinum-230v", {{0.20, 0.90}, {0.50, 0.94}, {1.00, 0.91}}},
      {"gold-230v", {{0.20, 0.88}, {0.50, 0.92}, {1.00, 0.88}}},
  };
  return all;
}

}  // namespace

const PsuCurve& psu_curve(const std::string& name) {
  for (const auto& c : curves())
    if (c.name == name) return c;
  throw std::out_of_range("unknown PSU curve '" + name + "'");
}

std::vector<std::string> psu_curve_names() {
  std::vector<std::string> names;
  for (const auto& c : curves()) names.push_back(c.name);
  return names;
}

double psu_efficiency(const PsuCurve& curve, double x) {
  const auto& p = curve.points;
  if (x <= 0.0) return 0.0;
  if (x < p.front().first) {
    const double loss = p.front().first * (1.0 / p.front().second - 1.0);
    return x / (x + loss);
  }
  for (std::size_t i = 1; i < p.size(); ++i)
    if (x <= p[i].first) {
      const double f = (x - p[i - 1].first) / (p[i].first - p[i - 1].first);
      return p[i - 1].second + f * (p[i].second - p[i - 1].second);
    }
  return p.back().second;
}

Psu::Psu(const PsuCurve& curve, sim::Watts unit_rating, int units)
    : curve_(&curve), capacity_w_(unit_rating.value() * units) {
  if (!(unit_rating.value() > 0) || units < 1)
    throw std::invalid_argument("PSU rating and unit count must be positive");
}

double Psu::loss_w(double dc_load_w) const {
  const double x = dc_load_w / capacity_w_;
  const auto& first = curve_->points.front();
  if (x < first.first)  // held no-load loss (see header)
    return capacity_w_ * first.first * (1.0 / first.second - 1.0);
  return dc_load_w * (1.0 / psu_efficiency(*curve_, x) - 1.0);
}

}  // namespace joule::models::power
