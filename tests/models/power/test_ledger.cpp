// The meter-side ledger, battery dispatch and settlement, the demand meter and PV curtailment,
// each worked by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "models/power/dispatch.hpp"
#include "models/power/ledger.hpp"
#include "models/power/power_chain.hpp"

using namespace joule::models::power;
namespace sim = joule::sim;

namespace {

PowerChain chain_with(std::optional<double> export_limit_w) {
  PowerChainSpec spec;
  if (export_limit_w) spec.export_limit = sim::Watts(*export_limit_w);
  spec.pv = PvSpec{sim::Watts(5e6), 0.8};
  return PowerChain(spec, sim::Watts(4e6));
}

}  // namespace

TEST_CASE("import − export + PV + discharge − charge = consumption + export loss, any state") {
  const PowerChain chain = chain_with(std::nullopt);
  for (const double it_w : {0.0, 1e6, 3.5e6})
    for (const double pv_w : {0.0, 2e6, 8e6})
      for (const double battery_w : {-1e6, 0.0, 1.5e6}) {
        const ChainBreakdown b = chain.evaluate(it_w, 0.3 * it_w, 50e3, pv_w, battery_w);
        const MeterFlows f = meter_flows(b, pv_w);
        CHECK(f.import_w * f.export_w == 0);  // never both
        CHECK(f.charge_w * f.discharge_w == 0);
        const double supply_w = f.import_w - f.export_w + f.pv_w + f.discharge_w - f.charge_w;
        CHECK(supply_w == doctest::Approx(b.facility_w() + b.export_loss_w).epsilon(1e-12));
      }
}

TEST_CASE("an export limit curtails PV to keep the export at the limit") {
  const PowerChain limited = chain_with(1e6);
  // 1 MW of load against 6 MW of PV: 5 MW of surplus, 1 MW may leave.
  const ChainBreakdown b = limited.evaluate_limited(1e6, 0, 0, 6e6, 0);
  CHECK(b.grid_w == doctest::Approx(-1e6).epsilon(1e-9));
  CHECK(b.pv_w < 6e6);
  const MeterFlows f = meter_flows(b, 6e6);
  CHECK(f.pv_curtailed_w == doctest::Approx(6e6 - b.pv_w));
  // PV used = consumption (1 MW of IT plus its PDU and UPS losses) + export loss + 1 MW out.
  CHECK(b.pv_w == doctest::Approx(b.facility_w() + b.export_loss_w + 1e6).epsilon(1e-9));
  CHECK(f.pv_curtailed_w > 3.5e6);
  // Under the limit nothing is curtailed.
  const ChainBreakdown under = limited.evaluate_limited(3e6, 0, 0, 2e6, 0);
  CHECK(under.pv_w == 2e6);
  // With no limit everything is exported.
  CHECK(chain_with(std::nullopt).evaluate_limited(1e6, 0, 0, 6e6, 0).pv_w == 6e6);
  // Zero export: the grid never goes below 0.
  CHECK(chain_with(0.0).evaluate_limited(1e6, 0, 0, 6e6, 0).grid_w ==
        doctest::Approx(0).epsilon(1e-6));
}

TEST_CASE("a battery drawn down pays for the recharge; one that ended fuller is credited") {
  // 9 MWh at the start, 1 MWh at the end, η_c = η_d = √0.81 = 0.9: recharging the 8 MWh takes
  // 8 / 0.9 MWh from the bus.
  const double mwh = (sim::joules_per_kwh * 1e3);
  CHECK(battery_settlement_j(9 * mwh, 1 * mwh, 0.9, 0.9) == doctest::Approx(8 * mwh / 0.9));
  // Ended 2 MWh fuller: it could deliver 2 × 0.9 MWh, a credit.
  CHECK(battery_settlement_j(5 * mwh, 7 * mwh, 0.9, 0.9) == doctest::Approx(-2 * mwh * 0.9));
  CHECK(battery_settlement_j(5 * mwh, 5 * mwh, 0.9, 0.9) == 0);
}

TEST_CASE("dispatch: peak shaving, arbitrage on the forecast's quantiles, PV surplus first") {
  DispatchLimits l;
  l.max_charge_w = 2e6;
  l.max_discharge_w = 3e6;
  l.round_trip_efficiency = 0.85;
  // Peak shaving at 10 MW: shave 1.5 MW at 11.5 MW, recharge at most T − D = 0.5 MW at 9.5.
  l.peak_threshold_w = 10e6;
  CHECK(dispatch_request_w(DispatchMode::peak_shaving, l, 11.5e6, 0, {}) == 1.5e6);
  CHECK(dispatch_request_w(DispatchMode::peak_shaving, l, 9.5e6, 0, {}) == -0.5e6);
  CHECK(dispatch_request_w(DispatchMode::peak_shaving, l, 4e6, 0, {}) == -2e6);
  // PV surplus of 1.2 MW is stored in every mode but none.
  CHECK(dispatch_request_w(DispatchMode::price, l, -1.2e6, 50, {}) == -1.2e6);
  CHECK(dispatch_request_w(DispatchMode::none, l, -1.2e6, 50, {}) == 0);
  // Price: a day of 12 h at 20 and 12 h at 100 USD/MWh: q25 = 20, q75 = 100.
  l.peak_threshold_w.reset();
  std::vector<double> day(24, 20.0);
  for (int h = 12; h < 24; ++h) day[static_cast<std::size_t>(h)] = 100.0;
  CHECK(quantile(day, 0.25) == 20);
  CHECK(quantile(day, 0.75) == 100);
  CHECK(dispatch_request_w(DispatchMode::price, l, 5e6, 20, day) == -2e6);  // cheap: charge
  CHECK(dispatch_request_w(DispatchMode::price, l, 5e6, 100, day) == 3e6);  // dear: discharge
  CHECK(dispatch_request_w(DispatchMode::price, l, 1e6, 100, day) == 1e6);  // never export
  CHECK(dispatch_request_w(DispatchMode::price, l, 5e6, 60, day) == 0);
  // A spread of 20 vs 22 does not pay an 85 % round trip: idle.
  std::vector<double> flat(24, 20.0);
  for (int h = 12; h < 24; ++h) flat[static_cast<std::size_t>(h)] = 22.0;
  CHECK(dispatch_request_w(DispatchMode::price, l, 5e6, 20, flat) == 0);
  // Charging stays under a threshold in arbitrage too.
  l.peak_threshold_w = 5.5e6;
  CHECK(dispatch_request_w(DispatchMode::carbon, l, 5e6, 20, day) == -0.5e6);
}

TEST_CASE("the demand meter keeps the highest 15-minute average import per period") {
  // Period = the hour of t (four windows each).
  DemandMeter m(sim::minutes(15), [](sim::Time t) { return static_cast<int>(t.seconds() / 3600); });
  // 0–10 min at 4 MW, 10–20 min at 1 MW: first window averages (10·4 + 5·1)/15 = 3 MW, the
  // second (5·1 + 10·0)/15.
  m.add(sim::minutes(0), sim::minutes(10), 4e6);
  m.add(sim::minutes(10), sim::minutes(20), 1e6);
  m.add(sim::minutes(20), sim::minutes(60), 0);
  // Second hour: 2 MW for 20 min, the run ends at 1 h 20: the open window (1 h 15–1 h 20)
  // averages 2 MW over its 5 minutes.
  m.add(sim::minutes(60), sim::minutes(80), 2e6);
  const auto peaks = m.peaks_w(sim::minutes(80));
  CHECK(peaks.at(0) == doctest::Approx(3e6));
  CHECK(peaks.at(1) == doctest::Approx(2e6));
  CHECK(m.peak_w(sim::minutes(80)) == doctest::Approx(3e6));
}

TEST_CASE("the demand meter asks for a window's billing period once") {
  // Period = the hour of t; the meter counts how often it asks.
  int asked = 0;
  DemandMeter m(sim::minutes(15), [&asked](sim::Time t) {
    ++asked;
    return static_cast<int>(t.seconds() / 3600);
  });
  // 50 minutes in one-minute steps at i MW in minute i: the windows 0–15, 15–30, 30–45 close
  // and 45–60 stays open, four windows, each asked once (for its time and, closing, its peak).
  for (int i = 0; i < 50; ++i) m.add(sim::minutes(i), sim::minutes(i + 1), 1e6 * i);
  CHECK(asked == 4);
  CHECK(m.covered_s().at(0) == doctest::Approx(50 * 60.0));
  // Hour 0's peak: the open window, minutes 45–49 at (45 + … + 49) / 5 = 47 MW, over the last
  // closed one, 30–44 at 37 MW.
  CHECK(m.peaks_w(sim::minutes(50)).at(0) == doctest::Approx(47e6));
  // A restart forgets the period: the next window (from 1 h 05) asks again, and finds hour 1.
  const int before = asked;
  m.restart(sim::minutes(65));
  m.add(sim::minutes(65), sim::minutes(70), 1e6);
  m.add(sim::minutes(70), sim::minutes(75), 1e6);
  CHECK(asked == before + 1);
  CHECK(m.covered_s().count(0) == 0);
  CHECK(m.covered_s().at(1) == doctest::Approx(10 * 60.0));
}

TEST_CASE("the demand meter books each window's time in the window's own period") {
  // Period = the hour of t. Two hours in one-minute steps: the window 45–60 is hour 0's, the
  // next, from 60, hour 1's; each hour gets its 3,600 s, none of them in the other.
  DemandMeter m(sim::minutes(15), [](sim::Time t) { return static_cast<int>(t.seconds() / 3600); });
  for (int i = 0; i < 120; ++i) m.add(sim::minutes(i), sim::minutes(i + 1), 1e6);
  CHECK(m.covered_s().size() == 2);
  CHECK(m.covered_s().at(0) == 3600.0);
  CHECK(m.covered_s().at(1) == 3600.0);
  // One add across the hour (50 to 70 min, windows 45–60 and 60–75): 10 min in each.
  DemandMeter across(sim::minutes(15),
                     [](sim::Time t) { return static_cast<int>(t.seconds() / 3600); });
  across.add(sim::minutes(50), sim::minutes(70), 1e6);
  CHECK(across.covered_s().at(0) == 600.0);
  CHECK(across.covered_s().at(1) == 600.0);
}

TEST_CASE("the demand meter closes a window that an add reaches the end of") {
  // Period = the quarter hour of t (each window its own). 0–15 min at 4 MW in two adds, the
  // second ending on the window's end, then nothing added: at 20 min the window 0–15 is closed
  // at 4 MW (left open, it would average 4 MW · 15 / 20 = 3 MW) and the open one, 15–20, has
  // had no import.
  DemandMeter m(sim::minutes(15), [](sim::Time t) { return static_cast<int>(t.seconds() / 900); });
  m.add(sim::minutes(0), sim::minutes(5), 4e6);
  m.add(sim::minutes(5), sim::minutes(15), 4e6);
  CHECK(m.peaks_w(sim::minutes(20)).at(0) == 4e6);
  CHECK(m.peaks_w(sim::minutes(20)).at(1) == 0.0);
  // Inside a window: minute by minute, then an empty add and one backwards, which add nothing.
  for (int i = 15; i < 25; ++i) m.add(sim::minutes(i), sim::minutes(i + 1), 1e6 * (i - 14));
  m.add(sim::minutes(25), sim::minutes(25), 9e6);
  m.add(sim::minutes(25), sim::minutes(24), 9e6);
  CHECK(m.covered_s().at(1) == 600.0);
  // 60 s · (1 + … + 10) MW over the window's 10 minutes so far: 5.5 MW.
  CHECK(m.peaks_w(sim::minutes(25)).at(1) == 60 * 55e6 / 600);
  // Across the window's end (25–40 min at 2 MW): window 1 closes at (3,300 + 300 · 2) MJ over
  // 900 s, and window 2 (30–45) holds 10 minutes.
  m.add(sim::minutes(25), sim::minutes(40), 2e6);
  CHECK(m.peaks_w(sim::minutes(40)).at(1) == (3300e6 + 300 * 2e6) / 900);
  CHECK(m.covered_s().at(1) == 900.0);
  CHECK(m.covered_s().at(2) == 600.0);
}
