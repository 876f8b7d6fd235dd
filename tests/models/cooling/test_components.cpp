#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "models/cooling/air_handler.hpp"
#include "models/cooling/chiller.hpp"
#include "models/cooling/cooling_tower.hpp"
#include "models/cooling/liquid_cooling.hpp"
#include "models/cooling/properties.hpp"
#include "models/cooling/pump.hpp"

using namespace joule::models::cooling;

TEST_CASE("chiller: rated COP and capacity at the reference point, for every catalog entry") {
  for (const auto& c : chiller_catalog()) {
    CAPTURE(c.name);
    const Chiller ch(c);
    const double t_chw = c.chw_leaving_ref_c, t_cond = c.cond_entering_ref_c;
    // The published curves are close to, but not exactly, 1 at the reference point.
    const double raw_cap = c.capft(t_chw, t_cond), raw_eir = c.eirft(t_chw, t_cond);
    const double raw_plr = c.eirfplr(1.0);
    std::printf("%s raw CAPFT(ref)=%.5f EIRFT(ref)=%.5f EIRFPLR(1)=%.5f\n", c.name.c_str(), raw_cap,
                raw_eir, raw_plr);
    CHECK(raw_cap == doctest::Approx(1.0).epsilon(0.03));
    CHECK(raw_eir == doctest::Approx(1.0).epsilon(0.03));
    CHECK(raw_plr == doctest::Approx(1.0).epsilon(0.01));
    // Joule normalises them: exactly 1 there.
    CHECK(ch.capft(t_chw, t_cond) == doctest::Approx(1.0).epsilon(1e-12));
    CHECK(ch.eirft(t_chw, t_cond) == doctest::Approx(1.0).epsilon(1e-12));
    CHECK(ch.eirfplr(1.0) == doctest::Approx(1.0).epsilon(1e-12));
    const ChillerOperation op = ch.operate(c.capacity_w, t_chw, t_cond);
    CHECK(op.plr == doctest::Approx(1.0));
    CHECK(op.load_w / op.power_w == doctest::Approx(c.cop).epsilon(1e-12));
    CHECK(op.unmet_w == 0);
  }
}

TEST_CASE("chiller: York YK raw curve values checked by hand") {
  const auto& c = *find_chiller("york-yk-2159kw");
  const double x = 6.67, y = 26.11;
  CHECK(c.capft(x, y) ==
        doctest::Approx(0.6322235 + 0.01553954 * x - 0.00914977 * x * x + 0.05284289 * y -
                        0.002818835 * y * y + 0.007074096 * x * y));
  CHECK(c.capft(x, y) == doctest::Approx(1.01883).epsilon(1e-5));
  CHECK(c.eirft(x, y) == doctest::Approx(1.00676).epsilon(1e-5));
  CHECK(c.eirfplr(1.0) == doctest::Approx(0.2595694 + 0.1889684 + 0.551845));
}

TEST_CASE("chiller: a chilled-water reset above the fitted range keeps earning (Carnot lift)") {
  const Chiller ch(*find_chiller("york-yk-2159kw"));
  // Inside the fit: the normalised curve. Beyond 8.89 °C: scaled by the Carnot EIR, with the
  // condenser leaving at 26.11 + 5.56 °C.
  const double cl = 26.11 + 5.56;
  const double carnot = ((cl - 12.0) / (12.0 + 273.15)) / ((cl - 8.89) / (8.89 + 273.15));
  CHECK(ch.eirft(12.0, 26.11) == doctest::Approx(ch.eirft(8.89, 26.11) * carnot));
  CHECK(ch.eirft(12.0, 26.11) < ch.eirft(10.0, 26.11));
  CHECK(ch.eirft(10.0, 26.11) < ch.eirft(8.89, 26.11));
  // Continuous at the edge.
  CHECK(ch.eirft(8.89 + 1e-9, 26.11) == doctest::Approx(ch.eirft(8.89, 26.11)));
}

TEST_CASE("chiller: part-load power follows EIRFPLR, cycling below PLR_min") {
  const auto& c = *find_chiller("york-yk-2159kw");
  const Chiller ch(c);
  const double t_chw = c.chw_leaving_ref_c, t_cond = c.cond_entering_ref_c;
  const double full_w = c.capacity_w / c.cop;  // at the reference point EIRFT = CAPFT = 1
  const double norm = c.eirfplr(1.0);
  for (double plr : {0.3, 0.5, 0.75, 1.0}) {
    const ChillerOperation op = ch.operate(plr * c.capacity_w, t_chw, t_cond);
    CHECK(op.plr == doctest::Approx(plr));
    CHECK(op.power_w == doctest::Approx(full_w * c.eirfplr(plr) / norm));
  }
  // Below PLR_min = 0.14 the chiller cycles at PLR_min: power ∝ load.
  const ChillerOperation low = ch.operate(0.07 * c.capacity_w, t_chw, t_cond);
  CHECK(low.power_w == doctest::Approx(full_w * c.eirfplr(0.14) / norm * 0.07 / 0.14));
  // COP = PLR / EIRFPLR(PLR) × COP_ref: a little better at half load (0.5/0.4921 × 1.0004),
  // much worse while cycling near PLR_min.
  const auto cop_at = [&](double plr) {
    return plr * c.capacity_w / ch.operate(plr * c.capacity_w, t_chw, t_cond).power_w;
  };
  CHECK(cop_at(0.5) == doctest::Approx(c.cop * 0.5 / c.eirfplr(0.5) * norm));
  CHECK(cop_at(0.5) > c.cop);
  CHECK(cop_at(0.1) < 0.5 * c.cop);
  // Above PLR_max the load is not met.
  const ChillerOperation over = ch.operate(1.2 * c.capacity_w, t_chw, t_cond);
  CHECK(over.unmet_w == doctest::Approx((1.2 - 1.05) * c.capacity_w));
  // Warmer condenser water costs power.
  CHECK(ch.operate(c.capacity_w * 0.8, t_chw, 29.0).power_w >
        ch.operate(c.capacity_w * 0.8, t_chw, 20.0).power_w);
}

TEST_CASE("chiller bank: staging adds a chiller above the threshold, equal load share") {
  const auto& c = *find_chiller("trane-cvhe-1407kw-vsd");
  const ChillerBank bank(Chiller(c, 1e6), 3, 0.9);
  const double t_chw = c.chw_leaving_ref_c, t_cond = c.cond_entering_ref_c;
  CHECK(bank.operate(0.85e6, t_chw, t_cond).running == 1);
  const ChillerOperation two = bank.operate(0.95e6, t_chw, t_cond);
  CHECK(two.running == 2);
  CHECK(two.plr == doctest::Approx(0.95 / 2));
  CHECK(two.power_w ==
        doctest::Approx(2 * Chiller(c, 1e6).operate(0.475e6, t_chw, t_cond).power_w));
  CHECK(bank.operate(2.5e6, t_chw, t_cond).running == 3);
  CHECK(bank.operate(3.5e6, t_chw, t_cond).unmet_w == doctest::Approx(3.5e6 - 3 * 1.06e6));
  CHECK(bank.operate(0, t_chw, t_cond).power_w == 0);
}

TEST_CASE("air-cooled chiller: rated COP at the rating point, lower when hotter") {
  AirCooledChillerDesign d;
  d.cop_rated = 3.5;
  const AirCooledChiller ac(d);
  CHECK(ac.cop(35.0) == doctest::Approx(3.5));
  // Carnot fraction by hand: η = COP·lift/T_evap = 3.5·(35 + 15 − 12)/285.15
  CHECK(ac.carnot_fraction() == doctest::Approx(3.5 * 38 / 285.15));
  CHECK(ac.cop(45.0) < 3.5);
  CHECK(ac.cop(25.0) > 3.5);
  // Cold air: head-pressure control holds condensing at 30 °C, so the lift stops at
  // 30 − 12 = 18 K and the COP at 3.5 · 38 / 18 (not the cap of 10).
  CHECK(ac.cop(-40.0) == doctest::Approx(3.5 * 38 / 18));
  CHECK(ac.cop(0.0) == ac.cop(-40.0));
  d.min_condensing_c = -100;  // without it the COP runs up to the cap
  CHECK(AirCooledChiller(d).cop(-40.0) == d.cop_max);
}

TEST_CASE("CRAH: airflow from heat and ΔT, fan power by the affinity law") {
  AirHandlerDesign d;
  d.heat_w = 1e6;
  const AirHandler crah(d);
  const double flow = 1e6 / (1.2 * 1006 * 12);  // m³/s
  CHECK(crah.design_airflow_m3_s() == doctest::Approx(flow));
  CHECK(crah.design_fan_power_w() == doctest::Approx(flow * 500 / 0.6));
  const AirHandlerOperation half = crah.operate(0.5e6);
  CHECK(half.flow_fraction == doctest::Approx(0.5));
  CHECK(half.fan_power_w == doctest::Approx(crah.design_fan_power_w() * 0.125));
  // Below the minimum speed the fans stay at f_min.
  CHECK(crah.operate(0.1e6).fan_power_w == doctest::Approx(crah.design_fan_power_w() * 0.027));
  // N+1 on four units (ρ = 0.25): five units share the flow, each at 0.5 / 1.25 = 0.4 of its
  // speed, so the fans draw 1.25 · 0.4³ / 0.5³ = 0.64 of what the duty units alone would.
  AirHandlerDesign r = d;
  r.redundancy = 0.25;
  const AirHandlerOperation shared = AirHandler(r).operate(0.5e6);
  CHECK(shared.unit_speed == doctest::Approx(0.4));
  CHECK(shared.airflow_m3_s == doctest::Approx(half.airflow_m3_s));
  CHECK(shared.fan_power_w == doctest::Approx(crah.design_fan_power_w() * 1.25 * 0.064));
  CHECK(shared.fan_power_w == doctest::Approx(0.64 * half.fan_power_w));
  CHECK_FALSE(AirHandler(r).operate(1.2e6).over_capacity);  // the standby units carry it
  const AirHandlerOperation over = crah.operate(1.2e6);
  CHECK(over.over_capacity);
  CHECK(over.unmet_heat_w == doctest::Approx(0.2e6));
}

TEST_CASE("air-side economizer fraction") {
  const AirEconomizerLimits lim;  // margin 2 K, RH 20–80 %
  CHECK(air_economizer_fraction(lim, 10, 0.5, 22, 34) == 1.0);
  CHECK(air_economizer_fraction(lim, 40, 0.5, 22, 34) == 0.0);
  CHECK(air_economizer_fraction(lim, 26, 0.5, 22, 34) == doctest::Approx((34 - 2 - 26) / 12.0));
  CHECK(air_economizer_fraction(lim, 10, 0.95, 22, 34) == 0.0);  // too humid
  CHECK(air_economizer_fraction(lim, 10, 0.10, 22, 34) == 0.0);  // too dry
}

TEST_CASE("cooling tower: YorkCalc approach, fan control, basin heaters") {
  CoolingTowerDesign d;  // 3.9 K approach, 5.56 K range at 25.6 °C wet-bulb
  d.heat_w = 1e6;
  const CoolingTower t(d);
  // The design LG makes the correlation return the design approach at design conditions.
  CHECK(t.full_fan_approach_k(1e6, 25.6) == doctest::Approx(3.9).epsilon(1e-6));
  CHECK(t.design_lg() == doctest::Approx(1.0136).epsilon(1e-3));
  // Cold weather: at full load and 5 °C wet-bulb the same tower reaches only ≈ 9.5 K
  // (the 27-term polynomial evaluated by hand at T_wb = 5, T_r = 5.56, LG = 1.0136).
  CHECK(t.full_fan_approach_k(1e6, 5) == doctest::Approx(9.504).epsilon(1e-3));
  // Design heat at 20 °C wet-bulb: the 23.9 °C setpoint is out of reach, fans at full speed.
  const TowerOperation warm = t.operate(1e6, 20, t.fixed_approach_setpoint_c(20, 10));
  CHECK(warm.airflow_fraction == 1.0);
  CHECK(warm.leaving_c == doctest::Approx(20 + 5.140).epsilon(1e-3));
  CHECK(warm.fan_power_w == doctest::Approx(1e6 * 0.0133));
  // Half the heat at design wet-bulb: range 2.78 K, the fans slow to hold 29.5 °C, and the
  // correlation at the air flow they settle on gives exactly the design approach.
  const TowerOperation half = t.operate(0.5e6, 25.6, t.fixed_approach_setpoint_c(25.6, 10));
  CHECK(half.leaving_c == doctest::Approx(29.5));
  REQUIRE(half.airflow_fraction < 1.0);
  REQUIRE(half.airflow_fraction > 0.2);
  CHECK(yorkcalc_approach_k(25.6, 2.78, t.design_lg() / half.airflow_fraction) ==
        doctest::Approx(3.9).epsilon(1e-4));
  const double f = half.airflow_fraction;
  CHECK(half.fan_power_w == doctest::Approx(1e6 * 0.0133 * f * f * f));
  // A setpoint the tower overshoots even at minimum speed: it cycles, power under f_min³.
  const TowerOperation light = t.operate(0.05e6, 25.6, 35.0);
  CHECK(light.leaving_c == doctest::Approx(35.0));
  CHECK(light.fan_power_w <= 1e6 * 0.0133 * 0.008 + 1e-9);
  // Basin heaters: 130 W/K per MW below 2 °C dry-bulb.
  CHECK(t.basin_heater_w(-8) == doctest::Approx(130 * 10.0));
  CHECK(t.basin_heater_w(5) == 0.0);
}

TEST_CASE("cooling tower: YorkCalc at a fixed wet-bulb and range gives the full sum's bits") {
  // The full sum, term by term in coefficient order, as the correlation is written.
  const auto full = [](double wetbulb_c, double range_k, double lg) {
    const double w = std::clamp(wetbulb_c, -34.4, 26.7), r = std::clamp(range_k, 1.1, 22.2);
    const double l = std::clamp(lg, 0.0, 8.0);
    const auto c = yorkcalc_coefficients();
    double a = 0;
    std::size_t k = 0;
    for (const double lk : {1.0, l, l * l})
      for (const double rj : {1.0, r, r * r})
        for (const double wi : {1.0, w, w * w}) a += c[k++] * lk * rj * wi;
    return a;
  };
  int points = 0;
  for (const double wb : {-40.0, -34.4, -5.3, 0.0, 12.7, 25.6, 26.7, 30.0})
    for (const double range : {0.0, 1.1, 2.78, 5.56, 13.1, 22.2, 30.0}) {
      const YorkCalc at(wb, range);
      // LG back and forth over the fans' search range and past the bounds.
      for (const double lg : {0.0, 0.05, 1.3, 8.0, 9.5, 0.7, 1.3, 4.2, 0.05}) {
        CAPTURE(wb);
        CAPTURE(range);
        CAPTURE(lg);
        CHECK(at.approach_k(lg) == full(wb, range, lg));
        CHECK(yorkcalc_approach_k(wb, range, lg) == full(wb, range, lg));
        ++points;
      }
    }
  CHECK(points == 8 * 7 * 9);
}

TEST_CASE("cooling tower: YorkCalc at an LG given by its products, and at full fan, same bits") {
  // approach_k(lg) takes each term as ((c_ijk · LG^k) · T_r^j) · T_wb^i; the products c_ijk ·
  // LG^k made once (lg_products) must leave every term, and so the sum, as it was.
  int points = 0;
  for (const double wb : {-40.0, -34.4, -5.3, 0.0, 12.7, 25.6, 26.7, 30.0})
    for (const double range : {0.0, 1.1, 2.78, 5.56, 13.1, 22.2, 30.0}) {
      const YorkCalc at(wb, range);
      for (const double lg : {0.0, 0.05, 0.3, 1.3, 1.7182818, 4.2, 8.0, 9.5, -1.0}) {
        CAPTURE(wb);
        CAPTURE(range);
        CAPTURE(lg);
        CHECK(at.approach_k(YorkCalc::lg_products(lg)) == at.approach_k(lg));
        ++points;
      }
    }
  CHECK(points == 8 * 7 * 9);
  // The tower's full fan: its design LG's products, made at construction. By hand, the range
  // at a heat Q is T_r,d · Q / Q_d.
  CoolingTowerDesign d;
  d.heat_w = 3.7e6;
  const CoolingTower tower(d);
  for (const double heat : {0.0, 1.0, 0.4e6, 1.85e6, 3.7e6, 5.0e6, 20e6})
    for (const double wb : {-38.0, -3.0, 0.0, 9.9, 21.4, 25.6, 28.0}) {
      CAPTURE(heat);
      CAPTURE(wb);
      const double range = d.range_k * heat / d.heat_w;
      const double full = yorkcalc_approach_k(wb, range, tower.design_lg());
      CHECK(tower.full_fan_approach_k(heat, wb) == full);
      // operate() at a setpoint the full fan cannot reach leaves the water there.
      if (heat > 0 && full >= 0) CHECK(tower.operate(heat, wb, wb).leaving_c == wb + full);
    }
}

TEST_CASE("cooling tower: the fan search skips the probes far from the crossing, same bits") {
  // The search as it was first written: every one of the 40 probes evaluated by the 27-term sum.
  const auto every_probe = [](const CoolingTower& t, double heat_w, double wb, double set_c) {
    const CoolingTowerDesign& d = t.design();
    const YorkCalc approach(wb, d.range_k * heat_w / d.heat_w);
    const double lg = t.design_lg(), f_min = std::clamp(d.min_airflow, 1e-3, 1.0);
    double lo = f_min, hi = 1.0;
    for (int i = 0; i < 40; ++i) {
      const double mid = 0.5 * (lo + hi);
      (wb + approach.approach_k(lg / mid) > set_c ? lo : hi) = mid;
    }
    return hi;
  };
  int searched = 0;
  for (const double min_airflow : {0.2, 0.05, 0.6}) {
    CoolingTowerDesign d;
    d.heat_w = 1e6;
    d.min_airflow = min_airflow;
    const CoolingTower t(d);
    for (double wb = -30; wb <= 30; wb += 1.7)
      for (double load = 0.05; load <= 1.3; load += 0.0625)
        for (double above = 0.5; above <= 14; above += 0.37) {
          const double heat = load * d.heat_w, set_c = wb + above;
          const TowerOperation op = t.operate(heat, wb, set_c);
          if (op.leaving_c != set_c || op.airflow_fraction <= 0.0) continue;
          if (op.airflow_fraction < std::clamp(min_airflow, 1e-3, 1.0)) continue;  // cycling
          if (op.airflow_fraction == 1.0) continue;                                // full fan
          CAPTURE(wb);
          CAPTURE(load);
          CAPTURE(set_c);
          CHECK(op.airflow_fraction == every_probe(t, heat, wb, set_c));
          ++searched;
        }
  }
  CHECK(searched > 2000);  // the grid reaches the search, not only its shortcuts
}

TEST_CASE("cooling tower: the search's midpoint from its ends' bits") {
  // Within a binade [2^e, 2^(e+1)] (its upper end included) the search's 0.5·(lo + hi) is an
  // integer midpoint of the ends' bits, rounded to even as the sum rounds: pairs of random ends
  // a few ulps to a whole binade apart, and ends at the binade's edges.
  using detail::midpoint_bits;
  using detail::same_binade;
  const auto bits = [](double x) { return std::bit_cast<std::uint64_t>(x); };
  CHECK(same_binade(0.5, 1.0));
  CHECK(same_binade(0.3, 0.5));
  CHECK(same_binade(0.2, 0.25));
  CHECK_FALSE(same_binade(0.2, 0.3));
  CHECK_FALSE(same_binade(0.49, 0.51));
  CHECK_FALSE(same_binade(0.5, 0.5));  // 0.5 starts the binade above 0.25's: not taken
  // By hand: two neighbours of 0.75 (bits b and b + 1, b even) halve to b; b + 1 and b + 2
  // (sum 2b + 3 rounds up to 2b + 4) halve to b + 2, not b + 1.
  const std::uint64_t b = bits(0.75);
  REQUIRE(b % 2 == 0);
  CHECK(midpoint_bits(b, b + 1) == b);
  CHECK(midpoint_bits(b + 1, b + 2) == b + 2);
  CHECK(bits(0.5 * (std::bit_cast<double>(b + 1) + std::bit_cast<double>(b + 2))) == b + 2);
  std::mt19937_64 rng(20);
  int checked = 0;
  for (int n = 0; n < 200000; ++n) {
    const int e = -static_cast<int>(rng() % 10);  // binades [2^(e−1), 2^e], e = 0 … −9
    const std::uint64_t first = bits(std::ldexp(1.0, e - 1)), last = bits(std::ldexp(1.0, e));
    const std::uint64_t width = last - first;
    const std::uint64_t gap = rng() % 4 == 0 ? rng() % 16 : rng() % (width >> (rng() % 52));
    // hi up to 2^e (gap > 0: lo below it), or the binade's upper end itself.
    const std::uint64_t lo_b = first + rng() % (width - gap + (gap > 0 ? 1 : 0));
    const std::uint64_t hi_b = n % 8 == 0 ? last : lo_b + gap;
    const double lo = std::bit_cast<double>(lo_b), hi = std::bit_cast<double>(hi_b);
    REQUIRE(same_binade(lo, hi));
    CAPTURE(lo);
    CAPTURE(hi);
    CHECK(midpoint_bits(lo_b, hi_b) == bits(0.5 * (lo + hi)));
    ++checked;
  }
  CHECK(checked == 200000);
}

TEST_CASE("cooling tower: leaving_c() is operate()'s leaving water, bit for bit") {
  // Every regime: no heat, fans at full speed, the search, cycling below the minimum speed.
  CoolingTowerDesign d;
  d.heat_w = 1e6;
  const CoolingTower t(d);
  int full = 0, held = 0, points = 0;
  for (double wb = -30; wb <= 30; wb += 2.3)
    for (const double load : {-0.1, 0.0, 0.03, 0.2, 0.55, 0.9, 1.2})
      for (double above = -2; above <= 14; above += 0.61) {
        const double heat = load * d.heat_w, set_c = wb + above;
        const TowerOperation op = t.operate(heat, wb, set_c);
        CAPTURE(wb);
        CAPTURE(load);
        CAPTURE(set_c);
        CHECK(t.leaving_c(heat, wb, set_c) == op.leaving_c);
        full += heat > 0 && op.leaving_c > set_c;  // the fans cannot reach the setpoint
        held += heat > 0 && op.leaving_c == set_c && op.airflow_fraction < 1.0;
        ++points;
      }
  // The hand cases: no heat leaves the water at the setpoint (never below the wet-bulb).
  CHECK(t.leaving_c(0.0, 20, 24) == 24.0);
  CHECK(t.leaving_c(0.0, 20, 15) == 20.0);
  // Design heat at 20 °C wet-bulb: full fan, 20 + 5.140 K (as in the case above).
  CHECK(t.leaving_c(1e6, 20, 23.9) == doctest::Approx(20 + 5.140).epsilon(1e-3));
  CHECK(full > 100);
  CHECK(held > 100);
  CHECK(points == 27 * 7 * 27);
}

TEST_CASE("water use: evaporation, blowdown and drift") {
  EvaporativeWater w;  // CoC = 4, drift 1e-5
  w.latent_fraction = 1.0;
  CHECK(EvaporativeWater{}.latent_fraction == 0.85);
  const double q = 1e6, t = 25, circ = 0.05;
  const double evap = q / (2.5008e6 - 2360 * t) / 998.0;
  CHECK(evaporative_water_m3_s(w, q, t, circ) == doctest::Approx(evap + evap / 3 + 1e-5 * circ));
  // About 0.41 L/s evaporated per MW rejected, 0.55 L/s with blowdown at 4 cycles.
  CHECK(evap * 1000 == doctest::Approx(0.41).epsilon(0.01));
  CHECK(evaporative_water_m3_s(w, q, t, circ) * 1000 == doctest::Approx(0.547).epsilon(0.01));
  CHECK(latent_heat_j_per_kg(25) == doctest::Approx(2.442e6).epsilon(1e-3));
}

TEST_CASE("pumps: ASHRAE App. G part-load curves") {
  const double plr = 0.5;
  CHECK(pump_curve(PumpControl::riding_curve)(plr) ==
        doctest::Approx(3.2485 * plr - 4.7443 * plr * plr + 2.5294 * plr * plr * plr));
  CHECK(pump_curve(PumpControl::vsd)(plr) ==
        doctest::Approx(0.5726 * plr - 0.301 * plr * plr + 0.7347 * plr * plr * plr));
  CHECK(pump_curve(PumpControl::vsd_dp_reset)(plr) ==
        doctest::Approx(0.0205 * plr + 0.4101 * plr * plr + 0.5753 * plr * plr * plr));
  // Reset saves the most at part load.
  CHECK(pump_curve(PumpControl::vsd_dp_reset)(plr) < pump_curve(PumpControl::vsd)(plr));
  CHECK(pump_curve(PumpControl::vsd)(plr) < pump_curve(PumpControl::riding_curve)(plr));
  PumpDesign d;
  d.heat_w = 1e6;
  const Pump p(d);
  const double flow = 1e6 / (998.0 * 4186 * 5.56);
  CHECK(p.design_flow_m3_s() == doctest::Approx(flow));
  CHECK(p.design_power_w() == doctest::Approx(flow * 245e3 / 0.7));
  // ASHRAE App. G: 22 W/gpm for chilled-water pumps (1 gpm = 6.309e-5 m³/s).
  CHECK(p.design_power_w() / (flow / 6.309e-5) == doctest::Approx(22).epsilon(0.01));
  CHECK(p.power_w(0.5e6) == doctest::Approx(p.design_power_w() * pump_curve(d.control)(0.5)));
  CHECK(p.power_w(0) == 0);
}

TEST_CASE("dry cooler from the return-water temperature, and the DLC split") {
  const DlcSplit s = dlc_split(0.8, 0.2, 1000, 300, 50);
  CHECK(s.liquid_w == doctest::Approx(800 + 60));
  CHECK(s.air_w == doctest::Approx(1350 - 860));
  // A DGX-class node (5.6 kW GPUs, 2.52 kW rest) on cold plates keeps r³ of its fans,
  // r = (8120 − 4480 − 504) / 8120.
  const double r = (8120.0 - 4480 - 504) / 8120;
  CHECK(cold_plate_fan_scale(5600, 2520, 0.8, 0.2) == doctest::Approx(r * r * r));
  DryCoolerDesign d;  // approach 6 K, water ΔT 10 K, fans 2 %
  d.heat_w = 1e6;
  const DryCooler dc(d);  // C_w = 1e5 W/K, ε = 10 / 16
  CHECK(dc.effectiveness() == doctest::Approx(0.625));
  // Half load, 20 °C air: water returns at 37 °C, capacity 0.625 · 1e5 · 17 K.
  const DryCoolerOperation mild = dc.operate(0.5e6, 20, 32);
  CHECK(mild.remaining_w == 0);
  const double f = 0.5e6 / (0.625e5 * 17);
  CHECK(mild.airflow_fraction == doctest::Approx(f));
  CHECK(mild.fan_power_w == doctest::Approx(0.02e6 * f * f * f));
  // Air at the supply temperature still cools the 42 °C return: 0.625 · 1e5 · 10 K of 1 MW,
  // the water leaving at 42 − 6.25 °C for the trim chiller in series.
  const DryCoolerOperation warm = dc.operate(1e6, 32, 32);
  CHECK(warm.heat_rejected_w == doctest::Approx(0.625e6));
  CHECK(warm.remaining_w == doctest::Approx(0.375e6));
  CHECK(warm.leaving_c == doctest::Approx(35.75));
  CHECK(warm.airflow_fraction == doctest::Approx(1.0));
  // 35 °C air, half load: return 37 °C, 2 K of driving difference.
  CHECK(dc.operate(0.5e6, 35, 32).heat_rejected_w == doctest::Approx(0.125e6));
  // Air warmer than the return water: nothing.
  CHECK(dc.operate(0.5e6, 40, 32).remaining_w == doctest::Approx(0.5e6));
}

TEST_CASE("CRAH: airflow follows the servers' airflow, with bypass and recirculation") {
  AirHandlerDesign d;
  d.heat_w = 1e6;
  d.server_airflow_m3_s_per_w = 120 * m3_per_s_per_cfm / 1e3;  // 120 CFM/kW
  const AirHandler matched(d);
  // Servers carrying 0.6 MW draw 0.6e3 kW · 120 CFM/kW = 72,000 CFM = 33.98 m³/s.
  const AirHandlerOperation m = matched.operate(0.6e6);
  CHECK(m.server_airflow_m3_s == doctest::Approx(72000 * 0.3048 * 0.3048 * 0.3048 / 60));
  CHECK(m.airflow_m3_s == doctest::Approx(m.server_airflow_m3_s));
  CHECK(m.bypass_m3_s == 0.0);
  CHECK(m.recirculation_m3_s == 0.0);
  // Coil ΔT from the delivered flow: Q / (ρ·cp·V).
  CHECK(m.return_rise_k == doctest::Approx(0.6e6 / (1.2 * 1006 * m.airflow_m3_s)));
  // 20 % over-supply: the surplus bypasses, the return is diluted by 1/1.2, and by the affinity
  // law the fans draw 1.2³ = 1.728 times the matched power.
  d.airflow_ratio = 1.2;
  const AirHandlerOperation b = AirHandler(d).operate(0.6e6);
  CHECK(b.airflow_m3_s == doctest::Approx(1.2 * m.server_airflow_m3_s));
  CHECK(b.bypass_m3_s == doctest::Approx(0.2 * m.server_airflow_m3_s));
  CHECK(b.recirculation_m3_s == 0.0);
  CHECK(b.return_rise_k == doctest::Approx(m.return_rise_k / 1.2));
  CHECK(b.fan_power_w == doctest::Approx(1.728 * m.fan_power_w));
  // 10 % under-supply: the servers draw the shortfall from their exhaust; the fans 0.9³.
  d.airflow_ratio = 0.9;
  const AirHandlerOperation r = AirHandler(d).operate(0.6e6);
  CHECK(r.bypass_m3_s == 0.0);
  CHECK(r.recirculation_m3_s == doctest::Approx(0.1 * m.server_airflow_m3_s));
  CHECK(r.fan_power_w == doctest::Approx(0.729 * m.fan_power_w));
  CHECK_FALSE(r.over_capacity);
}

namespace {

// The fan search of a tower written out with the 27-term sum deciding every probe (the search
// before the collected form), for `heat_w` at wet-bulb `wetbulb_c` and leaving-water setpoint
// `setpoint_c`: the fan speed operate() must return, bit for bit.
double sum_search_fraction(const CoolingTower& t, const CoolingTowerDesign& d, double heat_w,
                           double wetbulb_c, double setpoint_c) {
  const YorkCalc at(wetbulb_c, d.range_k * heat_w / d.heat_w);
  double lo = 0.2, hi = 1.0;
  for (int i = 0; i < 40; ++i) {
    const double mid = 0.5 * (lo + hi);
    (wetbulb_c + at.approach_k(t.design_lg() / mid) > setpoint_c ? lo : hi) = mid;
  }
  return hi;
}

// The fan speeds the search probes at levels `first` to `last` (0: the first midpoint) of its
// bisection of [0.2, 1], each midpoint computed as the search computes it, in depth-first order.
std::vector<double> bisection_probes(int first, int last) {
  std::vector<double> probes;
  const auto descend = [&](auto& self, double lo, double hi, int level) -> void {
    const double mid = 0.5 * (lo + hi);
    if (level >= first) probes.push_back(mid);
    if (level == last) return;
    self(self, lo, mid, level + 1);
    self(self, mid, hi, level + 1);
  };
  descend(descend, 0.2, 1.0, 0);
  return probes;
}

// Whether operate() searched for the fan speed (strictly between its bounds), having checked
// then that it returns sum_search_fraction()'s bits.
bool search_agrees(const CoolingTower& t, const CoolingTowerDesign& d, double heat_w,
                   double wetbulb_c, double setpoint_c) {
  const TowerOperation op = t.operate(heat_w, wetbulb_c, setpoint_c);
  if (!(op.airflow_fraction > 0.2 && op.airflow_fraction < 1.0)) return false;
  CHECK(op.airflow_fraction == sum_search_fraction(t, d, heat_w, wetbulb_c, setpoint_c));
  return true;
}

// For each load fraction and wet-bulb, the setpoints the sum reaches at `fan_speeds`: how many
// of them operate() searched for, each checked by search_agrees().
int agreeing_searches(const CoolingTower& t, const CoolingTowerDesign& d,
                      std::initializer_list<double> loads, std::initializer_list<double> wetbulbs,
                      const std::vector<double>& fan_speeds) {
  int searched = 0;
  for (const double load : loads)
    for (const double wb : wetbulbs) {
      const YorkCalc at(wb, d.range_k * load);
      for (const double f0 : fan_speeds) {
        const double set_c = wb + at.approach_k(t.design_lg() / f0);
        CAPTURE(load);
        CAPTURE(wb);
        CAPTURE(f0);
        if (search_agrees(t, d, load * d.heat_w, wb, set_c)) ++searched;
      }
    }
  return searched;
}

}  // namespace

TEST_CASE("cooling tower: the fan search's probes decided by the collected polynomial agree") {
  // The search written out with the 27-term sum at every probe (the search before the collected
  // form): operate() must return its bits.
  CoolingTowerDesign d;
  d.heat_w = 3.5e6;
  const CoolingTower t(d);
  int searched = 0;
  for (const double load : {0.03, 0.1, 0.37, 0.5, 0.81, 1.0, 1.4})
    for (double wb = -20.0; wb <= 28.0; wb += 1.7)
      for (double above = 0.5; above <= 12.0; above += 0.45) {
        const double heat_w = load * d.heat_w, set_c = wb + above;
        const double range = d.range_k * load;
        YorkCalc at(wb, range);
        at.collect();
        // The collected form stays within its margin of the sum over the whole search.
        for (const double f : {0.2, 0.33, 0.5, 0.71, 1.0})
          CHECK(std::abs(at.collected_k(t.design_lg() / f) - at.approach_k(t.design_lg() / f)) <=
                at.margin_k() * 0.05);
        const TowerOperation op = t.operate(heat_w, wb, set_c);
        if (!(op.airflow_fraction > 0.2 && op.airflow_fraction < 1.0)) continue;
        CAPTURE(heat_w);
        CAPTURE(wb);
        CAPTURE(set_c);
        const double f = sum_search_fraction(t, d, heat_w, wb, set_c);
        CHECK(op.airflow_fraction == f);
        CHECK(op.fan_power_w == d.heat_w * d.fan_power_ratio * f * f * f);
        CHECK(op.leaving_c == set_c);
        ++searched;
      }
  // Setpoints the sum reaches exactly at a fan speed: the last probes land within a few ulps
  // of the setpoint, where the two forms can disagree, and the sum must decide.
  int exact = 0;
  for (const double load : {0.2, 0.5, 0.9})
    for (double wb = -10.0; wb <= 26.0; wb += 3.1)
      for (double f0 = 0.21; f0 < 1.0; f0 += 0.0137) {
        const double heat_w = load * d.heat_w, range = d.range_k * load;
        const double set_c = wb + yorkcalc_approach_k(wb, range, t.design_lg() / f0);
        CAPTURE(heat_w);
        CAPTURE(wb);
        CAPTURE(f0);
        if (search_agrees(t, d, heat_w, wb, set_c)) ++exact;
      }
  CHECK(searched > 500);
  CHECK(exact > 500);
}

TEST_CASE("cooling tower: a setpoint the sum reaches exactly at one of the search's probes") {
  // The setpoint is the sum's leaving water at a probe the search makes (a midpoint of the
  // bisection, computed as the search computes it), so at that probe the sum says "not warmer"
  // while the collected form, a few ulps off, may say either: only the sum may decide there.
  // With no margin (the collected form deciding every probe) 1,675 of its checks fail, with a
  // margin of u·S (YorkCalc, cooling_tower.hpp) 5.
  CoolingTowerDesign d;
  d.heat_w = 3.5e6;
  const CoolingTower t(d);
  // The probes of the first 9 levels of the bisection of [0.2, 1]: 511 fan speeds.
  const std::vector<double> probes = bisection_probes(0, 8);
  REQUIRE(probes.size() == 511);
  CHECK(agreeing_searches(t, d, {0.3, 0.7, 1.0}, {-8.0, 4.5, 15.2, 24.0}, probes) > 3000);
}

TEST_CASE("cooling tower: the search's tabulated first probes, at and beside the table's edges") {
  // operate() takes the first 12 probes from a table of the brackets they can leave; where the
  // band (a few 1e-12 of the fan speed around the crossing) holds a bracket's end or lies
  // within twice its width of one, it searches from the top. Setpoints the sum reaches at the
  // probes of levels 10 to 13 (around the table's depth), and at fan speeds a few 1e-12 off
  // them, must give the every-probe search's bits.
  CoolingTowerDesign d;
  d.heat_w = 3.5e6;
  const CoolingTower t(d);
  const std::vector<double> probes = bisection_probes(10, 13);
  REQUIRE(probes.size() == (1u << 14) - (1u << 10));
  std::vector<double> fan_speeds;
  for (std::size_t k = 0; k < probes.size(); k += 5)
    for (const double off : {0.0, -2e-12, 2e-12, -5e-12, 5e-12, 4e-11})
      fan_speeds.push_back(probes[k] * (1 + off));
  CHECK(agreeing_searches(t, d, {0.45, 0.9}, {3.0, 21.0}, fan_speeds) > 60000);
}
