#include "models/power/support_loads.hpp"

#include <algorithm>
#include <cmath>

namespace joule::models::power {

std::vector<sim::KeyDoc> support_keys() {
  return {
      {"room_cop", "number", "3.3",
       "COP of the DX units cooling the UPS room and offices (ASHRAE 90.1-2019 minimum, "
       "11.2 EER)"},
      {"transformer_indoor", "bool", "false",
       "transformers in the cooled electrical room (default: outdoors, heat to the air)"},
      {"lighting", "number", "14.3",
       "white-space lighting, W per m^2 of floor (estimate, ASHRAE 90.1 computer-room "
       "allowance)"},
      {"area_per_rack", "number", "2.6",
       "white-space floor area per rack in m^2, aisles included (estimate)"},
      {"generator_rating", "W", "2.5 MW",
       "standby generator rating (estimate); N+1 sets for "
       "1.5 x the design IT load"},
      {"block_heater", "W", "9 kW",
       "jacket-water heater per generator at the design low temperature (estimate)"},
  };
}

SupportSpec support_spec(const sim::ParamReader& r) {
  SupportSpec s;
  s.room_cop = r.number("room_cop", sim::Range::positive());
  s.transformer_indoor = r.boolean("transformer_indoor");
  s.lighting_w_per_m2 = r.number("lighting", sim::Range::non_negative());
  s.area_per_rack_m2 = r.number("area_per_rack", sim::Range::positive());
  s.generator_rating = r.quantity<sim::Watts>("generator_rating", sim::Range::positive());
  s.block_heater = r.quantity<sim::Watts>("block_heater", sim::Range::non_negative());
  return s;
}

SupportLoads::SupportLoads(const SupportSpec& spec, double design_it_w, int racks)
    : spec_(spec),
      lighting_w_(spec.lighting_w_per_m2 * spec.area_per_rack_m2 * std::max(racks, 0)),
      generators_(static_cast<int>(std::ceil(1.5 * design_it_w / spec.generator_rating.value())) +
                  1) {}

double SupportLoads::block_heaters_w(double drybulb_c) const {
  const double duty =
      std::clamp((spec_.jacket_c - drybulb_c) / (spec_.jacket_c - spec_.heater_design_c), 0.0, 1.0);
  return generators_ * spec_.block_heater.value() * duty;
}

double SupportLoads::room_cooling_w(double ups_loss_w, double transformer_loss_w,
                                    double office_w) const {
  return room_heat_w(ups_loss_w, transformer_loss_w, office_w) / spec_.room_cop;
}

}  // namespace joule::models::power
