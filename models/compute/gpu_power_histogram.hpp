// Per-GPU power distribution of a cluster, per output interval: GPU-seconds spent in fixed
// power bins, so that a simulated cluster's power CDF can be compared with measured ones.
//
//   h_b(interval) = Σ_nodes Σ_states n_state · Δt_state   over the states whose per-GPU power
//                   falls in bin b = floor(P / width), the last bin open to the right
//
// Each node holds two groups of GPUs at a time: `busy` ones at one power and the rest idle at
// another (compute::NodePower). A node's state is integrated lazily, when it changes and when
// an interval is taken, like every other energy account. Σ_b h_b = GPUs × interval length
// exactly (an invariant the tests check).
#pragma once

#include <cstdint>
#include <vector>

#include "sim/time.hpp"

namespace joule::models::compute {

class GpuPowerHistogram {
public:
  // `nodes` nodes of `gpus_per_node` accelerators; bins [0, w), [w, 2w), ... up to max_w, the
  // last one [max_w − w, ∞).
  GpuPowerHistogram(std::size_t nodes, int gpus_per_node, double bin_width_w = 20.0,
                    double max_w = 1500.0);

  // Node `node` runs `busy` GPUs at busy_w each and the rest at idle_w from `now` on.
  void set(std::size_t node, sim::Time now, int busy, double busy_w, double idle_w);
  // GPU-seconds per bin since the previous take (or the start); starts a new interval.
  std::vector<double> take(sim::Time now);

  const std::vector<double>& bin_edges_w() const { return edges_; }
  std::size_t bins() const { return edges_.size() - 1; }

private:
  struct State {
    sim::Time since;
    int busy = 0;
    double busy_w = 0.0, idle_w = 0.0;
  };
  std::size_t bin(double power_w) const;
  void integrate(State& s, sim::Time now);

  int gpus_per_node_;
  double width_w_;
  std::vector<double> edges_;
  std::vector<State> nodes_;
  std::vector<double> current_;
};

}  // namespace joule::models::compute
