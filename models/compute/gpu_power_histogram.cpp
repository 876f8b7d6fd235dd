// Per-GPU power histogram (equations in gpu_power_histogram.hpp).
#include "models/compute/gpu_power_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

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
    std::array<Entry, 2> fresh{};
    std::uint32_t n = 0;
    int busy = 0;
    if (!groups.empty()) {
      busy = std::clamp(groups[0].count, 0, gpus_per_node_);
      if (busy > 0) fresh[n++] = {static_cast<std::uint32_t>(bin(groups[0].power_w)), busy};
    }
    if (gpus_per_node_ > busy)
      fresh[n++] = {static_cast<std::uint32_t>(bin(idle_w)), gpus_per_node_ - busy};
    const auto same = [](const Entry& a, const Entry& b) {
      return a.bin == b.bin && a.count == b.count;
    };
    if (n == s.entries && (n < 1 || same(fresh[0], s.first[0])) &&
        (n < 2 || same(fresh[1], s.first[1])))
      return;
    add_node(s, now, -1);
    s.entries = n;
    s.first = fresh;
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

std::vector<double> GpuPowerHistogram::take(sim::Time now) {
  for (std::uint32_t b = 0; b < gpus_.size(); ++b) move(b, now, 0);
  std::vector<double> out(bins(), 0.0);
  out.swap(current_);
  return out;
}

}  // namespace joule::models::compute
