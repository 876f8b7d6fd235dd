// Scheduling policies: one file each, registered by name (`scheduler.policy`).
//
// A policy is called once at the start of the run (t = 0, after the jobs submitted at 0 have
// arrived) and then whenever something it may care about changes: a job arrives, a job ends, a
// node finishes waking, a preemptible job reaches a checkpoint, or a time it asked for with
// wake_at() comes. Calls at the same instant may be merged into one. It sees a read-only view
// of the cluster, the queue and the site's forecasts through the SchedulerContext and acts only
// through it: start a queued job (on nodes it picks), cap a job's accelerators, power idle
// nodes down or up, resize an elastic job, move a preemptible job at a checkpoint, or ask to be
// called again later. The World implements the context; tests use a small fake
// (tests/models/scheduling/fake_cluster.hpp) that follows the same rules.
//
// Node power states and the sleep/wake energy rule (the World and the fake implement exactly
// this; PowerManagementSpec in power_management.hpp holds the three parameters):
//
//   state     enters on                          draws (wall)                   leaves
//   on        t = 0; wake completes              node model (idle or its job)   power_down()
//   sleeping  power_down() of a free, on node    P_sleep      (`sleep_power`)   power_up()
//   waking    power_up() of a sleeping node      E_wake / L   (constant)        after L
//
// with L = `wake_latency` (> 0) and E_wake = `wake_energy`, the whole energy of one wake
// (boot) interval. power_down() takes effect at once (any shutdown cost is folded into
// E_wake, so a full sleep cycle costs exactly E_wake beyond its sleeping time). A node that
// sleeps for T_s and is then woken, instead of idling at P_idle through T_s + L, therefore
// uses   E = P_sleep·T_s + E_wake   instead of   P_idle·(T_s + L),   saving
//   ΔE = (P_idle − P_sleep)·T_s + P_idle·L − E_wake.
// When a wake completes the node is on and free (its `since` is the completion time) and the
// World calls the policy.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/scheduling/job_view.hpp"
#include "models/scheduling/power_management.hpp"
#include "sim/params.hpp"
#include "sim/registry.hpp"
#include "sim/time.hpp"
#include "sim/units.hpp"

namespace joule::models::scheduling {

enum class NodeState { on, sleeping, waking };

struct NodeInfo {
  std::uint32_t id = 0;
  std::uint32_t rack = 0;
  bool free = true;      // no job on it (a free node may still be sleeping or waking)
  double power_w = 0.0;  // wall power now
  double inlet_c = 0.0;  // inlet air temperature now
  // How much its rack's inlet would rise, in steady state, if this node drew its nameplate
  // power: the rack's recirculated share of that heat, r/(1 − r) · P_node/W_rack (data hall,
  // cooling/data_hall.hpp); 0 when every rack breathes the supply air.
  double inlet_rise_k = 0.0;
  NodeState state = NodeState::on;
  // When `free` or `state` last changed: for a free, on node, the time it became idle.
  sim::Time since;
  // When a waking node will be on (since + wake_latency); Time::max() in other states.
  sim::Time ready_at = sim::Time::max();
  std::int32_t job = -1;        // the job running on it (-1: none)
  double accelerators_w = 0.0;  // its accelerators' part of power_w
  double clock = 1.0;           // clock fraction of its busy accelerators
  double die_c = 0.0;           // hottest accelerator die
  // Its node pool (cluster.pools; 0 in a cluster of one node type) and whether the pool is in
  // service: a pool not yet added or retired keeps its nodes neither free nor startable.
  std::uint32_t pool = 0;
  bool in_service = true;
  // Out of service: when it comes in, on, idle and free (its pool's `from`, ahead in the run);
  // Time::max() when it never will (retired, or added after the run ends).
  sim::Time in_service_from = sim::Time::max();
};

// What a job would do if it started now on free, on nodes (or, for a running job, what it
// would do from now on) at a given accelerator power cap.
struct JobEstimate {
  sim::Time run_time;  // remaining work / speed under the cap (≥ request.work for a new job)
  // Wall power of the job's nodes above their idle power (Σ over its nodes of
  // P_node(load, cap, inlet) − P_node,idle(inlet)); non-decreasing in the cap.
  sim::Watts added_power{0.0};
};

// Per-accelerator power caps the hardware accepts: [min, max], max = TDP.
struct PowerCapRange {
  sim::Watts min{0.0};
  sim::Watts max{0.0};
};

class SchedulerContext {
public:
  virtual ~SchedulerContext() = default;

  // --- Time, queue, cluster ----------------------------------------------------------------
  virtual sim::Time now() const = 0;
  // Waiting jobs in arrival order (a snapshot: starting a job does not invalidate it). Policies
  // read jobs; they change them only through the actions below.
  virtual std::vector<const JobView*> queue() const = 0;
  virtual std::vector<const JobView*> running() const = 0;
  // Nodes a job could start on now: free and on.
  virtual std::size_t free_nodes() const = 0;
  // Every node, indexed by id (ids are 0..n−1, racks numbered in order).
  virtual std::span<const NodeInfo> nodes() const = 0;
  // When a running job ends if its speed stays as it is now.
  virtual sim::Time estimated_end(const JobView& job) const = 0;
  // Run time and added power of `job` at a per-accelerator cap (nullopt: uncapped): a running
  // job on its own nodes from now on, a queued job on nodes at the present mean inlet
  // temperature. Pure: changes nothing.
  virtual JobEstimate estimate(const JobView& job, std::optional<sim::Watts> cap) const = 0;
  // Network links between the hosts of two nodes along a shortest path (0 for a == b); O(1).
  virtual int hops(std::uint32_t a, std::uint32_t b) const = 0;

  // --- Power --------------------------------------------------------------------------------
  // IT power (all nodes, wall side) and facility-meter power (IT + power-chain losses +
  // cooling + other) now.
  virtual sim::Watts it_power() const = 0;
  virtual sim::Watts facility_power() const = 0;
  // Facility-meter power if IT power were `it_power` under the present conditions (weather,
  // cooling mode, setpoints): power-chain losses at that load plus cooling for that heat in
  // steady state. Non-decreasing in it_power; facility_power_at(it_power()) == facility_power().
  virtual sim::Watts facility_power_at(sim::Watts it_power) const = 0;
  // Per-accelerator cap range: the cluster's (its first pool's), and that of the pool `job`
  // runs in (queued: the pool its model was built for, the first it may use). The two agree in
  // a cluster of one node type.
  virtual PowerCapRange power_cap_range() const = 0;
  virtual PowerCapRange power_cap_range(const JobView& /*job*/) const { return power_cap_range(); }
  // The cap set on a job with set_power_cap (nullopt: uncapped).
  virtual std::optional<sim::Watts> power_cap(const JobView& job) const = 0;
  // The sleep/wake parameters (`scheduler.power_management`).
  virtual const PowerManagementSpec& power_management() const = 0;

  // --- Site forecasts (perfect foresight: the series the run itself uses) -------------------
  virtual sim::CarbonIntensity carbon_intensity(sim::Time t) const = 0;  // grid, at time t
  virtual sim::UsdPerJoule price(sim::Time t) const = 0;                 // grid energy price
  virtual sim::Celsius outdoor_drybulb(sim::Time t) const = 0;

  // --- Actions ------------------------------------------------------------------------------
  // Starts a queued job on `nodes` (empty: the lowest-numbered free, on nodes) at the job's
  // cap. Throws std::logic_error if the job is not queued or a node is busy, not on, or
  // missing, or the count differs from request.nodes (an elastic job: lies outside
  // [min_nodes, max_nodes]; it then holds that many).
  virtual void start(const JobView& job, std::vector<std::uint32_t> nodes = {}) = 0;
  // Caps every accelerator of a job's nodes at `cap` (nullopt: removes the cap), clamped to
  // power_cap_range(). On a queued job it applies from its start; on a running job at once
  // (its power, speed and end change now).
  virtual void set_power_cap(const JobView& job, std::optional<sim::Watts> cap) = 0;
  // Puts a free, on node to sleep at once; no-op on a sleeping node. Throws std::logic_error
  // on a busy or waking node.
  virtual void power_down(std::uint32_t node) = 0;
  // Starts waking a sleeping node (on after wake_latency); no-op on an on or waking node.
  virtual void power_up(std::uint32_t node) = 0;
  // Calls the policy again at `when` (no earlier than now).
  virtual void wake_at(sim::Time when) = 0;
  // Resizes a running elastic job to `nodes` in [min_nodes, max_nodes] (request.elastic):
  // shrinking frees its highest-numbered nodes at once, growing takes the lowest-numbered free,
  // on nodes. The resize takes effect now: for `reconfigure` the job holds its new nodes with
  // idle accelerators and makes no progress (reconfiguring is set), then runs at its new
  // speed. (The stall stands for reaching the iteration boundary and re-sharding; steps last
  // seconds, stalls a minute or more.) Throws std::logic_error on a job that is not running,
  // rigid, reconfiguring or paused, or a count out of range or beyond the free nodes.
  virtual void resize(const JobView& job, int nodes) = 0;

  // --- Load balancing (appended; contexts that lack them keep these defaults) --------------
  // A rack's power limit (cluster.racks.power_limit, wall power of its nodes); nullopt: none.
  virtual std::optional<sim::Watts> rack_power_limit(std::uint32_t /*rack*/) const {
    return std::nullopt;
  }
  // The wall power `node` draws on and idle now (what a sleeping node draws once woken);
  // nullopt: not known.
  virtual std::optional<sim::Watts> idle_power(std::uint32_t /*node*/) const {
    return std::nullopt;
  }
  // Moves a preemptible job, at the instant it reached a checkpoint (job.checkpoint_at ==
  // now()), to `nodes`: as many as it holds, each its own or free and on, in one pool it may
  // run in. From now it holds them with idle accelerators and makes no progress for
  // request.restart (reconfiguring is set), then runs on from its checkpoint: no work is lost.
  // Throws std::logic_error otherwise (not preemptible, not at a checkpoint, reconfiguring or
  // paused, a wrong count or a node it cannot take).
  virtual void migrate(const JobView& job, std::vector<std::uint32_t> /*nodes*/) {
    throw std::logic_error("migrate(): this cluster cannot move job '" + job.request.name + "'");
  }
};

class Policy {
public:
  virtual ~Policy() = default;
  virtual void schedule(SchedulerContext& ctx) = 0;
};

using PolicyRegistry = sim::Registry<Policy>;

// A policy's ModelDoc: kind "policy", its own keys after the keys every policy shares
// (`policy`, `power_management`), since all of them sit side by side in `scheduler:` and a
// policy reads its keys from that node.
sim::ModelDoc policy_doc(std::string name, std::string summary, std::vector<sim::KeyDoc> keys = {});

}  // namespace joule::models::scheduling
