// Hardware catalog of accelerators: vendor specs plus default (estimated) power coefficients.
//
// Each entry holds, per chip: peak dense throughput per op class (FLOP/s for compute, byte/s
// for memory and interconnect, sent direction), HBM capacity, board power limit (TDP), idle
// power with and without a live context, clocks, the default energy per op e_k and DVFS fit
// P(f) = β·f³ + τ·f + P_const, the throttle temperature and the die-to-coolant thermal
// resistance for air and cold-plate cooling. Every number is a Sourced<double>: spec,
// measurement or estimate, with its source or derivation (accelerator_catalog.cpp shows the
// arithmetic). No calibration measurement is shipped yet: all energies are estimates, and a
// `joule-calibration/1` file overrides them (calibration.hpp).
#pragma once

#include <array>
#include <iosfwd>
#include <string>
#include <vector>

#include "models/compute/calibration.hpp"
#include "models/compute/op_rates.hpp"
#include "models/compute/sourced.hpp"

namespace joule::models::compute {

struct AcceleratorSpec {
  std::string id;    // catalog key, e.g. "h100-sxm"
  std::string name;  // e.g. "NVIDIA H100 SXM5 80GB"

  std::array<Sourced<double>, op_count> peak;  // dense peak rate; 0 = not supported/catalogued
  Sourced<double> hbm_capacity_b;
  Sourced<double> interconnect_bidir_bps;  // as vendors quote it (both directions)
  Sourced<double> tdp_w;                   // board power limit = highest allowed cap
  Sourced<double> idle_w;                  // idle, no context, at reference_temp_c
  Sourced<double> context_w;               // idle with a live context (clocks up)
  Sourced<double> reference_temp_c;
  Sourced<double> leakage_per_kelvin;
  Sourced<double> nominal_clock_hz;  // clock at which `peak` and op rates are stated
  Sourced<double> min_clock_hz;      // lowest clock the power/thermal governor goes to
  std::array<Sourced<double>, op_count> energy_j;  // J/FLOP or J/byte, board level
  Sourced<double> beta_w_per_ghz3, tau_w_per_ghz, p_const_w;
  Sourced<double> throttle_temp_c;
  Sourced<double> r_th_air_k_per_w;         // die above inlet air, per board watt
  Sourced<double> r_th_cold_plate_k_per_w;  // die above coolant supply, per board watt
  // 1 when the chip-to-chip interconnect links chips across hosts (TPU ICI in a pod), 0 when
  // it stays inside a node (NVLink domain of one server).
  Sourced<double> pod_interconnect = spec(0.0, "interconnect inside one node");
  // Share of the tensor peak a large dense GEMM sustains (the best a training step's GEMM
  // kernels reach). A step at kernel efficiency η spends min(1, η/gemm_efficiency) of its
  // compute time in GEMMs, bound by the core clock; the rest is memory- or link-bound.
  Sourced<double> gemm_efficiency =
      estimate(0.75, "estimate: between the measured V100 (0.66) and H100 (0.79) GEMM shares");

  double peak_rate(Op op) const { return peak[static_cast<std::size_t>(op)].value; }
};

// All catalog entries (H100 SXM, H200, A100 SXM 80GB, B200, V100 SXM2/SXM3, TPU v2, v3, v4,
// v5e, v5p).
const std::vector<AcceleratorSpec>& accelerator_catalog();
// The entry with this id (user-declared entries first, user_catalog.hpp), or nullptr.
const AcceleratorSpec* find_accelerator(std::string_view id);
std::vector<std::string> accelerator_ids();
bool is_builtin_accelerator(std::string_view id);
// Registers a user-declared chip (a later one with the same id replaces it); the pointer stays
// valid for the life of the process.
const AcceleratorSpec* add_user_accelerator(AcceleratorSpec chip);
// The catalog's derived estimates of a chip from its TDP, idle power and clock: the DVFS fit
// and the die-to-coolant resistances (accelerator_catalog.cpp).
void derive_estimates(AcceleratorSpec& chip);

// The catalog's estimates as a Calibration (kind = estimate); overlay a file on top of it.
Calibration default_calibration(const AcceleratorSpec& chip);

// Share of a step's compute time bound by the core clock when its tensor rate is
// `tensor_fraction` of peak: the GEMM time share min(1, tensor_fraction / gemm_efficiency).
double core_bound_share(const AcceleratorSpec& chip, double tensor_fraction);

// The "reference training mix" used to check estimates against TDP: dense BF16 (FP16 where the
// chip has no BF16) at `mfu` of peak, plus HBM traffic at `hbm_fraction` of peak bandwidth;
// its core-bound share is core_bound_share(chip, mfu).
OpRates reference_training_rates(const AcceleratorSpec& chip, double mfu = 0.45,
                                 double hbm_fraction = 0.40);

// Prints every catalog number with its kind and source (for `joule list-models`).
void print_accelerator_catalog(std::ostream& out);

}  // namespace joule::models::compute
