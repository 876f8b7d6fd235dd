#include "models/cooling/chiller.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "sim/units.hpp"

namespace joule::models::cooling {

namespace {
// Condenser leaving above entering water at design (ASHRAE 90.1 App. G: 10 °F range), and the
// smallest lift the extrapolation uses.
constexpr double carnot_condenser_rise_k = 5.56;
constexpr double carnot_min_lift_k = 5.0;
}  // namespace

namespace {

std::vector<ChillerCurves> make_catalog() {
  std::vector<ChillerCurves> out;
  {
    ChillerCurves c;
    c.name = "york-yk-2159kw";
    c.description = "ElectricEIRChiller York YK 2159kW/6.85COP/Vanes (EnergyPlus Chillers.idf)";
    c.capacity_w = 2159200;
    c.cop = 6.85;
    c.chw_leaving_ref_c = 6.67;
    c.cond_entering_ref_c = 26.11;
    c.capft = {{0.6322235, 0.01553954, -0.00914977, 0.05284289, -0.002818835, 0.007074096},
               4.44,
               8.89,
               15.56,
               29.44};
    c.eirft = {{0.910673, -0.00378641, -0.001084261, -0.007148246, 0.0005178799, 0.00001818623},
               4.44,
               8.89,
               15.56,
               29.44};
    c.eirfplr = {{0.2595694, 0.1889684, 0.551845}};
    c.plr_min = 0.14;
    c.plr_max = 1.05;
    c.cond_entering_min_c = 15.56;
    out.push_back(c);
  }
  {
    ChillerCurves c;
    c.name = "trane-cvhe-1407kw-vsd";
    c.description = "ElectricEIRChiller Trane CVHE 1407kW/7.14COP/VSD (EnergyPlus Chillers.idf)";
    c.capacity_w = 1406600;
    c.cop = 7.14;
    c.chw_leaving_ref_c = 5.56;
    c.cond_entering_ref_c = 23.89;
    c.capft = {{0.4521342, 0.005248142, -0.006687636, 0.05869437, -0.002390647, 0.005040171},
               4.44,
               8.89,
               12.78,
               29.44};
    c.eirft = {{0.5674858, 0.04461513, -0.006341978, 0.004674972, 0.0004387295, 0.0002778096},
               4.44,
               8.89,
               12.78,
               29.44};
    c.eirfplr = {{0.05963988, 0.3503067, 0.587}};
    c.plr_min = 0.30;
    c.plr_max = 1.06;
    c.cond_entering_min_c = 12.78;
    out.push_back(c);
  }
  return out;
}

}  // namespace

const std::vector<ChillerCurves>& chiller_catalog() {
  static const std::vector<ChillerCurves> catalog = make_catalog();
  return catalog;
}

const ChillerCurves* find_chiller(const std::string& name) {
  for (const auto& c : chiller_catalog())
    if (c.name == name) return &c;
  return nullptr;
}

std::vector<std::string> chiller_names() {
  std::vector<std::string> out;
  for (const auto& c : chiller_catalog()) out.push_back(c.name);
  return out;
}

Chiller::Chiller(const ChillerCurves& curves, double capacity_w)
    : curves_(curves),
      capacity_w_(capacity_w > 0 ? capacity_w : curves.capacity_w),
      capft_ref_(curves.capft(curves.chw_leaving_ref_c, curves.cond_entering_ref_c)),
      eirft_ref_(curves.eirft(curves.chw_leaving_ref_c, curves.cond_entering_ref_c)),
      eirfplr_ref_(curves.eirfplr(1.0)) {
  if (!(curves.cop > 0) || !(capacity_w_ > 0))
    throw std::invalid_argument("chiller needs positive capacity and COP");
}

double Chiller::capft(double chw_leaving_c, double cond_entering_c) const {
  return curves_.capft(chw_leaving_c, cond_entering_c) / capft_ref_;
}
double Chiller::eirft(double chw_leaving_c, double cond_entering_c) const {
  const double fitted = curves_.eirft(chw_leaving_c, cond_entering_c) / eirft_ref_;
  const double edge_c = curves_.eirft.x_max;
  if (!(chw_leaving_c > edge_c)) return fitted;
  // Warmer chilled water than the fit covers (a chilled-water reset): scale the EIR at the
  // edge by the Carnot EIR, lift / T_evap, from the edge to here (header: estimate).
  const double cond_c = std::clamp(cond_entering_c, curves_.eirft.y_min, curves_.eirft.y_max) +
                        carnot_condenser_rise_k;
  const auto carnot_eir = [&](double chw_c) {
    return std::max(cond_c - chw_c, carnot_min_lift_k) / (chw_c + sim::kelvin_offset);
  };
  return fitted * carnot_eir(chw_leaving_c) / carnot_eir(edge_c);
}
double Chiller::eirfplr(double plr) const {
  return curves_.eirfplr(plr) / eirfplr_ref_;
}

double Chiller::available_capacity_w(double chw_leaving_c, double cond_entering_c) const {
  return capacity_w_ * capft(chw_leaving_c, cond_entering_c);
}

ChillerOperation Chiller::operate(double load_w, double chw_leaving_c,
                                  double cond_entering_c) const {
  return operate(load_w, chw_leaving_c, cond_entering_c,
                 available_capacity_w(chw_leaving_c, cond_entering_c));
}

ChillerOperation Chiller::operate(double load_w, double chw_leaving_c, double cond_entering_c,
                                  double capacity_w) const {
  ChillerOperation op;
  op.capacity_w = capacity_w;
  if (load_w <= 0) return op;
  op.running = 1;
  const double max_w = curves_.plr_max * op.capacity_w;
  op.load_w = std::min(load_w, max_w);
  op.unmet_w = load_w - op.load_w;
  op.plr = op.load_w / op.capacity_w;
  const double full_eir_w = op.capacity_w / curves_.cop * eirft(chw_leaving_c, cond_entering_c);
  if (op.plr >= curves_.plr_min) {
    op.power_w = full_eir_w * eirfplr(op.plr);
  } else {
    // Cycling between off and PLR_min: on for PLR/PLR_min of the time.
    op.power_w = full_eir_w * eirfplr(curves_.plr_min) * (op.plr / curves_.plr_min);
  }
  return op;
}

ChillerBank::ChillerBank(Chiller chiller, int count, double stage_up_plr)
    : chiller_(std::move(chiller)), count_(count), stage_up_plr_(stage_up_plr) {
  if (count_ < 1) throw std::invalid_argument("chiller bank needs at least one chiller");
}

ChillerOperation ChillerBank::operate(double load_w, double chw_leaving_c,
                                      double cond_entering_c) const {
  ChillerOperation total;
  const double unit_capacity_w = chiller_.available_capacity_w(chw_leaving_c, cond_entering_c);
  total.capacity_w = unit_capacity_w * count_;
  if (load_w <= 0) return total;
  // Staged up to the bank's size; checked as a double first (a zero capacity gives inf).
  const double want = std::ceil(load_w / (unit_capacity_w * stage_up_plr_) - 1e-12);
  const int n = want < count_ ? std::max(1, static_cast<int>(want)) : count_;
  const ChillerOperation one =
      chiller_.operate(load_w / n, chw_leaving_c, cond_entering_c, unit_capacity_w);
  total.running = n;
  total.load_w = one.load_w * n;
  total.unmet_w = one.unmet_w * n;
  total.plr = one.plr;
  total.power_w = one.power_w * n;
  return total;
}

AirCooledChiller::AirCooledChiller(const AirCooledChillerDesign& design) : design_(design) {
  const double t_evap_k = design.evaporating_c + sim::kelvin_offset;
  const double lift_k = design.rated_outdoor_c + design.condenser_delta_k - design.evaporating_c;
  if (!(lift_k > 0) || !(design.cop_rated > 0))
    throw std::invalid_argument("air-cooled chiller: rated lift and COP must be positive");
  eta_ = design.cop_rated * lift_k / t_evap_k;
}

double AirCooledChiller::cop(double outdoor_c) const {
  const double t_evap_k = design_.evaporating_c + sim::kelvin_offset;
  const double condensing_c =
      std::max(outdoor_c + design_.condenser_delta_k, design_.min_condensing_c);
  const double lift_k = condensing_c - design_.evaporating_c;
  if (lift_k <= 0) return design_.cop_max;
  return std::min(design_.cop_max, eta_ * t_evap_k / lift_k);
}

}  // namespace joule::models::cooling
