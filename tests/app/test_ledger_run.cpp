// The ledger through the whole pipeline: traces that close per interval, a warmup kept out of
// the totals, queue waits over every job, no cost without a named price.
#include <doctest/doctest.h>

#include <cmath>

#include "app/h5.hpp"
#include "app/run.hpp"
#include "app/scenario.hpp"
#include "run_helpers.hpp"

using namespace joule;
using test::read_dataset;

namespace {

struct Out {
  app::Summary summary;
  std::string file;
};

// The default scenario (4,096 H100s in Leesburg, a July week) with `sets`.
Out run_default(const std::string& name, std::vector<std::string> sets) {
  const auto dir = test::temp_dir("ledger-" + name);
  app::LoadOptions load;
  load.sets = std::move(sets);
  const auto sc = app::load_scenario("", load);
  app::RunOptions opt;
  opt.output = (dir / "run.h5").string();
  return {app::run(sc, opt), opt.output};
}

}  // namespace

TEST_CASE("5 MW of PV and a 10 MWh battery show in the traces, closing every interval") {
  const Out pv = run_default(
      "pv", {"duration=2 d", "power_chain.pv={peak: 5 MW}",
             "power_chain.battery={capacity: 10 MWh, max_charge: 2.5 MW, max_discharge: 2.5 MW, "
             "dispatch: price}"});
  const auto& v = pv.summary.values;
  const auto import_w = read_dataset(pv.file, "facility/grid_import_w");
  const auto export_w = read_dataset(pv.file, "facility/grid_export_w");
  const auto pv_w = read_dataset(pv.file, "facility/pv_power_w");
  const auto charge_w = read_dataset(pv.file, "facility/battery_charge_w");
  const auto discharge_w = read_dataset(pv.file, "facility/battery_discharge_w");
  const auto total_w = read_dataset(pv.file, "facility/total_power_w");
  const auto soc = read_dataset(pv.file, "facility/battery_soc");
  REQUIRE(import_w.size() == 2 * 1440);
  for (std::size_t i = 0; i < import_w.size(); ++i) {
    if (export_w[i] > 0) continue;  // exporting intervals carry export losses (KPI apart)
    // To the rounding of the traces (single precision).
    CHECK(import_w[i] + pv_w[i] + discharge_w[i] - charge_w[i] ==
          doctest::Approx(total_w[i]).epsilon(1e-6));
  }
  double pv_kwh = 0;
  for (const double w : pv_w) pv_kwh += w * 60 / 3.6e6;  // NOLINT: 1-min samples to kWh
  CHECK(pv_kwh == doctest::Approx(*v.at("pv_yield_kwh")).epsilon(1e-6));
  CHECK(*v.at("pv_yield_kwh") > 10e3);  // two July days of 5 MW
  CHECK(*v.at("battery_discharge_kwh") > 0);
  CHECK(*v.at("grid_import_kwh") < *v.at("facility_energy_kwh"));
  CHECK(soc.back() == doctest::Approx(*v.at("battery_final_soc")));
  CHECK(v.at("battery_settlement_kwh").has_value());
  CHECK(pv.summary.tariff == "hourly prices, US-MIDA-PJM_2023.csv");
}

TEST_CASE("a warmup is kept out of the totals; the traces still cover it") {
  const Out full = run_default("full", {"duration=2 d"});
  const Out warm = run_default("warm", {"duration=2 d", "warmup=1 d"});
  const auto it_w = read_dataset(warm.file, "facility/it_power_w");
  const auto total_w = read_dataset(warm.file, "facility/total_power_w");
  REQUIRE(it_w.size() == 2 * 1440);
  double it_j = 0, facility_j = 0;
  for (std::size_t i = 1440; i < it_w.size(); ++i) {
    it_j += it_w[i] * 60;
    facility_j += total_w[i] * 60;
  }
  const auto& w = warm.summary.values;
  // float32 power traces: each value within 2^-24 ≈ 6e-8 of the one computed.
  CHECK(*w.at("it_energy_kwh") * 3.6e6 == doctest::Approx(it_j).epsilon(6e-8));  // NOLINT
  CHECK(*w.at("facility_energy_kwh") * 3.6e6 == doctest::Approx(facility_j).epsilon(6e-8));
  // The float64 counter (it starts again at the warmup's end): the total to 1e-12.
  CHECK(*w.at("it_energy_kwh") ==
        doctest::Approx(read_dataset(warm.file, "facility/it_energy_kwh").back()).epsilon(1e-12));
  CHECK(*w.at("it_energy_kwh") < *full.summary.values.at("it_energy_kwh"));
  CHECK(*w.at("pue") == doctest::Approx(facility_j / it_j));
  // The same run: the traces are the same bytes either way.
  CHECK(read_dataset(full.file, "facility/it_power_w") == it_w);
}

TEST_CASE("queue waits count the jobs still waiting") {
  const Out week = run_default("week", {});
  const auto& v = week.summary.values;
  const auto wait = read_dataset(week.file, "jobs/wait_s");
  const auto submit = read_dataset(week.file, "jobs/submit_s");
  int waiting = 0;
  double sum = 0;
  for (std::size_t i = 0; i < wait.size(); ++i) {
    waiting += std::isnan(wait[i]);
    sum += std::isnan(wait[i]) ? 7 * 86400 - submit[i] : wait[i];
  }
  MESSAGE("default week: " << waiting << " of " << wait.size() << " jobs still waiting, mean wait "
                           << *v.at("mean_wait_s") / 3600 << " h");
  CHECK(*v.at("jobs_waiting") == waiting);
  CHECK(waiting > 0);
  CHECK(*v.at("mean_wait_s") == doctest::Approx(sum / static_cast<double>(wait.size())));
  CHECK(*v.at("p95_wait_s") > 0);
}

TEST_CASE("no price named: no cost, and the summary says why") {
  const Out none = run_default("noprice", {"duration=1 h", "site.price=none"});
  CHECK_FALSE(none.summary.values.at("cost_usd").has_value());
  CHECK(none.summary.tariff.rfind("none", 0) == 0);
  CHECK(app::summary_table(none.summary).find("Tariff: none") != std::string::npos);
  const Out flat = run_default("flat", {"duration=1 h", "site.price=80 USD/MWh"});
  CHECK(flat.summary.tariff == "flat 80 USD/MWh");
  // 80 USD/MWh × the grid import.
  CHECK(*flat.summary.values.at("cost_usd") ==
        doctest::Approx(*flat.summary.values.at("grid_import_kwh") * 0.08));
}

TEST_CASE("without PV or battery no peak is shaved: exactly 0, not rounding noise") {
  // compare.yaml's week: its facility and grid peaks, summed in different orders, differed by
  // 2.3e-13 kW, which the summary printed as a shaved peak of -2.328e-13 kW.
  const auto dir = test::temp_dir("ledger-noshave");
  const auto sc =
      app::load_scenario(std::string(JOULE_SOURCE_DIR) + "/scenarios/policies/compare.yaml", {});
  app::RunOptions opt;
  opt.output = (dir / "run.h5").string();
  const auto& v = app::run(sc, opt).values;
  CHECK(*v.at("peak_grid_import_kw") ==
        doctest::Approx(*v.at("peak_facility_power_kw")).epsilon(1e-12));
  CHECK(*v.at("peak_shaved_kw") == 0.0);
}
