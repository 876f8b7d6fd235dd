// Accelerator power, clock and die temperature under a power cap and a thermal limit.
//
//   P(s, T) = P_static(T) + D_core·g(s) + D_io·s         s = f/f_nom (clock fraction)
//   P_static(T) = P_idle·(1 + λ·(T − T_ref))             linear leakage (|T − T_ref| ≲ 60 K)
//   D_core = (P_context − P_idle) + Σ_{k core} e_k·r_k   core ops at the nominal clock
//   D_io   = Σ_{k ∈ HBM, NVLink, PCIe} e_k·r_k            off-core I/O: energy per byte does not
//                                                        depend on core voltage, so only the
//                                                        byte rate (∝ s) scales under a cap
//   g(s) = (β·(s f)³ + τ·(s f)) / (β·f³ + τ·f)           DVFS fit normalized to nominal
//                                                        (AccelWattch, Kandiah et al. 2021)
//   T_die = T_coolant + R_th·P                          coolant = inlet air or cold-plate supply
//
// Speed under a lower clock (roofline split of the work, as in Williams, Waterman, Patterson,
// CACM 2009): a share φ of the time at nominal clock is bound by the core clock (GEMM kernels),
// the rest by HBM, links or storage, which keep their speed. The work rate relative to nominal
// is
//   x(s) = 1 / (φ/s + 1 − φ)                            (x = s when φ = 1, compute-bound)
// and every op rate scales by x. Core ops at clock s cost g(s)/s times their nominal energy
// (dynamic energy per op ∝ V², and g(s)/s ∝ V² along the V–f curve), so
//   P(s) = P_static + (P_context − P_idle)·g(s) + Σ_core e_k·r_k·x·g(s)/s + D_io·x,
// which is the equation above when φ = 1. φ comes with the demand (OpRates::core_bound).
//
// Because P_static depends on T_die and T_die on P, the fixed point is solved in closed form
// (both are linear): P = (P_idle·(1 + λ·(T_in − T_ref)) + D_core·g(s) + D_io·s) /
// (1 − P_idle·λ·R_th).
// Limits: P ≤ cap and T_die ≤ T_limit ⇔ P ≤ (T_limit − T_in)/R_th; the binding one sets s by
// inverting g (φ = 1: a depressed cubic, Cardano plus one Newton step; φ < 1: bisection, P is
// monotone in s), floored at f_min. A device at a demand above its cap therefore settles at
// the cap with f < f_nom; below f_min it stays above.
//
// Parameters (defaults from the catalog, overridden by a calibration file): P_idle, T_ref, λ,
// P_context, e_k, β, τ (calibration.hpp); cap, R_th, T_limit, f_min (catalog / node spec).
// Evaluation is a few dozen flops: cheap enough per node per state change.
#pragma once

#include <array>
#include <optional>

#include "models/compute/accelerator_catalog.hpp"
#include "models/compute/calibration.hpp"
#include "models/compute/op_rates.hpp"
#include "sim/units.hpp"

namespace joule::models::compute {

enum class Cooling { air, cold_plate };
enum class Throttle { none, power_cap, thermal };

std::string_view to_string(Cooling c);
std::string_view to_string(Throttle t);

struct AcceleratorSettings {
  std::optional<sim::Watts> power_cap;        // default: TDP
  Cooling cooling = Cooling::air;             // selects the catalog R_th
  std::optional<sim::KelvinsPerWatt> r_th;    // overrides the catalog R_th
  std::optional<sim::Celsius> throttle_temp;  // overrides the catalog limit
};

struct AcceleratorState {
  double power_w = 0.0;
  double clock_fraction = 1.0;  // f/f_nom
  double speed = 1.0;           // work rate over nominal, x(s) = 1/(φ/s + 1 − φ)
  double die_temp_c = 0.0;
  Throttle throttled = Throttle::none;
  bool at_min_clock = false;  // the limit could not be met even at f_min
  double over_limit_w = 0.0;  // at f_min: how far the power still exceeds the limit
  double throughput_factor() const { return speed; }
};

class Accelerator {
public:
  Accelerator(const AcceleratorSpec& chip, const Calibration& calibration,
              const AcceleratorSettings& settings = {});

  // Power, clock and temperature for op rates demanded at the nominal clock, with the die's
  // coolant (inlet air or cold-plate supply) at coolant_c. `context`: a job holds the device.
  AcceleratorState evaluate(const OpRates& demand, double coolant_c, bool context = true) const;
  AcceleratorState idle(double coolant_c) const { return evaluate(OpRates{}, coolant_c, false); }

  // Σ_k e_k·r_k at the nominal clock (no static, no context power).
  double op_power_w(const OpRates& rates) const;
  // g(s) and its inverse (s for a given ratio, unclamped).
  double clock_power_ratio(double s) const;
  double clock_fraction_for_ratio(double ratio) const;
  // Σ e_k·r_k over the off-core I/O classes (HBM, NVLink/ICI, PCIe), at the nominal clock.
  double memory_power_w(const OpRates& rates) const;
  // x(s) = 1/(φ/s + 1 − φ): work rate over nominal at clock fraction s, core-bound share φ.
  static double work_rate(double s, double core_bound);
  // The root s ≥ 0 of a·s³ + b·s = c (a, b ≥ 0): Cardano plus one Newton step.
  static double solve_clock(double a, double b, double c);

  void set_power_cap(sim::Watts cap);
  double power_cap_w() const { return cap_w_; }
  double tdp_w() const { return tdp_w_; }
  double r_th_k_per_w() const { return r_th_; }
  double throttle_temp_c() const { return t_limit_c_; }
  double min_clock_fraction() const { return s_min_; }
  double idle_power_w() const { return idle_w_; }
  const AcceleratorSpec& chip() const { return *chip_; }

private:
  const AcceleratorSpec* chip_;
  std::array<double, op_count> energy_j_{};
  double idle_w_, t_ref_c_, leakage_, context_extra_w_;
  double cubic_share_;  // β f³ / (β f³ + τ f) at nominal
  double s_min_, cap_w_, tdp_w_, r_th_, t_limit_c_;
};

}  // namespace joule::models::compute
