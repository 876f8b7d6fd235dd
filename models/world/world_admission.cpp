// The queue the policy sees, through the admission gate when one is set (admission.hpp); jobs
// paused and resumed by a controller outside the world (demand response).
#include "models/world/world.hpp"

namespace joule::models::world {

std::vector<const scheduling::JobView*> World::queue() const {
  std::vector<const scheduling::JobView*> out;
  out.reserve(runner_->queued().size());
  double pending_w = 0.0;
  for (const auto id : runner_->queued()) {
    const Job& job = runner_->job(id);
    if (gate_) {
      const AdmissionGate::Decision d = gate_->admit(job, pending_w);
      if (d.verdict == AdmissionGate::Verdict::never) continue;
      if (d.verdict == AdmissionGate::Verdict::wait) break;
      pending_w += d.added_w;
      if (d.cap_w)
        admission_cap_w_[id] = *d.cap_w;
      else
        admission_cap_w_.erase(id);
    }
    out.push_back(&job);
  }
  return out;
}

void World::start_capped_if_gated(Job& job) {
  if (!gate_) return;
  const auto it = admission_cap_w_.find(job.id);
  if (it == admission_cap_w_.end()) return;
  set_power_cap(job, sim::Watts(it->second));  // not running yet: the start places it capped
  admission_cap_w_.erase(it);
}

void World::pause_job(std::uint32_t id) {
  runner_->pause(runner_->job(id));
  commit();
}

void World::resume_job(std::uint32_t id) {
  runner_->resume(runner_->job(id));
  commit();
}

}  // namespace joule::models::world
