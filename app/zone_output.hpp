// The /cooling_zones group of the output file (docs/output-format.md): each cooling zone's IT
// energy, plant energy by component, partial PUE, water and unmet heat, written only when the
// facility has more than one zone (a pool with its own `cooling`, models/world/facility.hpp).
#pragma once

#include "app/h5.hpp"
#include "models/world/world.hpp"

namespace joule::app {

void write_cooling_zones(hid_t file, const models::world::World& world);

}  // namespace joule::app
