#include "models/cooling/pump.hpp"

#include <algorithm>
#include <stdexcept>

namespace joule::models::cooling {

const std::vector<std::string>& pump_control_names() {
  static const std::vector<std::string> names = {"riding-curve", "vsd", "vsd-dp-reset"};
  return names;
}

PumpControl pump_control_from_name(const std::string& name) {
  if (name == "riding-curve") return PumpControl::riding_curve;
  if (name == "vsd") return PumpControl::vsd;
  if (name == "vsd-dp-reset") return PumpControl::vsd_dp_reset;
  throw std::invalid_argument("unknown pump control '" + name + "'");
}

const Cubic& pump_curve(PumpControl control) {
  static const Cubic riding{{0, 3.2485, -4.7443, 2.5294}};
  static const Cubic vsd{{0, 0.5726, -0.301, 0.7347}};
  static const Cubic reset{{0, 0.0205, 0.4101, 0.5753}};
  switch (control) {
    case PumpControl::riding_curve:
      return riding;
    case PumpControl::vsd:
      return vsd;
    case PumpControl::vsd_dp_reset:
      return reset;
  }
  return reset;
}

Pump::Pump(const PumpDesign& design)
    : design_(design),
      design_flow_m3_s_(design.heat_w /
                        (rho_water_kg_per_m3 * cp_water_j_per_kg_k * design.delta_t_k)),
      design_power_w_(design_flow_m3_s_ * design.head_pa / design.efficiency),
      curve_(pump_curve(design.control)) {}

}  // namespace joule::models::cooling
