#include "models/cooling/cooling_tower.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "models/cooling/properties.hpp"

namespace joule::models::cooling {

namespace {

using detail::yorkcalc_c;

// Σ_k |c_ijk|·8^k at [j·3 + i]: a term's magnitude at LG ≤ 8 summed over k, so that the
// magnitude S of all 27 (cooling_tower.hpp) is nine products, |T_wb|^i · T_r^j times these.
constexpr std::array<double, 9> yorkcalc_magnitude = [] {
  std::array<double, 9> m{};
  for (std::size_t k = 0; k < 27; ++k) {
    const double c = yorkcalc_c[k] < 0 ? -yorkcalc_c[k] : yorkcalc_c[k];
    m[k % 9] += c * (k >= 18 ? 64.0 : k >= 9 ? 8.0 : 1.0);
  }
  return m;
}();

constexpr double lg_max = 8.0;

}  // namespace

bool detail::same_binade(double lo, double hi) {
  return (std::bit_cast<std::uint64_t>(lo) >> 52) == ((std::bit_cast<std::uint64_t>(hi) - 1) >> 52);
}

// In the binade's ulp u the sum L + H lies in [2^(e+1), 2^(e+2)], where doubles are 2u apart: a
// sum 2k + 1 rounds to the one of 2k and 2k + 2 whose significand is even, a multiple of 4u, so
// its half is k or k + 1, whichever is even; an even sum 2k halves to k. Both are
// (s + ((s >> 1) & 1)) >> 1 on s = L + H, and on the bits, which add twice the line's offset
// (a multiple of 2^52, so even).
std::uint64_t detail::midpoint_bits(std::uint64_t lo_b, std::uint64_t hi_b) {
  const std::uint64_t s = lo_b + hi_b;  // < 2^64: both below 2^63, the sign bit clear
  return (s + ((s >> 1) & 1)) >> 1;
}

std::span<const double, 27> yorkcalc_coefficients() {
  return yorkcalc_c;
}

// The collected form and the magnitude of every term at LG ≤ 8 (see the header).
void YorkCalc::collect() {
  std::size_t k = 9;
  for (double* a : {&a1_, &a2_})
    for (const double rj : {1.0, r_, r_ * r_})
      for (const double wi : {1.0, w_, w_ * w_}) *a += yorkcalc_c[k++] * rj * wi;
  // S in nine terms (T_r > 0 after the clamp): the same sum but for its roundings, a few ulps,
  // which the margin's factor of five over the bound leaves room for.
  double magnitude = 0;
  k = 0;
  const double aw = std::abs(w_);
  for (const double rj : {1.0, r_, r_ * r_})
    for (const double wi : {1.0, aw, aw * aw}) magnitude += yorkcalc_magnitude[k++] * rj * wi;
  margin_k_ = 0x1p-45 * magnitude;  // 256·u·S (cooling_tower.hpp)
}

double YorkCalc::collected_k(double lg) const {
  const double l = std::clamp(lg, 0.0, lg_max);
  return at_lg0_ + (a1_ + a2_ * l) * l;
}

double YorkCalc::collected_crossing(double level, double lg0, double lg1) const {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  if (!(0 <= lg0 && lg0 < lg1 && lg1 <= lg_max)) return nan;
  const auto rising = [&](double l) {
    return a1_ + 2 * a2_ * l > 1e-9 * (std::abs(a1_) + 2 * std::abs(a2_) * l);
  };
  if (!rising(lg0) || !rising(lg1)) return nan;
  // a2·l² + a1·l + c = 0, the root taken without cancellation (one rising root in the range).
  const double c = at_lg0_ - level;
  double l = nan;
  if (a2_ == 0) {
    l = -c / a1_;
  } else {
    const double disc = a1_ * a1_ - 4 * a2_ * c;
    if (disc < 0) return nan;
    const double q = -0.5 * (a1_ + std::copysign(std::sqrt(disc), a1_));
    for (const double root : {q / a2_, c / q})
      if (lg0 <= root && root <= lg1) l = root;
  }
  return lg0 <= l && l <= lg1 ? l : nan;
}

double YorkCalc::approach_k(double lg) const {
  const double l = std::clamp(lg, 0.0, lg_max);
  double a = at_lg0_;
  std::size_t k = 9;
  for (const double lk : {l, l * l})
    for (const double rj : {1.0, r_, r_ * r_})
      for (const double wi : {1.0, w_, w_ * w_}) a += yorkcalc_c[k++] * lk * rj * wi;
  return a;
}

YorkCalc::LgProducts YorkCalc::lg_products(double lg) {
  const double l = std::clamp(lg, 0.0, lg_max);
  LgProducts p{};
  std::size_t k = 9;
  for (const double lk : {l, l * l})
    for (int n = 0; n < 9; ++n, ++k) p[k - 9] = yorkcalc_c[k] * lk;
  return p;
}

double yorkcalc_approach_k(double wetbulb_c, double range_k, double lg) {
  return YorkCalc(wetbulb_c, range_k).approach_k(lg);
}

CoolingTower::CoolingTower(const CoolingTowerDesign& design)
    : design_(design),
      design_fan_w_(design.heat_w * design.fan_power_ratio),
      design_flow_m3_s_(design.heat_w /
                        (rho_water_kg_per_m3 * cp_water_j_per_kg_k * design.range_k)) {
  // The approach grows with LG; bisect for the design LG.
  double lo = 0.05, hi = lg_max;
  const YorkCalc at_design(design.wetbulb_c, design.range_k);
  const auto approach = [&](double lg) { return at_design.approach_k(lg); };
  if (!(approach(lo) <= design.approach_k && design.approach_k <= approach(hi)))
    throw std::invalid_argument(
        "cooling tower: the design approach is outside what the "
        "YorkCalc correlation reaches at this design wet-bulb and range");
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (approach(mid) < design.approach_k ? lo : hi) = mid;
  }
  lg_design_ = 0.5 * (lo + hi);
  design_lg_products_ = YorkCalc::lg_products(lg_design_);
  f_min_ = std::clamp(design.min_airflow, 1e-3, 1.0);
  slowest_lg_products_ = YorkCalc::lg_products(lg_design_ / f_min_);
  // The fan search's tree to `table_levels`: the bracket [a, a + step] is halved at a + step/2,
  // as the search halves it (0.5 · (lo + hi)).
  constexpr std::size_t n = std::size_t{1} << table_levels;
  edges_.assign(n + 1, 0.0);
  edges_[0] = f_min_;
  edges_[n] = 1.0;
  for (std::size_t step = n; step > 1; step /= 2)
    for (std::size_t a = 0; a < n; a += step)
      edges_[a + step / 2] = 0.5 * (edges_[a] + edges_[a + step]);
}

// Flattened: the YorkCalc helpers it calls (collect(), collected_crossing(), approach_k(lg))
// are made in its registers, not called with the live doubles spilled (no callee-saved XMM
// registers in the ABI). No FMA in the build: inlined, each operation rounds as before.
[[gnu::flatten]] TowerOperation CoolingTower::operate(double heat_w, double wetbulb_c,
                                                      double setpoint_c) const {
  TowerOperation op;
  const double range = range_k(heat_w);
  YorkCalc approach(wetbulb_c, range);  // the wet-bulb and range are fixed here
  const double full_c = wetbulb_c + approach.approach_k(design_lg_products_);
  if (heat_w <= 0 || design_.heat_w <= 0) {
    op.leaving_c = std::max(setpoint_c, wetbulb_c);
    op.approach_k = op.leaving_c - wetbulb_c;
    return op;
  }
  const double f_min = f_min_;
  const auto leaving_at = [&](double f) { return wetbulb_c + approach.approach_k(lg_design_ / f); };
  double f = 1.0;
  if (full_c >= setpoint_c) {
    op.leaving_c = full_c;
  } else if (const double min_c = wetbulb_c + approach.approach_k(slowest_lg_products_);
             min_c <= setpoint_c) {  // leaving_at(f_min), its LG's products made once
    // Cycling between minimum speed and free convection (Modelica Buildings YorkCalc: the free
    // convection approach is (1 − φ_fc)·(T_in − T_wb) + φ_fc·A(full fan)).
    const double inlet_c = setpoint_c + range;
    const double free_c = wetbulb_c + (1 - design_.free_convection) * (inlet_c - wetbulb_c) +
                          design_.free_convection * (full_c - wetbulb_c);
    const double duty =
        free_c > setpoint_c ? std::clamp((free_c - setpoint_c) / (free_c - min_c), 0.0, 1.0) : 0.0;
    op.leaving_c = setpoint_c;
    op.airflow_fraction = duty * f_min;
    op.fan_power_w = duty * design_fan_w_ * f_min * f_min * f_min;
    op.approach_k = op.leaving_c - wetbulb_c;
    return op;
  } else {
    // leaving_at(f) > setpoint_c, decided by the collected polynomial where it is far enough
    // from the setpoint (YorkCalc, cooling_tower.hpp), by the 27-term sum where not: the same
    // answer.
    approach.collect();
    // The roundings of T_wb + A (≤ u·(|T_wb| + S) in either form) and of the gap (≤ u·|gap|)
    // get the same 256·u, on |T_wb| + |T_set|.
    const double margin_c =
        approach.margin_k() + 0x1p-45 * (std::abs(wetbulb_c) + std::abs(setpoint_c));
    const auto gap_c = [&](double f) {
      return (wetbulb_c + approach.collected_k(lg_design_ / f)) - setpoint_c;
    };
    const auto warmer_at = [&](double f) {
      const double d = gap_c(f);
      if (d > margin_c) return true;
      if (d < -margin_c) return false;
      return leaving_at(f) > setpoint_c;
    };
    // The probes far from the crossing need no evaluation. Where the collected form rises in LG
    // over the whole search (so the leaving water falls as the air flow rises), a probe left of
    // `below` is warmer than the setpoint and one right of `above` is not, as warmer_at() would
    // decide: the gap at `below` is over twice the margin, and a probe further left has a larger
    // LG, an exact gap at least that large and a computed one within ~12·u·(S + |T_wb| + |T_set|)
    // of it (the margin is 256·u of the same). The search then takes the same steps, deciding
    // only its last few probes, from the first near [below, above] (none known: every probe
    // decided). The band is as narrow as the margin allows: 3e-12 of the fan speed was wide
    // enough at every search of the scale scenarios' month (the wider ones are the fallbacks).
    double below = -std::numeric_limits<double>::infinity(), above = -below;
    const double lg_slowest = lg_design_ / f_min;
    if (const double l =
            approach.collected_crossing(setpoint_c - wetbulb_c, lg_design_, lg_slowest);
        !std::isnan(l)) {
      const double f_cross = lg_design_ / l;
      for (const double eps : {3e-12, 1e-10, 1e-6}) {
        const double b = f_cross * (1 - eps), a = f_cross * (1 + eps);
        if (f_min <= b && a <= 1.0 && gap_c(b) > 2 * margin_c && gap_c(a) < -2 * margin_c) {
          below = b;
          above = a;
          break;
        }
      }
    }
    double lo = f_min, hi = 1.0;  // leaving falls as the air flow rises
    // The probes until the first one within twice the band's half-width of its middle (so
    // inside or near [below, above]), without a branch on their side of it. Each probe waits
    // on the one before; its side is read from the sum lo + hi against 2·below (halving and
    // doubling are exact here: mid < below is sum < 2·below), so the halving is not waited on.
    const double middle = 0.5 * (below + above), near = above - below;
    const double twice_below = 2 * below;
    int i = 0;
    // The first `table_levels` probes at once: the tabulated bracket [l, h] holding `below`
    // (l < below ≤ h) is the one they reach when each probe before it falls on the side of the
    // band it fell on for l and h, with no break: true of every probe when it is true of l
    // (unless f_min: no probe was warmer) and of h (unless 1), the nearest ones.
    if (f_min < below && below <= 1.0 && f_min < 1.0) {
      constexpr int n = 1 << table_levels;
      const double at = (below - f_min) * (n / (1.0 - f_min));
      int j = std::clamp(static_cast<int>(at), 0, n - 1);
      while (j > 0 && !(edges_[static_cast<std::size_t>(j)] < below)) --j;
      while (j < n - 1 && edges_[static_cast<std::size_t>(j) + 1] < below) ++j;
      const double l = edges_[static_cast<std::size_t>(j)];
      const double h = edges_[static_cast<std::size_t>(j) + 1];
      if ((j == 0 || std::abs(l - middle) > near) && (j == n - 1 || std::abs(h - middle) > near)) {
        i = table_levels;
        lo = l;
        hi = h;
      }
    }
    bool reached = false;  // a probe near the band (or a NaN band): the next phase from here
    for (; i < 40 && !detail::same_binade(lo, hi); ++i) {
      const double sum = lo + hi, mid = 0.5 * sum;
      if (!(std::abs(mid - middle) > near)) {  // a NaN band: at once
        reached = true;
        break;
      }
      const bool warmer = sum < twice_below;
      lo = warmer ? mid : lo;
      hi = warmer ? hi : mid;
    }
    if (!reached && i < 40) {
      // The same probes on the ends' bits: within one binade the bits are linear in the value,
      // 0.5·(lo + hi) is their integer midpoint rounded as the sum rounds
      // (detail::midpoint_bits), and mid < below (sum < 2·below) compares positive doubles' bits.
      // An integer add, shifts and conditional moves a probe, where the doubles' select took
      // masks (no blend in the build's SSE2 baseline). The phase goes on up to the first probe
      // inside [below, above] itself, tested on the bits (one subtraction and one unsigned
      // compare: below ≤ mid ≤ above): a probe outside it is taken on the side the next phase
      // takes it, so where this phase stops does not change the search, only what a probe costs.
      // With no band known (±inf) the bounds' bits differ by 2^63 (mod 2^64), more than any
      // positive double's bits less −inf's: the first probe stops, as before.
      std::uint64_t lo_b = std::bit_cast<std::uint64_t>(lo),
                    hi_b = std::bit_cast<std::uint64_t>(hi);
      const std::uint64_t below_b = std::bit_cast<std::uint64_t>(below);
      const std::uint64_t band_b = std::bit_cast<std::uint64_t>(above) - below_b;
      // Two probes a pass: the count is tested once a pair.
#pragma GCC unroll 2
      for (; i < 40; ++i) {
        const std::uint64_t mid_b = detail::midpoint_bits(lo_b, hi_b);
        if (mid_b - below_b <= band_b) break;  // rarely taken
        const bool warmer = mid_b < below_b;
        lo_b = warmer ? mid_b : lo_b;
        hi_b = warmer ? hi_b : mid_b;
      }
      lo = std::bit_cast<double>(lo_b);
      hi = std::bit_cast<double>(hi_b);
    }
    // The probes near the band: those left of `below` or right of `above` on the side the first
    // phase takes them (as warmer_at() would decide), the others by warmer_at().
    for (; i < 40; ++i) {
      const double mid = 0.5 * (lo + hi);
      (mid < below || (!(mid > above) && warmer_at(mid)) ? lo : hi) = mid;
    }
    f = hi;
    op.leaving_c = setpoint_c;
  }
  op.approach_k = op.leaving_c - wetbulb_c;
  op.airflow_fraction = f;
  op.fan_power_w = design_fan_w_ * f * f * f;
  return op;
}

double evaporative_water_m3_s(const EvaporativeWater& w, double heat_w, double water_c,
                              double circulating_m3_s) {
  if (heat_w <= 0) return 0.0;
  const double evaporation_m3_s =
      w.latent_fraction * heat_w / latent_heat_j_per_kg(water_c) / rho_water_kg_per_m3;
  const double blowdown_m3_s = evaporation_m3_s / (w.cycles_of_concentration - 1.0);
  return evaporation_m3_s + blowdown_m3_s + w.drift_fraction * circulating_m3_s;
}

}  // namespace joule::models::cooling
