// Probe: a single UPS unit's efficiency (output / input) at a given load fraction
// (validation/README.md). Inputs per point: type (double-conversion, eco), load (output / unit
// rating, in (0, 1.5]); optional no_load_loss, proportional_loss, square_loss (per unit of
// rating; default: the type's shipped coefficients, ups.hpp). One unit, redundancy N, no
// shedding, so the load fraction is the one a vendor's efficiency table states.
#include "models/power/ups.hpp"

#include <yaml-cpp/yaml.h>

#include <iostream>
#include <sstream>
#include <string>

namespace power = joule::models::power;

int main() {
  try {
    const YAML::Node points = YAML::Load(std::cin);
    if (!points.IsSequence()) throw std::runtime_error("expected a JSON list of inputs");
    std::ostringstream out;  // written only when every point is understood
    out << "[";
    for (std::size_t i = 0; i < points.size(); ++i) {
      const YAML::Node p = points[i];
      const std::string where = "point " + std::to_string(i);
      if (!p["type"] || !p["load"]) throw std::runtime_error(where + " needs type and load");
      const std::string type = p["type"].as<std::string>();
      if (type != "double-conversion" && type != "eco")
        throw std::runtime_error(where + ": type must be double-conversion or eco");
      power::UpsSpec spec = power::default_ups_spec(
          type == "eco" ? power::UpsType::eco : power::UpsType::double_conversion);
      if (p["no_load_loss"]) spec.no_load_loss = p["no_load_loss"].as<double>();
      if (p["proportional_loss"]) spec.proportional_loss = p["proportional_loss"].as<double>();
      if (p["square_loss"]) spec.square_loss = p["square_loss"].as<double>();
      const double load = p["load"].as<double>();
      if (!(load > 0 && load <= 1.5))
        throw std::runtime_error(where + ": load must be in (0, 1.5]");
      spec.redundancy = power::Redundancy::n;
      spec.unit_rating = joule::sim::Watts(1e6);
      const power::UpsSystem ups(spec, joule::sim::Watts(1e6));
      out << (i ? ", " : "") << ups.efficiency(load * 1e6);
    }
    out << "]\n";
    std::cout << out.str();
  } catch (const std::exception& e) {
    std::cerr << "probe_ups: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
