// Load balancing by thermal and power headroom: EASY backfilling (easy.hpp) that places each job
// on the racks with headroom (headroom.hpp), in one of two modes, and moves preemptible jobs at
// their checkpoints when another placement is better by the same measure.
//
//   mode: spread  the most headroom first: heat and power spread over the racks, so the hottest
//                 inlet (fans, leakage, thermal throttling) and rack power capping fall;
//   mode: pack    the fullest racks that still have headroom first, so whole racks stay idle;
//                 with `sleep`, idle nodes sleep after `idle_threshold` and are woken for the
//                 queue, as energy-packing does (idle_sleep.hpp).
//
// Migration (`migrate`): when a preemptible job reaches a checkpoint (JobView::checkpoint_at,
// models/workload/preemptible.hpp) the policy places it again as if it had left its nodes (its
// own nodes and the free ones of its pool are the candidates) and moves it
// (SchedulerContext::migrate; it then stalls for its `restart` time, no work lost) when
//   spread: the new nodes' racks exceed their power limits by less, or, no worse on power, their
//           hottest expected inlet is at least `min_gain` cooler than its racks' now;
//   pack:   fewer racks hold busy nodes, with no more power excess and no hotter rack beyond
//           `max_inlet`.
// Moves come before the EASY pass, so the nodes a job leaves go to the queue at once.
//
//   key             default  meaning
//   mode            spread   spread | pack
//   max_inlet       27 degC  allowed inlet T_allowed (ASHRAE recommended upper bound)
//   migrate         true     move preemptible jobs at checkpoints
//   min_gain        1 K      least fall of the hottest expected inlet worth a move (spread)
//   sleep           false    pack: idle nodes sleep (power_management sets the costs)
//   idle_threshold  15 min   idle time after which a free node sleeps (with `sleep`)
#include "models/scheduling/headroom.hpp"
#include "models/scheduling/idle_sleep.hpp"

namespace joule::models::scheduling {

namespace {

struct LoadBalanceSpec {
  Balance mode = Balance::spread;
  double max_inlet_c = 27.0;
  bool migrate = true;
  double min_gain_k = 1.0;
  bool sleep = false;
  sim::Time idle_threshold = sim::minutes(15);
};

// Power excesses below this are rounding, not a difference between placements.
constexpr double excess_tolerance_w = 1.0;

class LoadBalance final : public Policy {
public:
  explicit LoadBalance(const LoadBalanceSpec& spec)
      : spec_(spec), placer_(spec.mode, spec.max_inlet_c), sleep_(spec.idle_threshold) {}

  void schedule(SchedulerContext& ctx) override {
    if (spec_.migrate) move_at_checkpoints(ctx);
    const std::optional<Reservation> head = easy_backfill(
        ctx, ctx.queue(), {.place = placer_.placement(), .count_sleeping = spec_.sleep});
    if (!spec_.sleep) return;
    if (head && head->sleeping_needed > 0) wake_for(ctx, *head);
    sleep_.power_down_idle(ctx, head ? static_cast<std::size_t>(head->head->request.nodes) : 0);
  }

private:
  void move_at_checkpoints(SchedulerContext& ctx) {
    for (const JobView* job : ctx.running()) {
      if (!job->request.preemptible || job->checkpoint_at != ctx.now() || job->reconfiguring ||
          job->paused || job->nodes.empty())
        continue;
      const std::vector<RackHeadroom> racks =
          placer_.racks(ctx, *job, job->nodes.size(), job->nodes);
      const double added_w = HeadroomPlacer::added_per_node_w(ctx, *job);
      std::vector<RackHeadroom> scratch = racks;
      const std::vector<std::uint32_t> plan = placer_.take(scratch, job->nodes.size(), added_w);
      if (plan.empty() || plan == job->nodes) continue;
      const auto now = placer_.outcome(ctx, racks, job->nodes, added_w);
      const auto then = placer_.outcome(ctx, racks, plan, added_w);
      if (better(then, now)) ctx.migrate(*job, plan);
    }
  }

  // Wakes the sleeping nodes the waiting head needs, chosen by headroom among the free nodes on
  // or asleep (the nodes woken decide where it will run); any still missing as idle_sleep does.
  void wake_for(SchedulerContext& ctx, const Reservation& r) {
    const auto count = static_cast<std::size_t>(r.head->request.nodes);
    std::vector<RackHeadroom> racks = placer_.racks(ctx, *r.head, count, {}, true);
    const auto plan = placer_.take(racks, count, HeadroomPlacer::added_per_node_w(ctx, *r.head));
    std::size_t woken = 0;
    for (const auto id : plan)
      if (woken < r.sleeping_needed && ctx.nodes()[id].state == NodeState::sleeping) {
        ctx.power_up(id);
        ++woken;
      }
    if (woken < r.sleeping_needed) sleep_.wake(ctx, r.sleeping_needed - woken);
  }

  bool better(const HeadroomPlacer::Outcome& then, const HeadroomPlacer::Outcome& now) const {
    if (then.excess_w > now.excess_w + excess_tolerance_w) return false;
    if (spec_.mode == Balance::spread)
      return then.excess_w < now.excess_w - excess_tolerance_w ||
             then.hottest_c <= now.hottest_c - spec_.min_gain_k;
    return then.busy_racks < now.busy_racks &&
           then.hottest_c <= std::max(now.hottest_c, spec_.max_inlet_c);
  }

  LoadBalanceSpec spec_;
  HeadroomPlacer placer_;
  IdleSleep sleep_;
};

const bool registered = PolicyRegistry::add(
    policy_doc(
        "load-balance",
        "EASY backfilling that places jobs by thermal and power headroom (spread: most headroom "
        "first; pack: fullest racks with headroom first) and moves preemptible jobs at "
        "checkpoints",
        {{"mode", "string", "spread",
          "spread (most thermal and power headroom first) or pack (fullest racks with headroom "
          "first)"},
         {"max_inlet", "degC", "27 degC",
          "allowed rack inlet: racks expected above it come last (ASHRAE TC 9.9 recommended "
          "upper bound)"},
         {"migrate", "bool", "true", "move preemptible jobs at checkpoints to better racks"},
         {"min_gain", "K", "1 K",
          "spread: least fall of a job's hottest expected inlet worth a move"},
         {"sleep", "bool", "false", "idle nodes sleep after idle_threshold (as energy-packing)"},
         {"idle_threshold", "s", "15 min", "idle time after which a free node sleeps"}}),
    [](const sim::ParamReader& r) {
      LoadBalanceSpec spec;
      spec.mode = r.choice("mode", {"spread", "pack"}) == "pack" ? Balance::pack : Balance::spread;
      spec.max_inlet_c = r.celsius("max_inlet", sim::Range::between(-50, 100)).value;
      spec.migrate = r.boolean("migrate");
      spec.min_gain_k = r.kelvins("min_gain", sim::Range::non_negative()).value();
      spec.sleep = r.boolean("sleep");
      spec.idle_threshold = r.duration("idle_threshold");
      return std::make_unique<LoadBalance>(spec);
    });

}  // namespace

}  // namespace joule::models::scheduling
