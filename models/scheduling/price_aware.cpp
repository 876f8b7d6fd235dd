// Price-aware deferral: flexible jobs wait for the cheapest window before their deadline
// (deferral.hpp: the planner, with x(t) = the site's forecast energy price; `site.price`, an
// hourly wholesale series or a time-of-use tariff). With a flat price or none every window
// costs the same and every job starts at once, as under EASY. The same scheme as carbon-aware
// on another signal: cost-driven temporal shifting of deferrable load (e.g. Rao, Liu, Xie &
// Liu, "Minimizing electricity cost: optimization of distributed internet data centers in a
// multi-electricity-market environment", INFOCOM 2010, for the spatial counterpart).
//
//   key   default  meaning
//   slot  1 h      length of the price series' constant steps (hourly market prices)
#include "models/scheduling/deferral.hpp"

namespace joule::models::scheduling {

namespace {

class PriceAware final : public Policy {
public:
  // `slot`: the price series' constant steps (> 0).
  explicit PriceAware(sim::Time slot)
      : deferral_(slot,
                  [](const SchedulerContext& ctx, sim::Time t) { return ctx.price(t).value(); }) {}

  void schedule(SchedulerContext& ctx) override { deferral_.schedule(ctx); }

private:
  Deferral deferral_;
};

const bool registered = PolicyRegistry::add(
    policy_doc("price-aware",
               "Flexible jobs with a deadline wait for the cheapest energy window before it; the "
               "rest run under EASY backfilling",
               {{"slot", "s", "1 h", "length of the price series' constant steps"}}),
    [](const sim::ParamReader& r) {
      return std::make_unique<PriceAware>(r.duration("slot", sim::Range::positive()));
    });

}  // namespace

}  // namespace joule::models::scheduling
