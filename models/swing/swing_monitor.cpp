#include "models/swing/swing_monitor.hpp"

#include <algorithm>
#include <cmath>

#include "models/swing/in_run.hpp"
#include "models/world/world.hpp"
#include "sim/error.hpp"

namespace joule::models::swing {

namespace {

using workload::PhaseKind;

constexpr double band_lo_hz = 0.1, band_hi_hz = 20.0;

std::size_t lag_for(double seconds, double dt_s) {
  return static_cast<std::size_t>(std::llround(seconds / dt_s));
}

}  // namespace

struct SwingMonitor::State {
  std::int64_t job = -1;  // dominant job id
  std::int32_t phase = -1;
  double it_w = 0, chip_w = 0, share = 0;
};

const MitigationResult* SwingReport::mitigation(const std::string& name) const {
  for (const auto& m : mitigations)
    if (m.name == name) return &m;
  return nullptr;
}

ChannelMetrics channel_metrics(const std::vector<Window>& windows,
                               const std::vector<const std::vector<double>*>& traces,
                               double psd_segment_s) {
  ChannelMetrics c;
  std::size_t spectra = 0;
  bool have_step = false;
  for (std::size_t k = 0; k < windows.size(); ++k) {
    const Window& w = windows[k];
    const std::vector<double>& p = *traces[k];
    if (p.size() < 2) continue;
    const auto keep_max = [](std::optional<Ramp>& into, const std::optional<Ramp>& r) {
      if (!r) return;
      if (!into) into = Ramp{};
      into->up_w = std::max(into->up_w, r->up_w);
      into->down_w = std::max(into->down_w, r->down_w);
    };
    keep_max(c.ramp_1s, max_ramp(p, lag_for(1.0, w.dt_s)));
    keep_max(c.ramp_1min, max_ramp(p, lag_for(60.0, w.dt_s)));
    const double range = dynamic_range(p);
    c.window_range_w.push_back(range);
    c.range_w = std::max(c.range_w, range);
    const Spectrum s = welch_psd(p, w.dt_s, lag_for(psd_segment_s, w.dt_s));
    if (s.segments > 0) {
      if (spectra == 0) {
        c.spectrum = s;
        spectra = 1;
      } else if (s.psd_w2_hz.size() == c.spectrum.psd_w2_hz.size()) {
        for (std::size_t i = 0; i < s.psd_w2_hz.size(); ++i)
          c.spectrum.psd_w2_hz[i] += s.psd_w2_hz[i];
        c.spectrum.segments += s.segments;
        ++spectra;
      }
    }
    if (const auto st = largest_step(p);
        st && (!have_step || std::fabs(st->size_w) > std::fabs(c.step.size_w))) {
      have_step = true;
      c.step = *st;
      c.step_time_s = w.start_s + w.dt_s * static_cast<double>(st->index + 1);
      // A change inside interval i, or exactly at its start (seen by the previous sample).
      c.step_cause =
          w.cause[st->index] != Cause::none ? w.cause[st->index] : w.cause[st->index - 1];
    }
  }
  if (spectra > 1)
    for (auto& v : c.spectrum.psd_w2_hz) v /= static_cast<double>(spectra);
  c.band_01_1 = c.spectrum.band_share(0.1, 1.0);
  c.band_1_5 = c.spectrum.band_share(1.0, 5.0);
  c.band_5_20 = c.spectrum.band_share(5.0, 20.0);
  double band = 0;
  for (std::size_t k = 1; k < c.spectrum.psd_w2_hz.size(); ++k) {
    const double f = c.spectrum.frequency_hz(k);
    if (f >= band_lo_hz && f < band_hi_hz) band += c.spectrum.psd_w2_hz[k] * c.spectrum.df_hz;
  }
  c.band_rms_w = std::sqrt(band);
  c.peak_hz = c.spectrum.psd_w2_hz.size() > 1 ? c.spectrum.peak_hz() : std::nan("");
  return c;
}

SwingMonitor::SwingMonitor(world::World& world, SwingSpec spec, sim::Time duration)
    : world_(world), spec_(std::move(spec)), starts_(spec_.window_starts(duration)) {
  const auto& fac = world_.facility();
  has_facility_ = fac.has_power_chain() || fac.has_cooling();
  spec_.mitigation.tdp_w = world_.cluster().node.accelerator->tdp_w.value;
  spec_.mitigation.accelerators = world_.cluster().accelerator_count();
  if (spec_.mitigation.rack_storage) {  // per rack → whole facility
    const double racks = static_cast<double>(world_.rack_count());
    auto& b = spec_.mitigation.rack_storage->battery;
    b.capacity = sim::Joules(spec_.rack_storage_capacity_j * racks);
    b.max_charge = b.max_discharge = sim::Watts(spec_.rack_storage_power_w * racks);
  }
  const MitigationSpec& m = spec_.mitigation;
  in_run_ = !in_run_mitigations(m).empty();
  if (in_run_) {
    if (world_.cluster().node.model != compute::NodePowerModel::operation)
      throw sim::InputError(m.floor_in_run ? spec_.floor_where : spec_.filler_where,
                            "a floor or filler acting in the run (apply: run) needs the operation "
                            "node model (cluster.node.model); use `apply: window`");
    world_.set_power_floor(std::make_shared<InRunFloor>(
        m.floor_in_run ? m.floor_fraction : 0.0, m.filler_in_run ? m.filler_level : 0.0, m.tdp_w));
  }
  auto& sim = world_.simulator();
  handler_ = sim.bind([this](std::uint64_t k) { on_sample(k); });
  for (std::size_t k = 0; k < starts_.size(); ++k)
    sim.at(starts_[k], handler_, k, sim::max_priority);
}

SwingMonitor::~SwingMonitor() = default;

SwingMonitor::State SwingMonitor::state_now() const {
  State s;
  const world::Job* best = nullptr;
  for (const auto& job : world_.jobs())
    if (job.state == world::JobState::running && (!best || job.request.gpus > best->request.gpus))
      best = &job;
  if (best) {
    s.job = best->id;
    s.phase = static_cast<std::int32_t>(best->activity.kind);
    s.share = static_cast<double>(best->request.gpus) / spec_.mitigation.accelerators;
  }
  s.chip_w = world_.cluster_state().chip_power_w();
  s.it_w = world_.it_power_w();
  return s;
}

void SwingMonitor::on_sample(std::uint64_t k) {
  const sim::Time now = world_.simulator().now();
  const double h_s = spec_.resolution.seconds();
  std::array<double, 5 + stage_count> j{};
  j[0] = world_.it_energy_j();
  j[4 + stage_count] = world_.power_floor_energy_j();
  if (has_facility_) {
    const auto& t = world_.facility_totals();
    j[1] = t.facility_j;
    j[2] = t.grid_j;
    j[3] = t.cooling_j;
    for (std::size_t s = 0; s < stage_count; ++s) j[4 + s] = t.stage_j[s];
  }
  State state = state_now();
  if (windows_.size() == k) {  // the window opens
    Window w;
    w.start_s = now.seconds();
    w.dt_s = h_s;
    windows_.push_back(std::move(w));
  } else {
    Window& w = windows_.back();
    const auto avg = [&](std::size_t i) { return (j[i] - last_j_[i]) / h_s; };
    w.it_w.push_back(avg(0));
    w.facility_w.push_back(has_facility_ ? avg(1) : avg(0));
    w.grid_w.push_back(has_facility_ ? avg(2) : avg(0));
    w.cooling_w.push_back(avg(3));
    for (std::size_t s = 0; s < stage_count; ++s) w.stage_w[s].push_back(avg(4 + s));
    w.lift_w.push_back(avg(4 + stage_count));
    const State& before = *last_state_;
    Cause cause = Cause::none;
    const auto is = [](std::int32_t phase, PhaseKind kind) {
      return phase == static_cast<std::int32_t>(kind);
    };
    if (state.job != before.job)
      cause = state.job < 0 ||
                      (before.job >= 0 && world_.jobs()[before.job].state == world::JobState::done)
                  ? Cause::job_end
                  : Cause::job_start;
    else if (state.phase != before.phase)
      cause = is(state.phase, PhaseKind::restart) ? Cause::failure
              : is(state.phase, PhaseKind::checkpoint) || is(before.phase, PhaseKind::checkpoint)
                  ? Cause::checkpoint
                  : Cause::phase;
    w.cause.push_back(cause);
  }
  Window& w = windows_.back();
  // The state from now on.
  w.it_now_w.push_back(state.it_w);
  w.chip_w.push_back(state.chip_w);
  w.phase.push_back(state.phase);
  w.job_share.push_back(state.share);
  if (now + spec_.resolution <= starts_[k] + spec_.window)
    world_.simulator().at(now + spec_.resolution, handler_, k, sim::max_priority);
  last_state_ = std::make_unique<State>(state);
  last_j_ = j;
}

SwingReport SwingMonitor::report(double ramp_limit_w_per_s) const {
  SwingReport r;
  r.windows = windows_;
  // A window cut short by the end of the run keeps its recorded samples only.
  for (auto& w : r.windows) {
    const std::size_t n = w.size() + 1;
    w.it_now_w.resize(n);
    w.chip_w.resize(n);
    w.phase.resize(n, -1);
    w.job_share.resize(n);
  }
  std::erase_if(r.windows, [](const Window& w) { return w.size() < 2; });
  const double seg_s = spec_.psd_segment.seconds();
  const auto traces = [&](auto member) {
    std::vector<const std::vector<double>*> out;
    for (const auto& w : r.windows) out.push_back(&(w.*member));
    return out;
  };
  r.it = channel_metrics(r.windows, traces(&Window::it_w), seg_s);
  r.facility = channel_metrics(r.windows, traces(&Window::facility_w), seg_s);
  r.grid = channel_metrics(r.windows, traces(&Window::grid_w), seg_s);
  double window_s = 0;
  std::size_t samples = 0;
  r.phase_share.assign(static_cast<std::size_t>(PhaseKind::done) + 1, 0.0);
  for (const auto& w : r.windows) {
    window_s += w.dt_s * static_cast<double>(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) {
      r.window_facility_j += w.facility_w[i] * w.dt_s;
      if (w.phase[i] >= 0) r.phase_share[static_cast<std::size_t>(w.phase[i])] += 1;
    }
    samples += w.size();
    if (!r.step_period_s) r.step_period_s = step_period_s(w);
    if (ramp_limit_w_per_s > 0) {
      const std::size_t lag = lag_for(1.0, w.dt_s);
      for (std::size_t i = 0; i + lag < w.size(); ++i)
        if (std::fabs(w.grid_w[i + lag] - w.grid_w[i]) > ramp_limit_w_per_s * lag * w.dt_s)
          r.ramp_limit_violation_s += w.dt_s;
    }
  }
  for (auto& s : r.phase_share) s = samples ? s / static_cast<double>(samples) : 0.0;
  r.ramp_limit_w_per_s = ramp_limit_w_per_s;
  // In-run measures: the run's own meter, and the extra the lift cost over the windows (at the
  // chain's and cooling's response, as for the window models).
  if (in_run_) r.lift_run_j = world_.power_floor_energy_j();
  for (const auto& name : in_run_mitigations(spec_.mitigation)) {
    MitigationResult m;
    m.name = name;
    m.grid = r.grid;
    for (const auto& w : r.windows) {
      const double slow = facility_response(w).slow;
      for (std::size_t i = 0; i < w.size(); ++i) {
        m.extra_facility_j += slow * w.lift_w[i] * w.dt_s;
        m.grid_w.push_back(w.grid_w[i]);
      }
    }
    m.extra_kw = window_s > 0 ? m.extra_facility_j / window_s / 1e3 : 0.0;
    // Over what the windows would have drawn without it.
    const double base_j = r.window_facility_j - m.extra_facility_j;
    m.extra_share = base_j > 0 ? m.extra_facility_j / base_j : 0.0;
    r.mitigations.push_back(std::move(m));
  }
  for (const auto& name : enabled_mitigations(spec_.mitigation)) {
    MitigationResult m;
    m.name = name;
    std::vector<std::vector<double>> grid;
    for (const auto& w : r.windows) {
      Mitigated x = apply_mitigation(name, spec_.mitigation, w);
      m.extra_facility_j += x.extra_facility_j;
      m.throughput_loss = x.throughput_loss;
      m.grid_w.insert(m.grid_w.end(), x.grid_w.begin(), x.grid_w.end());
      grid.push_back(std::move(x.grid_w));
    }
    std::vector<const std::vector<double>*> ptrs;
    for (const auto& g : grid) ptrs.push_back(&g);
    m.grid = channel_metrics(r.windows, ptrs, seg_s);
    m.extra_kw = window_s > 0 ? m.extra_facility_j / window_s / 1e3 : 0.0;
    m.extra_share = r.window_facility_j > 0 ? m.extra_facility_j / r.window_facility_j : 0.0;
    r.mitigations.push_back(std::move(m));
  }
  return r;
}

}  // namespace joule::models::swing
