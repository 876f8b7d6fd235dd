// Per-GPU power distribution of a cluster, per output interval: GPU-seconds spent in fixed
// power bins, so that a simulated cluster's power CDF can be compared with measured ones.
//
//   h_b(interval) = ∫ n_b(t) dt   n_b: the GPUs whose per-GPU power now falls in bin
//                                 b = floor(P / width), the last bin open to the right
//
// Each node holds groups of GPUs at a time: the busy ones of each job on it (one job, or several
// sharing the node at GPU granularity), each group at its own power, and the rest idle at
// another (compute::NodePower). The histogram keeps n_b, the GPUs in each bin now, and
// integrates a bin lazily when its count changes and when an interval is taken
// (h_b += n_b · Δt), like every other energy account: a change of one node touches only the
// bins it leaves and enters, and a take visits the bins, not the nodes. Σ_b h_b = GPUs ×
// interval length (an invariant the tests check, to rounding: each h_b is a sum of n_b · Δt
// terms in double precision).
#pragma once

#include <array>
#include <cstdint>
#include <span>
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
  // A node shared by several jobs: group k runs groups[k].count GPUs at groups[k].power_w each,
  // the rest at idle_w, from `now` on.
  struct Group {
    int count = 0;
    double power_w = 0.0;
  };
  void set(std::size_t node, sim::Time now, std::span<const Group> groups, double idle_w);
  // set(node, now, busy, busy_w, idle_w) on each of `nodes`, with the bins each node leaves and
  // enters summed over the nodes first: n_b moves by whole GPUs, and a bin is integrated at its
  // first move of an instant whatever moves follow, so the bins are bit-identical to those of
  // the calls one by one, at one move per bin instead of up to four per node (a job phase).
  void set(std::span<const std::uint32_t> nodes, sim::Time now, int busy, double busy_w,
           double idle_w);
  // A node's state with one job or none: `count` GPUs in bin `bin` per entry, the busy group
  // (clamped to the node's GPUs) first, then the idle rest.
  struct Entry {
    std::uint32_t bin = 0;
    int count = 0;
  };
  struct NodeBins {
    std::uint32_t entries = 0;
    std::array<Entry, 2> first{};
  };
  // The bins of a node running `busy` GPUs at busy_w each and the rest at idle_w.
  NodeBins node_bins(int busy, double busy_w, double idle_w) const;
  // `count` nodes, each holding `from` (nodes of one job set together before: the caller
  // knows), now hold `to`: each bin moves by count × its GPUs at once (whole GPUs, so n_b and
  // every h_b are exactly those of the calls node by node). O(bins), whatever the count: the
  // nodes' own states are not touched, and the caller writes them (hold_nodes()) before any
  // set() on one of them.
  void move(std::size_t count, sim::Time now, const NodeBins& from, const NodeBins& to);
  // The states of `nodes` written as `bins` (what move() left them holding); no bin moves.
  void hold_nodes(std::span<const std::uint32_t> nodes, const NodeBins& bins);
  // GPU-seconds per bin since the previous take (or the start); starts a new interval.
  std::vector<double> take(sim::Time now);

  const std::vector<double>& bin_edges_w() const { return edges_; }
  std::size_t bins() const { return edges_.size() - 1; }

private:
  // A node's state as the GPUs it puts in each bin (Entry), in the order the groups were given
  // (the busy groups, clamped to the node's GPUs, then the idle rest), found once when the
  // state is set. The first two entries (one job and the idle rest, the common case) are stored
  // in place, further ones in `more`.
  struct State {
    std::uint32_t entries = 0;
    std::array<Entry, 2> first{};
    std::vector<Entry> more;
  };
  std::size_t bin(double power_w) const;
  // The state of a node running `busy` GPUs at busy_w and the rest at idle_w (no `more`).
  State one_group(int busy, double busy_w, double idle_w) const;
  static bool same(const Entry& a, const Entry& b) { return a.bin == b.bin && a.count == b.count; }
  // Whether `s` is `one` (a state from one_group()).
  static bool same(const State& s, const State& one) {
    return s.entries == one.entries && (one.entries < 1 || same(s.first[0], one.first[0])) &&
           (one.entries < 2 || same(s.first[1], one.first[1]));
  }
  // Bin `b` integrated up to `now` (h_b += n_b · Δt), then `delta_gpus` GPUs enter it (< 0:
  // leave it).
  void move(std::uint32_t b, sim::Time now, std::int64_t delta_gpus);
  void add_node(const State& s, sim::Time now, std::int64_t sign);
  // move()'s loops, out of line: inline, move()'s one-entry path saved registers for them.
  [[gnu::noinline]] void move_entries(std::int64_t n, sim::Time now, const NodeBins& from,
                                      const NodeBins& to);

  int gpus_per_node_;
  double width_w_;
  std::vector<double> edges_;
  std::vector<State> nodes_;
  std::vector<double> current_;     // h_b of the interval, up to since_[b]
  std::vector<std::int64_t> gpus_;  // n_b: GPUs in bin b now
  std::vector<sim::Time> since_;    // when h_b was last integrated
};

}  // namespace joule::models::compute
