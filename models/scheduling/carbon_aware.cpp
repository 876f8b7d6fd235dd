// Carbon-aware deferral: flexible jobs wait for the lowest-carbon window before their deadline
// (deferral.hpp: the planner, with x(t) = the grid's forecast carbon intensity).
//
//   key   default  meaning
//   slot  1 h      length of the forecast's constant steps (the carbon series' resolution)
#include "models/scheduling/deferral.hpp"

namespace joule::models::scheduling {

namespace {

class CarbonAware final : public Policy {
public:
  // `slot`: the forecast's constant steps (> 0).
  explicit CarbonAware(sim::Time slot)
      : deferral_(slot, [](const SchedulerContext& ctx, sim::Time t) {
          return ctx.carbon_intensity(t).value();
        }) {}

  void schedule(SchedulerContext& ctx) override { deferral_.schedule(ctx); }

private:
  Deferral deferral_;
};

const bool registered = PolicyRegistry::add(
    policy_doc("carbon-aware",
               "Flexible jobs with a deadline wait for the lowest-carbon window before it; the "
               "rest run under EASY backfilling",
               {{"slot", "s", "1 h", "length of the carbon forecast's constant steps"}}),
    [](const sim::ParamReader& r) {
      return std::make_unique<CarbonAware>(r.duration("slot", sim::Range::positive()));
    });

}  // namespace

}  // namespace joule::models::scheduling
