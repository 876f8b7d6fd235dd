// Scheduling policies: one file each, registered by name (`scheduler.policy`).
//
// A policy is called whenever something it may care about changes (a job arrives or ends, or a
// time it asked to be woken at comes). It sees a read-only view of the cluster and the queue
// through the SchedulerContext and acts only through it: start a queued job (on nodes it picks,
// or on the lowest-numbered free nodes), or ask to be called again later.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "models/world/job.hpp"
#include "sim/registry.hpp"

namespace joule::models::scheduling {

struct NodeInfo {
  std::uint32_t id = 0;
  std::uint32_t rack = 0;
  bool free = true;
  double power_w = 0.0;
  double inlet_c = 0.0;
};

class SchedulerContext {
public:
  virtual ~SchedulerContext() = default;
  virtual sim::Time now() const = 0;
  // Waiting jobs in arrival order (a snapshot: starting a job does not invalidate it).
  virtual std::vector<world::Job*> queue() const = 0;
  virtual std::vector<const world::Job*> running() const = 0;
  virtual std::size_t free_nodes() const = 0;
  virtual std::span<const NodeInfo> nodes() const = 0;
  // When a running job ends if its speed stays as it is now.
  virtual sim::Time estimated_end(const world::Job& job) const = 0;

  // Starts a queued job; `nodes` empty = the lowest-numbered free nodes. Throws
  // std::logic_error if the nodes are not free or too few.
  virtual void start(world::Job& job, std::vector<std::uint32_t> nodes = {}) = 0;
  // Calls the policy again at `when` (no earlier than now).
  virtual void wake_at(sim::Time when) = 0;
};

class Policy {
public:
  virtual ~Policy() = default;
  virtual void schedule(SchedulerContext& ctx) = 0;
};

using PolicyRegistry = sim::Registry<Policy>;

}  // namespace joule::models::scheduling
