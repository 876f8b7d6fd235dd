// Probe: a single UPS unit's efficiency (output / input) at a given load fraction
// (validation/README.md). Inputs per point: type (double-conversion, eco), load (output / unit
// rating, in (0, 1.5]); optional no_load_loss, proportional_loss, square_loss (per unit of
// rating; default: the type's shipped coefficients, ups.hpp). One unit, redundancy N, no
// shedding, so the load fraction is the one a vendor's efficiency table states.
#include "models/power/ups.hpp"

#include <string>

#include "probe_io.hpp"

namespace power = joule::models::power;

int main() {
  return joule::validation::run_probe("ups", [](const joule::validation::Inputs& in) {
    const std::string type = in.string("type");
    if (type != "double-conversion" && type != "eco")
      throw std::invalid_argument("type must be double-conversion or eco, got '" + type + "'");
    power::UpsSpec spec = power::default_ups_spec(
        type == "eco" ? power::UpsType::eco : power::UpsType::double_conversion);
    spec.no_load_loss = in.number("no_load_loss", spec.no_load_loss);
    spec.proportional_loss = in.number("proportional_loss", spec.proportional_loss);
    spec.square_loss = in.number("square_loss", spec.square_loss);
    const double load = in.number("load");
    if (!(load > 0 && load <= 1.5)) throw std::invalid_argument("load must be in (0, 1.5]");
    spec.redundancy = power::Redundancy::n;
    spec.unit_rating = joule::sim::Watts(1e6);
    const power::UpsSystem ups(spec, joule::sim::Watts(1e6));
    return ups.efficiency(load * 1e6);
  });
}
