// What makes a job elastic (malleable): the node counts it may run on, how its speed scales
// with them, and what one resize costs. A plain record on the generators' JobRequest; the
// scaling curve and the resize itself are in models/scheduling/job_view.hpp and
// models/world/job_runner.hpp, the keys in models/workload/elastic.hpp.
#pragma once

#include "sim/time.hpp"

namespace joule::models::workload {

struct Elasticity {
  // Bounds in whole nodes; 0: from the scale factors and the job's own size n (the listed job's
  // keys set nodes, the generators' set scales): min = max(1, ⌈n·min_scale⌉), max = ⌊n·max_scale⌋.
  int min_nodes = 0, max_nodes = 0;
  double min_scale = 1.0, max_scale = 1.0;
  // Speedup exponent α: at n nodes the job progresses (n/n_ref)^α times as fast as at the size
  // n_ref it asked for.
  double exponent = 1.0;
  sim::Time reconfigure;  // one resize: the job's nodes held, no progress
};

}  // namespace joule::models::workload
