#include "models/swing/mitigation.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "models/workload/training_job.hpp"

namespace joule::models::swing {

namespace {

using workload::PhaseKind;

bool running(std::int32_t phase) {
  return phase >= 0 && static_cast<PhaseKind>(phase) != PhaseKind::done;
}
bool computing(std::int32_t phase) {
  return phase >= 0 && (static_cast<PhaseKind>(phase) == PhaseKind::forward_backward ||
                        static_cast<PhaseKind>(phase) == PhaseKind::steps);
}

// Adds ΔP_IT (per sample) to IT, facility and grid: the trace moves by the power chain's
// response, the energy by the chain's and the cooling's (facility_response).
void add_it(Mitigated& m, const Window& w, const std::vector<double>& delta_it_w) {
  const Response r = facility_response(w);
  for (std::size_t i = 0; i < w.size(); ++i) {
    m.it_w[i] += delta_it_w[i];
    m.facility_w[i] += r.fast * delta_it_w[i];
    m.grid_w[i] += r.fast * delta_it_w[i];
    m.extra_facility_j += r.slow * delta_it_w[i] * w.dt_s;
  }
}

// Interval i's value of a function of the state, blending the states at its two ends by the
// time θ spent in the second: with one change inside the interval, the interval's IT average
// P̄ = (1 − θ) P(t_i) + θ P(t_i+1).
template <class F>
double blend(const Window& w, std::size_t i, F f) {
  const double a = w.it_now_w[i], b = w.it_now_w[i + 1];
  const double theta = std::fabs(b - a) > 1e-9 * std::max(std::fabs(a), 1.0)
                           ? std::clamp((w.it_w[i] - a) / (b - a), 0.0, 1.0)
                           : 0.0;
  return (1 - theta) * f(i) + (theta > 0 ? theta * f(i + 1) : 0.0);
}

// Storage smoothing `load` (W): returns the store's power (> 0 discharge) and adds its
// conversion loss to `loss_j`.
std::vector<double> smooth(const StorageSpec& s, const std::vector<double>& load, double dt_s,
                           double& loss_j) {
  power::Battery battery(s.battery);
  std::vector<double> out(load.size(), 0.0);
  if (load.empty()) return out;
  const double alpha = 1.0 - std::exp(-dt_s / std::max(s.tau_s, 1e-9));
  double target = load.front();
  for (std::size_t i = 0; i < load.size(); ++i) {
    double next = target + alpha * (load[i] - target);
    if (s.ramp_w_per_s > 0) {
      const double limit = s.ramp_w_per_s * dt_s;
      next = std::clamp(next, target - limit, target + limit);
    }
    target = next;
    const power::Battery::Step st = battery.step(dt_s, load[i] - target);
    out[i] = st.power_w;
    loss_j += st.loss_w * dt_s;
  }
  return out;
}

}  // namespace

// The slow response scales as Facility::facility_power_at does.
Response facility_response(const Window& w) {
  const std::size_t n = w.size();
  double mx = 0, my = 0, mc = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += w.it_w[i];
    my += w.facility_w[i] - w.cooling_w[i];
    mc += w.cooling_w[i];
  }
  if (n == 0 || !(mx > 0)) return {};
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  mc /= static_cast<double>(n);
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += (w.it_w[i] - mx) * (w.it_w[i] - mx);
    sxy += (w.it_w[i] - mx) * (w.facility_w[i] - w.cooling_w[i] - my);
  }
  Response r;
  // A flat window: the chain's mean ratio stands for its slope.
  r.fast = sxx > 1e-6 * mx * mx ? sxy / sxx : my / mx;
  r.slow = r.fast + mc / mx;
  return r;
}

std::vector<std::string> enabled_mitigations(const MitigationSpec& spec) {
  std::vector<std::string> out;
  if (spec.floor_fraction > 0 && !spec.floor_in_run) out.emplace_back("floor");
  if (spec.filler_level > 0 && !spec.filler_in_run) out.emplace_back("filler");
  if (spec.rack_storage) out.emplace_back("rack_storage");
  if (spec.bess) out.emplace_back("bess");
  if (spec.stagger_groups > 1) out.emplace_back("stagger");
  return out;
}

std::vector<std::string> in_run_mitigations(const MitigationSpec& spec) {
  std::vector<std::string> out;
  if (spec.floor_fraction > 0 && spec.floor_in_run) out.emplace_back("floor");
  if (spec.filler_level > 0 && spec.filler_in_run) out.emplace_back("filler");
  return out;
}

std::optional<double> step_period_s(const Window& w) {
  std::vector<double> starts;
  for (std::size_t i = 1; i < w.size(); ++i)
    if (computing(w.phase[i]) && !computing(w.phase[i - 1]))
      starts.push_back(w.start_s + w.dt_s * static_cast<double>(i));
  if (starts.size() < 2) return std::nullopt;
  return (starts.back() - starts.front()) / static_cast<double>(starts.size() - 1);
}

Mitigated apply_mitigation(const std::string& name, const MitigationSpec& spec, const Window& w) {
  Mitigated m{name, w.it_w, w.facility_w, w.grid_w, 0.0, 0.0};
  const std::size_t n = w.size();
  std::vector<double> delta(n, 0.0);
  if (name == "floor") {
    const auto lift = [&](std::size_t j) {
      if (!running(w.phase[j])) return 0.0;
      const double job_chip_w = w.chip_w[j] * w.job_share[j];
      const double floor_w = spec.floor_fraction * spec.tdp_w * w.job_share[j] * spec.accelerators;
      return std::max(0.0, floor_w - job_chip_w) / spec.psu_efficiency;
    };
    for (std::size_t i = 0; i < n; ++i) delta[i] = blend(w, i, lift);
    add_it(m, w, delta);
  } else if (name == "filler") {
    // The compute-phase accelerator power the filler aims at: the latest seen.
    // Before the window's first compute phase: that phase's power.
    std::vector<double> compute_chip_w(n + 1, 0.0);
    double last = 0;
    for (std::size_t j = 0; j <= n; ++j)
      if (computing(w.phase[j])) {
        last = w.chip_w[j] * w.job_share[j];
        break;
      }
    for (std::size_t j = 0; j <= n; ++j) {
      if (computing(w.phase[j])) last = w.chip_w[j] * w.job_share[j];
      compute_chip_w[j] = last;
    }
    const auto lift = [&](std::size_t j) {
      if (!running(w.phase[j]) || computing(w.phase[j])) return 0.0;
      const auto kind = static_cast<PhaseKind>(w.phase[j]);
      if (kind == PhaseKind::checkpoint || kind == PhaseKind::restart) return 0.0;
      const double job_chip_w = w.chip_w[j] * w.job_share[j];
      return std::max(0.0, spec.filler_level * compute_chip_w[j] - job_chip_w) /
             spec.psu_efficiency;
    };
    for (std::size_t i = 0; i < n; ++i) delta[i] = blend(w, i, lift);
    add_it(m, w, delta);
    m.throughput_loss = spec.filler_slowdown / (1.0 + spec.filler_slowdown);
  } else if (name == "rack_storage") {
    double loss_j = 0;
    const std::vector<double> store = smooth(*spec.rack_storage, w.it_w, w.dt_s, loss_j);
    for (std::size_t i = 0; i < n; ++i) delta[i] = -store[i];
    add_it(m, w, delta);
    // The store's own energy change is not a cost, its conversion loss is (inside ΔP over a
    // full cycle; counted alone so that a window ending at another charge is fair).
    m.extra_facility_j = facility_response(w).slow * loss_j;
  } else if (name == "bess") {
    double loss_j = 0;
    const std::vector<double> store = smooth(*spec.bess, w.grid_w, w.dt_s, loss_j);
    for (std::size_t i = 0; i < n; ++i) m.grid_w[i] -= store[i];
    m.extra_facility_j = loss_j;
  } else if (name == "stagger") {
    const auto period = step_period_s(w);
    const int groups = spec.stagger_groups;
    if (period && groups > 1 && n > 0) {
      // Before the window starts, a group's earlier samples are taken one step period later
      // (the load repeats every step).
      const auto period_samples = std::max<std::ptrdiff_t>(1, std::llround(*period / w.dt_s));
      for (std::size_t i = 0; i < n; ++i) {
        double sum = 0;
        for (int k = 0; k < groups; ++k) {
          auto j = static_cast<std::ptrdiff_t>(i) -
                   static_cast<std::ptrdiff_t>(std::llround(*period * k / groups / w.dt_s));
          while (j < 0) j += period_samples;
          sum += w.it_w[static_cast<std::size_t>(
              std::min<std::ptrdiff_t>(j, static_cast<std::ptrdiff_t>(n) - 1))];
        }
        delta[i] = sum / groups - w.it_w[i];
      }
      add_it(m, w, delta);
      // Staggering moves when power is drawn, not how much: the reconstruction's energy
      // differs from the window's only at its edges and around non-periodic events
      // (checkpoints), an artefact, not a cost.
      m.extra_facility_j = 0;
    }
  } else {
    throw std::invalid_argument("unknown mitigation " + name);
  }
  return m;
}

}  // namespace joule::models::swing
