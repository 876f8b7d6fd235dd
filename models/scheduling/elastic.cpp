// Elastic scheduling: EASY backfilling that also resizes elastic jobs (job_view.hpp: on n nodes
// a job runs S(n) = (n/n_ref)^α times as fast; one resize stalls it for R = `reconfigure`).
//
// Each call:
//   1. an EASY pass over the queue (easy.hpp); if a head waits for nodes until its shadow time
//      S_h (k nodes, F free):
//      a. an elastic head starts now on m = min(F, k) ≥ min_nodes nodes when it then ends
//         sooner than by waiting: now + W/S(m) < S_h + W;
//      b. otherwise, when it would wait longer than a resize costs (S_h − now > R of each job
//         shrunk), running elastic jobs above their minimum give up k − F nodes (the job with
//         the most nodes to spare first), and the head starts on them;
//      and the pass runs again;
//   2. when nothing waits, running elastic jobs grow onto the free nodes (in id order, up to
//      max_nodes) when growing saves more than the stall: with T the job's remaining wall time
//      on n nodes and n' > n,   T·(1 − S(n)/S(n')) > R.
//
//   key     default  meaning
//   shrink  true     step 1: start waiting work by starting elastic heads small or shrinking
//   grow    true     step 2: grow elastic jobs onto idle nodes
//
// Malleable jobs packed this way raise utilization and cut waiting at the price of the
// scaling loss: a job grown from n to n' uses (n'/n)^(1−α) times the energy (elastic.hpp).
#include <algorithm>

#include "models/scheduling/easy.hpp"
#include "models/scheduling/placement.hpp"

namespace joule::models::scheduling {

namespace {

bool resizable(const JobView& job) {
  return job.request.elastic.enabled() && job.state == JobState::running && !job.reconfiguring &&
         !job.paused;
}

class Elastic final : public Policy {
public:
  Elastic(bool shrink, bool grow) : shrink_(shrink), grow_(grow) {}

  void schedule(SchedulerContext& ctx) override {
    // Each round starts one head, so the queue's length bounds the rounds.
    for (std::size_t round = 0, n = ctx.queue().size(); round <= n; ++round) {
      const auto waiting = easy_backfill(ctx, ctx.queue());
      if (!waiting || !shrink_ || !make_room(ctx, *waiting)) break;
    }
    if (grow_ && ctx.queue().empty()) grow(ctx);
  }

private:
  // Starts the waiting head now (step 1a or 1b); false when it must wait.
  static bool make_room(SchedulerContext& ctx, const Reservation& r) {
    const JobView& head = *r.head;
    const auto k = static_cast<std::size_t>(head.request.nodes);
    const std::size_t free = free_nodes_for(ctx, head);
    const sim::Time now = ctx.now();
    const auto& e = head.request.elastic;
    if (e.enabled() && free >= static_cast<std::size_t>(e.min_nodes) && free > 0) {
      const int m = static_cast<int>(std::min(free, k));
      const double small_s = head.request.work.seconds() / e.speedup(m);
      const double waiting_s =
          (r.shadow - now).seconds() + head.request.work.seconds() / e.speedup(head.request.nodes);
      if (small_s < waiting_s) {
        std::vector<std::uint32_t> nodes = startable_nodes(ctx, &head, static_cast<std::size_t>(m));
        nodes.resize(static_cast<std::size_t>(m));  // the lowest-numbered m of one pool
        ctx.start(head, std::move(nodes));
        return true;
      }
    }
    // Shrinking others to make room is left to single-pool clusters: in a cluster of pools the
    // freed nodes and the free ones would have to fall in one pool the head may use.
    if (!head.request.pools.empty()) return false;
    // Running elastic jobs with nodes to spare, the most first.
    std::vector<const JobView*> donors;
    std::size_t spare = 0;
    for (const JobView* job : ctx.running()) {
      if (!resizable(*job)) continue;
      const auto& je = job->request.elastic;
      if (static_cast<int>(job->nodes.size()) <= je.min_nodes) continue;
      if (r.shadow != sim::Time::max() && r.shadow - now <= je.reconfigure) continue;
      donors.push_back(job);
      spare += job->nodes.size() - static_cast<std::size_t>(je.min_nodes);
    }
    if (free >= k || spare < k - free) return false;
    std::stable_sort(donors.begin(), donors.end(), [](const JobView* a, const JobView* b) {
      return a->nodes.size() - a->request.elastic.min_nodes >
             b->nodes.size() - b->request.elastic.min_nodes;
    });
    std::size_t need = k - free;
    for (const JobView* job : donors) {
      if (need == 0) break;
      const std::size_t give = std::min(
          need, job->nodes.size() - static_cast<std::size_t>(job->request.elastic.min_nodes));
      ctx.resize(*job, static_cast<int>(job->nodes.size() - give));
      need -= give;
    }
    ctx.start(head);
    return true;
  }

  static void grow(SchedulerContext& ctx) {
    for (const JobView* job : ctx.running()) {
      if (ctx.free_nodes() == 0) return;
      if (!resizable(*job) || job->nodes.empty()) continue;
      // Free nodes of the pool it runs in (a job stays within one pool).
      const std::uint32_t pool = ctx.nodes()[job->nodes.front()].pool;
      std::size_t free = 0;
      for (const NodeInfo& node : ctx.nodes())
        if (node.free && node.state == NodeState::on && node.pool == pool) ++free;
      if (free == 0) continue;
      const auto& e = job->request.elastic;
      const int n = static_cast<int>(job->nodes.size());
      const int grown = std::min(e.max_nodes, n + static_cast<int>(free));
      if (grown <= n) continue;
      const double left_s = ctx.estimate(*job, ctx.power_cap(*job)).run_time.seconds();
      if (left_s * (1.0 - e.speedup(n) / e.speedup(grown)) > e.reconfigure.seconds())
        ctx.resize(*job, grown);
    }
  }

  bool shrink_, grow_;
};

const bool registered = PolicyRegistry::add(
    policy_doc("elastic",
               "EASY backfilling that resizes elastic jobs: starts waiting work by shrinking "
               "them, grows them onto idle nodes when nothing waits",
               {{"shrink", "bool", "true",
                 "start a waiting head on fewer nodes, or shrink running elastic jobs for it"},
                {"grow", "bool", "true", "grow running elastic jobs onto idle nodes"}}),
    [](const sim::ParamReader& r) {
      return std::make_unique<Elastic>(r.boolean("shrink"), r.boolean("grow"));
    });

}  // namespace

}  // namespace joule::models::scheduling
