// Grid accounting: energy drawn from the grid × hourly carbon intensity and price.
//     emissions (kgCO2e) = E (J) × CI (kgCO2e/J),   cost (USD) = E (J) × price (USD/J)
// Exported energy (negative grid power, e.g. PV surplus) is credited at the price but earns no
// carbon credit: location-based Scope 2 counts imports only (GHG Protocol Scope 2 Guidance).
#pragma once

#include "sim/units.hpp"

namespace joule::models::power {

inline sim::KgCo2e emissions(sim::Joules energy, sim::CarbonIntensity intensity) {
  return energy * intensity;
}
inline sim::Usd cost(sim::Joules energy, sim::UsdPerJoule price) {
  return energy * price;
}

// Running totals at the meter. The caller adds one interval at a time, over which grid power,
// carbon intensity and price are constant (split intervals at the hour boundaries that
// HourlySignal::next_change reports).
class GridMeter {
public:
  void add(sim::Joules energy, sim::CarbonIntensity intensity, sim::UsdPerJoule price) {
    if (energy.value() >= 0) {
      imported_ += energy;
      emissions_ += emissions(energy, intensity);
    } else {
      exported_ -= energy;
    }
    cost_ += cost(energy, price);
  }
  sim::Joules imported() const { return imported_; }
  sim::Joules exported() const { return exported_; }
  sim::Joules net() const { return imported_ - exported_; }
  sim::KgCo2e emissions_total() const { return emissions_; }
  sim::Usd cost_total() const { return cost_; }

private:
  sim::Joules imported_{0};
  sim::Joules exported_{0};
  sim::KgCo2e emissions_{0};
  sim::Usd cost_{0};
};

}  // namespace joule::models::power
