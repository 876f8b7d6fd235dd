// Topology-aware placement: EASY backfilling (easy.hpp) that gives each job the set of free
// nodes with the fewest network hops between its ranks (placement.hpp: fewest_hops), so its
// collectives cross fewer switch levels and share fewer links with other jobs. Slurm's
// topology/tree plugin pursues the same goal with best fit on leaf switches; here the cost is
// explicit, Σ over pairs of hops(a, b) from the network topology.
#include "models/scheduling/easy.hpp"

namespace joule::models::scheduling {

namespace {

class TopologyAware final : public Policy {
public:
  void schedule(SchedulerContext& ctx) override {
    easy_backfill(ctx, ctx.queue(), {.place = fewest_hops});
  }
};

const bool registered = PolicyRegistry::add(
    policy_doc("topology-aware",
               "EASY backfilling that gives each job the free nodes with the fewest network hops "
               "between them"),
    [](const sim::ParamReader&) { return std::make_unique<TopologyAware>(); });

}  // namespace

}  // namespace joule::models::scheduling
