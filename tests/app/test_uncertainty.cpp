// `joule run --uncertainty N`: distributions, the regression, an analytic band, same seed =
// same bands, N = 1 = a plain run, the inline calibration round trip, and input errors.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "app/h5.hpp"
#include "app/run.hpp"
#include "app/scenario.hpp"
#include "app/uncertainty.hpp"
#include "run_helpers.hpp"
#include "sim/error.hpp"

using namespace joule;
using test::read_dataset;
using test::same_bits;
namespace fs = std::filesystem;

namespace {

const char* const linear_pue = test::uncertain_pue_yaml;

// The operation model with a chilled-water plant and a UPS: accelerator, node, power-chain and
// cooling coefficients all sampled.
const char* facility = R"(name: facility
seed: 5
duration: 3 h
site:
  weather: )" JOULE_SOURCE_DIR R"(/scenarios/data/weather/USA_VA_Leesburg.Exec.epw
  start: 2023-07-10T00:00
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100}
power_chain: {ups: {type: double-conversion, redundancy: N+1}}
cooling: {type: chilled-water}
workload:
  generator: list
  jobs: [{name: j, submit: 0 h, nodes: 2, duration: 2 h, utilization: 0.8}]
output: {facility_interval: 5 min, rack_interval: 15 min}
)";

app::Summary run_u(const app::Scenario& sc, const std::string& out, std::size_t n,
                   std::uint64_t seed, unsigned jobs = 2) {
  app::RunOptions opt;
  opt.output = out;
  opt.force = true;
  app::UncertaintyOptions u;
  u.samples = n;
  u.seed = seed;
  u.jobs = jobs;
  return app::run_uncertainty(sc, opt, u);
}

std::string error_of(const std::string& yaml) {
  try {
    const auto sc = app::load_scenario_text(yaml, "bad.yaml", "/tmp");
    (void)app::scenario_coefficients(sc);
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "";
}

// The coefficients' nominal values; checks that the scenario sampled at them runs exactly as the
// plain one (the `kpis` equal to the last bit), with outputs in `dir`.
std::vector<double> nominal_runs_as_plain(const app::Scenario& sc,
                                          const std::vector<app::Coefficient>& coefficients,
                                          const fs::path& dir, std::vector<const char*> kpis) {
  std::vector<double> nominal;
  for (const auto& c : coefficients) nominal.push_back(c.dist.nominal);
  app::RunOptions a, b;
  a.output = (dir / "plain.h5").string();
  b.output = (dir / "nominal.h5").string();
  const app::Summary pa = app::run(sc, a);
  const app::Summary pb = app::run(app::sample_scenario(sc, coefficients, nominal), b);
  for (const char* k : kpis) CHECK_MESSAGE(*pa.values.at(k) == *pb.values.at(k), k);
  return nominal;
}
}  // namespace

TEST_CASE("quantiles interpolate between order statistics (numpy's default)") {
  CHECK(app::quantile({5, 1, 3, 2, 4}, 0.5) == 3);
  CHECK(app::quantile({1, 2, 3, 4, 5}, 0.05) == doctest::Approx(1.2));  // 1 + 0.05·4·(2 − 1)
  CHECK(app::quantile({1, 2, 3, 4, 5}, 0.95) == doctest::Approx(4.8));
  CHECK(std::isnan(app::quantile({}, 0.5)));
}

TEST_CASE("standardized regression: an exact linear model gives its standardized slopes") {
  // y = 3·a − b + 0·c over points where a, b, c vary independently.
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (int i = 0; i < 12; ++i) {
    const double a = i, b = (i * 7) % 5, c = (i * 5) % 3;
    x.push_back({a, b, c});
    y.push_back(3 * a - b);
  }
  const app::Sensitivity s = app::standardized_regression(x, y);
  CHECK(s.r2 == doctest::Approx(1.0));
  // SRC_j = slope_j · sd(x_j) / sd(y): their squares add up to R² when the inputs are
  // uncorrelated; here check the signs and that c does not matter.
  CHECK(s.src[0] > 0.9);
  CHECK(s.src[1] < 0);
  CHECK(s.src[2] == doctest::Approx(0.0).epsilon(1e-9));
  // Too few samples for three coefficients: NaN, not a made-up number.
  const app::Sensitivity few =
      app::standardized_regression({{1, 2, 3}, {2, 3, 1}, {3, 1, 2}}, {1, 2, 3});
  CHECK(std::isnan(few.src[0]));
}

TEST_CASE("distribution rule: measurement tight, spec moderate, estimate wide") {
  const auto dir = test::temp_dir("unc-rule");
  const auto sc = app::load_scenario_text(facility, "facility.yaml", dir.string());
  const auto coefficients = app::scenario_coefficients(sc);
  std::map<std::string, app::Coefficient> by_name;
  for (const auto& c : coefficients) by_name[c.name] = c;
  for (const char* name : {"accelerator.idle_power",       "accelerator.energy.tensor_bf16",
                           "accelerator.energy.hbm",       "cluster.node.fan_max_power",
                           "power_chain.ups.no_load_loss", "cooling.tower_approach",
                           "cooling.pump_efficiency",      "cooling.air_delta_t",
                           "power_chain.pdu_efficiency",   "cluster.node.cpu_idle_power",
                           "cluster.node.cpu_max_power",   "cluster.node.dram_max_power",
                           "cluster.node.nic_idle_power",  "cluster.node.other_max_power",
                           "cluster.node.fan_min_speed",   "cluster.node.cpu_per_accelerator",
                           "cluster.node.psu_loss_scale",  "cooling.chiller_cop",
                           "cooling.tower_min_airflow",    "cooling.basin_heater"})
    REQUIRE_MESSAGE(by_name.count(name), name);
  // Host numbers keep their catalog kind: DGX H100 CPUs at 700 W are a spec (2 × 350 W TDP,
  // ±10 %), their 180 W idle an estimate (±30 %).
  const auto& cpu_max = by_name.at("cluster.node.cpu_max_power").dist;
  CHECK(cpu_max.lo == doctest::Approx(630));
  CHECK(cpu_max.hi == doctest::Approx(770));
  const auto& cpu_idle = by_name.at("cluster.node.cpu_idle_power").dist;
  CHECK(cpu_idle.lo == doctest::Approx(126));
  CHECK(cpu_idle.hi == doctest::Approx(234));
  // The 80 PLUS curve is a spec: its loss within ±10 %. The York chiller's rated COP 6.85 too.
  const auto& psu = by_name.at("cluster.node.psu_loss_scale").dist;
  CHECK(psu.lo == doctest::Approx(0.9));
  CHECK(psu.hi == doctest::Approx(1.1));
  const auto& cop = by_name.at("cooling.chiller_cop").dist;
  CHECK(cop.lo == doctest::Approx(6.85 * 0.9));
  CHECK(cop.hi == doctest::Approx(6.85 * 1.1));
  // An estimate: uniform ±30 % of the nominal (UPS a0 = 0.013 for double conversion).
  const auto& a0 = by_name.at("power_chain.ups.no_load_loss").dist;
  CHECK(a0.nominal == doctest::Approx(0.013));
  CHECK(a0.lo == doctest::Approx(0.013 * 0.7));
  CHECK(a0.hi == doctest::Approx(0.013 * 1.3));
  // An efficiency: the rule acts on the loss, so it stays below 1: 0.99 ± 0.3·0.01.
  const auto& pdu = by_name.at("power_chain.pdu_efficiency").dist;
  CHECK(pdu.lo == doctest::Approx(0.987));
  CHECK(pdu.hi == doctest::Approx(0.993));
  // The source's own range wins over the rule: ASHRAE TC 9.9's 10–20 K.
  const auto& dt = by_name.at("cooling.air_delta_t").dist;
  CHECK(dt.lo == 10);
  CHECK(dt.hi == 20);
  // A measurement-kind spread is normal with σ = 3 %: P95 = nominal·(1 + 1.645·0.03).
  app::Distribution m;
  m.shape = app::Distribution::Shape::normal;
  m.nominal = 100;
  m.sd = 3;
  CHECK(m.quantile(0.95) == doctest::Approx(100 + 1.6449 * 3).epsilon(1e-4));
  CHECK(m.quantile(0.5) == doctest::Approx(100));
}

TEST_CASE("nominal values through the inline calibration reproduce the plain run") {
  const auto dir = test::temp_dir("unc-nominal");
  const auto sc = app::load_scenario_text(facility, "facility.yaml", dir.string());
  const auto coefficients = app::scenario_coefficients(sc);
  std::vector<double> nominal;
  for (const auto& c : coefficients) nominal.push_back(c.dist.nominal);
  const app::Scenario same = app::sample_scenario(sc, coefficients, nominal);
  REQUIRE(same.root.find("cluster")->find("node")->find("calibration")->is_map());
  app::RunOptions a, b;
  a.output = (dir / "plain.h5").string();
  b.output = (dir / "nominal.h5").string();
  const app::Summary pa = app::run(sc, a), pb = app::run(same, b);
  for (const char* k : {"it_energy_kwh", "facility_energy_kwh", "pue", "cooling_energy_kwh"})
    CHECK_MESSAGE(*pa.values.at(k) == *pb.values.at(k), k);
  // A sampled point changes the result.
  std::vector<double> hot = nominal;
  for (std::size_t i = 0; i < coefficients.size(); ++i)
    if (coefficients[i].name == "accelerator.energy.tensor_bf16") hot[i] *= 1.3;
  app::RunOptions c;
  c.output = (dir / "hot.h5").string();
  const app::Summary pc = app::run(app::sample_scenario(sc, coefficients, hot), c);
  CHECK(*pc.values.at("it_energy_kwh") > *pa.values.at("it_energy_kwh"));
}

TEST_CASE("one uncertain coefficient, linear KPI: the analytic band") {
  const auto dir = test::temp_dir("unc-linear");
  const auto sc = app::load_scenario_text(linear_pue, "linear.yaml", dir.string());
  const auto coefficients = app::scenario_coefficients(sc);
  REQUIRE(coefficients.size() == 1);
  CHECK(coefficients[0].name == "cooling.pue");
  const std::size_t n = 40;
  const app::Summary s = run_u(sc, (dir / "u.h5").string(), n, 7);
  const auto bands = app::read_bands(s.output_file);
  // PUE ~ U[1.1, 1.3]: P5 = 1.1 + 0.05·0.2 = 1.11, median 1.2, P95 = 1.29. A Latin hypercube
  // puts one point in each 1/40 of the range, so the sample quantiles are within 2·0.2/40.
  const auto& pue = bands.at("pue");
  CHECK(pue.p5 == doctest::Approx(1.11).epsilon(0.01 / 1.11));
  CHECK(pue.median == doctest::Approx(1.2).epsilon(0.01 / 1.2));
  CHECK(pue.p95 == doctest::Approx(1.29).epsilon(0.01 / 1.29));
  // Facility energy = PUE × IT energy, IT unchanged: its band is exactly the PUE band scaled.
  const double it = *s.values.at("it_energy_kwh");
  CHECK(bands.at("facility_energy_kwh").p5 == doctest::Approx(it * pue.p5).epsilon(1e-9));
  CHECK(bands.at("facility_energy_kwh").p95 == doctest::Approx(it * pue.p95).epsilon(1e-9));
  CHECK(bands.at("it_energy_kwh").p5 == bands.at("it_energy_kwh").p95);
  // The sampled values are recorded, one per stratum of [1.1, 1.3).
  const auto values = read_dataset(s.output_file, "uncertainty/value");
  REQUIRE(values.size() == n);
  std::vector<int> strata(n, 0);
  for (double v : values) strata.at(static_cast<std::size_t>((v - 1.1) / 0.2 * n))++;
  for (int c : strata) CHECK(c == 1);
  // Sensitivity: PUE is the coefficient itself, SRC 1 and R² 1.
  const auto src = read_dataset(s.output_file, "uncertainty/src");
  CHECK(src.at(0) == 0);  // it_energy_kwh (the first KPI): no spread, SRC 0
  CHECK(app::sensitivity_table(s.output_file).find("cooling.pue +1.00") != std::string::npos);
  // The summary prints the band.
  const std::string table = app::summary_table(app::read_summary(s.output_file));
  CHECK(table.find("1.2 (" + app::format_number(pue.p5) + "\u2013" + app::format_number(pue.p95) +
                   ")") != std::string::npos);
  // The trace bands bracket the nominal trace.
  const auto lo = read_dataset(s.output_file, "uncertainty/facility/pue_p5");
  const auto hi = read_dataset(s.output_file, "uncertainty/facility/pue_p95");
  const auto nominal = read_dataset(s.output_file, "facility/pue");
  REQUIRE(lo.size() == nominal.size());
  for (std::size_t i = 0; i < lo.size(); ++i) {
    CHECK(lo[i] <= nominal[i] + 1e-12);
    CHECK(hi[i] >= nominal[i] - 1e-12);
  }
}

TEST_CASE("same seed gives the same bands; another seed other samples; threads do not matter") {
  const auto dir = test::temp_dir("unc-seed");
  const auto sc = app::load_scenario_text(facility, "facility.yaml", dir.string());
  const auto a = run_u(sc, (dir / "a.h5").string(), 6, 11, 2);
  const auto b = run_u(sc, (dir / "b.h5").string(), 6, 11, 1);
  const auto c = run_u(sc, (dir / "c.h5").string(), 6, 12, 2);
  for (const char* p : {"uncertainty/p5", "uncertainty/median", "uncertainty/p95",
                        "uncertainty/value", "uncertainty/facility/total_power_w_p95"})
    CHECK_MESSAGE(same_bits(read_dataset(a.output_file, p), read_dataset(b.output_file, p)), p);
  CHECK(read_dataset(a.output_file, "uncertainty/value") !=
        read_dataset(c.output_file, "uncertainty/value"));
  // The workload is common to all samples: jobs completed is the same in every sample.
  const auto bands = app::read_bands(a.output_file);
  CHECK(bands.at("jobs_completed").p5 == bands.at("jobs_completed").p95);
  CHECK(bands.at("pue").p5 < bands.at("pue").p95);
}

TEST_CASE("N = 1 is the plain run") {
  const auto dir = test::temp_dir("unc-one");
  const auto sc = app::load_scenario_text(facility, "facility.yaml", dir.string());
  app::RunOptions opt;
  opt.output = (dir / "plain.h5").string();
  const app::Summary plain = app::run(sc, opt);
  const app::Summary one = run_u(sc, (dir / "one.h5").string(), 1, 1);
  // Named members, not structured bindings: clang 14 cannot capture those in the message lambda.
  for (const auto& kv : plain.values)
    if (kv.first != "wall_s") CHECK_MESSAGE(kv.second == one.values.at(kv.first), kv.first);
  CHECK(read_dataset(opt.output, "facility/total_power_w") ==
        read_dataset(one.output_file, "facility/total_power_w"));
  for (const auto& kb : app::read_bands(one.output_file)) {
    CHECK_MESSAGE(kb.second.p5 == *plain.values.at(kb.first), kb.first);
    CHECK_MESSAGE(kb.second.p95 == *plain.values.at(kb.first), kb.first);
  }
}

TEST_CASE("uncertainty section errors point into the scenario") {
  const std::string base = R"(name: e
cluster:
  racks: {count: 1, nodes_per_rack: 1}
  node: {type: dgx-h100, model: linear}
cooling: {type: fixed-pue, pue: 1.2}
workload: {generator: list, jobs: [{name: a, submit: 0 h, nodes: 1, duration: 1 h}]}
)";
  CHECK(error_of(base + "uncertainty: {cooling.pue: {width: 3}}").find("unknown spread 'width'") !=
        std::string::npos);
  CHECK(error_of(base + "uncertainty: {cooling.pue: {range: [1.3, 1.1]}}").find("min <= max") !=
        std::string::npos);
  const std::string unused = error_of(base + "uncertainty: {cooling.tower_approach: {sd: 5 %}}");
  CHECK(unused.find("bad.yaml:7:") != std::string::npos);
  CHECK(unused.find("not used by this scenario") != std::string::npos);
  CHECK(error_of(base + "uncertainty: {cooling.pue: none}").empty());
}

TEST_CASE("a catalog number whose source states its spread uses it") {
  const auto dir = test::temp_dir("unc-catalog");
  const auto sc = app::load_scenario_text(facility, "facility.yaml", dir.string());
  for (const auto& c : app::scenario_coefficients(sc))
    if (c.name == "accelerator.idle_power") {
      // H100 idle without a context: measured 67–71 W (accelerator_catalog.cpp).
      CHECK(c.kind == models::compute::SourceKind::measurement);
      CHECK(c.dist.shape == app::Distribution::Shape::uniform);
      CHECK(c.dist.lo == 67);
      CHECK(c.dist.hi == 71);
    }
}

TEST_CASE("joule validate and joule run check the uncertainty section (exit 2, file:line)") {
  const auto dir = test::temp_dir("unc-cli");
  std::string bad = linear_pue;
  const std::string after = "  cooling.pue: {range: [1.1, 1.3]}\n";
  bad.insert(bad.find(after) + after.size(), "  cooling.tower_approach: {sd: 5 %}\n");  // line 13
  test::write_file(dir / "bad.yaml", bad);
  const auto v = test::run(test::joule_bin() + " validate " + (dir / "bad.yaml").string());
  CHECK(v.code == 2);
  CHECK(v.output.find("bad.yaml:13:") != std::string::npos);
  const auto r = test::run(test::joule_bin() + " run " + (dir / "bad.yaml").string() + " -o " +
                           (dir / "bad.h5").string());
  CHECK(r.code == 2);
  CHECK_FALSE(fs::exists(dir / "bad.h5"));
  // A good file: --uncertainty prints the bands and the sensitivity ranking.
  test::write_file(dir / "good.yaml", linear_pue);
  const auto g = test::run(test::joule_bin() + " run " + (dir / "good.yaml").string() + " -o " +
                           (dir / "good.h5").string() + " --uncertainty 6 -j 2");
  CHECK(g.code == 0);
  CHECK(g.output.find("cooling.pue +1.00") != std::string::npos);
  const auto s = test::run(test::joule_bin() + " summary " + (dir / "good.h5").string());
  CHECK(s.output.find("PUE") != std::string::npos);
  CHECK(s.output.find("\u2013") != std::string::npos);
}

TEST_CASE("a user catalog number states its own spread, and the sampler uses it") {
  const auto dir = test::temp_dir("unc-user-catalog");
  test::write_file(dir / "hw.yaml", R"(accelerators:
  - id: unc-gpu
    base: h100-sxm
    idle: {value: 72 W, kind: measurement, source: "test boards",
           spread: {range: [66 W, 78 W], source: "min and max of the test boards"}}
    energy_bf16: {value: 0.8 pJ/FLOP, kind: estimate, source: "test derivation",
                  spread: {sd: 10 %, source: "two test derivations"}}
nodes:
  - id: unc-node
    base: dgx-h100
    accelerator: unc-gpu
    fan_max: {value: 1200 W, kind: estimate, source: "test fans",
              spread: {relative: 5 %, source: "test fan curves"}}
)");
  std::string yaml = facility;
  yaml.replace(yaml.find("node: {type: dgx-h100}"), 22, "node: {type: unc-node}");
  yaml = "catalog: hw.yaml\n" + yaml;
  const auto sc = app::load_scenario_text(yaml, "uc.yaml", dir.string());
  int seen = 0;
  for (const auto& c : app::scenario_coefficients(sc)) {
    INFO(c.name);
    if (c.name == "accelerator.idle_power") {
      CHECK(c.dist.shape == app::Distribution::Shape::uniform);
      CHECK(c.dist.lo == doctest::Approx(66));
      CHECK(c.dist.hi == doctest::Approx(78));
      CHECK(c.basis.find("min and max of the test boards") != std::string::npos);
      ++seen;
    } else if (c.name == "accelerator.energy.tensor_bf16") {
      // The estimate rule would be uniform ± 30 %; the catalog says normal, sd 10 %.
      CHECK(c.dist.shape == app::Distribution::Shape::normal);
      CHECK(c.dist.nominal == doctest::Approx(0.8e-12));
      CHECK(c.dist.sd == doctest::Approx(0.08e-12));
      ++seen;
    } else if (c.name == "cluster.node.fan_max_power") {
      CHECK(c.dist.shape == app::Distribution::Shape::uniform);
      CHECK(c.dist.lo == doctest::Approx(1140));
      CHECK(c.dist.hi == doctest::Approx(1260));
      CHECK(c.basis.find("unc-node.fan_max.spread") != std::string::npos);
      ++seen;
    } else if (c.name == "accelerator.context_power") {
      CHECK(c.basis.find("user catalog") == std::string::npos);  // no spread stated: the rule
    }
  }
  CHECK(seen == 3);
  // The samples stay within the stated range: run 8 and read the sampled idle powers.
  const app::Summary s = run_u(sc, (dir / "u.h5").string(), 8, 4);
  const auto coefs = app::scenario_coefficients(sc);
  const auto values = read_dataset(s.output_file, "uncertainty/value");
  for (std::size_t c = 0; c < coefs.size(); ++c)
    if (coefs[c].name == "accelerator.idle_power")
      for (std::size_t i = 0; i < 8; ++i) {
        CHECK(values[i * coefs.size() + c] >= 66);
        CHECK(values[i * coefs.size() + c] <= 78);
      }
}

TEST_CASE("a bad spread in a user catalog: file:line:column, exit 2, no output") {
  const auto dir = test::temp_dir("unc-user-catalog-bad");
  test::write_file(dir / "hw.yaml", R"(accelerators:
  - id: unc-bad-gpu
    base: h100-sxm
    idle: {value: 72 W, kind: measurement, source: "test boards",
           spread: {range: [74 W, 78 W], source: "min and max"}}
)");
  std::string yaml = facility;
  yaml.replace(yaml.find("node: {type: dgx-h100}"), 22,
               "node: {type: dgx-h100, accelerator: unc-bad-gpu}");
  test::write_file(dir / "s.yaml", "catalog: hw.yaml\n" + yaml);
  const auto v = test::run(test::joule_bin() + " validate " + (dir / "s.yaml").string());
  CHECK(v.code == 2);
  CHECK(v.output.find("hw.yaml:5:") != std::string::npos);
  CHECK(v.output.find("must contain the value") != std::string::npos);
  const auto r = test::run(test::joule_bin() + " run " + (dir / "s.yaml").string() + " -o " +
                           (dir / "s.h5").string() + " --uncertainty 2");
  CHECK(r.code == 2);
  CHECK_FALSE(fs::exists(dir / "s.h5"));
}

namespace {

// Two idle DGX H100 nodes (the job comes after the run ends) behind a fixed PUE: the inlet stays
// at the plant's supply, so the accelerators' leakage and the fans do not move with host power.
const char* idle_nodes = R"(name: idle-nodes
seed: 2
duration: 2 h
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100}
cooling: {type: fixed-pue, pue: 1.2}
workload:
  generator: list
  jobs: [{name: later, submit: 10 h, nodes: 2, duration: 1 h, utilization: 0.5}]
output: {facility_interval: 5 min, rack_interval: 15 min}
)";

double it_kwh(const app::Scenario& sc, const std::vector<app::Coefficient>& coefficients,
              const std::vector<double>& values, const std::string& out) {
  app::RunOptions o;
  o.output = out;
  o.force = true;
  return *app::run(app::sample_scenario(sc, coefficients, values), o).values.at("it_energy_kwh");
}

}  // namespace

TEST_CASE("a sampled host power and PSU loss move IT power by the hand-computed amount") {
  const auto dir = test::temp_dir("unc-host");
  const auto sc = app::load_scenario_text(idle_nodes, "idle.yaml", dir.string());
  const auto coefficients = app::scenario_coefficients(sc);
  std::vector<double> nominal;
  std::size_t cpu_idle = 0, psu = 0, other_max = 0;
  for (std::size_t i = 0; i < coefficients.size(); ++i) {
    nominal.push_back(coefficients[i].dist.nominal);
    if (coefficients[i].name == "cluster.node.cpu_idle_power") cpu_idle = i;
    if (coefficients[i].name == "cluster.node.psu_loss_scale") psu = i;
    if (coefficients[i].name == "cluster.node.other_max_power") other_max = i;
  }
  REQUIRE(coefficients[cpu_idle].dist.nominal == 180);
  REQUIRE(coefficients[psu].dist.nominal == 1);
  const double base = it_kwh(sc, coefficients, nominal, (dir / "base.h5").string());
  {
    // The plain run equals the nominal sample.
    app::RunOptions o;
    o.output = (dir / "plain.h5").string();
    CHECK(*app::run(sc, o).values.at("it_energy_kwh") == base);
  }
  // Idle CPUs draw their idle power (u_cpu = 0); the node's DC load (~1.6 kW of 6 × 3.3 kW,
  // under the curve's lowest 10 % point) keeps the PSUs on their held no-load loss, so +50 W
  // of CPU is +50 W at the wall: 2 nodes × 50 W × 2 h = 0.2 kWh.
  std::vector<double> cpu = nominal;
  cpu[cpu_idle] += 50;
  CHECK(it_kwh(sc, coefficients, cpu, (dir / "cpu.h5").string()) - base ==
        doctest::Approx(2 * 50 * 2 / 1000.0).epsilon(1e-9));
  // Idle accelerators: the "other" maximum (used only with accelerator activity) does nothing.
  std::vector<double> other = nominal;
  other[other_max] *= 1.2;
  CHECK(it_kwh(sc, coefficients, other, (dir / "other.h5").string()) == base);
  // The held no-load loss of 6 × 3.3 kW Titanium supplies: 19.8 kW · 0.10 · (1/0.90 − 1) = 220 W
  // per node; a loss scale of 1.1 adds 22 W per node: 2 × 22 W × 2 h = 0.088 kWh.
  std::vector<double> loss = nominal;
  loss[psu] = 1.1;
  CHECK(it_kwh(sc, coefficients, loss, (dir / "psu.h5").string()) - base ==
        doctest::Approx(2 * 0.1 * 19800 * 0.1 * (1 / 0.9 - 1) * 2 / 1000.0).epsilon(1e-9));
}

TEST_CASE("sampled host numbers stay valid: idle held at or below max; bad overrides rejected") {
  const auto dir = test::temp_dir("unc-host-order");
  const auto sc = app::load_scenario_text(idle_nodes, "idle.yaml", dir.string());
  const auto coefficients = app::scenario_coefficients(sc);
  std::vector<double> v;
  for (const auto& c : coefficients)
    v.push_back(c.name == "cluster.node.nic_idle_power"  ? 351.0
                : c.name == "cluster.node.nic_max_power" ? 350.0
                                                         : c.dist.nominal);
  const app::Scenario s = app::sample_scenario(sc, coefficients, v);
  const auto* node = s.root.find("cluster")->find("node");
  CHECK(std::stod(node->find("nic_idle_power")->scalar) == 350.0);
  // In a scenario, an idle power above its maximum is an error at the key.
  std::string bad = idle_nodes;
  bad.replace(bad.find("node: {type: dgx-h100}"), 22,
              "node: {type: dgx-h100, cpu_idle_power: 800 W}");
  test::write_file(dir / "bad.yaml", bad);
  const auto r = test::run(test::joule_bin() + " validate " + (dir / "bad.yaml").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("bad.yaml:6:") != std::string::npos);
  CHECK(r.output.find("cpu_max_power") != std::string::npos);
}

TEST_CASE("llm-training draws failures without a failures section: their rate is sampled") {
  const auto dir = test::temp_dir("unc-failures");
  const auto sc = app::load_scenario_text(R"(name: f
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100, model: linear}
cooling: {type: fixed-pue, pue: 1.2}
workload: {generator: llm-training, jobs: {params: [7e9], gpus: [16]}}
)",
                                          "f.yaml", dir.string());
  bool seen = false;
  for (const auto& c : app::scenario_coefficients(sc))
    if (c.name == "workload.failures.mtbf_per_gpu") {
      // Llama 3's 50,677 GPU-h, normal with σ = 1/sqrt(419).
      CHECK(c.dist.nominal == doctest::Approx(50677.0 * 3600));
      CHECK(c.dist.sd == doctest::Approx(50677.0 * 3600 / std::sqrt(419.0)));
      seen = true;
    }
  CHECK(seen);
}

TEST_CASE("a list workload's training jobs: one factor scales every job's MTBF") {
  const auto dir = test::temp_dir("unc-list-failures");
  const std::string yaml = R"(name: lf
seed: 4
duration: 2 h
cluster:
  racks: {count: 1, nodes_per_rack: 4}
  node: {type: dgx-h100, model: linear}
cooling: {type: fixed-pue, pue: 1.2}
workload:
  generator: list
  jobs:
    - {name: own, training: {params: 1e9, tokens: 1e12, gpus: 16}, failures: {mtbf_per_gpu: 1000 h}}
    - {name: default, training: {params: 1e9, tokens: 1e12, gpus: 16}}
    - {name: off, training: {params: 1e9, tokens: 1e12, gpus: 16}, failures: {enabled: false}}
    - {name: other, submit: 0 h, nodes: 1, duration: 1 h}
output: {facility_interval: 5 min, rack_interval: 15 min}
)";
  const auto sc = app::load_scenario_text(yaml, "lf.yaml", dir.string());
  const auto coefficients = app::scenario_coefficients(sc);
  std::vector<double> v;
  bool seen = false;
  for (const auto& c : coefficients) {
    if (c.name == "workload.jobs.failures.mtbf_scale") {
      // Llama 3's 419 interruptions: normal around 1 with σ = 1/sqrt(419).
      CHECK(c.dist.nominal == 1);
      CHECK(c.dist.sd == doctest::Approx(1 / std::sqrt(419.0)));
      seen = true;
    }
    v.push_back(c.name == "workload.jobs.failures.mtbf_scale" ? 2.0 : c.dist.nominal);
  }
  REQUIRE(seen);
  const app::Scenario s = app::sample_scenario(sc, coefficients, v);
  const auto& jobs = s.root.find("workload")->find("jobs")->items;
  const auto mtbf_s = [&](std::size_t j) {
    return sim::parse_quantity(jobs[j].find("failures")->find("mtbf_per_gpu")->scalar).value;
  };
  CHECK(mtbf_s(0) == doctest::Approx(2 * 1000 * 3600.0));       // its own 1000 h, doubled
  CHECK(mtbf_s(1) == doctest::Approx(2 * 50677 * 3600.0));      // the default 50,677 h, doubled
  CHECK_FALSE(jobs[2].find("failures")->find("mtbf_per_gpu"));  // failures off: untouched
  CHECK_FALSE(jobs[3].find("failures"));                        // not a training job
  // At its nominal factor the sampled scenario runs exactly as the plain one.
  nominal_runs_as_plain(sc, coefficients, dir, {"it_energy_kwh", "goodput", "useful_gpu_h"});
}

TEST_CASE("a cluster of node pools samples each pool's node and cooling zone by its keys") {
  const auto dir = test::temp_dir("uncertainty-pools");
  app::LoadOptions load;
  load.sets = {"duration=3 h", "output.facility_interval=15 min"};
  const auto sc = app::load_scenario(
      std::string(JOULE_SOURCE_DIR) + "/scenarios/levers/mixed-cooling.yaml", load);
  const auto coefficients = app::scenario_coefficients(sc);
  std::set<std::string> names;
  for (const auto& c : coefficients) {
    names.insert(c.name);
    CHECK_MESSAGE(c.name.rfind("cluster.node.", 0) != 0, c.name);  // no single-node keys
    CHECK_MESSAGE(c.name.rfind("accelerator.", 0) != 0, c.name);   // each pool's, by name
  }
  for (const char* n :
       {"cluster.pools[hopper].node.cpu_idle_power", "cluster.pools[blackwell].node.fan_max_power",
        "cluster.pools[hopper].accelerator.energy.tensor_bf16",
        "cluster.pools[blackwell].accelerator.idle_power",
        "cluster.pools[blackwell].node.psu_loss_scale",
        "cluster.pools[blackwell].cooling.cdu_approach",  // its liquid zone
        "cooling.chiller_cop", "power_chain.pdu_efficiency"})
    CHECK_MESSAGE(names.count(n) == 1, n);
  CHECK(names.count("cluster.pools[hopper].cooling.cdu_approach") == 0);  // no zone of its own
  // At the nominal values the sampled scenario runs exactly as the plain one.
  const std::vector<double> nominal = nominal_runs_as_plain(
      sc, coefficients, dir, {"it_energy_kwh", "cooling_energy_kwh", "facility_energy_kwh"});
  // A value reaches its own pool only; an idle power drawn above its maximum is held at it.
  std::vector<double> v = nominal;
  const auto at = [&](const std::string& n) {
    for (std::size_t i = 0; i < coefficients.size(); ++i)
      if (coefficients[i].name == n) return i;
    FAIL("no coefficient " << n);
    return std::size_t{0};
  };
  v[at("cluster.pools[blackwell].node.fan_max_power")] = 1234;
  v[at("cluster.pools[hopper].node.cpu_idle_power")] = 900;
  v[at("cluster.pools[hopper].node.cpu_max_power")] = 800;
  v[at("cluster.pools[blackwell].cooling.cdu_approach")] = 4;
  v[at("cluster.pools[blackwell].accelerator.idle_power")] = 222;
  const auto sampled = app::sample_scenario(sc, coefficients, v);
  const auto key = [&](const std::string& path) {
    const sim::ParamNode* n = app::find_key_path(sampled.root, path);
    return n ? n->scalar : std::string("(absent)");
  };
  CHECK(key("cluster.pools[blackwell].node.fan_max_power") == "1234 W");
  CHECK(key("cluster.pools[hopper].node.fan_max_power") != "1234 W");
  CHECK(key("cluster.pools[hopper].node.cpu_idle_power") == "800 W");
  CHECK(key("cluster.pools[hopper].node.cpu_max_power") == "800 W");
  CHECK(key("cluster.pools[blackwell].cooling.cdu_approach") == "4 K");
  CHECK(key("cluster.pools[blackwell].cooling.facility_supply") == "32 degC");  // kept
  CHECK(key("cooling.type") == "chilled-water");
  // The accelerator's numbers reach the pool's node through an inline calibration of its chip;
  // the other pool keeps its catalog's.
  const sim::ParamNode* cal =
      app::find_key_path(sampled.root, "cluster.pools[blackwell].node.calibration");
  REQUIRE(cal);
  CHECK(cal->find("chip")->scalar == "b200");
  CHECK(app::find_key_path(*cal, "static.idle_power")->scalar == "222 W");
  const sim::ParamNode* hopper =
      app::find_key_path(sampled.root, "cluster.pools[hopper].node.calibration");
  REQUIRE(hopper);  // its own chip, at its drawn values
  CHECK(hopper->find("chip")->scalar == "h100-sxm");
  // A higher idle power on the B200s only: more IT energy, all of it in the blackwell zone.
  app::RunOptions o;
  o.output = (dir / "sampled.h5").string();
  std::vector<double> idle = nominal;
  idle[at("cluster.pools[blackwell].accelerator.idle_power")] *= 2;
  const app::Summary plain = app::run(sc, [&] {
    app::RunOptions p;
    p.output = (dir / "plain2.h5").string();
    return p;
  }());
  const app::Summary more = app::run(app::sample_scenario(sc, coefficients, idle), o);
  CHECK(*more.values.at("it_energy_kwh") > *plain.values.at("it_energy_kwh"));
}

TEST_CASE("a pool's node takes a calibration of its own chip; another chip's is an error there") {
  app::LoadOptions load;
  load.sets = {
      "duration=1 h",
      "cluster.pools[blackwell].node.calibration={format: joule-calibration/1, chip: "
      "h100-sxm, kind: estimate, source: test, static: {idle_power: 100 W, reference_temp: 30 "
      "degC, leakage_per_kelvin: 0.01}, energy_per_op: {}}"};
  const auto sc = app::load_scenario(
      std::string(JOULE_SOURCE_DIR) + "/scenarios/levers/mixed-cooling.yaml", load);
  const auto dir = test::temp_dir("pool-calibration");
  app::RunOptions o;
  o.output = (dir / "x.h5").string();
  std::string error;
  try {
    app::run(sc, o);
  } catch (const sim::InputError& e) {
    error = e.what();
  }
  CHECK(error.find("calibration is for chip 'h100-sxm' but the nodes carry 'b200'") !=
        std::string::npos);
  CHECK(error.find("--set:1:") == 0);
}
