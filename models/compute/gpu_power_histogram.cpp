// Per-GPU power histogram (equations in gpu_power_histogram.hpp).
#include "models/compute/gpu_power_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace joule::models::compute {

GpuPowerHistogram::GpuPowerHistogram(std::size_t nodes, int gpus_per_node, double bin_width_w,
                                     double max_w)
    : gpus_per_node_(gpus_per_node), width_w_(bin_width_w), nodes_(nodes) {
  if (!(bin_width_w > 0) || !(max_w > bin_width_w) || gpus_per_node < 0)
    throw std::invalid_argument("GpuPowerHistogram: need 0 < bin width < max, GPUs >= 0");
  const auto n = static_cast<std::size_t>(std::ceil(max_w / bin_width_w));
  for (std::size_t i = 0; i <= n; ++i) edges_.push_back(static_cast<double>(i) * bin_width_w);
  current_.assign(n, 0.0);
  gpus_.assign(n, 0);
  since_.assign(n, sim::Time::zero());
  if (gpus_per_node > 0) {  // until set: every GPU idle at 0 W
    const Entry idle{static_cast<std::uint32_t>(bin(0.0)), gpus_per_node};
    for (auto& s : nodes_) {
      s.entries = 1;
      s.first[0] = idle;
    }
    gpus_[idle.bin] = static_cast<std::int64_t>(nodes) * gpus_per_node;
  }
}

std::size_t GpuPowerHistogram::bin(double power_w) const {
  if (!(power_w > 0)) return 0;
  return std::min(bins() - 1, static_cast<std::size_t>(power_w / width_w_));
}

inline void GpuPowerHistogram::move(std::uint32_t b, sim::Time now, std::int64_t delta_gpus) {
  if (now > since_[b]) current_[b] += static_cast<double>(gpus_[b]) * (now - since_[b]).seconds();
  since_[b] = now;
  gpus_[b] += delta_gpus;
}

inline void GpuPowerHistogram::add_node(const State& s, sim::Time now, std::int64_t sign) {
  const std::uint32_t inline_n = std::min<std::uint32_t>(s.entries, 2);
  for (std::uint32_t i = 0; i < inline_n; ++i) move(s.first[i].bin, now, sign * s.first[i].count);
  for (const Entry& e : s.more) move(e.bin, now, sign * e.count);
}

void GpuPowerHistogram::set(std::size_t node, sim::Time now, int busy, double busy_w,
                            double idle_w) {
  const Group g{busy, busy_w};
  set(node, now, std::span<const Group>(&g, busy > 0 ? 1 : 0), idle_w);
}

void GpuPowerHistogram::set(std::size_t node, sim::Time now, std::span<const Group> groups,
                            double idle_w) {
  State& s = nodes_.at(node);
  if (groups.size() <= 1) {
    // One job or none (the common case): at most two entries. The same GPUs in the same bins
    // (a new power within the bins it had) move nothing.
    const State fresh = groups.empty() ? one_group(0, 0.0, idle_w)
                                       : one_group(groups[0].count, groups[0].power_w, idle_w);
    if (s.more.empty() && same(s, fresh)) return;
    add_node(s, now, -1);
    s.entries = fresh.entries;
    s.first = fresh.first;
    s.more.clear();
    add_node(s, now, +1);
    return;
  }
  add_node(s, now, -1);
  s.entries = 0;
  s.more.clear();
  const auto add = [&](std::size_t b, int count) {
    const Entry e{static_cast<std::uint32_t>(b), count};
    if (s.entries < 2)
      s.first[s.entries] = e;
    else
      s.more.push_back(e);
    ++s.entries;
  };
  int busy = 0;
  for (const auto& g : groups) {
    const int count = std::clamp(g.count, 0, gpus_per_node_ - busy);
    if (count > 0) add(bin(g.power_w), count);
    busy += count;
  }
  if (gpus_per_node_ > busy) add(bin(idle_w), gpus_per_node_ - busy);
  add_node(s, now, +1);
}

GpuPowerHistogram::State GpuPowerHistogram::one_group(int busy, double busy_w,
                                                      double idle_w) const {
  State s;
  busy = std::clamp(busy, 0, gpus_per_node_);
  if (busy > 0) s.first[s.entries++] = {static_cast<std::uint32_t>(bin(busy_w)), busy};
  if (gpus_per_node_ > busy)
    s.first[s.entries++] = {static_cast<std::uint32_t>(bin(idle_w)), gpus_per_node_ - busy};
  return s;
}

void GpuPowerHistogram::set(std::span<const std::uint32_t> nodes, sim::Time now, int busy,
                            double busy_w, double idle_w) {
  const State fresh = one_group(busy, busy_w, idle_w);
  // The GPUs each touched bin gains (< 0: loses) over all the nodes; a few bins at most, kept
  // in a short list (moved out early should it fill: the moves add up in any order).
  constexpr std::size_t capacity = 8;
  std::array<std::pair<std::uint32_t, std::int64_t>, capacity> delta{};
  std::size_t touched = 0;
  const auto add = [&](const Entry& e, std::int64_t sign) {
    for (std::size_t i = 0; i < touched; ++i)
      if (delta[i].first == e.bin) {
        delta[i].second += sign * e.count;
        return;
      }
    if (touched == capacity) {
      for (std::size_t i = 0; i < touched; ++i) move(delta[i].first, now, delta[i].second);
      touched = 0;
    }
    delta[touched++] = {e.bin, sign * e.count};
  };
  // Nodes that left the state the previous one left are counted, not listed again.
  State left;
  std::int64_t run = 0;
  const auto flush = [&] {
    if (run == 0) return;
    for (std::uint32_t i = 0; i < left.entries; ++i) add(left.first[i], -run);
    for (std::uint32_t i = 0; i < fresh.entries; ++i) add(fresh.first[i], run);
    run = 0;
  };
  for (const std::uint32_t id : nodes) {
    State& s = nodes_.at(id);
    if (!s.more.empty()) {  // a node that was shared: its entries one by one
      flush();
      for (std::uint32_t i = 0; i < std::min<std::uint32_t>(s.entries, 2); ++i) add(s.first[i], -1);
      for (const Entry& e : s.more) add(e, -1);
      for (std::uint32_t i = 0; i < fresh.entries; ++i) add(fresh.first[i], 1);
      s.more.clear();
    } else if (same(s, fresh)) {
      continue;
    } else if (run > 0 && same(s, left)) {
      ++run;
    } else {
      flush();
      left.entries = s.entries;
      left.first = s.first;
      run = 1;
    }
    s.entries = fresh.entries;
    s.first = fresh.first;
  }
  flush();
  for (std::size_t i = 0; i < touched; ++i) move(delta[i].first, now, delta[i].second);
}

GpuPowerHistogram::NodeBins GpuPowerHistogram::node_bins(int busy, double busy_w,
                                                         double idle_w) const {
  const State s = one_group(busy, busy_w, idle_w);
  return {s.entries, s.first};
}

void GpuPowerHistogram::move(std::size_t count, sim::Time now, const NodeBins& from,
                             const NodeBins& to) {
  const auto same_bins = [](const NodeBins& a, const NodeBins& b) {
    return a.entries == b.entries && (a.entries < 1 || same(a.first[0], b.first[0])) &&
           (a.entries < 2 || same(a.first[1], b.first[1]));
  };
  if (count == 0 || same_bins(from, to)) return;
  // A bin is integrated at its first move of the instant; the later moves of the same instant
  // only add GPUs, so moving a bin twice (left and entered) gives what one net move gives.
  const auto n = static_cast<std::int64_t>(count);
  // One entry each (every GPU of the node busy, a job phase's common case): the two moves
  // inline; the loops out of line (inline, their registers were saved at every call).
  if (from.entries == 1 && to.entries == 1) [[likely]] {
    move(from.first[0].bin, now, -n * from.first[0].count);
    move(to.first[0].bin, now, n * to.first[0].count);
    return;
  }
  move_entries(n, now, from, to);
}

void GpuPowerHistogram::move_entries(std::int64_t n, sim::Time now, const NodeBins& from,
                                     const NodeBins& to) {
  for (std::uint32_t i = 0; i < from.entries; ++i)
    move(from.first[i].bin, now, -n * from.first[i].count);
  for (std::uint32_t i = 0; i < to.entries; ++i) move(to.first[i].bin, now, n * to.first[i].count);
}

void GpuPowerHistogram::hold_nodes(std::span<const std::uint32_t> nodes, const NodeBins& bins) {
  for (const std::uint32_t id : nodes) {
    State& s = nodes_[id];
    s.entries = bins.entries;
    s.first = bins.first;
    s.more.clear();
  }
}

// An empty bin is brought up to now without its term: n_b · Δt is +0, and h_b, a sum of such
// terms from +0 (never −0: no term is), stays the same bits. Most bins are empty at a take,
// which visits them all: each skips the division of its Δt, and four bins in a row are tested
// at once and their instants set together (the 10k-GPU hall: 75 bins, 2 or 3 of them not empty
// at a take). A bin integrated (move()) is at `now` too.
std::vector<double> GpuPowerHistogram::take(sim::Time now) {
  const std::int64_t* const gpus = gpus_.data();
  const std::int64_t* const end = gpus + gpus_.size();
  sim::Time* since = since_.data();
  const auto integrate = [&](const std::int64_t* g) {
    if (*g != 0) move(static_cast<std::uint32_t>(g - gpus), now, 0);
  };
  const std::int64_t* g = gpus;
  for (; end - g >= 4; g += 4, since += 4) {
    if ((g[0] | g[1] | g[2] | g[3]) != 0) [[unlikely]]
      for (int i = 0; i < 4; ++i) integrate(g + i);
    since[0] = since[1] = since[2] = since[3] = now;
  }
  for (; g != end; ++g, ++since) {
    integrate(g);
    *since = now;
  }
  std::vector<double> out(bins(), 0.0);
  out.swap(current_);
  return out;
}

}  // namespace joule::models::compute
