// What makes a job preemptible: what a move to other nodes costs and, for a job known only by
// its duration, how often it checkpoints. A plain record on the generators' JobRequest; the keys
// are in models/workload/preemptible.hpp, the move in models/world/job_runner.hpp.
#pragma once

#include "sim/time.hpp"

namespace joule::models::workload {

struct Preemption {
  sim::Time restart = sim::minutes(10);        // one move: nodes held, no progress
  sim::Time checkpoint_every = sim::hours(1);  // duration-only jobs (0: never checkpoint)
};

}  // namespace joule::models::workload
