#include "models/power/power_chain.hpp"

#include <cmath>
#include <stdexcept>

namespace joule::models::power {

const sim::ModelDoc& power_chain_doc() {
  static const sim::ModelDoc doc = [] {
    sim::ModelDoc d{
        "power_chain",
        "power_chain",
        "Grid → transformer → UPS → PDU → IT, with cooling and other loads on the transformer, "
        "optional on-site PV and battery; every stage's loss is computed. The servers' own "
        "supplies are part of each node: `cluster.node.psu`.",
        {
            {"pdu_efficiency", "number", "0.99", "PDU + distribution efficiency (proportional)"},
            {"pdu_fixed_loss", "W", "0 W", "PDU losses independent of load"},
            {"ups", "map", "{}", "UPS system (see 'ups')"},
            {"transformer", "map", "{}", "MV/LV transformers (see 'transformer')"},
            {"battery", "map", "none", "behind-the-meter battery (see 'battery')"},
            {"pv", "map", "none", "on-site PV (see 'pv')"},
            {"other_load", "W", "0 W",
             "offices, security and other constant loads (cooled at room_cop)"},
            {"cooling_on_ups", "bool", "false", "feed cooling through the UPS too"},
            {"export_limit", "W", "none",
             "most power the site may send to the grid; PV beyond it is curtailed (0: no "
             "export). Absent: unlimited"},
        }};
    const auto more = support_keys();
    d.keys.insert(d.keys.end(), more.begin(), more.end());
    return d;
  }();
  return doc;
}

namespace {

const bool documented = [] {
  for (const sim::ModelDoc* d :
       {&power_chain_doc(), &ups_doc(), &transformer_doc(), &battery_doc(), &pv_doc()})
    sim::model_docs().push_back(d);
  return true;
}();

// A sub-map key must be a map (or absent).
const sim::ParamNode* sub_map(const sim::ParamReader& r, const char* key) {
  const sim::ParamNode* n = r.node(key);
  if (n && !n->is_map()) r.fail(key, "must be a map of keys");
  return n;
}

const PowerChainSpec& checked(const PowerChainSpec& spec) {
  if (!(spec.pdu_efficiency > 0 && spec.pdu_efficiency <= 1))
    throw std::invalid_argument("PDU efficiency must be in (0, 1]");
  return spec;
}

}  // namespace

PowerChainSpec power_chain_spec(const sim::ParamReader& r) {
  PowerChainSpec s;
  s.pdu_efficiency = r.number("pdu_efficiency", {0, 1, true, false});
  s.pdu_fixed_loss = r.quantity<sim::Watts>("pdu_fixed_loss", sim::Range::non_negative());
  s.ups = ups_spec(sim::ParamReader(sub_map(r, "ups"), ups_doc()));
  s.transformer = transformer_spec(sim::ParamReader(sub_map(r, "transformer"), transformer_doc()));
  if (const sim::ParamNode* b = sub_map(r, "battery"))
    s.battery = battery_spec(sim::ParamReader(b, battery_doc()));
  if (const sim::ParamNode* p = sub_map(r, "pv")) s.pv = pv_spec(sim::ParamReader(p, pv_doc()));
  s.other_load = r.quantity<sim::Watts>("other_load", sim::Range::non_negative());
  s.cooling_on_ups = r.boolean("cooling_on_ups");
  if (r.has("export_limit"))
    s.export_limit = r.quantity<sim::Watts>("export_limit", sim::Range::non_negative());
  s.support = support_spec(r);
  return s;
}

PowerChain::PowerChain(const PowerChainSpec& spec, sim::Watts design_it_load,
                       sim::Watts design_cooling_load)
    : spec_(checked(spec)),
      ups_(spec.ups, sim::Watts(design_it_load.value() + spec.pdu_fixed_loss.value() +
                                design_it_load.value() * (1.0 / spec.pdu_efficiency - 1.0) +
                                (spec.cooling_on_ups ? design_cooling_load.value() : 0.0))),
      transformer_(spec.transformer, design_it_load),
      pdu_loss_per_w_(1.0 / spec.pdu_efficiency - 1.0) {}

double PowerChain::pdu_loss_w(double it_w) const {
  return spec_.pdu_fixed_loss.value() + it_w * pdu_loss_per_w_;
}

ChainBreakdown PowerChain::evaluate(double it_w, double cooling_w, double other_w, double pv_w,
                                    double battery_w) const {
  ChainBreakdown b;
  b.it_w = it_w;
  b.cooling_w = cooling_w;
  b.other_w = other_w;
  b.pv_w = pv_w;
  b.battery_w = battery_w;
  b.pdu_loss_w = pdu_loss_w(it_w);
  const double ups_out_w = it_w + b.pdu_loss_w + (spec_.cooling_on_ups ? cooling_w : 0.0);
  const UpsSystem::Operation ups = ups_.operate(ups_out_w);
  b.ups_loss_w = ups.loss_w;
  b.ups_unit_load_fraction = ups.unit_load_fraction;
  const double bus_w = ups_out_w + b.ups_loss_w + (spec_.cooling_on_ups ? 0.0 : cooling_w) +
                       other_w - pv_w - battery_w;
  const Transformer::Operation tx = transformer_.operate(bus_w);
  const double tx_loss_w = tx.loss_w;
  b.transformer_loss_w = bus_w < 0 ? transformer_.loss_w(0.0) : tx_loss_w;
  b.export_loss_w = tx_loss_w - b.transformer_loss_w;
  b.transformer_load_fraction = tx.load_fraction;
  b.grid_w = bus_w + tx_loss_w;
  return b;
}

ChainBreakdown PowerChain::evaluate_curtailed(double it_w, double cooling_w, double other_w,
                                              double pv_available_w, double battery_w) const {
  ChainBreakdown b = evaluate(it_w, cooling_w, other_w, pv_available_w, battery_w);
  if (b.grid_w >= -spec_.export_limit->value()) return b;
  // grid(pv) is continuous and strictly decreasing: bisect for grid = −limit, keeping the
  // side that stays within the limit (60 halvings: below a µW for any site).
  const double floor_w = -spec_.export_limit->value();
  double lo = 0.0, hi = pv_available_w;
  if (evaluate(it_w, cooling_w, other_w, lo, battery_w).grid_w < floor_w)
    return evaluate(it_w, cooling_w, other_w, lo, battery_w);  // the battery alone exports
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (evaluate(it_w, cooling_w, other_w, mid, battery_w).grid_w < floor_w ? hi : lo) = mid;
  }
  return evaluate(it_w, cooling_w, other_w, lo, battery_w);
}

}  // namespace joule::models::power
