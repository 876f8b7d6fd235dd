// Probe: what a board power cap does to one accelerator running a steady training load.
//
// Inputs per point: chip (catalog id), mfu (tensor rate over BF16 peak, FP16 where no BF16),
// hbm_fraction (default 0.4), cap_w (the cap), reference_cap_w (the cap compared with, e.g.
// the default limit), coolant_c (default 25), quantity: time_ratio | energy_ratio.
// The load's core-bound share is the catalog's GEMM share min(1, mfu / gemm_efficiency)
// (reference_training_rates); x = 1/(φ/s + 1 − φ) is its work rate at clock fraction s.
//   time_ratio   = x_ref / x_cap                     time per unit of work
//   energy_ratio = (P_cap / x_cap) / (P_ref / x_ref)  energy per unit of work, accelerator only
// Output: the ratio (capped over reference).
#include <string>

#include "models/compute/accelerator.hpp"
#include "models/compute/accelerator_catalog.hpp"
#include "probe_io.hpp"

using namespace joule::models::compute;

int main() {
  return joule::validation::run_probe("power_cap", [](const joule::validation::Inputs& in) {
    const std::string id = in.string("chip");
    const AcceleratorSpec* chip = find_accelerator(id);
    if (!chip) throw std::invalid_argument("unknown chip '" + id + "'");
    const OpRates rates =
        reference_training_rates(*chip, in.number("mfu"), in.number("hbm_fraction", 0.4));
    auto at = [&](double cap_w) {
      AcceleratorSettings s;
      s.power_cap = joule::sim::Watts(cap_w);
      return Accelerator(*chip, default_calibration(*chip), s)
          .evaluate(rates, in.number("coolant_c", 25.0));
    };
    const AcceleratorState cap = at(in.number("cap_w")), ref = at(in.number("reference_cap_w"));
    const std::string q = in.string("quantity");
    if (q == "time_ratio") return ref.throughput_factor() / cap.throughput_factor();
    if (q == "energy_ratio")
      return (cap.power_w / cap.throughput_factor()) / (ref.power_w / ref.throughput_factor());
    throw std::invalid_argument("quantity must be time_ratio or energy_ratio, got '" + q + "'");
  });
}
