// Placement: which free, on nodes a job gets. Each function returns `count` node ids, or an
// empty vector when fewer than `count` nodes are free and on. Ties always break towards lower
// ids, so the same state gives the same choice. Given the job, each chooses only among the
// nodes of one pool it may run on (JobRequest::pools): the first, in its order of preference,
// with `count` free, on nodes (startable_nodes).
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

using Placement = std::function<std::vector<std::uint32_t>(const SchedulerContext&,
                                                           std::size_t count, const JobView*)>;

std::vector<std::uint32_t> lowest_ids(const SchedulerContext& ctx, std::size_t count,
                                      const JobView* job = nullptr);
std::vector<std::uint32_t> coolest_racks(const SchedulerContext& ctx, std::size_t count,
                                         const JobView* job = nullptr);
std::vector<std::uint32_t> fewest_racks(const SchedulerContext& ctx, std::size_t count,
                                        const JobView* job = nullptr);
std::vector<std::uint32_t> fewest_hops(const SchedulerContext& ctx, std::size_t count,
                                       const JobView* job = nullptr);

// Σ over unordered pairs of hops(a, b).
long pairwise_hops(const SchedulerContext& ctx, std::span<const std::uint32_t> nodes);

// Free, on nodes in id order; given a job with pools, those of the first pool it may run on
// (in its order of preference) that has at least `count` of them, else none.
std::vector<std::uint32_t> startable_nodes(const SchedulerContext& ctx,
                                           const JobView* job = nullptr, std::size_t count = 0);
// Whether `job` may run on `node` (its pool is one the job asks for).
bool may_run_on(const JobView& job, const NodeInfo& node);
// The most free, on nodes the job could start on now: ctx.free_nodes() for a job without
// pools, else the largest count of free, on nodes in one of its pools.
std::size_t free_nodes_for(const SchedulerContext& ctx, const JobView& job);

}  // namespace joule::models::scheduling
