// Thermal-aware placement: EASY backfilling (easy.hpp) that puts each job on the racks with the
// coolest expected inlet air first (placement.hpp: coolest_racks). Heat then lands where the
// air path has the most margin, so hot spots, fan power and GPU thermal throttling fall (Moore,
// Chase, Ranganathan & Sharma, "Making scheduling 'cool': temperature-aware workload placement
// in data centers", USENIX ATC 2005). A rack's expected inlet is the inlet the World's thermal
// model shows now plus the steady rise one more busy node would cause there, from the rack's
// recirculation (its supply heat index; cooling/data_hall.hpp): with equal inlets, as at a cold
// start, the racks that breathe the least of their own exhaust come first (the order of Moore
// et al.'s MinHR). The policy does not predict how the whole job will change the inlets.
#include "models/scheduling/easy.hpp"

namespace joule::models::scheduling {

namespace {

class ThermalAware final : public Policy {
public:
  void schedule(SchedulerContext& ctx) override {
    easy_backfill(ctx, ctx.queue(), {.place = coolest_racks});
  }
};

const bool registered = PolicyRegistry::add(
    policy_doc("thermal-aware",
               "EASY backfilling that places jobs on the racks with the coolest expected inlet air "
               "first (inlet now + the rise its recirculation adds)"),
    [](const sim::ParamReader&) { return std::make_unique<ThermalAware>(); });

}  // namespace

}  // namespace joule::models::scheduling
