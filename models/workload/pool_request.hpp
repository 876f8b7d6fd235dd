// Where a job may run in a cluster of several node pools (compute/cluster.hpp: cluster.pools):
//
//   key     meaning
//   pool    a pool by name, or `any` (default): any one pool
//   chip    an accelerator id (h100-sxm, b200, ...): any pool whose nodes carry it
//   prefer  the pool tried first among those allowed (default: pools in their listed order)
//
// A job runs within one pool. Names are checked when the scenario is loaded, against
// GeneratorContext::pools: an unknown pool or chip, a preferred pool the job may not use, or a
// job larger than every pool it may use is an input error at the key.
#pragma once

#include <vector>

#include "models/workload/generator.hpp"
#include "sim/params.hpp"

namespace joule::models::workload {

// The keys above, for a generator's or a job's ModelDoc, and `doc` with them appended.
std::vector<sim::KeyDoc> pool_request_keys();
sim::ModelDoc with_pool_keys(sim::ModelDoc doc);

// Reads `pool`, `chip` and `prefer` from `r` into `req`; `nodes` is the most nodes the job (or
// any job the generator draws) may need.
void read_pool_request(const sim::ParamReader& r, JobRequest& req, const GeneratorContext& ctx,
                       int nodes);

}  // namespace joule::models::workload
