// Preemptible jobs: jobs a scheduling policy may move to other nodes when they finish a
// checkpoint (scheduling `load-balance` with `migrate`; the World's migrate: job_runner.hpp).
//
//   workload:                                # a listed job
//     jobs: [{nodes: 4, duration: 10 h, preemptible: {restart: 10 min, checkpoint_every: 1 h}}]
//   workload:                                # a generator: a share of its jobs
//     preemptible: {share: 0.3, restart: 10 min, checkpoint_every: 1 h}
//
// A move happens only at a checkpoint boundary, so no work is lost: the job's state is all in
// its last checkpoint. It costs `restart` of wall time during which the job holds its new nodes
// with its accelerators idle and makes no progress: relaunching the processes on the new nodes
// and reading the checkpoint back. The default, 10 min, is the training run's own restart time
// (training_run.hpp: RunPolicy::restart_delay), an estimate.
//
// Checkpoints: a training job (`training:`) moves after any of its own checkpoint writes
// (training_run.hpp); a job known only by its duration (a trace row, a generated GPU job) is
// taken to checkpoint every `checkpoint_every` of its run time, at no cost of its own (the
// writes are inside its duration: an assumption); 0 means it never checkpoints and never moves.
//
// A generator's job of whole nodes is preemptible with probability `share` (a Bernoulli draw on
// its own stream "<prefix>.preemptible": marking jobs leaves the arrival and size draws
// unchanged). Jobs below one node (sharing a node's GPUs) and elastic jobs stay in place.
#pragma once

#include "models/workload/generator.hpp"

namespace joule::models::workload {

struct PreemptibleShare {
  double share = 0.0;  // probability that a job is preemptible, in [0, 1]
  Preemption preemption;
};

// The `preemptible` keys of a listed job and of a generator.
const sim::ModelDoc& preemptible_job_doc();
const sim::ModelDoc& preemptible_share_doc();
// A listed job's `preemptible:` key: `true`, or a map {restart, checkpoint_every} (absent or
// `false`: not preemptible).
std::optional<Preemption> preemptible_job(const sim::ParamReader& job);
// A generator's `preemptible:` key (absent: share 0, no job is preemptible).
PreemptibleShare preemptible_share(const sim::ParamReader& generator);

// Marks jobs preemptible, drawing from "<prefix>.preemptible".
class PreemptibleMarker {
public:
  PreemptibleMarker(PreemptibleShare spec, const GeneratorContext& ctx);
  void mark(JobRequest& job);

private:
  PreemptibleShare spec_;
  sim::Rng rng_;
};

}  // namespace joule::models::workload
