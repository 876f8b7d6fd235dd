// The keys by which a generator marks a share of its jobs for the policies (gpu-jobs, trace):
//
//   key          meaning
//   flexible     share of jobs policies may defer, with deadlines (flexible.hpp)
//   elastic      share of jobs policies may resize, their node range and scaling (elastic.hpp)
//   preemptible  share of jobs policies may move at checkpoints, and the cost (preemptible.hpp)
//
// Each is drawn on a random stream of its own, so arrivals and sizes stay as they were.
#pragma once

#include "sim/params.hpp"

namespace joule::models::workload {

// `doc` with the keys above appended.
sim::ModelDoc with_share_keys(sim::ModelDoc doc);

}  // namespace joule::models::workload
