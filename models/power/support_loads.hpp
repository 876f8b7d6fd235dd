// Loads around the white space and where their heat goes: every watt the facility draws ends
// as heat in a space that is cooled, or outdoors.
//
//   lighting        P_light = LPD · A,  A = racks · a_rack          → white space (the plant)
//   UPS losses      in the electrical room   ┐  cooled by a DX unit:
//   offices, etc.   `other_load`, in offices ├  P_room = Q_room / COP_room, heat → outdoors
//   transformers    outdoors (pad-mount, ONAN, heat → outdoors) or `transformer_indoor`: in the
//                   electrical room, cooled like the UPS
//   PDU losses      in the white space (the plant, as before)
//   block heaters   standby generators keep their jackets warm (NFPA 110 §8.3.4: ≥ 32 °C /
//                   90 °F for Level 1 systems):  P = n_gen · P_bh · clamp((T_jacket − T_db) /
//                   (T_jacket − T_design), 0, 1); heat leaves through the enclosure, outdoors.
//   generators      n_gen = ceil(1.5 · design IT / rating) + 1 (N+1)
//
// | parameter        | default     | source                                                  |
// |------------------|-------------|---------------------------------------------------------|
// | COP_room         | 3.3         | ASHRAE 90.1-2019 Table 6.8.1-1: air-cooled AC 65–135   |
// |                  |             | kBtu/h, 11.2 EER (= 3.3 W/W) minimum                    |
// | LPD              | 14.3 W/m²   | estimate: the ASHRAE 90.1 computer-room allowance,      |
// |                  |             | ~1.33 W/ft²; lights on at all hours                     |
// | a_rack           | 2.6 m²      | estimate: rack + share of aisles (~28 ft² per rack)     |
// | generator rating | 2.5 MW      | estimate: a typical 2–3 MW data-center diesel set       |
// | P_bh             | 9 kW        | estimate: jacket-water heaters on 2–3 MW sets, 6–15 kW  |
// | T_jacket         | 32 °C       | NFPA 110 §8.3.4 (Level 1)                              |
// | T_design         | −18 °C      | estimate: heaters sized for 0 °F                        |
#pragma once

#include "sim/params.hpp"
#include "sim/units.hpp"

namespace joule::models::power {

struct SupportSpec {
  double room_cop = 3.3;
  bool transformer_indoor = false;
  double lighting_w_per_m2 = 14.3;
  double area_per_rack_m2 = 2.6;
  sim::Watts generator_rating{2.5e6};
  sim::Watts block_heater{9e3};
  double jacket_c = 32.0;
  double heater_design_c = -18.0;
};

// Reads the support keys of the `power_chain` section (support_keys()).
std::vector<sim::KeyDoc> support_keys();
SupportSpec support_spec(const sim::ParamReader& r);

class SupportLoads {
public:
  SupportLoads(const SupportSpec& spec, double design_it_w, int racks);

  // Lighting of the white space (its heat goes to the cooling plant).
  double lighting_w() const { return lighting_w_; }
  double block_heaters_w(double drybulb_c) const;
  // Electric power of the DX units cooling the electrical rooms and offices, for the heat
  // released there.
  double room_cooling_w(double ups_loss_w, double transformer_loss_w, double office_w) const;
  // Heat released in the cooled electrical rooms and offices. Inline: the facility takes it at
  // every update of its accounts (the heat it rejects).
  double room_heat_w(double ups_loss_w, double transformer_loss_w, double office_w) const {
    return ups_loss_w + (spec_.transformer_indoor ? transformer_loss_w : 0.0) + office_w;
  }
  int generators() const { return generators_; }
  const SupportSpec& spec() const { return spec_; }

private:
  SupportSpec spec_;
  double lighting_w_ = 0;
  int generators_ = 0;
};

}  // namespace joule::models::power
