// The data hall's layout as a scenario gives it (`cooling.hall`): containment, rows and the
// recirculation that follows from them. The model that uses it, and the sources of its
// defaults, are in data_hall.hpp; the layout is apart so that what only reads or carries it
// (the world's specs) does not parse the thermal network's sparse solver (Eigen) to do so.
#pragma once

#include <vector>

#include "sim/params.hpp"

namespace joule::models::cooling {

enum class Containment { none, cold_aisle, hot_aisle };

// Keys of `cooling.hall` (read by the facility; every air-side plant accepts the map).
const sim::ModelDoc& hall_doc();

struct HallLayout {
  Containment containment = Containment::cold_aisle;
  int racks_per_row = 16;
  double recirculation_mid = 0.03;
  double recirculation_end = 0.03;
  double rack_thermal_mass_j_per_k = 330e3;
};
HallLayout hall_layout(const sim::ParamReader& r);
// r_i for each of `racks` racks laid out in rows (data_hall.hpp).
std::vector<double> recirculation_profile(const HallLayout& layout, int racks);

}  // namespace joule::models::cooling
