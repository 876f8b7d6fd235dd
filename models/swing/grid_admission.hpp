// Admission under the grid import limit (`grid.import_limit`): a job starts only when the
// facility power predicted with it stays under the limit, capped to fit when it would not fit
// uncapped.
//
// With I the IT power now, Q the IT power of the jobs let through before it in this pass,
// a_j(c) the power job j adds over idle at per-accelerator cap c (SchedulerContext::estimate)
// and F(·) the facility power at an IT load (Facility::facility_power_at), job j
//   starts uncapped         when F(I + Q + a_j(none)) ≤ L;
//   starts capped at c*     when F(I + Q + a_j(c_min)) ≤ L, c* the highest cap that fits
//                           (bisection: a_j is non-decreasing in c);
//   waits (blocks the queue) otherwise, if it would fit alone, F(B + a_j(c_min)) ≤ L with
//                           B = I − Σ_running a_k(cap_k) the cluster at idle;
//   is refused for good     when it would not fit even alone: the limit cannot be met with it.
// The grid controller (grid_control.hpp) holds the meter under the limit afterwards; it wakes
// the policy at every check while a job waits. F is the facility power, not the meter's (on-site
// PV and battery would lower the meter): conservative.
// Ramp limit (`grid.ramp_limit` r): starts are staggered so that the facility's steps at job
// starts average at most r: a job whose start steps the facility by ΔF_k starts no earlier than
// t_{k−1} + ΔF_{k−1} / r after the previous start (it waits, and holds back those behind it;
// the policy is woken then). Phase swings inside jobs and job ends are not held: the swing
// windows check them (swing_ramp_limit_violation_s).
// Power-capped admission under a site limit: Patki et al., ICS 2013 (as the power-budget policy).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "models/scheduling/policy.hpp"
#include "models/world/admission.hpp"

namespace joule::models::swing {

struct AdmissionReport {
  std::size_t capped = 0;     // jobs let through with a cap
  std::size_t refused = 0;    // jobs that could never fit under the limit
  double wait_s = 0;          // time jobs waited for power or the ramp limit (job-seconds)
  std::size_t staggered = 0;  // jobs whose start the ramp limit delayed
};

class GridAdmission final : public world::AdmissionGate {
public:
  // `limit_w`, `ramp_w_per_s`: 0 for none.
  GridAdmission(scheduling::SchedulerContext& ctx, double limit_w, double ramp_w_per_s = 0)
      : ctx_(ctx), limit_w_(limit_w), ramp_w_per_s_(ramp_w_per_s) {}
  Decision admit(const scheduling::JobView& job, double pending_w) override;
  // Up to now (waits still open counted to now).
  AdmissionReport report() const;
  bool holding() const { return !waiting_since_.empty(); }

private:
  scheduling::SchedulerContext& ctx_;
  double limit_w_;
  double ramp_w_per_s_;
  std::optional<sim::Time> next_start_;  // earliest start the ramp limit allows
  std::map<std::uint32_t, sim::Time> waiting_since_;
  std::set<std::uint32_t> capped_, refused_, staggered_;
  double wait_s_ = 0;
};

}  // namespace joule::models::swing
