// The job lifecycle: arrival, queue, start, activities on the job's nominal clock, failures
// and restarts, finish.
//
// The runner draws jobs from the workload generator as their submit times come, builds each
// one's workload::JobModel (the kind of work; the runner never asks which kind it is), keeps
// the queue and the running set, and times each job's activities on its nominal clock τ:
//
//   dτ/dt = speed,   speed = min over the job's nodes of their clock fraction while the job
//                    computes and its model follows the clock, 1 otherwise (checkpoints,
//                    restarts, replayed power); an elastic job's computing speed is also
//                    multiplied by its speedup S(n) on the n nodes it holds (job_view.hpp),
//                    and is 0 while it reconfigures;
//
// an activity that ends at nominal τ_end is scheduled at wall time now + (τ_end − τ)/speed and
// re-timed whenever the speed changes. A job's energy is integrated lazily
// (energy += power × elapsed), brought up to now on every change and every read.
//
// What a job does to the cluster is the host's business (the World): the runner says when a
// job takes its nodes, when its load changes and when it gives them back; the host puts the
// load on the nodes (node model, inlet air, power caps, rack limits) and hands the IT load to
// the facility. The runner reads the nodes' resulting power and clock from the ClusterState.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/compute/cluster.hpp"
#include "models/compute/node.hpp"
#include "models/network/fabrics.hpp"
#include "models/world/cluster_state.hpp"
#include "models/world/job.hpp"
#include "models/world/world_spec.hpp"
#include "sim/random.hpp"
#include "sim/simulator.hpp"

namespace joule::models::world {

// What the runner asks of the cluster it runs on (the World implements it).
class JobHost {
public:
  virtual ~JobHost() = default;
  // The job's nodes (job.nodes) are now its own: busy and on.
  virtual void occupy(const Job& job) = 0;
  // Put job.load on the job's nodes (their wall power, accelerator clocks), and give the job's
  // sums as placed_sums() gives them, in the same call (a uniform job's phase has them at hand;
  // a second call looked up again what this one had): false, as there, when the host keeps none
  // for the job and the runner adds its nodes'.
  virtual bool place_load(const Job& job, double& power_w, double& accelerators_w,
                          double& clock) = 0;
  // The job's nodes are free and idle again.
  virtual void release(const Job& job) = 0;
  // A resize (JobRunner::resize): `added` are now the job's own, busy and on; `removed` free
  // and idle again (job.nodes already lists the new set).
  virtual void reassign(const Job& job, const std::vector<std::uint32_t>& added,
                        const std::vector<std::uint32_t>& removed) = 0;
  // The queue or the free nodes changed: let the policy act (it commits).
  virtual void reschedule() = 0;
  // End of an event handler: hand the new IT load to the facility.
  virtual void commit() = 0;
  // The job's share of `node`'s power (< 1 when jobs share the node at GPU granularity).
  virtual double node_share(const Job& /*job*/, std::uint32_t /*node*/) const { return 1.0; }
  // Whether node_share() may be below 1 on the job's nodes (false: every share is 1).
  virtual bool shares_nodes(const Job& /*job*/) const { return false; }
  // The job's nodes' wall and accelerator powers summed and their lowest clock, from what the
  // host keeps per group of nodes at one power (false: none kept, the runner adds its nodes').
  virtual bool placed_sums(const Job& /*job*/, double& /*power_w*/, double& /*accelerators_w*/,
                           double& /*clock*/) const {
    return false;
  }
  // Asks for the cache lines that the job's next place_load() reads first. Called as an
  // activity ends, before the job's model is asked for the next activity, so that those misses
  // overlap the model's instead of following them.
  virtual void prefetch_phase(const Job& /*job*/) const {}
};

// Asks for the cache lines of [p, p + bytes), for writing (JobRunner's and its host's
// prefetches of a job's cold state): one every 64 bytes from p, then the last byte's, so every
// line of the range and no other (the last one perhaps twice). A record's size, a constant once
// inlined, is counted from p, so that the loop unrolls into one prefetch a line; other sizes
// step the address itself (one add and compare a line fewer). The empty volatile asm is a side
// effect: without one GCC 12 takes a function of prefetches alone (prefetch_hot()) for `const`
// and drops its calls (ipa-pure-const), prefetches and all.
inline void prefetch_lines(const void* p, std::size_t bytes) {
  if (bytes == 0) return;
  constexpr std::size_t line = 64;
  const auto begin = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t last = begin + (bytes - 1);
  if (__builtin_constant_p(bytes))
    for (std::size_t at = 0; at < bytes - 1; at += line)
      __builtin_prefetch(reinterpret_cast<const void*>(begin + at), 1);
  else
    for (std::uintptr_t at = begin; at < last; at += line)
      __builtin_prefetch(reinterpret_cast<const void*>(at), 1);
  __builtin_prefetch(reinterpret_cast<const void*>(last), 1);
  asm volatile("");
}

class JobRunner {
public:
  // Jobs come from `workload.generator`; `streams` give each job its failure stream
  // ("failures.<id>"). Jobs that the run would reject (more nodes than the cluster has, a step
  // longer than sim::Time holds) among the first ones `workload.probe` draws before `duration`
  // are rejected here, pointing at the workload section.
  JobRunner(sim::Simulator& sim, const compute::ClusterSpec& cluster,
            const network::Fabrics* network, const ClusterState& state, JobHost& host,
            const sim::RandomStreams& streams, WorkloadSpec workload, sim::Time duration);
  ~JobRunner();

  // Schedules the first arrival (call once, when the world is wired).
  void start_arrivals();

  // Every job so far, each one's energy up to now.
  const std::deque<Job>& jobs() const;
  Job& job(std::uint32_t id) { return jobs_[id]; }
  const Job& job(std::uint32_t id) const { return jobs_[id]; }
  const std::vector<std::uint32_t>& queued() const { return queue_; }
  const std::vector<std::uint32_t>& running() const { return running_; }

  // Starts a queued job on `nodes` (free and on, sorted, as many as it asks for).
  void start(Job& job, std::vector<std::uint32_t> nodes);
  // The job's load on its nodes changed (a power cap): put it on them again, re-time its
  // activity.
  void reload(Job& job);
  // The job's nodes changed power or clock under it (inlet air, a rack limit): take their
  // power, and re-time its activity if its speed changed.
  void refresh(Job& job);
  // Pauses a running job in place: its nodes idle (accelerators without work), its nominal
  // clock and its failures stop; resume() puts its activity back where it stopped.
  void pause(Job& job);
  void resume(Job& job);
  // Resizes a running elastic job onto `nodes` (sorted; its kept nodes and free, on ones):
  // from now its accelerators idle for request.elastic.reconfigure with its nominal clock
  // stopped, then its activity resumes at its speed on the new nodes.
  void resize(Job& job, std::vector<std::uint32_t> nodes);
  // Moves a preemptible job at a checkpoint onto `nodes` (sorted, as many as it holds): the
  // same stall as a resize, for request.restart, then its activity resumes on the new nodes.
  void migrate(Job& job, std::vector<std::uint32_t> nodes);
  // When the job should end at the speed it runs now (Time::max() while queued).
  sim::Time estimated_end(const Job& job) const;
  // A running job's remaining nominal time, by its model's plan (or its activity's end).
  sim::Time nominal_left(const Job& job) const;
  // What each of the job's nodes runs on average over its life (policies' estimates).
  compute::NodeLoad typical_load(const Job& job) const;
  // The request the scheduler sees for a generated job (nodes from gpus when not given).
  JobRequest to_request(const workload::JobRequest& src) const;

private:
  void on_arrival();
  void on_activity_end(Job& job);
  // What a job's events carry: its address (jobs_ never moves a job), and back.
  static std::uint64_t job_event_arg(Job& job);
  static Job& job_of_event(std::uint64_t arg);
  // Asks for the cache lines of the job's fields an activity end touches (Job::hot_bytes()).
  static void prefetch_hot(const Job& job);
  void on_failure(Job& job);
  void on_reconfigured(std::uint32_t job_id);
  // resize() and migrate(): the job holds `nodes` with idle accelerators for `stall`.
  void move(Job& job, std::vector<std::uint32_t> nodes, sim::Time stall);
  void begin_activity(Job& job, const workload::Activity& activity);
  void apply_load(Job& job);
  void reschedule_end(Job& job);
  void schedule_failure(Job& job);
  void finish(Job& job);
  void update(Job& job) const;
  double speed_of(const Job& job, double clock) const;
  // The job's share of its nodes' wall and accelerator power, summed in node order, and their
  // lowest clock.
  struct NodeSums {
    double power_w = 0.0, accelerators_w = 0.0, clock = 1.0;
  };
  NodeSums node_sums(const Job& job) const;
  compute::NodeLoad node_load(const Job& job, const compute::OpRates& rates, bool computing) const;
  workload::ClusterCapabilities capabilities(workload::Precision precision, int gpus,
                                             std::uint32_t pool) const;
  workload::JobEnvironment job_environment(int gpus, sim::Rng failure_rng,
                                           std::uint32_t pool = 0) const;
  // The job's model for the chips of `pool` (pools.cpp: a job placed in another pool than the
  // one it was built for is rebuilt at its start).
  void build_model(Job& job, std::uint32_t pool);
  // A job larger than every pool it may run in is an input error (at the workload).
  void check_pools(const JobRequest& r) const;
  // Draws the first jobs from a second generator like the run's (same streams, same jobs) and
  // builds their models, so that what the run would reject is rejected while loading (and by
  // `joule validate`), at the workload.
  void probe_jobs(workload::JobGenerator& probe, sim::Time duration);

  sim::Simulator& sim_;
  const compute::ClusterSpec& cluster_;
  const network::Fabrics* network_;
  const ClusterState& state_;
  JobHost& host_;
  // Each pool's node count (ClusterSpec::pool_node_count() adds up its racks: once per pool
  // here, not for each job built).
  std::vector<int> pool_nodes_;
  sim::RandomStreams random_;

  std::unique_ptr<workload::JobGenerator> generator_;
  sim::Location workload_where_;  // where generated jobs come from (errors about them)
  std::optional<workload::JobRequest> next_request_;
  // mutable: reads bring running jobs' energy up to now. Only grown at its end: a job never
  // moves (its events carry its address).
  mutable std::deque<Job> jobs_;
  std::vector<std::uint32_t> queue_;
  std::vector<std::uint32_t> running_;

  sim::HandlerId arrival_handler_ = 0, end_handler_ = 0, failure_handler_ = 0;
  sim::HandlerId reconfigured_handler_ = 0;
};

}  // namespace joule::models::world
