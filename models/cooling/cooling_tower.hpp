// Open evaporative cooling tower (condenser water), its basin heaters, and the water it uses.
//
// Approach from the YorkCalc correlation (EnergyPlus Engineering Reference, "Cooling Towers:
// Variable Speed", YorkCalc model; the same polynomial as Modelica Buildings
// Fluid.HeatExchangers.CoolingTowers.Correlations.yorkCalc): a 27-term polynomial in the
// inlet wet-bulb T_wb (°C), the range T_r (K) and the liquid-to-gas ratio LG,
//   A = Σ_{i,j,k ∈ 0..2} c_ijk · T_wb^i · T_r^j · LG^k
// valid for −34.4 ≤ T_wb ≤ 26.7 °C, 1.1 ≤ T_r ≤ 22.2 K, LG ≤ 8 (inputs are clamped there).
// LG = LG_d · (water flow fraction) / (air flow fraction); LG_d is solved once at construction
// so that the correlation returns the design approach at the design wet-bulb and range
// (EnergyPlus and Modelica do the same). Condenser water flows at design (constant flow), so the
// range follows the heat: T_r = T_r,d · Q / Q_d.
//
// Fan control: the fans hold the leaving water at a setpoint the plant chooses: with chillers
// alone  T_set = max(T_wb + A_d, T_cond,min)  (fixed-approach reset); while economizing, the
// water the heat exchanger needs (T_chw,sup − A_hx). The fans reach it by searching the air flow
// fraction f ∈ [f_min, 1] with T_wb + A(f) = T_set. When even full speed cannot reach it (cold
// weather: A at full fan grows as T_wb falls, ≈ 9.5 K at 5 °C for a 3.9 K / 25.6 °C design), the
// fans run at full speed and the water leaves warmer. Below f_min the fan cycles between f_min and
// off (free convection, taking `free_convection` of the forced capacity), with power  P = duty ·
// P_d · f_min³.   Fan power: P = P_d · f³ (affinity).
//
// Basin heaters (EnergyPlus CoolingTower:VariableSpeed "Basin Heater Capacity"):
//   P_basin = k_basin · max(0, T_basin,set − T_db),   heat into the basin water → outdoors.
//
// Water use (m³/s):
//   evaporation E = φ·Q / h_fg(T_lvg)          φ: share of the heat leaving as latent heat
//   blowdown    B = E / (CoC − 1)              CoC: cycles of concentration
//   drift       D = d · circulating flow
// (U.S. DOE Federal Energy Management Program, "Cooling Towers: Understanding Key Components
// of Cooling Towers and How to Improve Water Efficiency", 2011: blowdown = evaporation /
// (cycles − 1); typical cycles 3–7; drift 0.0005–0.2 % of circulation, ≤ 0.001 % with modern
// drift eliminators.)
//
// | parameter          | default       | source                                               |
// |--------------------|---------------|------------------------------------------------------|
// | A_d                | 3.9 K (7 °F)  | EnergyPlus CoolingTower:VariableSpeed design approach |
// | T_wb,d             | 25.6 °C       | EnergyPlus CoolingTower:VariableSpeed default         |
// | T_r,d              | 5.56 K (10 °F)| ASHRAE 90.1-2019 App. G G3.1.3.11                     |
// | P_d / Q_d          | 0.0133 W/W    | ASHRAE 90.1 App. G: 38.2 gpm/hp at 10 °F range        |
// | f_min              | 0.2           | EnergyPlus "Minimum Air Flow Rate Ratio" default      |
// | free_convection    | 0.125         | EnergyPlus "Fraction of Tower Capacity in Free        |
// |                    |               | Convection Regime" default                            |
// | k_basin            | 130 W/K per MW| estimate: ~10 kW heaters on a 3.5 MW cell for 0 °F    |
// | T_basin,set        | 2 °C          | EnergyPlus default basin heater setpoint              |
// | φ                  | 0.85          | CTI rule: 0.00085 gpm evaporated per gpm·°F ⇒ ≈ 0.85  |
// | CoC                | 4             | DOE FEMP typical                                      |
// | drift              | 0.001 %       | DOE FEMP, modern drift eliminators                    |
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

namespace joule::models::cooling {

struct CoolingTowerDesign {
  double heat_w = 0;  // heat rejected at design
  double approach_k = 3.9;
  double range_k = 5.56;
  double wetbulb_c = 25.6;
  double fan_power_ratio = 0.0133;  // design fan power / design heat rejected
  double min_airflow = 0.2;
  double free_convection = 0.125;
  double basin_w_per_k_per_w = 130.0 / 1e6;  // basin heater capacity per W of design heat
  double basin_setpoint_c = 2.0;
};

struct TowerOperation {
  double leaving_c = 0;
  double approach_k = 0;
  double airflow_fraction = 0;  // time-averaged (cycling below the minimum)
  double fan_power_w = 0;
};

// The YorkCalc approach (K) at wet-bulb `wetbulb_c`, range `range_k` and liquid-to-gas ratio
// `lg`, inputs clamped to the correlation's bounds.
double yorkcalc_approach_k(double wetbulb_c, double range_k, double lg);
// Its 27 coefficients c_ijk, at [k·9 + j·3 + i].
std::span<const double, 27> yorkcalc_coefficients();

namespace detail {
// YorkCalc coefficients c[k·9 + j·3 + i] of T_wb^i · T_r^j · LG^k (EnergyPlus Engineering
// Reference, YorkCalc model; identical in Modelica Buildings yorkCalc).
inline constexpr std::array<double, 27> yorkcalc_c = {
    -0.359741205,     -0.055053608,      0.0023850432,     0.173926877,         -0.0248473764,
    0.00048430224,    -0.005589849456,   0.0005770079712,  -0.00001342427256,   2.84765801111111,
    -0.121765149,     0.0014599242,      1.680428651,      -0.0166920786,       -0.0007190532,
    -0.025485194448,  0.0000487491696,   0.00002719234152, -0.0653766255555556, -0.002278167,
    0.0002500254,     -0.0910565458,     0.00318176316,    0.000038621772,      -0.0034285382352,
    0.00000856589904, -0.000001516821552};

// The correlation's bounds on the wet-bulb and the range.
inline constexpr double yorkcalc_wetbulb_min_c = -34.4, yorkcalc_wetbulb_max_c = 26.7;
inline constexpr double yorkcalc_range_min_k = 1.1, yorkcalc_range_max_k = 22.2;
}  // namespace detail

// The same at a fixed wet-bulb and range, for a search over LG (the tower's fan speed): the
// nine terms without LG, which lead the sum, are added once; approach_k(lg) then adds the
// other eighteen in the same order, so it returns yorkcalc_approach_k's bits.
//
// For the search, the same polynomial with its terms collected by power of LG,
//   A ≈ a_0 + (a_1 + a_2·LG)·LG,   a_k = Σ_{i,j} c_ijk · T_wb^i · T_r^j,
// costs three operations a probe against 54, but rounds differently. With u = 2⁻⁵³ the unit
// roundoff, γ_n = n·u/(1 − n·u) and S = Σ |c_ijk · T_wb^i · T_r^j| · 8^k (every term's
// magnitude, LG ≤ 8), both forms lie near the exact polynomial at the same LG:
//   the sum:       27 terms of ≤ 6 roundings each (LG², T_r², T_wb², three products), added
//                  one after another (26 roundings):            |error| ≤ γ_33 · S
//   the collected: each a_k nine terms of ≤ 4 roundings and 8 additions, then 4 operations
//                  (Horner):                                    |error| ≤ γ_17 · S
// so they differ by at most γ_50 · S ≈ 50·u·S. `margin_k()` = 256·u·S = 2⁻⁴⁵·S, five times
// that: a probe whose collected value is further than it from the level (with the roundings of
// T_wb + A and of the gap, the caller's part) decides `approach_k(lg) > level` as the sum
// would; the search evaluates the sum only for the probes nearer (about one a search).
class YorkCalc {
public:
  // Inline: a chilled-water plant's step builds three (full fan, the leaving water, operate()).
  YorkCalc(double wetbulb_c, double range_k)
      : w_(std::clamp(wetbulb_c, detail::yorkcalc_wetbulb_min_c, detail::yorkcalc_wetbulb_max_c)),
        r_(std::clamp(range_k, detail::yorkcalc_range_min_k, detail::yorkcalc_range_max_k)) {
    // The terms of LG⁰, in the order and with the products the full sum makes.
    std::size_t k = 0;
    for (const double rj : {1.0, r_, r_ * r_})
      for (const double wi : {1.0, w_, w_ * w_}) at_lg0_ += detail::yorkcalc_c[k++] * 1.0 * rj * wi;
  }
  double approach_k(double lg) const;
  // The same at an LG given by its eighteen products c_ijk · LG^k (k = 1, 2, in the sum's order:
  // lg_products()), the first factor of each term, made once for an LG used again and again
  // (the tower's design LG: its full fan speed). The same bits as approach_k(lg).
  using LgProducts = std::array<double, 18>;
  static LgProducts lg_products(double lg);
  // Inline, as are the tower's two callers of it in a plant's step (full_fan_approach_k(),
  // leaving_c()): no call with the plant's live doubles spilled around it.
  double approach_k(const LgProducts& products) const {
    // approach_k(lg)'s terms, (c_ijk · LG^k) · T_r^j · T_wb^i, with the first product given.
    double a = at_lg0_;
    std::size_t k = 0;
    for (int n = 0; n < 2; ++n)
      for (const double rj : {1.0, r_, r_ * r_})
        for (const double wi : {1.0, w_, w_ * w_}) a += products[k++] * rj * wi;
    return a;
  }
  // The collected form, set up by collect() (for a search: a single evaluation does without).
  void collect();
  double collected_k(double lg) const;
  double margin_k() const { return margin_k_; }
  // The LG in [lg0, lg1] (0 ≤ lg0 < lg1 ≤ 8) at which the collected form reaches `level`, when
  // the form rises over all of [lg0, lg1] (its slope, linear in LG, clearly positive at both
  // ends); NaN when it does not rise there or does not reach `level`.
  double collected_crossing(double level, double lg0, double lg1) const;

private:
  double w_, r_;  // clamped
  double at_lg0_ = 0;
  double a1_ = 0, a2_ = 0, margin_k_ = 0;  // the collected form
};

class CoolingTower {
public:
  explicit CoolingTower(const CoolingTowerDesign& design);
  // Rejects `heat_w` with the fans holding the leaving water at `setpoint_c` when they can
  // (slower, or cycling, when the setpoint is easy; full speed and warmer water when not).
  TowerOperation operate(double heat_w, double wetbulb_c, double setpoint_c) const;
  // operate()'s leaving water alone, the same bits, without the fan search: the setpoint
  // wherever the fans hold it (slower or cycling), the full-speed water where they cannot.
  double leaving_c(double heat_w, double wetbulb_c, double setpoint_c) const {
    if (heat_w <= 0 || design_.heat_w <= 0) return std::max(setpoint_c, wetbulb_c);
    const double full_c = wetbulb_c + full_fan_approach_k(heat_w, wetbulb_c);
    return full_c >= setpoint_c ? full_c : setpoint_c;
  }
  // The fixed-approach setpoint: design approach above the wet-bulb, never below `floor_c`.
  double fixed_approach_setpoint_c(double wetbulb_c, double floor_c) const {
    return std::max(wetbulb_c + design_.approach_k, floor_c);
  }
  // Approach at full fan speed rejecting `heat_w` at this wet-bulb.
  double full_fan_approach_k(double heat_w, double wetbulb_c) const {
    return YorkCalc(wetbulb_c, range_k(heat_w)).approach_k(design_lg_products_);
  }
  // The basin heaters' power below their setpoint (inline: once a plant evaluation).
  double basin_heater_w(double drybulb_c) const {
    return design_.basin_w_per_k_per_w * design_.heat_w *
           std::max(0.0, design_.basin_setpoint_c - drybulb_c);
  }
  double design_fan_power_w() const { return design_fan_w_; }
  // Liquid-to-gas ratio at design flows (solved so the correlation meets the design approach).
  double design_lg() const { return lg_design_; }
  // Condenser water circulating at design flow, m³/s.
  double design_flow_m3_s() const { return design_flow_m3_s_; }
  const CoolingTowerDesign& design() const { return design_; }

private:
  double range_k(double heat_w) const {
    return design_.heat_w > 0 ? design_.range_k * std::max(heat_w, 0.0) / design_.heat_w : 0.0;
  }

  CoolingTowerDesign design_;
  double design_fan_w_;
  double design_flow_m3_s_;
  double lg_design_;
  YorkCalc::LgProducts design_lg_products_;  // YorkCalc::lg_products(lg_design_)
  // The fan search's first `table_levels` probes bisect [f_min, 1] by where its band lies and
  // nothing else: the brackets they can leave, [edges_[j], edges_[j + 1]], ascending, made by
  // the same halvings at construction (operate() starts from one).
  static constexpr int table_levels = 12;
  double f_min_ = 1.0;
  // YorkCalc::lg_products(lg_design_ / f_min_): the fans' slowest LG, where operate() first
  // asks whether the minimum speed holds the setpoint.
  YorkCalc::LgProducts slowest_lg_products_{};
  std::vector<double> edges_;
};

namespace detail {
// The fan search's probes on the bits of its ends (operate()). Whether 0 < lo ≤ hi lie in one
// binade [2^e, 2^(e+1)], its upper end included (hi = 1.0 for lo in [0.5, 1)): there a double's
// bits are E·2^52 + (its value in the binade's ulp) − 2^52, one straight line.
bool same_binade(double lo, double hi);
// For such lo and hi, the bits of 0.5·(lo + hi), the search's midpoint, rounding included.
std::uint64_t midpoint_bits(std::uint64_t lo_b, std::uint64_t hi_b);
}  // namespace detail

struct EvaporativeWater {
  double latent_fraction = 0.85;
  double cycles_of_concentration = 4.0;
  double drift_fraction = 1e-5;
};

// Make-up water (evaporation + blowdown + drift), m³/s, for `heat_w` rejected evaporatively at
// water temperature `water_c` with `circulating_m3_s` of water flowing over the fill.
double evaporative_water_m3_s(const EvaporativeWater& w, double heat_w, double water_c,
                              double circulating_m3_s);

}  // namespace joule::models::cooling
