#include "models/world/limits.hpp"

#include <algorithm>

namespace joule::models::world {

// No excess before, none now (every commit of a run within its limits): nothing moves. The
// instant is left as it was: it is read only to integrate an excess, from the call that took
// it (`excess_w_` is never −0 nor a NaN: std::max(0.0, x) gives +0 for both).
void ViolationAccount::set(sim::Time now, double excess_w) {
  if (excess_w_ == 0.0 && !(excess_w > 0.0)) return;
  if (excess_w_ > 0.0 && now > last_) {
    const double dt_s = (now - last_).seconds();
    seconds_ += dt_s;
    energy_j_ += excess_w_ * dt_s;
  }
  last_ = now;
  excess_w_ = std::max(0.0, excess_w);
  if (excess_w_ > 0.0 && !first_) first_ = now;
  peak_w_ = std::max(peak_w_, excess_w_);
}

void LimitMonitor::resize(std::size_t racks, std::size_t nodes) {
  rack_w_.assign(racks, 0.0);
  node_w_.assign(nodes, 0.0);
}

void LimitMonitor::set_rack_excess(std::size_t rack, double excess_w) {
  excess_w = std::max(0.0, excess_w);
  double& old = rack_w_[rack];
  if (old > 0.0) --racks_over_;
  if (excess_w > 0.0) ++racks_over_;
  rack_total_w_ += excess_w - old;
  old = excess_w;
  if (excess_w > worst_rack_w_) {
    worst_rack_w_ = excess_w;
    worst_rack_ = rack;
  }
}

void LimitMonitor::change_node_cap_excess(std::size_t node, double excess_w) {
  excess_w = std::max(0.0, excess_w);
  double& old = node_w_[node];
  if (old > 0.0) --nodes_over_;
  if (excess_w > 0.0) ++nodes_over_;
  node_total_w_ += excess_w - old;
  old = excess_w;
}

void LimitMonitor::commit(sim::Time now) {
  // The running sums may drift by rounding: zero when nothing is over. Nothing over now and no
  // excess ever (a run within its limits: every commit), both accounts would take +0 holding
  // +0 (an account's excess is at most its peak, and never negative), which moves nothing.
  if ((racks_over_ | nodes_over_) == 0 && rack_.peak_excess_w() == 0.0 &&
      cap_.peak_excess_w() == 0.0) [[likely]] {
    rack_total_w_ = node_total_w_ = 0.0;
    return;
  }
  if (racks_over_ == 0) rack_total_w_ = 0.0;
  if (nodes_over_ == 0) node_total_w_ = 0.0;
  rack_.set(now, rack_total_w_);
  cap_.set(now, node_total_w_);
}

void LimitMonitor::update_to(sim::Time now) {
  rack_.update_to(now);
  cap_.update_to(now);
}

}  // namespace joule::models::world
