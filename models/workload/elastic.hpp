// Elastic (malleable) jobs: jobs a scheduling policy may run on fewer or more nodes than they
// asked for, and resize while they run (scheduling `elastic`; the World's resize: job_runner.hpp).
//
//   workload:                                # a listed job
//     jobs: [{nodes: 4, duration: 10 h, elastic: {min_nodes: 2, max_nodes: 8}}]
//   workload:                                # a generator: a share of its jobs
//     elastic: {share: 0.5, min_scale: 0.5, max_scale: 2}
//
// The work is fixed: a job that runs for W at the n_ref nodes it asked for progresses, on n
// nodes, at the speedup
//     S(n) = (n / n_ref)^α,       run time at n nodes = W / S(n),
// a power law in the node count (each node runs the load it runs at n_ref; only the rate of
// progress changes, so the job's energy at n nodes is (n/n_ref)^(1−α) times that at n_ref).
// The default α = 0.97 is a measurement: data-parallel ResNet-50 training kept ~90 % scaling
// efficiency from 8 to 256 GPUs (Goyal et al., "Accurate, Large Minibatch SGD: Training ImageNet
// in 1 Hour", arXiv:1706.02677, 2017), and 32^α = 0.9·32 gives α = 1 + ln 0.9 / ln 32 ≈ 0.97.
// Jobs that scale worse (tensor-parallel LLMs, small batches) have a smaller α: the scenario
// states its own.
//
// One resize costs `reconfigure` of wall time during which the job holds its (new) nodes with
// its accelerators idle and makes no progress (re-forming the process group and re-sharding
// state from an in-memory checkpoint); the default 60 s is an estimate.
//
// A generator's job of n whole nodes is elastic with probability `share` (a Bernoulli draw on
// its own stream "<prefix>.elastic": marking jobs leaves the arrival and size draws unchanged),
// with min = max(1, ⌈n·min_scale⌉) and max = ⌊n·max_scale⌋ nodes (at most the cluster's).
// Jobs below one node (sharing a node's GPUs) stay rigid.
//
// Simplifications: a training job's failures keep the rate of the size it asked for and are
// not drawn during a stall; its storage traffic is that of its activity throughout; useful
// work counts at the requested size (world::Job::work_gpus), held GPU-seconds at the sizes
// it held; the jobs table lists the size a job ended on.
#pragma once

#include "models/workload/generator.hpp"

namespace joule::models::workload {

struct ElasticShare {
  double share = 0.0;  // probability that a job is elastic, in [0, 1]
  Elasticity elasticity;
};

// The `elastic` keys of a listed job and of a generator.
const sim::ModelDoc& elastic_job_doc();
const sim::ModelDoc& elastic_share_doc();
// A listed job's `elastic:` key (absent: rigid).
std::optional<Elasticity> elastic_job(const sim::ParamReader& job);
// A generator's `elastic:` key (absent: share 0, no job is elastic).
ElasticShare elastic_share(const sim::ParamReader& generator);

// Marks jobs elastic, drawing from "<prefix>.elastic".
class ElasticMarker {
public:
  ElasticMarker(ElasticShare spec, const GeneratorContext& ctx);
  void mark(JobRequest& job);

private:
  ElasticShare spec_;
  sim::Rng rng_;
};

}  // namespace joule::models::workload
