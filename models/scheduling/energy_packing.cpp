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
#include "models/scheduling/idle_sleep.hpp"

namespace joule::models::scheduling {

namespace {

struct EnergyPackingSpec {
  sim::Time idle_threshold = sim::minutes(15);
  std::size_t spare_nodes = 0;
};

class EnergyPacking final : public Policy {
public:
  explicit EnergyPacking(const EnergyPackingSpec& spec)
      : spare_nodes_(spec.spare_nodes), sleep_(spec.idle_threshold) {}

  void schedule(SchedulerContext& ctx) override {
    const std::optional<Reservation> head =
        easy_backfill(ctx, ctx.queue(), {.place = fewest_racks, .count_sleeping = true});
    if (head && head->sleeping_needed > 0) sleep_.wake(ctx, head->sleeping_needed);
    const std::size_t held_for_head =
        head ? static_cast<std::size_t>(head->head->request.nodes) : 0;
    sleep_.power_down_idle(ctx, spare_nodes_ + held_for_head);
  }

private:
  std::size_t spare_nodes_;
  IdleSleep sleep_;
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
