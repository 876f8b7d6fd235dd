// Limits the models could not meet, accounted like energy: time and energy in violation.
//
// A rack power limit below what the rack's nodes draw with their accelerators at the lowest
// clock (compute::Rack: `over_limit`), or an accelerator power cap below what the device draws
// at its lowest clock (compute::AcceleratorState: `at_min_clock`, e.g. a cap below idle power),
// leaves power above the limit: the model keeps the physics (it cannot draw less) and this
// account says by how much and for how long:
//   violation_s   = time during which any such excess was > 0
//   violation_j   = ∫ Σ excess_w dt  (energy drawn above the limits)
// Power is piecewise constant between the World's commits, so the integral is exact.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "sim/time.hpp"

namespace joule::models::world {

class ViolationAccount {
public:
  // Integrates the excess in force since the last call up to `now`, then takes `excess_w`.
  void set(sim::Time now, double excess_w);
  void update_to(sim::Time now) { set(now, excess_w_); }

  double seconds() const { return seconds_; }
  double energy_j() const { return energy_j_; }
  double peak_excess_w() const { return peak_w_; }
  std::optional<sim::Time> first() const { return first_; }

private:
  double excess_w_ = 0.0, seconds_ = 0.0, energy_j_ = 0.0, peak_w_ = 0.0;
  sim::Time last_;
  std::optional<sim::Time> first_;
};

// Per-rack and per-node excesses, summed, and their two accounts.
class LimitMonitor {
public:
  void resize(std::size_t racks, std::size_t nodes);
  void set_rack_excess(std::size_t rack, double excess_w);
  void set_node_cap_excess(std::size_t node, double excess_w) {
    // None before, none now (nearly every node at every job phase): nothing moves.
    if (!(excess_w > 0.0) && node_w_[node] == 0.0) return;
    change_node_cap_excess(node, excess_w);
  }
  // At the end of every handler (power is constant until the next).
  void commit(sim::Time now);
  void update_to(sim::Time now);

  const ViolationAccount& rack_limit() const { return rack_; }
  const ViolationAccount& gpu_cap() const { return cap_; }
  // The rack with the largest excess seen, and that excess (for the warning).
  std::size_t worst_rack() const { return worst_rack_; }

private:
  void change_node_cap_excess(std::size_t node, double excess_w);
  std::vector<double> rack_w_, node_w_;
  double rack_total_w_ = 0.0, node_total_w_ = 0.0;
  std::size_t racks_over_ = 0, nodes_over_ = 0, worst_rack_ = 0;
  double worst_rack_w_ = 0.0;
  ViolationAccount rack_, cap_;
};

}  // namespace joule::models::world
