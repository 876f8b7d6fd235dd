// Node pools in the world (compute/cluster.hpp: cluster.pools).
//
// Each node carries its pool (scheduling::NodeInfo::pool) and each pool its own node model:
// a job's step time comes from its pool's accelerator (the job model is built for the pool it
// prefers and rebuilt for the pool it starts in) and its power from its pool's node model.
// A job runs within one pool (JobRequest::pools; the placement helpers choose inside one).
//
// Refresh, at pool times (`from`, `until`, after the start of the run):
//   before `from`   the pool's nodes are absent: 0 W, not free (NodeInfo::in_service false,
//                   state sleeping), so no policy starts or wakes them;
//   at `from`       they come on, idle and free, and the policy runs;
//   at `until`      they stop taking jobs (in_service false); a free node powers off at once
//                   (0 W), a busy one when its job ends. Energy before and after is the
//                   other pools' alone.
// A pool's `network` is a fabric over its nodes (network/fabrics.hpp): a job's collectives and
// hop counts come from the fabric of its pool.
// A pool's `cooling` is its own plant and data hall (facility.hpp: cooling zones); its nodes
// are fitted to that plant's cold plates.
// Not modelled: sub-node GPU sharing (a pooled cluster gives sub-node jobs whole nodes).
#pragma once

#include <cstdint>
#include <vector>

#include "models/compute/cluster.hpp"
#include "models/workload/generator.hpp"

namespace joule::models::world {

// The pools a job may run in, preferred first (empty in a cluster of one node type: any node).
std::vector<std::uint32_t> job_pools(const compute::ClusterSpec& cluster,
                                     const workload::JobRequest& job);

}  // namespace joule::models::world
