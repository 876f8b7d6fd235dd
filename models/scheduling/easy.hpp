// EASY backfilling, the pass most built-in policies share (Lifka, "The ANL/IBM SP scheduling
// system", JSSPP 1995; Mu'alem & Feitelson, "Utilization, predictability, workloads, and user
// runtime estimates in scheduling the IBM SP2 with backfilling", IEEE TPDS 12(6), 2001).
//
// Jobs start in queue order while they fit. The first job that does not fit (the head) gets a
// reservation: with a_i the time node i can next be used (now if free and on; its ready_at if
// waking; now + wake_latency if sleeping and sleeping nodes count; else the estimated end of
// its job), sorted ascending, the head's shadow time is S = a_(k) for a k-node head, and the
// extra nodes are E = #{i : a_i ≤ S} − k, where a sleeping node counts only if it is among
// the k (those are the ones the caller must wake: Reservation::sleeping_needed). A later job of n
// nodes with estimated run time r may start now (backfill) if it fits in the free nodes and
//     now + r ≤ S   (it ends before the head needs its nodes)   or   n ≤ E   (it takes only
// nodes the head will not need; E then falls by n).
// Either way the head starts no later than S: backfilling never delays it (as long as run-time
// estimates hold: here r = estimate(job, cap).run_time, the model's own prediction).
//
// A head that needs more nodes than the cluster can ever give (S = never) does not block the
// queue: the jobs behind it are scheduled as if it were not there.
//
// With node pools (placement.hpp), only the nodes of the pools the head may run in count
// towards its reservation: those in service, and those of a pool added later from its `from`
// (NodeInfo::in_service_from; a retired pool's never); a job fits now if one of its pools has
// the nodes.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <vector>

#include "models/scheduling/placement.hpp"
#include "models/scheduling/policy.hpp"

namespace joule::models::scheduling {

struct Reservation {
  const JobView* head = nullptr;
  sim::Time shadow = sim::Time::max();
  std::size_t extra = 0;
  // Sleeping nodes the head needs woken to start at `shadow` (only when sleeping nodes count).
  std::size_t sleeping_needed = 0;
};

// The reservation of a job that cannot start now.
Reservation reserve(const SchedulerContext& ctx, const JobView& head, bool count_sleeping);

// An admission test's answer for a job that has the nodes it needs.
enum class Admission {
  start,  // start it now
  wait,   // not now: a waiting head ends the pass (nothing may overtake it); a backfill
          // candidate is skipped
  never,  // not even on an otherwise idle cluster: skipped, and it blocks nobody
};

struct EasyOptions {
  Placement place = lowest_ids;
  // May refuse a job that fits in the free nodes (e.g. a power budget). Empty: always start.
  std::function<Admission(SchedulerContext&, const JobView&)> admit{};
  bool count_sleeping = false;  // sleeping nodes can be woken for the head
};

// One pass over `jobs` (a subset of the queue, in queue order). Returns the head's reservation
// when a job had to wait for nodes, nothing when every job started or the pass ended on a
// refusal.
std::optional<Reservation> easy_backfill(SchedulerContext& ctx,
                                         const std::vector<const JobView*>& jobs,
                                         const EasyOptions& options = {});

// now + d without overflow (Time::max() stays max).
sim::Time later(sim::Time t, sim::Time d);

// Asks the context for a call at `when` once, however often a policy asks for the same time.
class Alarm {
public:
  void request(SchedulerContext& ctx, sim::Time when);
  // The earliest requested time after `now` (Time::max() when none).
  sim::Time next(sim::Time now) const;

private:
  std::set<sim::Time> pending_;
};

}  // namespace joule::models::scheduling
