#include "models/power/transformer.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace joule::models::power {

const sim::ModelDoc& transformer_doc() {
  static const sim::ModelDoc doc{
      "power_chain",
      "transformer",
      "MV/LV transformers: loss = rating · (no_load_loss + load_loss · x²) per unit.",
      {
          {"unit_rating", "W", "auto",
           "rating of one transformer (real power, pf ≈ 1); auto: sized to 1.5 × the design IT "
           "load, at most 2.5 MW per unit"},
          {"count", "integer", "auto",
           "number of transformers; auto: enough for 1.5 × the design IT load"},
          {"no_load_loss", "number", "0.0008", "core loss per unit of rating"},
          {"load_loss", "number", "0.007", "winding loss at rated load per unit of rating"},
      }};
  return doc;
}

TransformerSpec transformer_spec(const sim::ParamReader& r) {
  TransformerSpec s;
  s.auto_rating = !r.has("unit_rating") || r.string("unit_rating") == "auto";
  if (!s.auto_rating) s.unit_rating = r.quantity<sim::Watts>("unit_rating", sim::Range::positive());
  if (r.has("count") && r.string("count") != "auto")
    s.count = static_cast<int>(r.integer("count", sim::Range::between(1, 10000)));
  s.no_load_loss = r.number("no_load_loss", sim::Range::between(0, 0.1));
  s.load_loss = r.number("load_loss", sim::Range::between(0, 0.1));
  return s;
}

Transformer::Transformer(const TransformerSpec& spec, sim::Watts design_it_load) : spec_(spec) {
  if (!(spec.unit_rating.value() > 0)) throw std::invalid_argument("transformer rating <= 0");
  const double design_w = transformer_sizing_factor * design_it_load.value();
  // At most a million units (a rating far below the load): keeps the count an int.
  units_ =
      spec.count > 0
          ? spec.count
          : static_cast<int>(std::clamp(std::ceil(design_w / spec.unit_rating.value()), 1.0, 1e6));
  rating_w_ = spec.auto_rating && design_w > 0
                  ? std::min(spec.unit_rating.value(), design_w / units_)
                  : spec.unit_rating.value();
}

double Transformer::load_fraction(double load_w) const {
  return std::abs(load_w) / (units_ * rating_w_);
}

double Transformer::loss_w(double load_w) const {
  const double x = load_fraction(load_w);
  return units_ * rating_w_ * (spec_.no_load_loss + spec_.load_loss * x * x);
}

}  // namespace joule::models::power
