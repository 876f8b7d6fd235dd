// Checks made while the World is built on limits the scenario sets (limits.hpp): a node model
// that gives no finite power (an absurd calibration) is an input error; a rack power limit
// below the rack's idle draw and an accelerator cap below the idle draw cannot be met, which
// is allowed (the run reports by how much) but said at once.
#include <cmath>
#include <cstdio>

#include "models/compute/accelerator_catalog.hpp"
#include "models/world/world.hpp"

namespace joule::models::world {

namespace {

std::string watts(double w) {
  char text[48];
  if (std::fabs(w) >= 1e3)
    std::snprintf(text, sizeof text, "%.4g kW", w / 1e3);
  else
    std::snprintf(text, sizeof text, "%.4g W", w);
  return text;
}

std::string place(const sim::Location& where) {
  const std::string at = where.to_string();
  return at.empty() ? std::string() : at + ": ";
}

}  // namespace

void World::check_limits(const WorldPlaces& places) {
  const double inlet_c = facility_->supply_air_c();

  // The node model must give finite, non-negative power idle and at full load.
  {
    compute::NodeLoad full;
    full.busy_accelerators = cluster_.node.accelerators;
    full.per_accelerator = compute::reference_training_rates(*cluster_.node.accelerator, 1.0, 1.0);
    full.cpu_util = full.nic_util = full.utilization = 1.0;
    const compute::NodePower idle = node_model_->idle(inlet_c),
                             busy = node_model_->evaluate(full, inlet_c);
    for (const auto& [what, w] : {std::pair{"idle", idle.wall_w}, {"at full load", busy.wall_w}})
      if (!std::isfinite(w) || w < 0) {
        throw sim::InputError(places.node_model,
                              std::string("the node model gives ") + std::to_string(w) +
                                  " W per node " + what + " at " + std::to_string(inlet_c) +
                                  " degC inlet: check the calibration's coefficients");
      }
    // A cap below what an idle accelerator draws at its lowest clock cannot be met.
    if (idle.idle.at_min_clock && idle.idle.throttled == compute::Throttle::power_cap)
      warnings_.push_back(
          place(places.gpu_power_cap) + "gpu_power_cap of " +
          watts(node_model_->accelerator().power_cap_w()) + " is below what an idle " +
          cluster_.node.accelerator->id + " draws at its lowest clock (" +
          watts(idle.idle.power_w) +
          "): it cannot be met; the excess is reported as gpu_cap_violation_s/_kwh");
  }

  // Rack limits below the rack's idle draw (accelerators capped to nothing).
  std::size_t below = 0, worst = 0;
  double worst_floor_w = 0.0, worst_limit_w = 0.0;
  for (std::size_t r = 0; r < rack_models_.size(); ++r) {
    if (!rack_models_[r]) continue;
    const compute::RackPower rp = rack_models_[r]->evaluate({}, inlet_c);
    if (!rp.over_limit) continue;
    if (below++ == 0 ||
        rp.wall_w - cluster_.racks[r].power_limit->value() > worst_floor_w - worst_limit_w) {
      worst = r;
      worst_floor_w = rp.wall_w;
      worst_limit_w = cluster_.racks[r].power_limit->value();
    }
  }
  if (below > 0) {
    warnings_.push_back(place(places.rack_limit) + std::to_string(below) + " rack" +
                        (below > 1 ? "s have a power_limit" : " has a power_limit") +
                        " below the draw of its idle nodes (rack " + std::to_string(worst) +
                        ": limit " + watts(worst_limit_w) + ", idle floor " + watts(worst_floor_w) +
                        "): it cannot be met; the excess is reported as "
                        "rack_limit_violation_s/_kwh");
  }
}

}  // namespace joule::models::world
