// A gate on starting jobs, set from outside the world (models/swing/grid_admission.hpp holds
// the grid import limit with it). The queue the scheduling policy sees (World::queue) holds
// the jobs the gate lets through, in arrival order, up to the first it holds back: a job
// waiting for power holds back those behind it, whatever the policy (no overtaking). A job
// that can never start is passed over and does not block the others. A job let through with a
// cap starts with that per-accelerator cap (World::start). Sub-node jobs packed onto shared
// nodes are not gated.
#pragma once

#include <optional>

#include "models/scheduling/job_view.hpp"

namespace joule::models::world {

class AdmissionGate {
public:
  enum class Verdict { start, wait, never };
  struct Decision {
    Verdict verdict = Verdict::start;
    std::optional<double> cap_w;  // start with this per-accelerator cap
    double added_w = 0;           // IT power the job adds when it starts
  };
  virtual ~AdmissionGate() = default;
  // Whether `job` may start now, the jobs let through before it in this pass adding `pending_w`
  // of IT power.
  virtual Decision admit(const scheduling::JobView& job, double pending_w) = 0;
};

}  // namespace joule::models::world
