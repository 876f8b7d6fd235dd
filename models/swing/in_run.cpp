#include "models/swing/in_run.hpp"

#include <algorithm>

#include "models/workload/training_job.hpp"
#include "models/world/job.hpp"

namespace joule::models::swing {

double InRunFloor::floor_w(const world::Job& job, const compute::AcceleratorState& busy) const {
  using workload::PhaseKind;
  double w = floor_w_;
  if (filler_level_ > 0) {
    switch (job.activity.kind) {
      case PhaseKind::forward_backward:
      case PhaseKind::steps:
        compute_w_[job.id] = busy.power_w;
        break;
      case PhaseKind::pipeline_bubble:
      case PhaseKind::gradient_sync:
      case PhaseKind::optimizer:
        if (const auto it = compute_w_.find(job.id); it != compute_w_.end())
          w = std::max(w, filler_level_ * it->second);
        break;
      case PhaseKind::checkpoint:
      case PhaseKind::restart:
      case PhaseKind::done:
        break;
    }
  }
  return w;
}

}  // namespace joule::models::swing
