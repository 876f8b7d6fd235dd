// Energy-aware packing with idle-node power-down.
//
// Order: EASY backfilling (easy.hpp), counting sleeping nodes as available after the wake
// latency L. Placement: the fewest racks, best fit last (placement.hpp: fewest_racks), so
// work gathers on few racks and whole racks stay idle. Power: a free, on node idle for at
// least `idle_threshold` is powered down, except `spare_nodes` kept on for arrivals and the
// free nodes a waiting head job will take; when the head's reservation needs sleeping nodes
// (waking them is sooner than waiting for running jobs), exactly that many are powered up,
// from the racks with the most busy nodes first. This is the scheme of Slurm's power saving
// (SuspendTime, ResumeTimeout) and of Hikita, Hirano & Nakashima, "Saving 200 kW and $200 K/year
// by power-aware job/machine scheduling", IPDPS 2008.
//
// Energy (policy.hpp): a node that sleeps for T_s and is woken saves
//     ΔE = (P_idle − P_sleep)·T_s + P_idle·L − E_wake
// against idling, so sleeping pays off when T_s > (E_wake − P_idle·L)/(P_idle − P_sleep);
// with the default DGX-class values (P_idle ≈ 1.7 kW, P_sleep = 100 W, L = 5 min,
// E_wake = 500 kJ) any sleep pays off, and the threshold mainly guards job latency: each wake
// delays the job that needed it by up to L.
//
//   key             default  meaning
//   idle_threshold  15 min   idle time after which a free node is powered down
//   spare_nodes     0        free nodes kept on (not powered down) for arrivals
#include <algorithm>
#include <map>

#include "models/scheduling/easy.hpp"

namespace joule::models::scheduling {

namespace {

struct EnergyPackingSpec {
  sim::Time idle_threshold = sim::minutes(15);
  std::size_t spare_nodes = 0;
};

class EnergyPacking final : public Policy {
public:
  explicit EnergyPacking(const EnergyPackingSpec& spec)
      : idle_threshold_(spec.idle_threshold), spare_nodes_(spec.spare_nodes) {}

  void schedule(SchedulerContext& ctx) override {
    const std::optional<Reservation> head =
        easy_backfill(ctx, ctx.queue(), {.place = fewest_racks, .count_sleeping = true});
    if (head && head->sleeping_needed > 0) wake(ctx, head->sleeping_needed);
    const std::size_t held_for_head =
        head ? static_cast<std::size_t>(head->head->request.nodes) : 0;
    power_down_idle(ctx, spare_nodes_ + held_for_head);
  }

private:
  // Per rack, how many nodes run a job (`awake` false) or are not asleep (`awake` true).
  static std::map<std::uint32_t, int> count_per_rack(const SchedulerContext& ctx, bool awake) {
    std::map<std::uint32_t, int> count;
    for (const NodeInfo& n : ctx.nodes())
      count[n.rack] += awake ? n.state != NodeState::sleeping : !n.free;
    return count;
  }

  // Wakes `count` sleeping nodes, from the racks with the most nodes awake first.
  void wake(SchedulerContext& ctx, std::size_t count) {
    const auto awake = count_per_rack(ctx, true);
    std::vector<const NodeInfo*> sleeping;
    for (const NodeInfo& n : ctx.nodes())
      if (n.free && n.state == NodeState::sleeping) sleeping.push_back(&n);
    std::stable_sort(sleeping.begin(), sleeping.end(), [&](const NodeInfo* a, const NodeInfo* b) {
      return awake.at(a->rack) > awake.at(b->rack);
    });
    for (std::size_t i = 0; i < count && i < sleeping.size(); ++i) ctx.power_up(sleeping[i]->id);
  }

  // Powers down free, on nodes idle for at least the threshold, keeping `keep` free nodes on
  // (those in the busiest racks), and asks to be called when the next one crosses it.
  void power_down_idle(SchedulerContext& ctx, std::size_t keep) {
    const sim::Time now = ctx.now();
    const auto busy = count_per_rack(ctx, false);
    std::vector<const NodeInfo*> idle;  // free and on
    for (const NodeInfo& n : ctx.nodes())
      if (n.free && n.state == NodeState::on) idle.push_back(&n);
    // Keep the nodes in the busiest racks, most recently idle first; sleep the rest in order.
    std::stable_sort(idle.begin(), idle.end(), [&](const NodeInfo* a, const NodeInfo* b) {
      if (busy.at(a->rack) != busy.at(b->rack)) return busy.at(a->rack) > busy.at(b->rack);
      return a->since > b->since;
    });
    sim::Time next = sim::Time::max();
    for (std::size_t i = keep; i < idle.size(); ++i) {
      const sim::Time due = later(idle[i]->since, idle_threshold_);
      if (due <= now)
        ctx.power_down(idle[i]->id);
      else
        next = std::min(next, due);
    }
    alarm_.request(ctx, next);
  }

  sim::Time idle_threshold_;
  std::size_t spare_nodes_;
  Alarm alarm_;
};

const bool registered = PolicyRegistry::add(
    policy_doc("energy-packing",
               "EASY backfilling on the fewest racks; idle nodes sleep after a threshold and are "
               "woken when the queue needs them (scheduler.power_management sets sleep power, "
               "wake latency and wake energy)",
               {{"idle_threshold", "s", "15 min", "idle time after which a free node sleeps"},
                {"spare_nodes", "integer", "0", "free nodes always kept on for arrivals"}}),
    [](const sim::ParamReader& r) {
      EnergyPackingSpec spec;
      spec.idle_threshold = r.duration("idle_threshold");
      spec.spare_nodes =
          static_cast<std::size_t>(r.integer("spare_nodes", sim::Range::non_negative()));
      return std::make_unique<EnergyPacking>(spec);
    });

}  // namespace

}  // namespace joule::models::scheduling
