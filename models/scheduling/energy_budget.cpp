// Energy budget: admission control and GPU power caps hold the energy of each period (a day, a
// month) under a budget, planned with the models' own predictions of each job's energy.
//
// The meter is the facility meter (`meter: facility`, M(P) = facility_power_at(P) for an IT
// power P) or IT (`meter: it`, M(P) = P). Periods are [k·T, (k+1)·T) from the run start,
// T = `period`. The policy keeps the period's metered energy so far,
//     U += M(P_IT at its last call) · (now − last call),
// exact when power changes only at the calls (job arrivals and ends, its own wake-ups every
// `check_interval`), within one control step's change otherwise. At each call it predicts the
// rest of the period from the jobs it has committed: with base = P_IT − Σ_running a_j (every
// node idle), a_j = estimate(j, cap_j).added_power and e_j = now + estimate(j, cap_j).run_time,
//     F = ∫_now^end M(base + Σ_{j : e_j > t} a_j) dt,    end = the period's end,
// piecewise over the sorted e_j. Jobs are taken in EASY-backfill order (easy.hpp); a job is
// admitted uncapped if U + F with it among the committed jobs stays within the budget B, else
// at the highest per-GPU cap (of 8 steps from TDP down to `min_cap`, in the cap range of the
// job's pool: SchedulerContext::power_cap_range(job)) at which it does (a capped
// GPU does the same work on less energy when its power falls faster than its speed), else it
// waits: the head of the queue then blocks the others (no job overtakes it) until the next
// period, or until a job that ends early frees energy. A job that would exceed B alone on an
// idle cluster over a whole period, at `min_cap`, is passed over (it never runs) without
// blocking the others. Caps stay on a job until it ends. When U + F exceeds B with nothing new
// admitted (a period that opens with long jobs running), the running jobs are capped at
// `min_cap` for the rest of their run.
// Invariant, with exact predictions (the fake cluster of the tests; the World's estimates hold
// to within its thermal drift): a period's metered energy never exceeds B by more than one
// control step's energy, M(P_IT,max) · check_interval, as long as what it cannot stop fits in
// B: the idle cluster over the period, and jobs still running from the period before at
// `min_cap` (jobs are never stopped). Energy-aware admission with per-job predictions in the manner
// of Borghesi et al., "Scheduling-based power capping in high performance computing systems",
// Sustainable Computing 19, 2018.
//
//   key             default   meaning
//   budget          —         energy per period (required; e.g. 40 MWh)
//   period          1 d       budget period (30 d for a month)
//   meter           facility  facility or it
//   min_cap         0 W       lowest per-GPU cap the policy sets (0 W: the hardware minimum)
//   check_interval  15 min    control step: the policy re-measures and re-plans this often
#include <algorithm>
#include <cmath>
#include <utility>

#include "models/scheduling/easy.hpp"

namespace joule::models::scheduling {

namespace {

struct EnergyBudgetSpec {
  double budget_j = 0;
  sim::Time period = sim::days(1);
  bool facility_meter = true;
  double min_cap_w = 0;
  sim::Time check_interval = sim::minutes(15);
};

EnergyBudgetSpec energy_budget_spec(const sim::ParamReader& r) {
  EnergyBudgetSpec s;
  if (!r.has("budget")) r.fail("budget", "is required (energy per period, e.g. 40 MWh)");
  s.budget_j = r.quantity<sim::Joules>("budget", sim::Range::positive()).value();
  s.period = r.duration("period", sim::Range::positive());
  s.facility_meter = r.choice("meter", {"facility", "it"}) == "facility";
  s.min_cap_w = r.quantity<sim::Watts>("min_cap", sim::Range::non_negative()).value();
  s.check_interval = r.duration("check_interval", sim::Range::positive());
  if (s.check_interval > s.period) r.fail("check_interval", "must not exceed 'period'");
  return s;
}

class EnergyBudget final : public Policy {
public:
  explicit EnergyBudget(const EnergyBudgetSpec& spec) : spec_(spec) {}

  void schedule(SchedulerContext& ctx) override {
    const sim::Time now = ctx.now();
    account(now);
    const sim::Time end = period_start_ + spec_.period;
    alarm_.request(ctx, end);
    if (alarm_.next(now) > now + spec_.check_interval)
      alarm_.request(ctx, now + spec_.check_interval);

    commit_running(ctx, now);
    // Over budget with nothing new: the running jobs run at the floor cap.
    if (used_j_ + future_j(ctx, now, end) > spec_.budget_j) {
      for (const JobView* job : ctx.running())
        ctx.set_power_cap(*job, sim::Watts(floor_w(ctx.power_cap_range(*job))));
      commit_running(ctx, now);
    }

    EasyOptions options;
    options.admit = [&](SchedulerContext& c, const JobView& job) {
      // Uncapped, then the caps from TDP down to the floor in 8 steps, in the range of the
      // job's pool.
      const PowerCapRange range = c.power_cap_range(job);
      const double floor_cap_w = floor_w(range);
      std::vector<std::optional<sim::Watts>> caps{std::nullopt};
      for (int k = 0; k <= 8; ++k)
        caps.emplace_back(
            sim::Watts(range.max.value() - (range.max.value() - floor_cap_w) * k / 8));
      for (const auto& cap : caps) {
        const JobEstimate e = c.estimate(job, cap);
        committed_.push_back({e.added_power.value(), later(now, e.run_time)});
        if (used_j_ + future_j(c, now, end) <= spec_.budget_j) {
          c.set_power_cap(job, cap);
          return Admission::start;
        }
        committed_.pop_back();
      }
      // Alone in a whole period at the floor cap it would still exceed the budget: waiting
      // cannot help it, so it must not block the queue.
      const JobEstimate floor = c.estimate(job, sim::Watts(floor_cap_w));
      std::vector<Commitment> others = std::exchange(
          committed_, {{floor.added_power.value(), later(period_start_, floor.run_time)}});
      const double alone_j = future_j(c, period_start_, end);
      committed_ = std::move(others);
      return alone_j > spec_.budget_j ? Admission::never : Admission::wait;
    };
    easy_backfill(ctx, ctx.queue(), options);
    last_meter_w_ = meter_w(ctx, ctx.it_power().value());
  }

private:
  struct Commitment {
    double added_w;
    sim::Time ends;
  };

  // The lowest cap the policy sets in a pool's cap range: `min_cap`, within the range.
  double floor_w(const PowerCapRange& range) const {
    return std::clamp(spec_.min_cap_w, range.min.value(), range.max.value());
  }

  double meter_w(const SchedulerContext& ctx, double it_w) const {
    return spec_.facility_meter ? ctx.facility_power_at(sim::Watts(it_w)).value() : it_w;
  }

  // The running jobs as commitments, and the IT power with every node idle.
  void commit_running(const SchedulerContext& ctx, sim::Time now) {
    committed_.clear();
    base_it_w_ = ctx.it_power().value();
    for (const JobView* job : ctx.running()) {
      const JobEstimate e = ctx.estimate(*job, ctx.power_cap(*job));
      base_it_w_ -= e.added_power.value();
      committed_.push_back({e.added_power.value(), later(now, e.run_time)});
    }
  }

  // Brings the period's metered energy up to `now`, opening a new period at its boundary.
  void account(sim::Time now) {
    while (now >= period_start_ + spec_.period) {
      last_ = period_start_ = period_start_ + spec_.period;
      used_j_ = 0.0;
    }
    used_j_ += last_meter_w_ * (now - last_).seconds();
    last_ = now;
  }

  // F: the metered energy from now to `end` of the committed jobs over the idle base.
  double future_j(const SchedulerContext& ctx, sim::Time now, sim::Time end) const {
    std::vector<Commitment> c = committed_;
    std::sort(c.begin(), c.end(), [](const auto& a, const auto& b) { return a.ends < b.ends; });
    double it_w = base_it_w_;
    for (const auto& j : c) it_w += j.added_w;
    double energy_j = 0.0;
    sim::Time t = now;
    for (const auto& j : c) {
      const sim::Time until = std::min(j.ends, end);
      if (until > t) {
        energy_j += meter_w(ctx, it_w) * (until - t).seconds();
        t = until;
      }
      it_w -= j.added_w;
    }
    if (end > t) energy_j += meter_w(ctx, it_w) * (end - t).seconds();
    return energy_j;
  }

  EnergyBudgetSpec spec_;
  sim::Time period_start_, last_;
  double used_j_ = 0.0, last_meter_w_ = 0.0, base_it_w_ = 0.0;
  std::vector<Commitment> committed_;
  Alarm alarm_;
};

const bool registered = PolicyRegistry::add(
    policy_doc("energy-budget",
               "Admission control and GPU power caps hold each period's energy (a day, a month) "
               "under a budget, from the models' prediction of each job's energy",
               {{"budget", "J", "", "energy per period, e.g. 40 MWh"},
                {"period", "s", "1 d", "budget period (30 d: a month), from the run start"},
                {"meter", "string", "facility", "facility or it"},
                {"min_cap", "W", "0 W", "lowest per-GPU cap to set (0 W: the hardware minimum)"},
                {"check_interval", "s", "15 min", "control step: re-measure and re-plan"}}),
    [](const sim::ParamReader& r) {
      return std::make_unique<EnergyBudget>(energy_budget_spec(r));
    });

}  // namespace

}  // namespace joule::models::scheduling
