// The World's side of a power floor (power_floor.hpp): busy accelerators lifted to the floor,
// the node's host, fans and PSU following them; and the floor raised to hold a ramp limit on
// phase swings (ramp_floor.hpp).
#include <algorithm>
#include <cmath>

#include "models/world/world.hpp"

namespace joule::models::world {

namespace {
bool computing(workload::PhaseKind kind) {
  return kind == workload::PhaseKind::forward_backward || kind == workload::PhaseKind::steps;
}
bool swinging(workload::PhaseKind kind) {  // the phases the ramp floor holds
  using workload::PhaseKind;
  return kind == PhaseKind::pipeline_bubble || kind == PhaseKind::gradient_sync ||
         kind == PhaseKind::optimizer || kind == PhaseKind::checkpoint;
}
}  // namespace

compute::NodePower World::with_floor(const Job& job, const compute::Node& model,
                                     compute::NodePower p, double inlet_c, double& lift_w) const {
  lift_w = 0.0;
  const int busy = job.load.busy_accelerators;
  if (busy <= 0) return p;
  if (model.spec().model != compute::NodePowerModel::operation) {
    if (ramp_floor_ && swinging(job.activity.kind)) ramp_floor_->unmet_model.insert(job.id);
    return p;
  }
  const auto lifted_to = [&](double accelerator_w) {
    compute::AcceleratorState lifted = p.busy;
    lifted.power_w = accelerator_w;
    const compute::Node::Group group{busy, lifted};
    return model.evaluate_shared({&group, 1}, job.load.cpu_util, job.load.nic_util, inlet_c);
  };
  const double cap_w = model.accelerator().power_cap_w();  // the job's, or the node's own
  compute::NodePower q = p;
  if (floor_) {
    const double floor_w = std::min(floor_->floor_w(job, p.busy), cap_w);
    if (floor_w > p.busy.power_w) q = lifted_to(floor_w);
  }
  if (ramp_floor_) q = with_ramp_floor(job, q, cap_w, lifted_to);
  lift_w = q.wall_w - p.wall_w;
  return q;
}

compute::NodePower World::with_ramp_floor(
    const Job& job, const compute::NodePower& q, double cap_w,
    const std::function<compute::NodePower(double)>& lifted_to) const {
  RampFloorState& rf = *ramp_floor_;
  if (computing(job.activity.kind)) {
    rf.compute_wall_w[job.id] = q.wall_w;
    return q;
  }
  if (!swinging(job.activity.kind) || job.nodes.empty()) return q;
  const auto wc = rf.compute_wall_w.find(job.id);
  if (wc == rf.compute_wall_w.end()) return q;
  const double share =
      static_cast<double>(job.request.gpus) / std::max(1, cluster_.accelerator_count());
  const double allowed_w = rf.limit_w_per_s * 1.0 * share;  // the job's facility swing
  const double it_w = state_.it_power_w();
  const double m = std::max(
      1e-9, (facility_->facility_power_at(it_w + allowed_w) - facility_->facility_power_at(it_w)) /
                allowed_w);
  const double nodes = static_cast<double>(job.nodes.size());
  // Rounded up to a whole watt, so that the phases of one job share their solutions.
  const double target_w = std::ceil(wc->second - allowed_w / (m * nodes));
  if (!(q.wall_w < target_w)) return q;
  rf.lifted.insert(job.id);
  const auto key = std::make_tuple(job.id, q.wall_w, target_w);
  if (const auto it = rf.solved_w.find(key); it != rf.solved_w.end()) return lifted_to(it->second);
  double lo = q.busy.power_w, hi = cap_w;
  if (lifted_to(hi).wall_w < target_w) {
    rf.unmet_cap.insert(job.id);
  } else {
    for (int i = 0; i < 60 && hi - lo > 1e-6; ++i) {
      const double mid = 0.5 * (lo + hi);
      (lifted_to(mid).wall_w >= target_w ? hi : lo) = mid;
    }
  }
  rf.solved_w.emplace(key, hi);
  return lifted_to(hi);
}

void World::set_ramp_floor(double limit_w_per_s) {
  ramp_floor_ = std::make_unique<RampFloorState>();
  ramp_floor_->limit_w_per_s = limit_w_per_s;
}

std::optional<RampFloorReport> World::ramp_floor_report() const {
  if (!ramp_floor_) return std::nullopt;
  return ramp_floor_->report();
}

}  // namespace joule::models::world
