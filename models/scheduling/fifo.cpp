// FIFO: start jobs strictly in arrival order; the head of the queue blocks everything behind it
// until enough nodes are free. The reference point every other policy is compared with.
#include "models/scheduling/placement.hpp"

namespace joule::models::scheduling {

namespace {

class Fifo final : public Policy {
public:
  void schedule(SchedulerContext& ctx) override {
    for (const JobView* job : ctx.queue()) {
      if (static_cast<std::size_t>(job->request.nodes) > free_nodes_for(ctx, *job)) break;
      ctx.start(*job);
    }
  }
};

const bool registered =
    PolicyRegistry::add(policy_doc("fifo", "First in, first out; the queue head blocks later jobs"),
                        [](const sim::ParamReader&) { return std::make_unique<Fifo>(); });

}  // namespace

}  // namespace joule::models::scheduling
