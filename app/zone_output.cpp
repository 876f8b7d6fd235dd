#include "app/zone_output.hpp"

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "app/run.hpp"
#include "sim/units.hpp"

namespace joule::app {

using sim::joules_per_kwh;

std::vector<std::string> write_cooling_zones(hid_t file, const models::world::World& world) {
  const models::world::Facility& facility = world.facility();
  if (facility.zone_count() < 2) return {};
  world.facility_totals();  // brings the zones' accounts up to the end of the run
  const auto zones = facility.zone_totals();
  std::vector<std::int64_t> index, racks;
  std::vector<std::string> names;
  std::vector<double> it_kwh, cooling_kwh, ppue, water, unmet;
  std::vector<std::vector<double>> component_kwh(models::cooling::component_count);
  for (std::size_t z = 0; z < zones.size(); ++z) {
    const auto& t = zones[z];
    index.push_back(static_cast<std::int64_t>(z));
    names.push_back(t.name.empty() ? "shared" : t.name);
    racks.push_back(t.racks);
    it_kwh.push_back(t.it_j / joules_per_kwh);
    cooling_kwh.push_back(t.cooling_j / joules_per_kwh);
    // Partial PUE of the zone (The Green Grid WP#49): (IT + its cooling) / IT; NaN without IT.
    ppue.push_back(t.it_j > 0 ? (t.it_j + t.cooling_j) / t.it_j : std::nan(""));
    water.push_back(t.water_m3);
    unmet.push_back(t.unmet_heat_j / joules_per_kwh);
    for (std::size_t i = 0; i < models::cooling::component_count; ++i)
      component_kwh[i].push_back(t.component_j[i] / joules_per_kwh);
  }
  h5::Handle group = h5::create_group(file, "cooling_zones");
  const hid_t g = group.get();
  h5::Handle zone = h5::write_coordinate(g, "zone", index, {"cooling zone", "1"});
  const h5::Dimension dim{"zone", zone.get()};
  h5::write_strings(g, "name", names, dim,
                    {"pool the zone cools (shared: the top-level plant)", ""});
  h5::write_variable(g, "racks", racks, {&dim}, {"racks in the zone", "1"});
  h5::write_variable(g, "it_energy_kwh", it_kwh, {&dim}, {"IT energy of the zone", "kWh"});
  h5::write_variable(g, "cooling_energy_kwh", cooling_kwh, {&dim},
                     {"cooling plant energy of the zone", "kWh"});
  for (std::size_t i = 0; i < models::cooling::component_count; ++i) {
    const std::string name(models::cooling::component_names[i]);
    h5::write_variable(g, "cooling_" + name + "_kwh", component_kwh[i], {&dim},
                       {"cooling energy of the zone: " + name, "kWh"});
  }
  h5::write_variable(g, "partial_pue", ppue, {&dim}, {"(IT + zone cooling) / IT", "1"});
  h5::write_variable(g, "water_m3", water, {&dim}, {"water used by the zone's plant", "m3"});
  h5::write_variable(g, "unmet_heat_kwh", unmet, {&dim}, {"heat the zone's plant left", "kWh"});
  std::vector<std::string> lines;
  std::string text;
  for (std::size_t z = 0; z < zones.size(); ++z) {
    lines.push_back(names[z] + ": " + std::to_string(racks[z]) + " racks, IT " +
                    format_number(it_kwh[z]) + " kWh, cooling " + format_number(cooling_kwh[z]) +
                    " kWh, partial PUE " + format_number(ppue[z]));
    text += (z ? "\n" : "") + lines.back();
  }
  h5::set_attr(g, "summary", text);
  return lines;
}

std::vector<std::string> read_cooling_zones(hid_t file) {
  std::vector<std::string> lines;
  if (H5Lexists(file, "cooling_zones", H5P_DEFAULT) <= 0) return lines;
  h5::Handle group = h5::open_group(file, "cooling_zones");
  if (!h5::has_attr(group.get(), "summary")) return lines;
  std::istringstream text(h5::get_string_attr(group.get(), "summary"));
  for (std::string line; std::getline(text, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

}  // namespace joule::app
