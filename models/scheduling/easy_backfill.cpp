// EASY backfilling: FIFO with one reservation. The first job that cannot start reserves the
// earliest time enough nodes will be free; later jobs may start now if they end before it or
// use only nodes it will not need (Lifka 1995; Mu'alem & Feitelson 2001; the pass and its
// equations are in easy.hpp). Placement: the lowest-numbered free nodes. The default of most
// production batch schedulers (Slurm's backfill plugin is a variant with many reservations).
#include "models/scheduling/easy.hpp"

namespace joule::models::scheduling {

namespace {

class EasyBackfill final : public Policy {
public:
  void schedule(SchedulerContext& ctx) override { easy_backfill(ctx, ctx.queue()); }
};

const bool registered = PolicyRegistry::add(
    policy_doc("easy-backfill",
               "EASY backfilling: reserve for the queue head, let later jobs start early when "
               "they do not delay it"),
    [](const sim::ParamReader&) { return std::make_unique<EasyBackfill>(); });

}  // namespace

}  // namespace joule::models::scheduling
