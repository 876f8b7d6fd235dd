// Distribution transformers (medium voltage → low voltage) feeding the UPS, cooling and other
// loads:
//     loss = units · P_rated · (p0 + pk · x²),   x = |P_load| / (units · P_rated)
// p0: no-load (core) loss, pk: load (winding) loss at rated load, both per unit of rating.
// Ratings are treated as real power (power factor ≈ 1 for modern server loads).
//
// | parameter | default | basis |
// |---|---|---|
// | unit rating | 2.5 MW | typical data-center pad-mount unit (2500 kVA) |
// | p0 | 0.0008 | estimate for a liquid-immersed 2500 kVA unit (~2 kW core loss) |
// | pk | 0.007 | estimate (~17.5 kW at rated load) |
// Together: η = 99.49 % at 50 % load, about the US DOE 2016 minimum (10 CFR 431.196) for
// 2500 kVA liquid-immersed units (≈ 99.5 %); medium-voltage dry-type units are ~0.2–0.3 points
// lower (set p0/pk accordingly).
// Units: `count`, or by default enough for 1.5 × the design IT load (IT plus an allowance for
// cooling and other loads), so they run near 50–65 % at full IT load. Without `unit_rating`
// the units are sized to that load too (at most 2.5 MW each): a 300 kW hall gets one ~450 kW
// transformer, not a 2.5 MW one idling on its core loss.
#pragma once

#include <cmath>

#include "sim/params.hpp"
#include "sim/units.hpp"

namespace joule::models::power {

struct TransformerSpec {
  sim::Watts unit_rating{2.5e6};
  bool auto_rating = false;  // size the units to the load (largest unit: unit_rating)
  int count = 0;             // 0: sized from the design load
  double no_load_loss = 0.0008;
  double load_loss = 0.007;
};

inline constexpr double transformer_sizing_factor = 1.5;  // × design IT load, when count is auto

const sim::ModelDoc& transformer_doc();
TransformerSpec transformer_spec(const sim::ParamReader& r);

class Transformer {
public:
  Transformer(const TransformerSpec& spec, sim::Watts design_it_load);
  int units() const { return units_; }
  double unit_rating_w() const { return rating_w_; }
  double loss_w(double load_w) const;
  double load_fraction(double load_w) const;
  // loss_w() and load_fraction() at one load, the same bits, with one division. Inline: the
  // power chain evaluates it at every change of the IT power.
  struct Operation {
    double loss_w = 0;
    double load_fraction = 0;
  };
  Operation operate(double load_w) const {
    const double capacity_w = units_ * rating_w_;
    const double x = std::abs(load_w) / capacity_w;
    return {capacity_w * (spec_.no_load_loss + spec_.load_loss * x * x), x};
  }
  sim::Watts loss(sim::Watts load) const { return sim::Watts(loss_w(load.value())); }

private:
  TransformerSpec spec_;
  int units_ = 1;
  double rating_w_ = 0;
};

}  // namespace joule::models::power
