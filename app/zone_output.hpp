// The /cooling_zones group of the output file (docs/output-format.md): each cooling zone's IT
// energy, plant energy by component, partial PUE, water and unmet heat, written only when the
// facility has more than one zone (a pool with its own `cooling`, models/world/facility.hpp).
#pragma once

#include <string>
#include <vector>

#include "app/h5.hpp"
#include "models/world/world.hpp"

namespace joule::app {

// Writes the group (nothing with one zone) and returns one line per zone for `joule summary`
// ("blackwell: 16 racks, IT 92,419 kWh, cooling 7,209 kWh, partial PUE 1.078"), which it also
// keeps in the group's `summary` attribute.
std::vector<std::string> write_cooling_zones(hid_t file, const models::world::World& world);
// Those lines, read back from a finished run's file (empty without /cooling_zones).
std::vector<std::string> read_cooling_zones(hid_t file);

}  // namespace joule::app
