// Placement: which free, on nodes a job gets. Each function returns `count` node ids, or an
// empty vector when fewer than `count` nodes are free and on. Ties always break towards lower
// ids, so the same state gives the same choice.
//
//   lowest_ids     the lowest-numbered nodes (what start() does with no nodes given)
//   coolest_racks  racks in order of expected inlet temperature, coolest first: the mean
//                  inlet now plus the rise one more busy node would cause (NodeInfo::
//                  inlet_rise_k, the rack's recirculation), then the coolest nodes within a
//                  rack (Moore et al., "Making scheduling 'cool'", USENIX ATC 2005: hot inlets
//                  cost chiller work and throttle GPUs; ranking by recirculation is their MinHR)
//   fewest_racks   the fewest racks, best fit last (pack work so whole racks stay idle and can
//                  sleep): while nodes are still needed, take the rack with the fewest free
//                  nodes that holds all that are left, or else the rack with the most
//   fewest_hops    the set with the fewest network hops between ranks, Σ over pairs of
//                  hops(a, b): for each rack, seed with its first free node, take the nodes
//                  nearest the seed; keep the cheapest set (a greedy heuristic; the exact
//                  problem is NP-hard). Cost O(racks · (free log free + count²)) hops() calls.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "models/scheduling/policy.hpp"

namespace joule::models::scheduling {

using Placement =
    std::function<std::vector<std::uint32_t>(const SchedulerContext&, std::size_t count)>;

std::vector<std::uint32_t> lowest_ids(const SchedulerContext& ctx, std::size_t count);
std::vector<std::uint32_t> coolest_racks(const SchedulerContext& ctx, std::size_t count);
std::vector<std::uint32_t> fewest_racks(const SchedulerContext& ctx, std::size_t count);
std::vector<std::uint32_t> fewest_hops(const SchedulerContext& ctx, std::size_t count);

// Σ over unordered pairs of hops(a, b).
long pairwise_hops(const SchedulerContext& ctx, std::span<const std::uint32_t> nodes);

// Free, on nodes in id order.
std::vector<std::uint32_t> startable_nodes(const SchedulerContext& ctx);

}  // namespace joule::models::scheduling
