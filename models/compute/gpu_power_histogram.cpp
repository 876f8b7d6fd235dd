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
  if (gpus_per_node > 0)  // until set: every GPU idle at 0 W
    for (auto& s : nodes_) {
      s.entries = 1;
      s.first[0] = {static_cast<std::uint32_t>(bin(0.0)), gpus_per_node};
    }
}

std::size_t GpuPowerHistogram::bin(double power_w) const {
  if (!(power_w > 0)) return 0;
  return std::min(bins() - 1, static_cast<std::size_t>(power_w / width_w_));
}

void GpuPowerHistogram::integrate(State& s, sim::Time now) {
  const double dt = (now - s.since).seconds();
  if (dt > 0) {
    const std::uint32_t inline_n = std::min<std::uint32_t>(s.entries, 2);
    for (std::uint32_t i = 0; i < inline_n; ++i) current_[s.first[i].bin] += s.first[i].count * dt;
    for (const Entry& e : s.more) current_[e.bin] += e.count * dt;
  }
  s.since = now;
}

void GpuPowerHistogram::set(std::size_t node, sim::Time now, int busy, double busy_w,
                            double idle_w) {
  const Group g{busy, busy_w};
  set(node, now, std::span<const Group>(&g, busy > 0 ? 1 : 0), idle_w);
}

void GpuPowerHistogram::set(std::size_t node, sim::Time now, std::span<const Group> groups,
                            double idle_w) {
  State& s = nodes_.at(node);
  integrate(s, now);
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
}

std::vector<double> GpuPowerHistogram::take(sim::Time now) {
  for (auto& s : nodes_) integrate(s, now);
  std::vector<double> out(bins(), 0.0);
  out.swap(current_);
  return out;
}

}  // namespace joule::models::compute
