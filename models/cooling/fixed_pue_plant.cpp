// Fixed-PUE facility overhead: P_cooling = (PUE − 1) · P_IT.
//
// Not a physical plant: the published-figure mode for reproducing papers that report a PUE
// rather than a plant (Patterson et al. 2021 use each data center's published PUE). With no
// `power_chain` section the whole overhead is booked here, so the run's PUE equals the given
// value exactly. The overhead is reported under `chillers`; no water is modelled.
#include <cmath>

#include "models/cooling/plant.hpp"

namespace joule::models::cooling {

namespace {

class FixedPuePlant final : public CoolingPlant {
public:
  explicit FixedPuePlant(double pue) : pue_(pue) {}
  PlantOutputs step(sim::Time, const PlantInputs& in) override { return evaluate(in); }
  PlantOutputs evaluate(const PlantInputs& in) const override {
    PlantOutputs out;
    const double it_w = (in.chip_heat + in.other_it_heat).value();
    out[Component::chillers] = sim::Watts((pue_ - 1.0) * it_w);
    out.total_up();
    out.heat_in = in.heat_in();
    out.heat_rejected = in.heat_in() + out.power;
    out.supply_air = sim::Celsius{22.0};
    out.facility_water = sim::Celsius{std::nan("")};
    return out;
  }
  const std::string& type() const override { return type_; }

private:
  double pue_;
  std::string type_ = "fixed-pue";
};

const sim::ModelDoc& fixed_pue_doc() {
  static const sim::ModelDoc doc{
      "cooling",
      "fixed-pue",
      "Overhead as a published PUE: cooling power = (pue - 1) x IT power (replay of papers)",
      {{"pue", "number", "", "published power usage effectiveness, >= 1"}}};
  return doc;
}

const bool registered =
    CoolingPlantRegistry::add(fixed_pue_doc(), [](const sim::ParamReader& r, const PlantSizing&) {
      return std::make_unique<FixedPuePlant>(r.number("pue", sim::Range::between(1.0, 5.0)));
    });

}  // namespace

}  // namespace joule::models::cooling
