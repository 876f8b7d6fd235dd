// A floor under the power of a job's busy accelerators, set from outside the world: a firmware
// power floor or filler kernels that keep the accelerators drawing while they wait
// (models/swing/in_run.hpp implements both). The World asks it for every job load it places
// (World::node_power); when the floor is above what the node model gives, the busy
// accelerators draw the floor (never above their cap) and the node's host, fans and PSU follow
// that accelerator power (compute::Node::evaluate_shared); the clock, and so the job's progress,
// is unchanged. The wall power the floor adds is accounted per node (LiftAccount) so that its
// energy can be reported. Racks with a power limit are evaluated by their rack model, which
// knows no floor: a floor does not act there.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "models/compute/accelerator.hpp"
#include "sim/time.hpp"

namespace joule::models::world {

struct Job;

class PowerFloor {
public:
  virtual ~PowerFloor() = default;
  // Power (W) each busy accelerator of `job` should draw at least in its current activity,
  // given the state the node model gives it (`busy`); 0: no floor.
  virtual double floor_w(const Job& job, const compute::AcceleratorState& busy) const = 0;
};

// The wall power a floor adds, node by node, and its energy (energy += power × elapsed on
// every change and every read).
class LiftAccount {
public:
  void resize(std::size_t nodes) { node_w_.assign(nodes, 0.0); }
  void set(std::uint32_t node, sim::Time now, double lift_w) {
    if (lift_w == node_w_[node]) return;
    update(now);
    total_w_ += lift_w - node_w_[node];
    node_w_[node] = lift_w;
  }
  // `count` nodes, each at `from_w` (the caller knows), now at `to_w`: the total moves by
  // count × Δ, one term for the nodes. The nodes' own lifts are the caller's to write
  // (hold_nodes()) before any set() on one of them.
  void move(std::size_t count, sim::Time now, double from_w, double to_w) {
    if (count == 0 || to_w == from_w) return;
    update(now);
    total_w_ += static_cast<double>(count) * (to_w - from_w);
  }
  void hold_nodes(std::span<const std::uint32_t> nodes, double lift_w) {
    for (const std::uint32_t id : nodes) node_w_[id] = lift_w;
  }
  double power_w() const { return total_w_; }
  double energy_j(sim::Time now) const {
    update(now);
    return energy_j_;
  }
  void reset(sim::Time now) {
    update(now);
    energy_j_ = 0.0;
  }

private:
  void update(sim::Time now) const {
    energy_j_ += total_w_ * (now - last_).seconds();
    last_ = now;
  }
  std::vector<double> node_w_;
  double total_w_ = 0.0;
  mutable double energy_j_ = 0.0;
  mutable sim::Time last_;
};

}  // namespace joule::models::world
