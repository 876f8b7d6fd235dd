// Placement by headroom: racks ranked by how far they stand from their thermal and power limits,
// for load balancing (load_balance.cpp). Each rack r has, now:
//
//   T_r   mean inlet air of its nodes (NodeInfo::inlet_c)
//   ρ_r   inlet rise one more node at nameplate power causes there (NodeInfo::inlet_rise_k: the
//         rack's recirculated share of that heat; 0 where every rack breathes supply air)
//   P_r   wall power of its nodes;  L_r its power limit (SchedulerContext::rack_power_limit;
//         ∞ when it has none)
//   b_r   busy nodes
//
// and a job adds a = estimate(job).added_power / nodes per node it puts there. One more node of
// the job in rack r leaves
//
//   thermal headroom  H_T = T_allowed − (T_r + ρ_r)       (K; T_allowed = `max_inlet`)
//   power headroom    H_P = L_r − (P_r + a)               (W)
//
// and the rack fits the node when both are ≥ 0. Nodes are taken one at a time (each choice
// updates T_r += ρ_r, P_r += a, b_r += 1), from the racks that fit first:
//
//   spread  the rack with the lowest expected inlet T_r + ρ_r (the most thermal headroom), then
//           the most power headroom, the least power, the fewest busy nodes, the lowest id: heat
//           spreads over the hall by water-filling, peaks of inlet (fan and leakage power,
//           thermal throttling) and rack limits (power capping) are avoided (Moore et al.,
//           "Making scheduling 'cool'", USENIX ATC 2005, place by recirculation the same way);
//   pack    the rack with the most busy nodes, then as spread: racks fill up while they have
//           headroom, so whole racks stay idle (and can sleep under idle shutdown) without
//           pushing a rack past its limits;
//
// then, when no rack fits, the racks in spread order (the least hot first). Within a rack, the
// lowest ids. T_allowed defaults to 27 °C, the top of ASHRAE TC 9.9's recommended inlet range
// for classes A1–A4 ("Thermal Guidelines for Data Processing Environments", 5th ed., 2021; a
// standard's recommendation, not a hardware limit). The rise per node is the steady-state one:
// the ranking does not predict transients. A sleeping node chosen to be woken adds its idle
// power (SchedulerContext::idle_power) less its sleep power to P_r, besides a.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "models/scheduling/placement.hpp"

namespace joule::models::scheduling {

enum class Balance { spread, pack };

// A rack as the headroom placement sees it.
struct RackHeadroom {
  double inlet_c = 0.0;                                      // T_r
  double rise_k = 0.0;                                       // ρ_r
  double power_w = 0.0;                                      // P_r
  double limit_w = std::numeric_limits<double>::infinity();  // L_r
  int busy = 0;                                              // b_r
  std::vector<std::uint32_t> free;  // the nodes the job may take here, id order
  std::vector<double> wake_w;       // per node of `free`: what waking it adds (0 when on)
};

class HeadroomPlacer {
public:
  HeadroomPlacer(Balance mode, double max_inlet_c) : mode_(mode), max_inlet_c_(max_inlet_c) {}

  // The racks of the cluster now, for `job`: its candidate nodes are the free, on nodes of the
  // pool startable_nodes() picks for `count` (with `own`, a running job's nodes, taken out of
  // their racks as if it had left: those nodes and the free ones of its pool; with `sleeping`,
  // the free nodes on or asleep of the first pool it may use that has `count` of them: the
  // nodes to wake for it).
  std::vector<RackHeadroom> racks(const SchedulerContext& ctx, const JobView& job,
                                  std::size_t count, std::span<const std::uint32_t> own = {},
                                  bool sleeping = false) const;
  // Takes `count` nodes from `racks` (updating them), or none when fewer are free.
  std::vector<std::uint32_t> take(std::vector<RackHeadroom>& racks, std::size_t count,
                                  double added_w) const;
  // A job's added wall power per node (estimate at its cap, over its nodes).
  static double added_per_node_w(const SchedulerContext& ctx, const JobView& job);
  // The placement function for EASY (placement.hpp).
  Placement placement() const;

  // How a set of nodes would sit once the job runs there, from `racks` (the job taken out):
  // the hottest expected inlet of its racks, the power excess over their limits, the racks
  // with a busy node in the whole cluster.
  struct Outcome {
    double hottest_c = -std::numeric_limits<double>::infinity();
    double excess_w = 0.0;
    int busy_racks = 0;
  };
  Outcome outcome(const SchedulerContext& ctx, std::span<const RackHeadroom> racks,
                  std::span<const std::uint32_t> nodes, double added_w) const;

  Balance mode() const { return mode_; }
  double max_inlet_c() const { return max_inlet_c_; }

private:
  Balance mode_;
  double max_inlet_c_;
};

}  // namespace joule::models::scheduling
