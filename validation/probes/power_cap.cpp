// Probe: what a board power cap does to one accelerator running a steady training load.
//
// Inputs per point: chip (catalog id), mfu (tensor rate over BF16 peak, FP16 where no BF16),
// hbm_fraction (default 0.4), cap_w (the cap), reference_cap_w (the cap compared with, e.g.
// the default limit), coolant_c (default 25), quantity: time_ratio | energy_ratio.
//   time_ratio   = s_ref / s_cap                     step time ∝ 1/f (compute-bound work)
//   energy_ratio = (P_cap / s_cap) / (P_ref / s_ref)  energy per step, accelerator only
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
    if (q == "time_ratio") return ref.clock_fraction / cap.clock_fraction;
    if (q == "energy_ratio")
      return (cap.power_w / cap.clock_fraction) / (ref.power_w / ref.clock_fraction);
    throw std::invalid_argument("quantity must be time_ratio or energy_ratio, got '" + q + "'");
  });
}
