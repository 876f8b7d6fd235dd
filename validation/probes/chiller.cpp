// Probe: a catalog chiller's COP (evaporator heat / electric power) at given chilled-water
// leaving and condenser-water entering temperatures and part-load ratio (validation/README.md).
// Inputs per point: chiller (catalog name), chw_c, cond_c, plr (of the available capacity).
#include "models/cooling/chiller.hpp"

#include <yaml-cpp/yaml.h>

#include <iostream>
#include <sstream>
#include <string>

namespace cooling = joule::models::cooling;

int main() {
  try {
    const YAML::Node points = YAML::Load(std::cin);
    if (!points.IsSequence()) throw std::runtime_error("expected a JSON list of inputs");
    std::ostringstream out;  // written only when every point is understood
    out << "[";
    for (std::size_t i = 0; i < points.size(); ++i) {
      const YAML::Node p = points[i];
      const std::string where = "point " + std::to_string(i);
      for (const char* key : {"chiller", "chw_c", "cond_c", "plr"})
        if (!p[key]) throw std::runtime_error(where + " needs " + key);
      const cooling::ChillerCurves* curves = cooling::find_chiller(p["chiller"].as<std::string>());
      if (!curves) throw std::runtime_error(where + ": unknown chiller");
      const cooling::Chiller chiller(*curves);
      const double chw_c = p["chw_c"].as<double>(), cond_c = p["cond_c"].as<double>();
      const double plr = p["plr"].as<double>();
      if (!(plr > 0 && plr <= curves->plr_max))
        throw std::runtime_error(where + ": plr must be in (0, plr_max]");
      const double load_w = plr * chiller.available_capacity_w(chw_c, cond_c);
      const cooling::ChillerOperation op = chiller.operate(load_w, chw_c, cond_c);
      out << (i ? ", " : "") << op.load_w / op.power_w;
    }
    out << "]\n";
    std::cout << out.str();
  } catch (const std::exception& e) {
    std::cerr << "probe_chiller: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
