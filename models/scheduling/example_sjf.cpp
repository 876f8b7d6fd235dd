// Shortest job first: the tutorial's example policy (docs/tutorials/writing-a-policy.md).
//
// At every call, waiting jobs are taken in order of their estimated run time, shortest first
// (ties: arrival order), and each one that fits in the free nodes starts at once. Short jobs
// wait less, so mean wait falls; a long wide job can starve while short ones keep arriving
// (there is no reservation, unlike easy-backfill).
//
// The whole policy is this file: its settings (a spec), a class with schedule(), and one line
// that registers it under a name with the keys it reads and a function that reads them.
// `max_nodes` shows how a policy reads a key of its own.
//
//   key        default  meaning
//   max_nodes  0        only jobs of at most this many nodes may start (0: any size)
#include <algorithm>

#include "models/scheduling/placement.hpp"

namespace joule::models::scheduling {

namespace {

struct SjfSpec {
  std::int64_t max_nodes = 0;  // 0: any size
};

class ShortestJobFirst final : public Policy {
public:
  explicit ShortestJobFirst(const SjfSpec& spec) : max_nodes_(spec.max_nodes) {}

  void schedule(SchedulerContext& ctx) override {
    std::vector<const JobView*> jobs = ctx.queue();  // arrival order
    auto run_time = [&](const JobView* job) {
      return ctx.estimate(*job, ctx.power_cap(*job)).run_time;
    };
    std::stable_sort(jobs.begin(), jobs.end(),
                     [&](const JobView* a, const JobView* b) { return run_time(a) < run_time(b); });
    for (const JobView* job : jobs) {
      const int nodes = job->request.nodes;
      if (max_nodes_ > 0 && nodes > max_nodes_) continue;
      if (static_cast<std::size_t>(nodes) <= free_nodes_for(ctx, *job)) ctx.start(*job);
    }
  }

private:
  std::int64_t max_nodes_;
};

const bool registered = PolicyRegistry::add(
    policy_doc("shortest-job-first",
               "Tutorial example: the shortest waiting jobs start first, with no reservation",
               {{"max_nodes", "integer", "0", "largest job (nodes) allowed to start; 0: any"}}),
    [](const sim::ParamReader& r) {
      return std::make_unique<ShortestJobFirst>(
          SjfSpec{.max_nodes = r.integer("max_nodes", sim::Range::non_negative())});
    });

}  // namespace

}  // namespace joule::models::scheduling
