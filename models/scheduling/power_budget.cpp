// Facility power budget: admission control and GPU power caps keep the facility meter under a
// limit, e.g. for a demand-response event or a contracted peak.
//
// Inside the budget window, at every call: with R the running jobs, B the IT power with every
// job's nodes at idle, B = it_power − Σ_{j∈R} added_j(cap_j), and added_j(c) the estimated
// power job j adds over idle at per-GPU cap c (SchedulerContext::estimate), a set S of jobs
// fits at cap c when
//     facility_power_at(B + Σ_{j∈S} added_j(c)) ≤ limit.
// Jobs are taken in EASY-backfill order (easy.hpp); a job is admitted only if R ∪ {admitted}
// ∪ {job} fits at the lowest cap allowed, c_min = max(power_cap_range().min, `min_cap`); a job
// that would not fit even alone (B + added_job(c_min) over the limit) never can in this window
// and is passed over without blocking the others. All
// admitted jobs share one cap, the highest c in [c_min, TDP] at which the set fits (bisection;
// added power is non-decreasing in c), or no cap when they fit uncapped. In a cluster of
// several pools c is in the cluster's (first pool's) range, and a job in a pool with another
// range gets the same share of the way up its own: c_j = c_min,j + (c − c_min)/(TDP − c_min) ·
// (TDP_j − c_min,j) (SchedulerContext::power_cap_range(job)). Caps are lowered
// before a job starts, so the meter never steps over the limit on a start; they rise again as
// jobs end. A head job refused for power blocks the queue (smaller jobs may not overtake it).
// Between events the policy re-checks every `check_interval` (the cooling load drifts with the
// weather). Running jobs are never stopped: when even c_min cannot hold the limit (e.g. the
// window opens on a full cluster on a hot afternoon), they run at c_min and the limit is
// exceeded; the summary's peak power shows it.
// Outside the window caps are removed and the policy is plain EASY backfilling.
// Power-capped scheduling under a site limit: Patki et al., "Exploring hardware
// overprovisioning in power-constrained, high performance computing", ICS 2013; GPU caps
// trade time for energy (Zeus, NSDI 2023).
//
//   key             default  meaning
//   limit           —        facility power limit (required)
//   from            0 s      window start (time since the run start, or within each `repeat`)
//   until           0 s      window end; 0: no end (the budget always applies from `from`)
//   repeat          0 s      window period (e.g. 1 d for a daily peak window); 0: once
//   min_cap         0 W      lowest per-GPU cap the policy sets (0: the hardware minimum)
//   check_interval  5 min    re-check period inside the window
#include <algorithm>
#include <cmath>

#include "models/scheduling/easy.hpp"

namespace joule::models::scheduling {

namespace {

// The policy's keys (table above), as read and checked by power_budget_spec().
struct PowerBudgetSpec {
  double limit_w = 0;
  sim::Time from, until, repeat;  // zero: see the table
  double min_cap_w = 0;
  sim::Time check_interval = sim::minutes(5);
};

PowerBudgetSpec power_budget_spec(const sim::ParamReader& r) {
  PowerBudgetSpec s;
  s.limit_w = r.quantity<sim::Watts>("limit", sim::Range::positive()).value();
  s.from = r.duration("from");
  s.until = r.duration("until");
  s.repeat = r.duration("repeat");
  s.min_cap_w = r.quantity<sim::Watts>("min_cap", sim::Range::non_negative()).value();
  s.check_interval = r.duration("check_interval", sim::Range::positive());
  if (s.until != sim::Time::zero() && s.until <= s.from) r.fail("until", "must be after 'from'");
  if (s.repeat != sim::Time::zero()) {
    if (s.until == sim::Time::zero()) r.fail("until", "is required with 'repeat'");
    if (s.until > s.repeat) r.fail("until", "must be within one 'repeat' period");
  }
  return s;
}

class PowerBudget final : public Policy {
public:
  explicit PowerBudget(const PowerBudgetSpec& spec)
      : limit_w_(spec.limit_w),
        from_(spec.from),
        until_(spec.until),
        repeat_(spec.repeat),
        min_cap_w_(spec.min_cap_w),
        check_interval_(spec.check_interval) {}

  void schedule(SchedulerContext& ctx) override {
    const sim::Time now = ctx.now();
    alarm_.request(ctx, next_boundary(now));
    if (!in_window(now)) {
      for (const JobView* job : ctx.running())
        if (ctx.power_cap(*job)) ctx.set_power_cap(*job, std::nullopt);
      easy_backfill(ctx, ctx.queue());
      return;
    }
    if (alarm_.next(now) > now + check_interval_) alarm_.request(ctx, now + check_interval_);

    const PowerCapRange range = ctx.power_cap_range();
    const double floor_w = std::clamp(min_cap_w_, range.min.value(), range.max.value());
    floor_w_ = floor_w;
    max_w_ = range.max.value();
    admitted_ = ctx.running();
    base_it_w_ = ctx.it_power().value();
    for (const JobView* job : admitted_)
      base_it_w_ -= ctx.estimate(*job, ctx.power_cap(*job)).added_power.value();

    EasyOptions options;
    options.admit = [&](SchedulerContext& c, const JobView& job) {
      admitted_.push_back(&job);
      if (fits(c, floor_w)) {
        apply_cap(c, floor_w, range.max.value());  // lowers the others before the start
        return Admission::start;
      }
      admitted_.pop_back();
      // Alone (no other job running: IT = B + its own added power) it would still not fit:
      // waiting cannot help it inside this window, so it must not block the queue.
      const double alone_w = base_it_w_ + c.estimate(job, sim::Watts(floor_w)).added_power.value();
      return c.facility_power_at(sim::Watts(alone_w)).value() > limit_w_ ? Admission::never
                                                                         : Admission::wait;
    };
    easy_backfill(ctx, ctx.queue(), options);
    apply_cap(ctx, floor_w, range.max.value());  // jobs may have ended: raise caps
  }

private:
  bool in_window(sim::Time t) const {
    if (t < from_ && repeat_ == sim::Time::zero()) return false;
    if (repeat_ == sim::Time::zero()) return until_ == sim::Time::zero() || t < until_;
    const sim::Time phase = t % repeat_;
    return phase >= from_ && phase < until_;
  }

  // The next window edge after t (Time::max() when none).
  sim::Time next_boundary(sim::Time t) const {
    if (repeat_ == sim::Time::zero()) {
      if (t < from_) return from_;
      if (until_ != sim::Time::zero() && t < until_) return until_;
      return sim::Time::max();
    }
    const sim::Time period_start = t - t % repeat_;
    if (t < period_start + from_) return period_start + from_;
    if (t < period_start + until_) return period_start + until_;
    return period_start + repeat_ + from_;
  }

  // The cap of `job` at the common level `cap_w` (watts in the cluster's cap range,
  // [floor_w_, max_w_]): the same share of the way from the floor to the top of the range of
  // the job's pool; `cap_w` itself where that range is the cluster's.
  std::optional<sim::Watts> cap_of(const SchedulerContext& ctx, const JobView& job,
                                   std::optional<double> cap_w) const {
    if (!cap_w) return std::nullopt;
    const PowerCapRange range = ctx.power_cap_range(job);
    const double max_w = range.max.value();
    if (range.min.value() == ctx.power_cap_range().min.value() && max_w == max_w_)
      return sim::Watts(*cap_w);
    const double floor_w = std::clamp(min_cap_w_, range.min.value(), max_w);
    const double share = max_w_ > floor_w_ ? (*cap_w - floor_w_) / (max_w_ - floor_w_) : 1.0;
    return sim::Watts(floor_w + share * (max_w - floor_w));
  }

  double facility_w(const SchedulerContext& ctx, std::optional<double> cap_w) const {
    double it_w = base_it_w_;
    for (const JobView* job : admitted_)
      it_w += ctx.estimate(*job, cap_of(ctx, *job, cap_w)).added_power.value();
    return ctx.facility_power_at(sim::Watts(it_w)).value();
  }
  bool fits(const SchedulerContext& ctx, double cap_w) const {
    return facility_w(ctx, cap_w) <= limit_w_;
  }

  // Sets the admitted jobs' common cap: none if they fit uncapped, else the highest that fits,
  // else the floor.
  void apply_cap(SchedulerContext& ctx, double floor_w, double max_w) const {
    std::optional<double> level;
    if (facility_w(ctx, std::nullopt) > limit_w_) {
      double lo = floor_w, hi = max_w;  // fits(lo) or lo is the floor; !fits(hi)
      for (int i = 0; i < 40 && hi - lo > 0.01; ++i) {
        const double mid = 0.5 * (lo + hi);
        (fits(ctx, mid) ? lo : hi) = mid;
      }
      level = lo;
    }
    // Lower caps first, then raise, so the meter never overshoots in between.
    auto watts = [&](const JobView& job, std::optional<sim::Watts> c) {
      return c ? c->value() : ctx.power_cap_range(job).max.value();
    };
    for (const JobView* job : admitted_) {
      const std::optional<sim::Watts> cap = cap_of(ctx, *job, level);
      if (watts(*job, cap) < watts(*job, ctx.power_cap(*job))) ctx.set_power_cap(*job, cap);
    }
    for (const JobView* job : admitted_) {
      const std::optional<sim::Watts> cap = cap_of(ctx, *job, level);
      const std::optional<sim::Watts> old = ctx.power_cap(*job);
      if (old.has_value() != cap.has_value() || watts(*job, cap) != watts(*job, old))
        ctx.set_power_cap(*job, cap);
    }
  }

  double limit_w_;
  sim::Time from_, until_, repeat_;
  double min_cap_w_;
  sim::Time check_interval_;
  double floor_w_ = 0.0, max_w_ = 0.0;  // the cluster's cap range from `min_cap` up
  std::vector<const JobView*> admitted_;
  double base_it_w_ = 0.0;
  Alarm alarm_;
};

const bool registered = PolicyRegistry::add(
    policy_doc("power-budget",
               "Admission control and GPU power caps keep facility power under a limit (demand "
               "response, contracted peak); EASY backfilling otherwise",
               {{"limit", "W", "", "facility power limit"},
                {"from", "s", "0 s", "window start (since the run start, or within each repeat)"},
                {"until", "s", "0 s", "window end; 0 s: no end"},
                {"repeat", "s", "0 s", "window period, e.g. 1 d; 0 s: once"},
                {"min_cap", "W", "0 W", "lowest per-GPU cap to set (0 W: the hardware minimum)"},
                {"check_interval", "s", "5 min", "re-check period inside the window"}}),
    [](const sim::ParamReader& r) { return std::make_unique<PowerBudget>(power_budget_spec(r)); });

}  // namespace

}  // namespace joule::models::scheduling
