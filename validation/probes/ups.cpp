// Probe: a single UPS unit at a given load fraction (validation/README.md). Inputs per point:
// type (double-conversion, eco); measure (default efficiency):
//   efficiency       output / input at `load` (output / unit rating, in (0, 1.5])
//   peak_efficiency  the highest efficiency over loads 1 %..150 % (a data sheet's "up to")
//   loss_ratio       double-conversion loss / this type's loss, both at `load`
// optional no_load_loss, proportional_loss, square_loss (per unit of rating; default: the
// type's shipped coefficients, ups.hpp). One unit, redundancy N, no shedding, so the load
// fraction is the one a vendor's efficiency table states.
#include "models/power/ups.hpp"

#include <algorithm>
#include <string>

#include "probe_io.hpp"

namespace power = joule::models::power;

namespace {

constexpr double rating_w = 1e6;

power::UpsSystem single_unit(power::UpsType type, const joule::validation::Inputs& in) {
  power::UpsSpec spec = power::default_ups_spec(type);
  spec.no_load_loss = in.number("no_load_loss", spec.no_load_loss);
  spec.proportional_loss = in.number("proportional_loss", spec.proportional_loss);
  spec.square_loss = in.number("square_loss", spec.square_loss);
  spec.redundancy = power::Redundancy::n;
  spec.unit_rating = joule::sim::Watts(rating_w);
  return power::UpsSystem(spec, joule::sim::Watts(rating_w));
}

double load_of(const joule::validation::Inputs& in) {
  const double load = in.number("load");
  if (!(load > 0 && load <= 1.5)) throw std::invalid_argument("load must be in (0, 1.5]");
  return load;
}

}  // namespace

int main() {
  return joule::validation::run_probe("ups", [](const joule::validation::Inputs& in) {
    const std::string type = in.string("type");
    if (type != "double-conversion" && type != "eco")
      throw std::invalid_argument("type must be double-conversion or eco, got '" + type + "'");
    const power::UpsSystem ups =
        single_unit(type == "eco" ? power::UpsType::eco : power::UpsType::double_conversion, in);
    const std::string measure = in.string("measure", "efficiency");
    if (measure == "efficiency") return ups.efficiency(load_of(in) * rating_w);
    if (measure == "peak_efficiency") {
      double best = 0;
      for (int percent = 1; percent <= 150; ++percent)
        best = std::max(best, ups.efficiency(percent / 100.0 * rating_w));
      return best;
    }
    if (measure == "loss_ratio") {
      const power::UpsSystem dc = single_unit(power::UpsType::double_conversion, in);
      const double output_w = load_of(in) * rating_w;
      return dc.loss_w(output_w) / ups.loss_w(output_w);
    }
    throw std::invalid_argument("measure must be efficiency, peak_efficiency or loss_ratio, got '" +
                                measure + "'");
  });
}
