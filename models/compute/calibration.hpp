// Calibration of one accelerator: the coefficients of P = P_static(T) + Σ_k e_k·r_k and of the
// DVFS curve P(f) = β·f³ + τ·f + P_const, as written by kernels/ (`joule-calibration/1`):
//
//   format: joule-calibration/1
//   chip: h100-sxm                      # catalog id the file calibrates
//   device: "NVIDIA H100 80GB HBM3"     # as the driver names it
//   kind: measurement                   # measurement | estimate
//   source / date / driver / method     # provenance, free text
//   static: {idle_power: "70 W", reference_temp: "40 degC", leakage_per_kelvin: 0.008,
//            context_power: "145 W"}    # context_power optional (idle with a live context)
//   energy_per_op: {tensor_bf16: "0.95 pJ/FLOP", hbm: "60 pJ/B", ...}   # each optional
//   dvfs: {nominal_clock: "1980 MHz", beta_w_per_ghz3: 40, tau_w_per_ghz: 100, p_const_w: 80}
//   fit: {windows: 250, loo_mape_percent: 6.1, heldout_mape_percent: 8.3, heldout_kernels: [..]}
//
// The application turns the YAML file into a ParamNode (io::parse_yaml_text); this file reads
// it with unit checks. Values the file leaves out keep the catalog's estimates (`overlay`).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "models/compute/op_rates.hpp"
#include "models/compute/sourced.hpp"
#include "sim/params.hpp"
#include "sim/units.hpp"

namespace joule::models::compute {

inline constexpr std::string_view calibration_format = "joule-calibration/1";

struct Calibration {
  std::string chip;    // catalog id, e.g. "h100-sxm"
  std::string device;  // driver's device name
  SourceKind kind = SourceKind::estimate;
  std::string source, date, driver, method;

  struct Static {
    sim::Watts idle_power;            // idle without a context, at reference_temp
    sim::Celsius reference_temp;      // die temperature at which idle_power was measured
    double leakage_per_kelvin = 0.0;  // P_static(T) = idle·(1 + leakage_per_kelvin·(T − T_ref))
    std::optional<sim::Watts> context_power;  // idle with a live context (clocks up)
  } static_power;

  // J/FLOP for compute classes, J/byte for memory and interconnect classes; empty = not given.
  std::array<std::optional<double>, op_count> energy_per_op{};

  struct Dvfs {
    sim::Hertz nominal_clock;
    double beta_w_per_ghz3 = 0.0;  // P(f) = β·f³ + τ·f + P_const, f in GHz
    double tau_w_per_ghz = 0.0;
    double p_const_w = 0.0;
  };
  std::optional<Dvfs> dvfs;

  struct Fit {
    std::optional<std::int64_t> windows;
    std::optional<double> loo_mape_percent;
    std::optional<double> heldout_mape_percent;
    std::vector<std::string> heldout_kernels;
  };
  std::optional<Fit> fit;
};

// Key documentation of the file (and of its sections), for `joule list-models`.
const sim::ModelDoc& calibration_doc();

// Reads a calibration from the tree of a `joule-calibration/1` file. Errors (wrong format tag,
// missing sections, wrong units, negative energies, unknown op names) are InputErrors pointing
// into the file.
Calibration calibration_from_params(const sim::ParamNode& root);

// `base` with every value present in `file` replacing it (chip, provenance and static section
// come from the file; each energy and the DVFS fit only when the file gives them). A file whose
// static section omits context_power keeps base's context power.
Calibration overlay(const Calibration& base, const Calibration& file);

}  // namespace joule::models::compute
