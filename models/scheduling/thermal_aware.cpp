// Thermal-aware placement: EASY backfilling (easy.hpp) that puts each job on the racks with the
// coolest inlet air first (placement.hpp: coolest_racks). Heat then lands where the air path
// has the most margin, so hot spots, fan power and GPU thermal throttling fall (Moore, Chase,
// Ranganathan & Sharma, "Making scheduling 'cool': temperature-aware workload placement in
// data centers", USENIX ATC 2005). The inlet temperatures are those the World's thermal model
// shows now; the policy does not predict how a placement will change them.
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
               "EASY backfilling that places jobs on the racks with the coolest inlet air first"),
    [](const sim::ParamReader&) { return std::make_unique<ThermalAware>(); });

}  // namespace

}  // namespace joule::models::scheduling
