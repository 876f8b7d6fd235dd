// The World's side of the ramp-down at job ends and failures (ramp_down.hpp): a job end or
// failure marks the instant; at the instant's commit the net drop of IT power since the previous
// commit is held by a decaying filler load when the facility's drop would exceed the ramp limit.
#include "models/world/world.hpp"

namespace joule::models::world {

void World::set_ramp_down(double limit_w_per_s) {
  ramp_ = std::make_unique<RampDown>(limit_w_per_s);
  ramp_handler_ = sim_.bind([this](std::uint64_t) {
    ramp_->stair_event = {};
    ramp_stair();
    commit();
  });
}

std::optional<RampDownReport> World::ramp_down_report() const {
  if (!ramp_) return std::nullopt;
  return ramp_->report(sim_.now());
}

void World::note_ramp_drop(const Job& job, bool ended) {
  if (ramp_ && (ended || job.activity.kind == workload::PhaseKind::restart))
    ramp_->drop_pending = true;
}

void World::ramp_stair() {
  state_.add_fixed_it_power(ramp_->step(sim_.now()));
  if (ramp_->held_w() > 0)
    ramp_->stair_event = sim_.at(sim_.now() + sim::seconds(RampDown::stair_s), ramp_handler_, 0);
}

void World::hold_ramp() {
  if (!ramp_) return;
  const double raw_w = state_.it_power_w() - ramp_->held_w();
  if (ramp_->drop_pending && ramp_->raw_it_w > raw_w) {
    const double held_w = ramp_->held_w();
    const double drop_facility_w = facility_->facility_power_at(ramp_->raw_it_w + held_w) -
                                   facility_->facility_power_at(raw_w + held_w);
    if (ramp_->drop(sim_.now(), ramp_->raw_it_w - raw_w, drop_facility_w)) {
      if (ramp_->stair_event.valid()) sim_.cancel(ramp_->stair_event);
      ramp_->stair_event = {};
      ramp_stair();
    }
  }
  ramp_->raw_it_w = raw_w;
  ramp_->drop_pending = false;
}

}  // namespace joule::models::world
