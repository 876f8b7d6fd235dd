#include "models/swing/grid_control.hpp"

#include <algorithm>
#include <cmath>

#include "models/world/world.hpp"

namespace joule::models::swing {

namespace {
// Tick kinds (the argument of the bound handler): periodic check; an event's baseline start,
// notification, hold start and end (event index in the upper bits).
enum Tick : std::uint64_t { check = 0, baseline = 1, notify = 2, hold = 3, release = 4 };
std::uint64_t tick(Tick kind, std::size_t event) {
  return static_cast<std::uint64_t>(kind) | (static_cast<std::uint64_t>(event) << 3);
}
constexpr double tolerance = 0.005;  // of the baseline
// The controller aims 1 % under an import limit: it approaches its target from both sides.
constexpr double limit_headroom = 0.01;
}  // namespace

GridReport GridControl::report() const {
  GridReport r = report_;
  if (admission_) r.admission = admission_->report();
  r.ramp_down = world_.ramp_down_report();
  r.ramp_floor = world_.ramp_floor_report();
  if (r.ramp_floor) r.ramp_floor_j = world_.power_floor_energy_j();
  return r;
}

std::size_t GridReport::met() const {
  return static_cast<std::size_t>(
      std::count_if(events.begin(), events.end(), [](const auto& e) { return e.met; }));
}

GridControl::GridControl(world::World& world, GridSpec spec, sim::Time duration)
    : world_(world), spec_(std::move(spec)), duration_(duration) {
  auto& sim = world_.simulator();
  report_.import_limit_w = spec_.import_limit_w;
  if ((spec_.import_limit_w > 0 || spec_.ramp_limit_w_per_s > 0) && spec_.admission) {
    admission_ = std::make_shared<GridAdmission>(world_.control(), spec_.import_limit_w,
                                                 spec_.ramp_limit_w_per_s);
    world_.set_admission(admission_);
  }
  if (spec_.ramp_limit_w_per_s > 0 && spec_.ramp_down)
    world_.set_ramp_down(spec_.ramp_limit_w_per_s);
  if (spec_.ramp_limit_w_per_s > 0 && spec_.ramp_floor)
    world_.set_ramp_floor(spec_.ramp_limit_w_per_s);
  handler_ = sim.bind([this](std::uint64_t arg) { on_tick(arg); });
  sim.every(spec_.check_interval, spec_.check_interval, handler_, tick(check, 0),
            sim::max_priority);
  // With a battery to dispatch, an event starts and ends before the control step of its instant
  // (which dispatches the battery toward the target from then on).
  const auto edge = static_cast<sim::Priority>(
      spec_.discharge_battery && world_.facility().has_battery() ? sim::max_priority - 2
                                                                 : sim::max_priority);
  for (std::size_t i = 0; i < spec_.events.size(); ++i) {
    const auto& e = spec_.events[i];
    const sim::Time b = e.at > spec_.baseline ? e.at - spec_.baseline : sim::Time::zero();
    sim.at(b, handler_, tick(baseline, i), sim::max_priority);
    sim.at(e.at, handler_, tick(notify, i), edge);
    sim.at(e.at + e.within, handler_, tick(hold, i), sim::max_priority);
    sim.at(e.at + e.within + e.lasting, handler_, tick(release, i), edge);
  }
}

double GridControl::meter_j() const {
  const auto& f = world_.facility();
  if (f.has_power_chain() || f.has_cooling()) return world_.facility_totals().grid_j;
  return world_.it_energy_j();
}

void GridControl::account_progress(sim::Time now) {
  if (cap_w_) report_.capped_s += (now - last_t_).seconds();
  for (const auto& job : world_.jobs()) {
    if (job.state != world::JobState::running) continue;
    const sim::Time tau = job.nominal(now);
    auto it = progress_.find(job.id);
    if (it == progress_.end()) {
      progress_[job.id] = {tau, now, job.power_w / std::max(1, job.request.gpus)};
      continue;
    }
    Progress& p = it->second;
    if (job.paused) {  // its clock stopped: the whole interval is deferred
      const double dt_s = (now - p.wall).seconds();
      report_.paused_gpu_s += dt_s * job.request.gpus;
      report_.shifted_j += dt_s * job.request.gpus * p.w_per_gpu;
    } else if (cap_w_) {
      const double behind_s = std::max(0.0, (now - p.wall).seconds() - (tau - p.tau).seconds());
      report_.deferred_gpu_s += behind_s * job.request.gpus;
      report_.shifted_j += behind_s * job.request.gpus * p.w_per_gpu;
    } else {
      p.w_per_gpu = job.power_w / std::max(1, job.request.gpus);  // uncapped
    }
    p.tau = tau;
    p.wall = now;
  }
}

void GridControl::set_caps(std::optional<double> cap_w) {
  cap_w_ = cap_w;
  auto& ctx = world_.control();
  for (const auto* job : ctx.running()) {
    const auto now = ctx.power_cap(*job);
    if (cap_w ? (!now || std::fabs(now->value() - *cap_w) > 0.5) : now.has_value())
      ctx.set_power_cap(*job, cap_w ? std::optional<sim::Watts>(sim::Watts(*cap_w)) : std::nullopt);
  }
}

double GridControl::pause_flexible(double needed_w) {
  if (!spec_.pause_flexible || needed_w <= 0) return 0.0;
  auto& ctx = world_.control();
  const double it_w = ctx.it_power().value();
  const double marginal = (ctx.facility_power_at(sim::Watts(it_w + 1e3)).value() -
                           ctx.facility_power_at(sim::Watts(it_w)).value()) /
                          1e3;
  std::vector<std::pair<double, std::uint32_t>> candidates;  // saving at the meter, job
  for (const auto* job : ctx.running())
    if (job->request.flexible && !world_.jobs()[job->id].paused)
      candidates.emplace_back(
          ctx.estimate(*job, ctx.power_cap(*job)).added_power.value() * marginal, job->id);
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  double saved_w = 0;
  for (const auto& [w, id] : candidates) {
    if (saved_w >= needed_w) break;
    world_.pause_job(id);
    paused_.push_back(id);
    ++report_.paused_jobs;
    saved_w += w;
  }
  return saved_w;
}

void GridControl::resume_all() {
  for (const auto id : paused_) world_.resume_job(id);
  paused_.clear();
}

void GridControl::on_tick(std::uint64_t arg) {
  const sim::Time now = world_.simulator().now();
  if (now > duration_) return;
  const auto kind = static_cast<Tick>(arg & 7);
  const std::size_t i = static_cast<std::size_t>(arg >> 3);
  const double j = meter_j();
  account_progress(now);
  if (kind == baseline) {
    baseline_start_j_ = j;
  } else if (kind == notify) {
    const auto& e = spec_.events[i];
    const double span_s = std::min(spec_.baseline, e.at).seconds();
    const double b =
        span_s > 0 ? (j - baseline_start_j_) / span_s : world_.control().facility_power().value();
    report_.events.push_back({e.at.seconds(), b, b - e.curtail_w, 0.0, false});
    active_ = i;
    target_w_ = b - e.curtail_w;
    // The cheapest measures first: the facility battery (from its next control step), then
    // flexible jobs wait out the event; the caps handle the rest.
    battery_w_ = 0;
    if (spec_.discharge_battery && world_.facility().has_battery()) {
      world_.set_meter_target(target_w_);
      battery_w_ = std::min(
          e.curtail_w, world_.facility().battery_available_w((e.within + e.lasting).seconds()));
      battery_start_j_ = world_.facility_totals().ledger.discharge_j;
    }
    paused_saving_w_ = pause_flexible(e.curtail_w - battery_w_);
  } else if (kind == hold) {
    hold_start_j_ = j;
    hold_start_ = now;
  } else if (kind == release) {
    EventOutcome& o = report_.events.back();
    const double hold_s = (now - hold_start_).seconds();
    o.achieved_w = hold_s > 0 ? (j - hold_start_j_) / hold_s : 0.0;
    o.met = o.achieved_w <= o.target_w + tolerance * o.baseline_w;
    report_.curtailed_j += (o.baseline_w - o.achieved_w) * hold_s;
    active_.reset();
    resume_all();
    if (spec_.discharge_battery && world_.facility().has_battery()) {
      world_.set_meter_target(std::nullopt);
      report_.battery_j += world_.facility_totals().ledger.discharge_j - battery_start_j_;
    }
  }
  // The target now and the mean meter power since the last tick.
  const double dt_s = (now - last_t_).seconds();
  const double mean_w = dt_s > 0 ? (j - last_j_) / dt_s : world_.control().facility_power().value();
  if (kind == check && spec_.import_limit_w > 0 && mean_w > spec_.import_limit_w * (1 + 1e-9))
    report_.limit_violation_s += dt_s;
  std::optional<double> target;
  if (spec_.import_limit_w > 0) target = (1 - limit_headroom) * spec_.import_limit_w;
  if (active_) target = target ? std::min(*target, target_w_) : target_w_;
  auto& ctx = world_.control();
  // Caps move at the checks and at a notification; a release lifts them when nothing is left.
  // (A check at the instant of a notification measures nothing new: it leaves the caps.)
  const bool adjust = (kind == check && dt_s > 0) || kind == notify || (kind == release && !target);
  if (!adjust) {
  } else if (!target) {
    if (cap_w_) set_caps(std::nullopt);
  } else {
    const auto range = ctx.power_cap_range();
    double gpus = 0;
    for (const auto* job : ctx.running()) gpus += job->request.gpus;
    const double it_w = ctx.it_power().value();
    const double marginal = (ctx.facility_power_at(sim::Watts(it_w + 1e3)).value() -
                             ctx.facility_power_at(sim::Watts(it_w)).value()) /
                            1e3;
    // At the notification the baseline, less what the pauses save, stands for the interval's
    // mean (no step measured yet).
    const double measured_w =
        kind == notify ? report_.events.back().baseline_w - battery_w_ - paused_saving_w_ : mean_w;
    if (gpus > 0) {
      // Uncapped by the controller so far: from the jobs' own caps (admission may have set some).
      double cap = range.max.value();
      if (cap_w_) {
        cap = *cap_w_;
      } else {
        for (const auto* job : ctx.running())
          if (const auto c = ctx.power_cap(*job)) cap = std::min(cap, c->value());
      }
      const double next =
          std::clamp(cap - (measured_w - *target) / (std::max(marginal, 1e-6) * gpus),
                     range.min.value(), range.max.value());
      if (next >= range.max.value() - 0.5)
        set_caps(std::nullopt);
      else
        set_caps(next);
    }
  }
  // A job waiting for power at admission: let the policy look again after the caps moved.
  if (admission_ && admission_->holding()) ctx.wake_at(now);
  last_j_ = j;
  last_t_ = now;
}

}  // namespace joule::models::swing
