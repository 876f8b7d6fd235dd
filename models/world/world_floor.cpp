// The World's side of a power floor (power_floor.hpp): busy accelerators lifted to the floor,
// the node's host, fans and PSU following them.
#include <algorithm>

#include "models/world/world.hpp"

namespace joule::models::world {

compute::NodePower World::with_floor(const Job& job, const compute::Node& model,
                                     compute::NodePower p, double inlet_c, double& lift_w) const {
  lift_w = 0.0;
  const int busy = job.load.busy_accelerators;
  if (!floor_ || busy <= 0 || model.spec().model != compute::NodePowerModel::operation) return p;
  // Never above the accelerator's cap (the job's, or the node's own).
  const double floor_w = std::min(floor_->floor_w(job, p.busy), model.accelerator().power_cap_w());
  if (!(floor_w > p.busy.power_w)) return p;
  compute::AcceleratorState lifted = p.busy;
  lifted.power_w = floor_w;
  const compute::Node::Group group{busy, lifted};
  compute::NodePower q =
      model.evaluate_shared({&group, 1}, job.load.cpu_util, job.load.nic_util, inlet_c);
  lift_w = q.wall_w - p.wall_w;
  return q;
}

}  // namespace joule::models::world
