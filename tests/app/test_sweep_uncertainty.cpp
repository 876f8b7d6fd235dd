// `joule sweep --uncertainty N`: each variant's KPI bands in summary.csv and summary.h5 (/bands),
// N = 1 equal to a plain sweep, the same seed the same bands, common coefficient draws across
// variants, the analytic band of a linear KPI, and the bands of child processes and resumed runs.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "app/h5.hpp"
#include "app/sweep.hpp"
#include "app/uncertainty.hpp"
#include "run_helpers.hpp"

using namespace joule;
using test::read_dataset;
using test::same_bits;
namespace fs = std::filesystem;

namespace {

const char* const base_yaml = test::uncertain_pue_yaml;

// Two variants: one and two racks.
const char* sweep_yaml = R"(base: base.yaml
axes:
  grid:
    cluster.racks.count: [1, 2]
)";

app::Sweep load(const fs::path& dir) {
  test::write_file(dir / "base.yaml", base_yaml);
  return app::load_sweep_text(sweep_yaml, "sweep.yaml", dir.string());
}

app::SweepReport sweep(const app::Sweep& s, const fs::path& out, std::size_t n, unsigned jobs = 2,
                       std::int64_t seed = -1, bool processes = false) {
  app::SweepOptions o;
  o.dir = out.string();
  o.jobs = jobs;
  o.quiet = true;
  o.uncertainty = n;
  o.uncertainty_seed = seed;
  o.processes = processes;
  if (processes) o.executable = test::joule_bin();
  return app::run_sweep(s, o);
}

std::string units_of(const std::string& file, const std::string& path) {
  auto f = app::h5::open_file_readonly(file);
  const app::h5::Handle set(H5Dopen2(f.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
  return app::h5::get_string_attr(set.get(), "units");
}

}  // namespace

TEST_CASE("sweep --uncertainty: the analytic band of a linear KPI, per variant, in CSV and HDF5") {
  const auto dir = test::temp_dir("sweep-unc-band");
  const auto s = load(dir);
  const std::size_t n = 40;
  const auto report = sweep(s, dir / "out", n);
  REQUIRE(report.failed == 0);
  REQUIRE(report.ran == 2);
  // PUE ~ U[1.1, 1.3] in both variants: P5 1.11, median 1.2, P95 1.29, within 2·0.2/40 (a Latin
  // hypercube puts one point in each 1/40 of the range).
  for (const auto& r : report.results) {
    const auto& pue = r.bands.at("pue");
    CHECK(pue.p5 == doctest::Approx(1.11).epsilon(0.01 / 1.11));
    CHECK(pue.median == doctest::Approx(1.2).epsilon(0.01 / 1.2));
    CHECK(pue.p95 == doctest::Approx(1.29).epsilon(0.01 / 1.29));
    // Facility energy = PUE × IT energy, IT unchanged by the coefficient.
    const double it = *r.values.at("it_energy_kwh");
    CHECK(r.bands.at("facility_energy_kwh").p5 == doctest::Approx(it * pue.p5).epsilon(1e-9));
    CHECK(r.bands.at("facility_energy_kwh").p95 == doctest::Approx(it * pue.p95).epsilon(1e-9));
    CHECK(r.bands.at("it_energy_kwh").p5 == r.bands.at("it_energy_kwh").p95);
  }
  // Common random numbers: both variants drew the same PUE samples, so the same PUE band.
  const auto& a = report.results[0].bands.at("pue");
  const auto& b = report.results[1].bands.at("pue");
  CHECK(a.p5 == doctest::Approx(b.p5).epsilon(1e-12));
  CHECK(a.p95 == doctest::Approx(b.p95).epsilon(1e-12));
  // Two racks: the job's two nodes plus two idle ones, more energy in every sample.
  CHECK(report.results[1].bands.at("facility_energy_kwh").p95 >
        report.results[0].bands.at("facility_energy_kwh").p95);

  // summary.h5: /bands/<kpi> along (variant, quantile), in the KPI's unit.
  const auto bands = read_dataset(report.h5_path, "bands/facility_energy_kwh");
  REQUIRE(bands.size() == 2 * 3);
  for (std::size_t v = 0; v < 2; ++v) {
    const auto& band = report.results[v].bands.at("facility_energy_kwh");
    CHECK(bands[v * 3 + 0] == band.p5);
    CHECK(bands[v * 3 + 1] == band.median);
    CHECK(bands[v * 3 + 2] == band.p95);
  }
  CHECK(read_dataset(report.h5_path, "bands/quantile") == std::vector<double>{0.05, 0.5, 0.95});
  CHECK(units_of(report.h5_path, "bands/facility_energy_kwh") == "kWh");
  CHECK(units_of(report.h5_path, "bands/pue") == "1");
  // The nominal KPIs stay in /kpis.
  CHECK(read_dataset(report.h5_path, "kpis/pue")[0] == doctest::Approx(1.2).epsilon(1e-12));

  // summary.csv: pue_p5, pue_p50, pue_p95 columns.
  std::ifstream csv(report.csv_path);
  std::string header, row;
  std::getline(csv, header);
  std::getline(csv, row);
  const auto column = [&](const std::string& name) {
    std::size_t col = 0, pos = 0;
    const std::string h = "," + header + ",";
    const std::size_t at = h.find("," + name + ",");
    REQUIRE(at != std::string::npos);
    for (std::size_t i = 0; i < at; ++i) col += h[i] == ',';
    for (std::size_t c = 0; c < col; ++c) pos = row.find(',', pos) + 1;
    return std::stod(row.substr(pos, row.find(',', pos) - pos));
  };
  CHECK(column("pue_p5") == report.results[0].bands.at("pue").p5);
  CHECK(column("pue_p50") == report.results[0].bands.at("pue").median);
  CHECK(column("pue_p95") == report.results[0].bands.at("pue").p95);

  // Each variant's file is a `joule run --uncertainty` file: its /uncertainty holds the samples.
  CHECK(app::has_uncertainty(app::variant_output(dir / "out", s.variants[0]), n, 3));
}

TEST_CASE("sweep --uncertainty 1 equals a plain sweep") {
  const auto dir = test::temp_dir("sweep-unc-one");
  const auto s = load(dir);
  const auto plain = sweep(s, dir / "plain", 0);
  const auto one = sweep(s, dir / "one", 1);
  REQUIRE(plain.ran == 2);
  REQUIRE(one.ran == 2);
  CHECK(plain.results[0].bands.empty());
  for (std::size_t v = 0; v < 2; ++v)
    for (const auto& kv : plain.results[v].values) {
      const std::string& k = kv.first;  // named members: clang 14 cannot capture a
      const auto& value = kv.second;    // structured binding in INFO's lambda
      if (k == "wall_s" || k.rfind("example_", 0) == 0) continue;
      INFO(k);
      CHECK(value == one.results[v].values.at(k));
      const auto band = one.results[v].bands.find(k);
      if (value && band != one.results[v].bands.end()) {
        CHECK(band->second.p5 == *value);
        CHECK(band->second.median == *value);
        CHECK(band->second.p95 == *value);
      }
    }
  CHECK(read_dataset(app::variant_output(dir / "plain", s.variants[1]), "facility/total_power_w") ==
        read_dataset(app::variant_output(dir / "one", s.variants[1]), "facility/total_power_w"));
  // A plain sweep's summary.h5 has no /bands.
  auto f = app::h5::open_file_readonly(plain.h5_path);
  CHECK(H5Lexists(f.get(), "bands", H5P_DEFAULT) == 0);
}

TEST_CASE("sweep --uncertainty: same seed, same bands whatever the workers; another seed differs") {
  const auto dir = test::temp_dir("sweep-unc-seed");
  const auto s = load(dir);
  const auto a = sweep(s, dir / "a", 5, 2, 7);
  const auto b = sweep(s, dir / "b", 5, 1, 7, true);  // one worker, child processes
  const auto c = sweep(s, dir / "c", 5, 2, 8);
  REQUIRE(a.failed + b.failed + c.failed == 0);
  for (const char* p : {"bands/pue", "bands/facility_energy_kwh", "bands/co2e_t", "bands/variant",
                        "bands/quantile"})
    CHECK_MESSAGE(same_bits(read_dataset(a.h5_path, p), read_dataset(b.h5_path, p)), p);
  CHECK_FALSE(
      same_bits(read_dataset(a.h5_path, "bands/pue"), read_dataset(c.h5_path, "bands/pue")));
  // A rerun reuses outputs with the same samples and seed, and reruns the others.
  const auto again = sweep(s, dir / "a", 5, 2, 7);
  CHECK(again.reused == 2);
  CHECK(same_bits(read_dataset(a.h5_path, "bands/pue"), read_dataset(again.h5_path, "bands/pue")));
  const auto more = sweep(s, dir / "a", 6, 2, 7);
  CHECK(more.ran == 2);
}

TEST_CASE("joule sweep --uncertainty from the command line; xarray-style coordinates") {
  const auto dir = test::temp_dir("sweep-unc-cli");
  (void)load(dir);
  test::write_file(dir / "sweep.yaml", sweep_yaml);
  const auto r = test::run(test::joule_bin() + " sweep " + (dir / "sweep.yaml").string() + " -o " +
                           (dir / "out").string() + " -j 2 -q --uncertainty 3");
  CHECK(r.code == 0);
  const std::string h5 = (dir / "out" / "summary.h5").string();
  CHECK(read_dataset(h5, "bands/variant") == std::vector<double>{0, 1});
  // A bad uncertainty section in the base stops the sweep before anything runs (exit 2).
  std::string bad = base_yaml;
  bad.replace(bad.find("range: [1.1, 1.3]"), 17, "range: [1.3, 1.1]");
  test::write_file(dir / "base.yaml", bad);
  const auto e = test::run(test::joule_bin() + " sweep " + (dir / "sweep.yaml").string() + " -o " +
                           (dir / "bad").string() + " --uncertainty 3");
  CHECK(e.code == 2);
  CHECK(e.output.find("base.yaml:12:") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "bad" / "summary.csv"));
}

TEST_CASE("sweep --uncertainty with a user catalog's spreads: the same bands on 1 or 2 workers") {
  // Each variant reloads the catalog while the other worker samples: the spreads must hold.
  const auto dir = test::temp_dir("sweep-unc-catalog");
  test::write_file(dir / "hw.yaml", R"(accelerators:
  - id: sweep-unc-gpu
    base: h100-sxm
    idle: {value: 72 W, kind: measurement, source: "test boards",
           spread: {range: [60 W, 84 W], source: "test range"}}
nodes:
  - id: sweep-unc-node
    base: dgx-h100
    accelerator: sweep-unc-gpu
)");
  std::string base = base_yaml;
  base.replace(base.find("dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW"), 58,
               "sweep-unc-node");
  base.erase(base.find("uncertainty:"), base.find("output:") - base.find("uncertainty:"));
  test::write_file(dir / "base.yaml", "catalog: hw.yaml\n" + base);
  const auto s = app::load_sweep_text(sweep_yaml, "sweep.yaml", dir.string());
  const auto one = sweep(s, dir / "one", 6, 1, 5);
  const auto two = sweep(s, dir / "two", 6, 2, 5);
  REQUIRE(one.failed + two.failed == 0);
  for (const char* p : {"bands/it_energy_kwh", "bands/facility_energy_kwh", "bands/pue"})
    CHECK_MESSAGE(same_bits(read_dataset(one.h5_path, p), read_dataset(two.h5_path, p)), p);
  // The idle power was drawn from the catalog's range, not the measurement rule (72 W ± 3 %).
  const std::string out = app::variant_output(dir / "two", s.variants[1]);
  auto f = app::h5::open_file_readonly(out);
  const auto nominal = app::h5::read_doubles(f.get(), "uncertainty/nominal");
  const auto values = app::h5::read_doubles(f.get(), "uncertainty/value");
  REQUIRE(!nominal.empty());
  CHECK(nominal[0] == doctest::Approx(72));  // accelerator.idle_power is the first coefficient
  double lo = 1e9, hi = 0;
  for (std::size_t i = 0; i < 6; ++i) {
    lo = std::min(lo, values[i * nominal.size()]);
    hi = std::max(hi, values[i * nominal.size()]);
  }
  CHECK(lo >= 60);
  CHECK(hi <= 84);
  CHECK(hi - lo > 15);  // one draw in [60, 64) W and one in [80, 84) W: the 6 strata of the range
}
