// Probe: the cooling tower's approach (K) at given wet-bulb, heat and fan speed
// (validation/README.md). Inputs per point: wetbulb_c, load (heat / design heat, i.e. range /
// design range at design water flow), airflow (fan speed fraction, default 1). The tower is the
// chilled-water plant's default: 3.9 K approach and 5.56 K range at 25.6 °C wet-bulb.
#include "models/cooling/cooling_tower.hpp"

#include <yaml-cpp/yaml.h>

#include <iostream>
#include <sstream>
#include <string>

namespace cooling = joule::models::cooling;

int main() {
  try {
    const YAML::Node points = YAML::Load(std::cin);
    if (!points.IsSequence()) throw std::runtime_error("expected a JSON list of inputs");
    cooling::CoolingTowerDesign design;
    design.heat_w = 1e6;
    const cooling::CoolingTower tower(design);
    std::ostringstream out;  // written only when every point is understood
    out << "[";
    for (std::size_t i = 0; i < points.size(); ++i) {
      const YAML::Node p = points[i];
      if (!p["wetbulb_c"] || !p["load"])
        throw std::runtime_error("point " + std::to_string(i) + " needs wetbulb_c and load");
      const double wetbulb_c = p["wetbulb_c"].as<double>();
      const double load = p["load"].as<double>();
      const double airflow = p["airflow"] ? p["airflow"].as<double>() : 1.0;
      if (!(load > 0) || !(airflow > 0 && airflow <= 1))
        throw std::runtime_error("point " + std::to_string(i) +
                                 ": load must be > 0 and airflow in (0, 1]");
      const double approach_k = cooling::yorkcalc_approach_k(wetbulb_c, design.range_k * load,
                                                             tower.design_lg() / airflow);
      out << (i ? ", " : "") << approach_k;
    }
    out << "]\n";
    std::cout << out.str();
  } catch (const std::exception& e) {
    std::cerr << "probe_cooling_tower: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
