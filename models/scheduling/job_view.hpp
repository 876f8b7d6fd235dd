// What a scheduling policy sees of a job: what it asked for, where it stands, where it runs.
// The World's jobs (world::Job) are these plus what only the World needs; policies get them
// read-only and change them only through the SchedulerContext's actions.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/time.hpp"

namespace joule::models::scheduling {

// An elastic job's node range and scaling curve (models/workload/elastic.hpp): on n nodes it
// progresses S(n) = (n / reference_nodes)^exponent times as fast as on the reference_nodes its
// `work` was estimated for; one resize stalls it for `reconfigure`.
struct Elastic {
  int min_nodes = 0, max_nodes = 0;  // 0: a rigid job
  int reference_nodes = 0;
  double exponent = 1.0;
  sim::Time reconfigure;
  bool enabled() const { return max_nodes > 0; }
  double speedup(int nodes) const {
    return std::pow(static_cast<double>(nodes) / reference_nodes, exponent);
  }
};

struct JobRequest {
  std::string name;
  sim::Time submit;
  int nodes = 1;
  int gpus = 0;    // accelerators used (≤ nodes × per node)
  sim::Time work;  // estimated run time at nominal speed (what policies plan with)
  bool flexible = false;
  sim::Time deadline = sim::Time::max();
  // Node pools the job may run on (NodeInfo::pool), preferred first; it runs within one of
  // them. Empty: any node (a cluster of one node type).
  std::vector<std::uint32_t> pools;
  // Elastic jobs only: `nodes` and `gpus` are what the job holds now, `work` stays its run
  // time on elastic.reference_nodes.
  Elastic elastic;
  // Preemptible jobs (models/workload/preemptible.hpp): a policy may move the job to other
  // nodes when it reaches a checkpoint (JobView::checkpoint_at); a move stalls it for
  // `restart` on its new nodes.
  bool preemptible = false;
  sim::Time restart;
};

enum class JobState { queued, running, done };

struct JobView {
  std::uint32_t id = 0;
  JobRequest request;
  JobState state = JobState::queued;
  sim::Time start = sim::Time::max();
  sim::Time end = sim::Time::max();
  std::vector<std::uint32_t> nodes;  // while running and after
  bool reconfiguring = false;        // stalled by a resize or a move, until its end
  // Paused in place (demand response): holds its nodes at idle, its nominal clock stopped.
  bool paused = false;
  // When a preemptible job last reached a checkpoint (Time::max(): never): at that instant its
  // progress is all in the checkpoint and SchedulerContext::migrate may move it.
  sim::Time checkpoint_at = sim::Time::max();
};

}  // namespace joule::models::scheduling
