// The facility power chain, from the grid meter to the servers:
//
//   grid ─ transformer ─┬─ UPS ─ PDU ─ IT (server AC input: PSU losses are inside IT)
//                       ├─ cooling   (fed from the transformer, not the UPS, unless
//                       │             cooling_on_ups: true — e.g. CRAH fans and pumps kept up)
//                       ├─ other     (lighting, offices, security: constant, W)
//                       ├─ PV        (on-site generation, > 0 supplies the bus)
//                       └─ battery   (> 0 discharging into the bus, < 0 charging)
//
// One evaluation, top-down from the loads (each stage's loss depends on its own output):
//   pdu_loss   = fixed + it · (1/η_pdu − 1)
//   ups_out    = it + pdu_loss (+ cooling when cooling_on_ups);   ups_loss = UPS(ups_out)
//   bus        = ups_out + ups_loss + cooling (if not on UPS) + other − pv − battery
//   tx_loss    = Transformer(|bus|);   grid = bus + tx_loss
// so that, exactly (to rounding),
//   grid = it + pdu_loss + ups_loss + transformer_loss + export_loss + cooling + other − pv
//          − battery.
// A negative bus (PV surplus) is export through the transformer, which still loses energy:
// the no-load part stays a facility loss, the rest is the export loss, kept out of the PUE
// (ISO/IEC 30134-2:2016: on-site generation is a supply, not a load).
//
// Export limit: with `export_limit` set, PV the site can neither use, store nor export within
// the limit is curtailed (the inverters back off): evaluate_limited() finds the PV power that
// puts the grid at exactly −limit (grid is strictly decreasing in PV: bisection).
//
// Component physics and default coefficients: psu.hpp, ups.hpp, transformer.hpp, battery.hpp,
// pv.hpp. PDU default η = 0.99: 415/240 V distribution without a PDU transformer (busway,
// rack PDU, cabling); PDUs with a 480→208 V transformer run ~97–98 % (Rasmussen, APC WP 113)
// — estimate.
#pragma once

#include <optional>
#include <string>

#include "models/power/battery.hpp"
#include "models/power/psu.hpp"
#include "models/power/pv.hpp"
#include "models/power/support_loads.hpp"
#include "models/power/transformer.hpp"
#include "models/power/ups.hpp"
#include "sim/params.hpp"
#include "sim/units.hpp"

namespace joule::models::power {

struct PowerChainSpec {
  double pdu_efficiency = 0.99;
  sim::Watts pdu_fixed_loss{0};
  UpsSpec ups;
  TransformerSpec transformer;
  std::optional<BatterySpec> battery;
  std::optional<PvSpec> pv;
  sim::Watts other_load{0};
  std::optional<sim::Watts> export_limit;  // none: any surplus may be exported
  bool cooling_on_ups = false;
  SupportSpec support;
};

// Keys of the `power_chain` section; `ups`, `transformer`, `battery`, `pv` are sub-maps with
// their own docs (ups_doc(), transformer_doc(), battery_doc(), pv_doc()).
const sim::ModelDoc& power_chain_doc();
PowerChainSpec power_chain_spec(const sim::ParamReader& r);

// Every stage at one instant, in W.
struct ChainBreakdown {
  double it_w = 0;
  double pdu_loss_w = 0;
  double ups_loss_w = 0;
  double transformer_loss_w = 0;
  double cooling_w = 0;
  double other_w = 0;
  double pv_w = 0;
  double battery_w = 0;  // > 0 discharging
  double grid_w = 0;     // at the meter; < 0 exports
  // Transformer loss caused by exporting (PV surplus): the loss at the exported flow above the
  // no-load loss. Not a facility load (ISO/IEC 30134-2), reported apart.
  double export_loss_w = 0;
  double ups_unit_load_fraction = 0;
  double transformer_load_fraction = 0;

  double losses_w() const { return pdu_loss_w + ups_loss_w + transformer_loss_w; }
  // Consumption of the facility before on-site sources: the PUE numerator.
  double facility_w() const { return it_w + losses_w() + cooling_w + other_w; }
};

class PowerChain {
public:
  // Sizes the UPS for the design IT load (plus its PDU loss, plus `design_cooling_load` when
  // cooling is on the UPS) and, when their count is auto, the transformers.
  PowerChain(const PowerChainSpec& spec, sim::Watts design_it_load,
             sim::Watts design_cooling_load = sim::Watts(0));

  ChainBreakdown evaluate(double it_w, double cooling_w, double other_w, double pv_w,
                          double battery_w) const;
  // As evaluate() with `pv_available_w` of PV, curtailed so that the export stays within
  // `export_limit`; the breakdown's pv_w is the PV used (available − curtailed). Without a
  // limit, evaluate()'s breakdown itself, inline (the facility's one evaluation at each change
  // of the IT power and each step: no call in between).
  ChainBreakdown evaluate_limited(double it_w, double cooling_w, double other_w,
                                  double pv_available_w, double battery_w) const {
    if (!spec_.export_limit) return evaluate(it_w, cooling_w, other_w, pv_available_w, battery_w);
    return evaluate_curtailed(it_w, cooling_w, other_w, pv_available_w, battery_w);
  }

  double pdu_loss_w(double it_w) const;
  double other_load_w() const { return spec_.other_load.value(); }
  // On-site PV output at irradiance `ghi_w_per_m2` (0 without PV).
  double pv_w(double ghi_w_per_m2) const {
    return spec_.pv ? pv_power_w(*spec_.pv, ghi_w_per_m2) : 0.0;
  }

  const UpsSystem& ups() const { return ups_; }
  const Transformer& transformer() const { return transformer_; }
  const PowerChainSpec& spec() const { return spec_; }

private:
  // evaluate_limited() under an export limit.
  ChainBreakdown evaluate_curtailed(double it_w, double cooling_w, double other_w,
                                    double pv_available_w, double battery_w) const;

  PowerChainSpec spec_;
  UpsSystem ups_;
  Transformer transformer_;
  // 1/η_PDU − 1, the PDU's proportional loss per watt, as pdu_loss_w() computed it at each
  // call: a division off the chain's dependent path (fixed loss → UPS → transformer).
  double pdu_loss_per_w_;
};

}  // namespace joule::models::power
