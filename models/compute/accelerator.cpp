// Accelerator power model (equations in accelerator.hpp).
#include "models/compute/accelerator.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace joule::models::compute {

std::string_view to_string(Cooling c) {
  return c == Cooling::air ? "air" : "cold-plate";
}
std::string_view to_string(Throttle t) {
  switch (t) {
    case Throttle::none:
      return "none";
    case Throttle::power_cap:
      return "power-cap";
    case Throttle::thermal:
      return "thermal";
  }
  return "?";
}

Accelerator::Accelerator(const AcceleratorSpec& chip, const Calibration& cal,
                         const AcceleratorSettings& settings)
    : chip_(&chip) {
  for (std::size_t k = 0; k < op_count; ++k)
    energy_j_[k] = cal.energy_per_op[k].value_or(chip.energy_j[k].value);
  idle_w_ = cal.static_power.idle_power.value();
  t_ref_c_ = cal.static_power.reference_temp.value;
  leakage_ = cal.static_power.leakage_per_kelvin;
  context_extra_w_ = std::max(
      0.0, cal.static_power.context_power.value_or(cal.static_power.idle_power).value() - idle_w_);
  double f_nom_ghz = chip.nominal_clock_hz.value / 1e9;
  double beta = chip.beta_w_per_ghz3.value, tau = chip.tau_w_per_ghz.value;
  if (cal.dvfs) {
    f_nom_ghz = cal.dvfs->nominal_clock.value() / 1e9;
    beta = cal.dvfs->beta_w_per_ghz3;
    tau = cal.dvfs->tau_w_per_ghz;
  }
  const double cubic = beta * f_nom_ghz * f_nom_ghz * f_nom_ghz, linear = tau * f_nom_ghz;
  cubic_share_ = cubic + linear > 0 ? cubic / (cubic + linear) : 0.0;
  s_min_ = std::clamp(chip.min_clock_hz.value / (f_nom_ghz * 1e9), 0.0, 1.0);
  tdp_w_ = chip.tdp_w.value;
  cap_w_ = settings.power_cap ? settings.power_cap->value() : tdp_w_;
  r_th_ = settings.r_th ? settings.r_th->value()
                        : (settings.cooling == Cooling::air ? chip.r_th_air_k_per_w.value
                                                            : chip.r_th_cold_plate_k_per_w.value);
  t_limit_c_ = settings.throttle_temp ? settings.throttle_temp->value : chip.throttle_temp_c.value;
  if (idle_w_ * leakage_ * r_th_ >= 1.0)
    throw std::invalid_argument("accelerator " + chip.id +
                                ": idle·leakage·R_th >= 1 means thermal runaway");
}

void Accelerator::set_power_cap(sim::Watts cap) {
  cap_w_ = cap.value();
}

double Accelerator::op_power_w(const OpRates& rates) const {
  double p = 0.0;
  for (std::size_t k = 0; k < op_count; ++k) p += energy_j_[k] * rates.per_s[k];
  return p;
}

double Accelerator::clock_power_ratio(double s) const {
  return cubic_share_ * s * s * s + (1.0 - cubic_share_) * s;
}

double Accelerator::clock_fraction_for_ratio(double ratio) const {
  return solve_clock(cubic_share_, 1.0 - cubic_share_, ratio);
}

double Accelerator::solve_clock(double a, double b, double c) {
  // Solve a·s³ + b·s = c with a, b ≥ 0, a + b > 0: monotone, one real root.
  if (c <= 0) return 0.0;
  double s;
  if (a < 1e-12) {
    s = c / b;
  } else {
    const double p = b / a, q = -c / a;  // s³ + p·s + q = 0, p ≥ 0: Δ > 0
    const double sq = std::sqrt(q * q / 4 + p * p * p / 27);
    s = std::cbrt(-q / 2 + sq) + std::cbrt(-q / 2 - sq);
  }
  // One Newton step removes the cancellation error of the two cube roots.
  const double f = a * s * s * s + b * s - c, df = 3 * a * s * s + b;
  if (df > 0) s -= f / df;
  return s;
}

double Accelerator::memory_power_w(const OpRates& rates) const {
  double p = 0.0;
  for (const Op op : {Op::hbm, Op::nvlink, Op::pcie})
    p += energy_j_[static_cast<std::size_t>(op)] * rates[op];
  return p;
}

double Accelerator::work_rate(double s, double core_bound) {
  if (core_bound >= 1.0) return s;
  if (s <= 0.0) return 0.0;
  return 1.0 / (core_bound / s + (1.0 - core_bound));
}

AcceleratorState Accelerator::evaluate(const OpRates& demand, double coolant_c,
                                       bool context) const {
  const double coupling = idle_w_ * leakage_ * r_th_;  // ∂P_static/∂P through T_die, < 1
  const double base_w = idle_w_ * (1.0 + leakage_ * (coolant_c - t_ref_c_));
  // Core power (context clocks, tensor/vector/on-chip SRAM ops) follows the V–f curve g(s);
  // off-core I/O (HBM, NVLink/ICI, PCIe) runs on its own supplies: its energy per byte does
  // not depend on the core voltage, so its power only follows the byte rate, ∝ x(s).
  const double phi = std::clamp(demand.core_bound, 0.0, 1.0);
  const double io_w = memory_power_w(demand);
  const double context_w = context ? context_extra_w_ : 0.0;
  const double ops_w = op_power_w(demand) - io_w;
  auto power_at = [&](double s) {
    const double x = work_rate(s, phi);
    const double core_w =
        context_w * clock_power_ratio(s) + (s > 0 ? ops_w * x * clock_power_ratio(s) / s : 0.0);
    return (base_w + core_w + io_w * x) / (1.0 - coupling);
  };

  AcceleratorState out;
  const double thermal_w = (t_limit_c_ - coolant_c) / r_th_;  // P at which T_die hits the limit
  const double limit_w = std::min(cap_w_, thermal_w);
  double s = 1.0;
  if (power_at(1.0) > limit_w) {
    out.throttled = cap_w_ <= thermal_w ? Throttle::power_cap : Throttle::thermal;
    if (phi >= 1.0) {
      // core·(A s³ + B s) + io·s = limit·(1 − coupling) − base
      const double core_w = context_w + ops_w;
      const double room_w = limit_w * (1.0 - coupling) - base_w;
      const double a = core_w * cubic_share_, b = core_w * (1.0 - cubic_share_) + io_w;
      s = a + b > 0 ? solve_clock(a, b, room_w) : 0.0;
    } else {
      // P(s) rises monotonically with s (x, g and g/s all do): bisect on (0, 1].
      double lo = 0.0, hi = 1.0;
      for (int i = 0; i < 60; ++i) {
        const double mid = 0.5 * (lo + hi);
        (power_at(mid) > limit_w ? hi : lo) = mid;
      }
      s = lo;
    }
    if (s <= s_min_) {
      s = s_min_;
      out.at_min_clock = true;
    }
    s = std::min(s, 1.0);
  }
  out.clock_fraction = s;
  out.speed = work_rate(s, phi);
  out.power_w = out.at_min_clock || out.throttled == Throttle::none ? power_at(s) : limit_w;
  out.die_temp_c = coolant_c + r_th_ * out.power_w;
  if (out.at_min_clock) out.over_limit_w = std::max(0.0, out.power_w - limit_w);
  return out;
}

}  // namespace joule::models::compute
