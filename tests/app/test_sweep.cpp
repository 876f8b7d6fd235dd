// `joule sweep`: expansion and naming, sampling, seeds, error locations, and running: results
// independent of the number of workers, of threads vs child processes vs MPI ranks, resume after
// an interrupted sweep, and a failing variant that does not stop the others.
#include <doctest/doctest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include "app/h5.hpp"
#include "app/sweep.hpp"
#include "models/world/kpi.hpp"

using namespace joule;
namespace fs = std::filesystem;

namespace {

// A small base scenario: the default cluster for 6 simulated hours.
const char* base_yaml = R"(name: small
seed: 42
duration: 6 h
cluster:
  racks: {count: 2, nodes_per_rack: 8}
  node: {type: dgx-h100, model: linear, idle_power: 1.7 kW, max_power: 8.4 kW}
workload:
  generator: list
  jobs:
    - {name: a, submit: 0 h, nodes: 8, duration: 2 h, utilization: 0.9}
    - {name: b, submit: 1 h, nodes: 12, duration: 3 h, utilization: 0.6}
    - {name: c, submit: 2 h, nodes: 4, duration: 1 h, utilization: 0.5}
scheduler: {policy: fifo}
output: {facility_interval: 1 min, rack_interval: 15 min}
)";

// A fresh folder holding base.yaml.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) {
    path =
        fs::temp_directory_path() / ("joule_test_sweep_" + std::to_string(getpid()) + "_" + name);
    fs::remove_all(path);
    fs::create_directories(path);
    std::ofstream(path / "base.yaml") << base_yaml;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
  std::string dir(const std::string& name) const { return (path / name).string(); }
};

app::Sweep sweep_of(const TempDir& t, const std::string& text) {
  return app::load_sweep_text(text, "sweep.yaml", t.path.string());
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> names(const app::Sweep& s) {
  std::vector<std::string> out;
  for (const auto& v : s.variants) out.push_back(v.name);
  return out;
}

const char* grid_sweep = R"(base: base.yaml
axes:
  grid:
    cluster.racks.count: [2, 3]
    cluster.node.max_power: ["6 kW", "8.4 kW", "10 kW"]
)";

app::SweepOptions options_for(const std::string& dir, unsigned jobs) {
  app::SweepOptions o;
  o.dir = dir;
  o.jobs = jobs;
  o.quiet = true;
  return o;
}

// KPIs that must match between runs of the same variant (all but the wall time).
void check_same_kpis(const app::VariantResult& a, const app::VariantResult& b) {
  REQUIRE(a.values.size() == b.values.size());
  for (const auto& kv : a.values) {
    const std::string& key = kv.first;  // named members: clang 14 cannot capture a
    const auto& value = kv.second;      // structured binding in INFO's lambda
    if (key == "wall_s") continue;
    // A KPI this test binary registers (example_kpi.cpp) that the joule binary running the
    // child processes does not have.
    if (key.rfind("example_", 0) == 0) continue;
    INFO(key);
    CHECK(value == b.values.at(key));
  }
}

// Same traces, bit for bit.
void check_same_datasets(const std::string& a, const std::string& b) {
  const auto fa = app::h5::open_file_readonly(a), fb = app::h5::open_file_readonly(b);
  for (const char* d :
       {"facility/time_s", "facility/it_power_w", "facility/it_energy_kwh", "racks/power_w"}) {
    INFO(d);
    const auto x = app::h5::read_doubles(fa.get(), d), y = app::h5::read_doubles(fb.get(), d);
    CHECK(!x.empty());
    CHECK(x == y);
  }
}

void check_same_outputs(const app::Sweep& s, const std::string& dir_a, const std::string& dir_b) {
  for (const auto& v : s.variants) {
    INFO(v.name);
    check_same_datasets(app::variant_output(dir_a, v), app::variant_output(dir_b, v));
    app::VariantResult a, b;
    a.values = app::read_summary(app::variant_output(dir_a, v)).values;
    b.values = app::read_summary(app::variant_output(dir_b, v)).values;
    check_same_kpis(a, b);
  }
}

}  // namespace

TEST_CASE("a grid expands to every combination, the first key slowest, with readable names") {
  const TempDir t("grid");
  const auto s = sweep_of(t, grid_sweep);
  REQUIRE(s.variants.size() == 2 * 3);
  CHECK(s.parameters == std::vector<std::string>{"cluster.racks.count", "cluster.node.max_power"});
  CHECK(names(s) ==
        std::vector<std::string>{"v0000-count=2-max_power=6kW", "v0001-count=2-max_power=8.4kW",
                                 "v0002-count=2-max_power=10kW", "v0003-count=3-max_power=6kW",
                                 "v0004-count=3-max_power=8.4kW", "v0005-count=3-max_power=10kW"});
  const auto& v4 = s.variants[4];
  CHECK(v4.index == 4);
  REQUIRE(v4.assignments.size() == 2);
  CHECK(v4.assignments[0].path == "cluster.racks.count");
  CHECK(v4.assignments[0].text == "3");
  CHECK(v4.assignments[1].text == "8.4 kW");
  CHECK(app::variant_sets(s, v4) ==
        std::vector<std::string>{"cluster.racks.count=3", "cluster.node.max_power=8.4 kW"});
  // The variant's scenario has the values, and the base's everything else.
  const auto sc = app::variant_scenario(s, v4);
  CHECK(sc.root.find("cluster")->find("racks")->find("count")->scalar == "3");
  CHECK(sc.root.find("cluster")->find("racks")->find("nodes_per_rack")->scalar == "8");
  CHECK(sc.root.find("cluster")->find("node")->find("max_power")->scalar == "8.4 kW");
  CHECK(sc.duration == sim::hours(6));
  CHECK(s.base_values == std::vector<std::string>{"2", "8.4 kW"});
}

TEST_CASE("explicit variants, sweep-wide sets and a grid combine as a product") {
  const TempDir t("product");
  const auto s = sweep_of(t, R"(base: base.yaml
set: {duration: 2 h}
axes:
  variants:
    - {name: small cluster, set: {cluster.racks.count: 1}}
    - {name: big/one, set: {cluster.racks.count: 4, cluster.racks.nodes_per_rack: 4}}
  grid: {cluster.node.idle_power: ["1 kW", "2 kW"]}
)");
  CHECK(names(s) == std::vector<std::string>{
                        "v0000-smallcluster-idle_power=1kW", "v0001-smallcluster-idle_power=2kW",
                        "v0002-big_one-idle_power=1kW", "v0003-big_one-idle_power=2kW"});
  CHECK(s.parameters == std::vector<std::string>{"cluster.racks.count",
                                                 "cluster.racks.nodes_per_rack",
                                                 "cluster.node.idle_power"});
  const auto sc = app::variant_scenario(s, s.variants[1]);
  CHECK(sc.duration == sim::hours(2));  // the sweep's set applies to every variant
  CHECK(sc.root.find("cluster")->find("node")->find("idle_power")->scalar == "2 kW");
  CHECK(sc.root.find("cluster")->find("racks")->find("nodes_per_rack")->scalar == "8");
  // A key varied by two factors is ambiguous.
  const auto e = error_of([&] {
    sweep_of(t, R"(base: base.yaml
axes:
  variants: [{set: {cluster.racks.count: 1}}]
  grid: {cluster.racks.count: [1, 2]}
)");
  });
  CHECK(e.find("sweep.yaml:4:10: cluster.racks.count is varied by two axes") != std::string::npos);
}

TEST_CASE("two parameters with the same last key are named by their full path") {
  const TempDir t("labels");
  const auto s = sweep_of(t, R"(base: base.yaml
axes:
  grid: {cluster.racks.count: [1], workload.count: [3]}
)");
  CHECK(s.variants[0].name == "v0000-cluster.racks.count=1-workload.count=3");
  CHECK(app::sanitize_name("easy backfill/ä?") == "easybackfill");
  CHECK(app::sanitize_name("{a: 1, b: [2, 3]}") == "a_1_b_2_3");
}

TEST_CASE("the Latin hypercube puts one point in each stratum of each dimension") {
  const std::size_t n = 16, dims = 3;
  const auto p = app::latin_hypercube(n, dims, 7);
  REQUIRE(p.size() == n);
  for (std::size_t d = 0; d < dims; ++d) {
    std::set<std::size_t> strata;
    for (const auto& x : p) {
      CHECK(x[d] >= 0.0);
      CHECK(x[d] < 1.0);
      strata.insert(static_cast<std::size_t>(std::floor(x[d] * n)));
    }
    CHECK(strata.size() == n);  // every stratum [k/n, (k+1)/n) taken exactly once
  }
  CHECK(app::latin_hypercube(n, dims, 7) == p);  // same seed, same points
  CHECK(app::latin_hypercube(n, dims, 8) != p);
  CHECK(app::uniform_random(n, dims, 7) == app::uniform_random(n, dims, 7));
  CHECK(app::uniform_random(n, dims, 7) != app::uniform_random(n, dims, 8));
}

TEST_CASE("a sampled sweep is reproducible and keeps the unit of its range") {
  const TempDir t("sample");
  const char* text = R"(base: base.yaml
axes:
  sample:
    method: lhs
    count: 8
    seed: 3
    ranges:
      cluster.node.max_power: {min: 6 kW, max: 10 kW}
      cluster.racks.count: {min: 1, max: 4}
      scheduler.policy: {values: [fifo]}
)";
  const auto a = sweep_of(t, text), b = sweep_of(t, text);
  REQUIRE(a.variants.size() == 8);
  CHECK(names(a) == names(b));
  std::set<int> power_strata;
  for (const auto& v : a.variants) {
    REQUIRE(v.assignments.size() == 3);
    const std::string& power = v.assignments[0].text;
    INFO(power);
    CHECK(power.substr(power.size() - 3) == " kW");
    const double kw = std::stod(power);
    CHECK(kw >= 6.0);
    CHECK(kw <= 10.0);
    power_strata.insert(static_cast<int>((kw - 6.0) / 4.0 * 8));
    const std::string& racks = v.assignments[1].text;
    CHECK(racks.find_first_not_of("0123456789") == std::string::npos);  // an integer range
    CHECK(std::stoi(racks) >= 1);
    CHECK(std::stoi(racks) <= 4);
    CHECK(v.assignments[2].text == "fifo");
  }
  CHECK(power_strata.size() == 8);  // stratified (6-digit rounding cannot cross strata here)
  const auto c =
      sweep_of(t, std::string(text).replace(std::string(text).find("seed: 3"), 7, "seed: 4"));
  CHECK(names(c) != names(a));
  // min and max in different units are refused rather than silently converted.
  const auto e = error_of([&] {
    sweep_of(t, R"(base: base.yaml
axes:
  sample: {count: 4, ranges: {cluster.node.max_power: {min: 6 kW, max: 10000 W}}}
)");
  });
  CHECK(e.find("sweep.yaml:3:") != std::string::npos);
  CHECK(e.find("unit of min ('kW')") != std::string::npos);
}

TEST_CASE("seeds: the base seed by default, derived from the assignments per variant") {
  const TempDir t("seeds");
  const auto common = sweep_of(t, grid_sweep);
  for (const auto& v : common.variants) CHECK(v.seed == 42);
  const auto per = sweep_of(t, std::string(grid_sweep) + "seeds: per-variant\n");
  std::set<std::uint64_t> seeds;
  for (const auto& v : per.variants) seeds.insert(v.seed);
  CHECK(seeds.size() == per.variants.size());
  CHECK(sweep_of(t, std::string(grid_sweep) + "seeds: per-variant\n").variants[3].seed ==
        per.variants[3].seed);
  CHECK(app::variant_scenario(per, per.variants[3]).seed == per.variants[3].seed);
  // An axis over the seed wins.
  const auto axis =
      sweep_of(t, "base: base.yaml\nseeds: per-variant\naxes: {grid: {seed: [7, 8]}}\n");
  CHECK(axis.variants[1].seed == 8);
  CHECK(app::variant_scenario(axis, axis.variants[1]).seed == 8);
}

TEST_CASE("a malformed axis path or a rejected key or value points into the sweep file") {
  const TempDir t("errors");
  // Malformed path: at the empty component.
  auto e = error_of(
      [&] { sweep_of(t, "base: base.yaml\naxes:\n  grid:\n    cluster..count: [1, 2]\n"); });
  CHECK(e.find("sweep.yaml:4:13: malformed key path 'cluster..count'") != std::string::npos);
  // A key the model does not declare: at that component of the path, before anything runs.
  auto typo = sweep_of(t, "base: base.yaml\naxes:\n  grid:\n    cluster.node.max_pwer: [1 kW]\n");
  e = error_of([&] { app::validate_sweep(typo); });
  CHECK(e.find("sweep.yaml:4:18: unknown key 'max_pwer'") != std::string::npos);
  CHECK(e.find("max_power") != std::string::npos);  // the valid keys are listed
  // A path through a value.
  auto through = sweep_of(t, "base: base.yaml\naxes:\n  grid:\n    duration.hours: [1]\n");
  e = error_of([&] { app::validate_sweep(through); });
  CHECK(e.find("sweep.yaml:4:") != std::string::npos);
  CHECK(e.find("'duration' is not a map") != std::string::npos);
  // A value a model rejects: at the value.
  auto value =
      sweep_of(t, "base: base.yaml\naxes:\n  grid:\n    cluster.node.max_power: [8 kW, 8 kV]\n");
  e = error_of([&] { app::validate_sweep(value); });
  INFO(e);
  CHECK(e.find("sweep.yaml:4:38:") != std::string::npos);
  // A misspelt section of the sweep file itself.
  e = error_of([&] { sweep_of(t, "base: base.yaml\naxis: {grid: {seed: [1]}}\n"); });
  CHECK(e.find("sweep.yaml:2:1:") != std::string::npos);
  CHECK(e.find("axes") != std::string::npos);
  // A missing base.
  e = error_of([&] { sweep_of(t, "base: nope.yaml\naxes: {grid: {seed: [1]}}\n"); });
  CHECK(e.find("sweep.yaml:1:7:") != std::string::npos);
}

TEST_CASE("an axis over one item of a list: a node pool by name") {
  const TempDir t("pools");
  t.write("pooled.yaml",
          "name: pooled\nduration: 1 h\ncluster:\n  pools:\n"
          "    - {name: hopper, node: {type: dgx-h100}, racks: {count: 1, nodes_per_rack: 2}}\n"
          "    - {name: blackwell, node: {type: hgx-b200}, racks: {count: 1, nodes_per_rack: 2}}\n"
          "cooling: {type: chilled-water}\n"
          "workload:\n  generator: list\n  jobs:\n"
          "    - {name: a, submit: 0 s, nodes: 1, duration: 30 min, utilization: 0.8}\n"
          "scheduler: {policy: fifo}\n");
  auto s = sweep_of(
      t, "base: pooled.yaml\naxes:\n  grid:\n    cluster.pools[blackwell].racks.count: [1, 3]\n");
  REQUIRE(s.variants.size() == 2);
  CHECK(s.base_values.front() == "1");
  app::validate_sweep(s);
  const auto count = [](const app::Scenario& sc, std::size_t pool) {
    return sc.root.find("cluster")->find("pools")->items[pool].find("racks")->find("count")->scalar;
  };
  const auto sc = app::variant_scenario(s, s.variants[1]);
  CHECK(count(sc, 0) == "1");
  CHECK(count(sc, 1) == "3");
  // A misspelt key inside the item, and an item the base does not have: in the sweep file.
  auto typo = sweep_of(
      t, "base: pooled.yaml\naxes:\n  grid:\n    cluster.pools[blackwell].racks.cont: [2]\n");
  auto e = error_of([&] { app::validate_sweep(typo); });
  CHECK(e.find("sweep.yaml:4:36: unknown key 'cont'") != std::string::npos);
  auto missing = sweep_of(
      t, "base: pooled.yaml\naxes:\n  grid:\n    cluster.pools[ampere].racks.count: [2]\n");
  e = error_of([&] { app::validate_sweep(missing); });
  CHECK(e.find("sweep.yaml:4:19: 'cluster.pools' has no item 'ampere' (its items: hopper, "
               "blackwell)") != std::string::npos);
  e = error_of(
      [&] { sweep_of(t, "base: pooled.yaml\naxes:\n  grid:\n    cluster.pools[a b].x: [2]\n"); });
  CHECK(e.find("sweep.yaml:4:20: malformed key path") != std::string::npos);
}

TEST_CASE("results do not depend on the number of workers") {
  const TempDir t("workers");
  const auto s = sweep_of(t, grid_sweep);
  const auto one = app::run_sweep(s, options_for(t.dir("one"), 1));
  const auto two = app::run_sweep(s, options_for(t.dir("two"), 2));
  CHECK(one.ran == s.variants.size());
  CHECK(two.ran == s.variants.size());
  CHECK(one.failed == 0);
  for (std::size_t i = 0; i < s.variants.size(); ++i)
    check_same_kpis(one.results[i], two.results[i]);
  check_same_outputs(s, t.dir("one"), t.dir("two"));
  // Variants differ: more racks, more energy.
  CHECK(*one.results[3].values.at("it_energy_kwh") > *one.results[0].values.at("it_energy_kwh"));
}

TEST_CASE("the summary table lists every variant's parameters and KPIs, in CSV and HDF5") {
  const TempDir t("table");
  const auto s = sweep_of(t, grid_sweep);
  const auto report = app::run_sweep(s, options_for(t.dir("out"), 2));
  std::ifstream csv(report.csv_path);
  std::string header, row;
  std::getline(csv, header);
  CHECK(header.rfind("index,name,status,seed,cluster.racks.count,cluster.node.max_power,"
                     "it_energy_kwh,",
                     0) == 0);
  std::vector<std::string> rows;
  while (std::getline(csv, row)) rows.push_back(row);
  REQUIRE(rows.size() == s.variants.size());
  CHECK(rows[4].rfind("4,v0004-count=3-max_power=8.4kW,done,42,3,8.4 kW,", 0) == 0);
  CHECK(!fs::exists(report.csv_path + ".partial"));

  const auto file = app::h5::open_file_readonly(report.h5_path);
  const auto energy = app::h5::read_doubles(file.get(), "kpis/it_energy_kwh");
  REQUIRE(energy.size() == s.variants.size());
  for (std::size_t i = 0; i < energy.size(); ++i)
    CHECK(energy[i] == *report.results[i].values.at("it_energy_kwh"));
  CHECK(app::h5::get_string_attr(file.get(), "sweep") == grid_sweep);
  // Units and labels come from the KPI registry (ratios per kWh are not kWh).
  const auto units = [&](const char* kpi) {
    const app::h5::Handle set(
        H5Dopen2(file.get(), (std::string("kpis/") + kpi).c_str(), H5P_DEFAULT), H5Dclose);
    return app::h5::get_string_attr(set.get(), "units");
  };
  CHECK(units("it_energy_kwh") == "kWh");
  CHECK(units("wue_l_per_kwh") == "L/kWh");
  CHECK(units("cue_kg_per_kwh") == "kgCO2e/kWh");
  CHECK(units("pue") == "1");
  CHECK(app::h5::get_string_attr(file.get(), "kpi_registry") == models::world::kpi_registry_json());
}

TEST_CASE("a rerun resumes: only missing, partial or stale outputs run again") {
  const TempDir t("resume");
  const auto s = sweep_of(t, grid_sweep);
  const std::string dir = t.dir("out");
  const auto first = app::run_sweep(s, options_for(dir, 2));
  REQUIRE(first.ran == 6);
  // As if the sweep had been killed: v1 never finished (only its .partial is left), v2's
  // output is gone, and v3 holds another variant's file.
  const std::string v1 = app::variant_output(dir, s.variants[1]);
  fs::rename(v1, v1 + ".partial");
  fs::remove(app::variant_output(dir, s.variants[2]));
  fs::copy_file(app::variant_output(dir, s.variants[0]), app::variant_output(dir, s.variants[3]),
                fs::copy_options::overwrite_existing);
  const auto second = app::run_sweep(s, options_for(dir, 2));
  CHECK(second.ran == 3);
  CHECK(second.reused == 3);
  for (std::size_t i : {1, 2, 3}) CHECK(second.results[i].status == app::VariantStatus::done);
  for (std::size_t i : {0, 4, 5}) CHECK(second.results[i].status == app::VariantStatus::reused);
  for (std::size_t i = 0; i < 6; ++i) check_same_kpis(first.results[i], second.results[i]);
  CHECK(!fs::exists(v1 + ".partial"));  // overwritten by the rerun, then renamed into place
  // --force reruns everything.
  auto force = options_for(dir, 2);
  force.force = true;
  CHECK(app::run_sweep(s, force).ran == 6);
}

TEST_CASE("an interrupted sweep of child processes passes SIGINT on and leaves no output") {
  // Variants of a simulated year of 1-s traces: each child runs for seconds (a minute under the
  // sanitizers), unless the sweep passes its interruption on (SIGINT, from the loop that waits
  // for the child's end); a child left running would finish its variant (`ran` above 0).
  const TempDir t("interrupt-children");
  const auto s = sweep_of(
      t, std::string(grid_sweep) + "set:\n  duration: 365 d\n  output.facility_interval: 1 s\n");
  std::atomic<bool> interrupted{false};
  auto o = options_for(t.dir("out"), 2);
  o.processes = true;
  o.executable = JOULE_BINARY_DIR "/joule";
  o.interrupted = &interrupted;
  // The flag goes up once both workers' children are running (each has made its .partial
  // file), or after a minute at most.
  std::thread stop([&] {
    const auto running = [&] {
      std::size_t n = 0;
      for (const auto& v : s.variants)
        n += fs::exists(app::variant_output(t.dir("out"), v) + ".partial");
      return n;
    };
    for (int i = 0; i < 6000 && running() < 2; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    interrupted = true;
  });
  const auto report = app::run_sweep(s, o);
  stop.join();
  CHECK(report.interrupted);
  CHECK(report.ran == 0);
  CHECK(report.failed == 0);
  std::size_t stopped = 0;
  for (const auto& r : report.results) {
    stopped += r.status == app::VariantStatus::interrupted;
    CHECK(r.status != app::VariantStatus::done);
  }
  CHECK(stopped == 2);  // the two running when the flag went up; the rest never started
  for (const auto& v : s.variants) {
    INFO(v.name);
    CHECK_FALSE(fs::exists(app::variant_output(t.dir("out"), v)));
    CHECK_FALSE(fs::exists(app::variant_output(t.dir("out"), v) + ".partial"));
  }
}

TEST_CASE("a failing variant is reported and the others finish") {
  const TempDir t("failing");
  const std::string sweep_file = t.write("sweep.yaml", grid_sweep);
  const auto s = app::load_sweep(sweep_file);
  const std::string dir = t.dir("out");
  // A folder where v2's output should go: its run fails, as a full disk or a lost mount would.
  fs::create_directories(app::variant_output(dir, s.variants[2]));
  const auto report = app::run_sweep(s, options_for(dir, 2));
  CHECK(report.failed == 1);
  CHECK(report.ran == 5);
  CHECK(report.results[2].status == app::VariantStatus::failed);
  CHECK(report.results[2].error.find("is a directory") != std::string::npos);
  std::ifstream csv(report.csv_path);
  std::stringstream text;
  text << csv.rdbuf();
  CHECK(text.str().find("v0002-count=2-max_power=10kW,failed,") != std::string::npos);
  CHECK(text.str().find("is a directory") != std::string::npos);
  // The command exits 3 when a variant failed.
  CHECK(app::sweep_command(sweep_file, options_for(dir, 2)) == 3);
  fs::remove(app::variant_output(dir, s.variants[2]));
  CHECK(app::sweep_command(sweep_file, options_for(dir, 2)) == 0);  // and resumes to success
}

TEST_CASE("results encode and decode exactly (MPI messages)") {
  app::VariantResult r;
  r.index = 17;
  r.status = app::VariantStatus::failed;
  r.values = {{"a", 0.1}, {"b", std::nullopt}, {"c", 1e300}, {"d", -3.0000000000000004}};
  r.error = "x.yaml:3:4: bad\nsecond line";
  const auto d = app::decode_result(app::encode_result(r));
  CHECK(d.index == 17);
  CHECK(d.status == app::VariantStatus::failed);
  CHECK(d.values == r.values);
  CHECK(d.error == r.error);
  CHECK(d.bands.empty());
  // With --uncertainty: each KPI's P5, median and P95, exactly.
  r.bands = {{"pue", {1.1000000000000001, 1.2, 1.3}}, {"co2e_t", {0.1, 0.30000000000000004, 7e-9}}};
  const auto b = app::decode_result(app::encode_result(r));
  REQUIRE(b.bands.size() == 2);
  for (const auto& [k, band] : r.bands) {
    CHECK(b.bands.at(k).p5 == band.p5);
    CHECK(b.bands.at(k).median == band.median);
    CHECK(b.bands.at(k).p95 == band.p95);
  }
  CHECK(b.values == r.values);
  CHECK(b.error == r.error);
}

TEST_CASE("variants run as child processes give the same results as threads") {
  const TempDir t("processes");
  const auto s = sweep_of(t, grid_sweep);
  const auto threads = app::run_sweep(s, options_for(t.dir("threads"), 2));
  auto o = options_for(t.dir("children"), 2);
  o.processes = true;
  o.executable = JOULE_BINARY_DIR "/joule";
  const auto children = app::run_sweep(s, o);
  CHECK(children.ran == s.variants.size());
  for (std::size_t i = 0; i < s.variants.size(); ++i)
    check_same_kpis(threads.results[i], children.results[i]);
  check_same_outputs(s, t.dir("threads"), t.dir("children"));
}

TEST_CASE(
    "runs that compress on their worker's thread give the same results, in-process and as "
    "children") {
  // What a sweep asks where its workers fill the CPUs (SweepOptions::compression_threads);
  // forced here, whatever this machine's count.
  const TempDir t("no-compression-thread");
  const auto s = sweep_of(t, grid_sweep);
  const auto threads = app::run_sweep(s, options_for(t.dir("threads"), 1));
  auto o = options_for(t.dir("inline"), 2);
  o.compression_threads = false;
  const auto in_process = app::run_sweep(s, o);
  o.dir = t.dir("children");
  o.processes = true;
  o.executable = JOULE_BINARY_DIR "/joule";  // given --no-compression-thread
  const auto children = app::run_sweep(s, o);
  CHECK(in_process.ran == s.variants.size());
  CHECK(children.ran == s.variants.size());
  for (std::size_t i = 0; i < s.variants.size(); ++i) {
    check_same_kpis(threads.results[i], in_process.results[i]);
    check_same_kpis(threads.results[i], children.results[i]);
  }
  check_same_outputs(s, t.dir("threads"), t.dir("inline"));
  check_same_outputs(s, t.dir("threads"), t.dir("children"));
}

namespace {

// Runs `f` on a thread held to the first `n` CPUs of this process's affinity mask (as `taskset`
// holds a process); false, without running it, when the mask has fewer.
bool on_cpus(int n, const std::function<void()>& f) {
  cpu_set_t set;
  CPU_ZERO(&set);
  REQUIRE(sched_getaffinity(0, sizeof set, &set) == 0);
  if (CPU_COUNT(&set) < n) return false;
  cpu_set_t held;
  CPU_ZERO(&held);
  for (int cpu = 0, taken = 0; taken < n; ++cpu)
    if (CPU_ISSET(cpu, &set)) {
      CPU_SET(cpu, &held);
      ++taken;
    }
  bool ran = false;
  std::exception_ptr error;  // thrown on the thread, rethrown here
  std::thread one([&] {
    if (sched_setaffinity(0, sizeof held, &held) != 0) return;
    try {
      f();
      ran = true;
    } catch (...) {
      error = std::current_exception();
    }
  });
  one.join();
  if (error) std::rethrow_exception(error);
  REQUIRE(ran);
  return true;
}

}  // namespace

TEST_CASE("the default worker count is the CPUs the process may run on, not the machine's") {
  // A thread held to one CPU (as `taskset -c 0` holds a process) sees one CPU; sched_getaffinity
  // reads the calling thread's mask.
  unsigned held = 0, held_default = 0;
  REQUIRE(on_cpus(1, [&] {
    held = app::usable_cpus();
    held_default = app::worker_count(0, 64);
  }));
  CHECK(held == 1);
  CHECK(held_default == 1);
  cpu_set_t set;
  CPU_ZERO(&set);
  REQUIRE(sched_getaffinity(0, sizeof set, &set) == 0);
  const auto cpus = static_cast<unsigned>(CPU_COUNT(&set));
  CHECK(app::usable_cpus() == cpus);
  CHECK(app::worker_count(0, 1000) == std::min(cpus, 1000u));
  // At most one worker a task, at least one, as many as asked for otherwise.
  CHECK(app::worker_count(0, 1) == 1);
  CHECK(app::worker_count(3, 2) == 2);
  CHECK(app::worker_count(3, 5) == 3);
  CHECK(app::worker_count(0, 0) == 1);
}

TEST_CASE("a sweep's runs compress on their workers' threads where the workers fill the CPUs") {
  const TempDir t("compression");
  const auto s = sweep_of(t, grid_sweep);
  // What the runs report of it (each run with a compression thread of its own reads that
  // thread's CPU time): 0 without, 1 with, 2 unknown.
  const auto threads = [](const app::SweepReport& r) {
    std::set<int> seen;
    for (const auto& v : r.results)
      seen.insert(v.compression_thread ? static_cast<int>(*v.compression_thread) : 2);
    return seen;
  };
  app::SweepReport one_cpu, spare, full, told;
  REQUIRE(on_cpus(1, [&] { one_cpu = app::run_sweep(s, options_for(t.dir("one-cpu"), 0)); }));
  CHECK(one_cpu.ran == s.variants.size());
  CHECK(threads(one_cpu) == std::set<int>{0});
  const bool two = on_cpus(2, [&] {
    spare = app::run_sweep(s, options_for(t.dir("spare"), 1));
    full = app::run_sweep(s, options_for(t.dir("full"), 0));
    auto o = options_for(t.dir("told"), 1);
    o.compression_threads = false;
    told = app::run_sweep(s, o);
  });
  if (!two) return;                           // a machine (or CPU set) of one CPU
  CHECK(threads(spare) == std::set<int>{1});  // one worker, a CPU left for the second thread
  CHECK(threads(full) == std::set<int>{0});   // two workers (the default) on two CPUs
  CHECK(threads(told) == std::set<int>{0});   // a caller's "no" kept (MPI ranks, processes)
  // The outputs either way: "runs that compress on their worker's thread give the same results".
}

// Runs only under `ctest -R test_app_mpi`, which sets JOULE_TEST_MPI (CMake found MPI).
TEST_CASE("two MPI ranks give the same results as threads") {
#ifdef JOULE_MPIEXEC
  if (!std::getenv("JOULE_TEST_MPI")) return;
  const TempDir t("mpi");
  const std::string sweep_file = t.write("sweep.yaml", grid_sweep);
  const auto s = app::load_sweep(sweep_file);
  const auto threads = app::run_sweep(s, options_for(t.dir("threads"), 2));
  const std::string command = std::string(JOULE_MPIEXEC) +
                              " --allow-run-as-root --oversubscribe -np 2 " JOULE_BINARY_DIR
                              "/joule sweep " +
                              sweep_file + " -o " + t.dir("mpi") + " --quiet";
  REQUIRE(std::system(command.c_str()) == 0);
  // Every variant done, by rank 0's table, with the same KPIs and traces.
  const auto file = app::h5::open_file_readonly(t.dir("mpi") + "/summary.h5");
  const auto energy = app::h5::read_doubles(file.get(), "kpis/it_energy_kwh");
  REQUIRE(energy.size() == s.variants.size());
  for (std::size_t i = 0; i < energy.size(); ++i)
    CHECK(energy[i] == *threads.results[i].values.at("it_energy_kwh"));
  check_same_outputs(s, t.dir("threads"), t.dir("mpi"));
  // A rerun under MPI reuses everything.
  REQUIRE(std::system(command.c_str()) == 0);
  app::SweepOptions o = options_for(t.dir("mpi"), 1);
  for (const auto& r : app::scan_outputs(s, o)) CHECK(r.status == app::VariantStatus::reused);
#endif
}

// Under `ctest -R test_app_mpi` too: mpirun forwards SIGTERM to the ranks, which stop expanding
// and checking 90,000 variants (hours of work) and say so (app::prepare_sweep on every rank).
TEST_CASE("two MPI ranks stop on SIGTERM while the sweep's variants are checked") {
#ifdef JOULE_MPIEXEC
  if (!std::getenv("JOULE_TEST_MPI")) return;
  const TempDir t("mpi-stop");
  std::string a = "[", b = "[";
  for (int i = 0; i < 300; ++i) {
    a += (i ? ", " : "") + std::to_string(i + 1) + " h";
    b += (i ? ", " : "") + std::to_string(i);
  }
  const std::string sweep_file =
      t.write("big.yaml",
              "base: base.yaml\naxes:\n  grid:\n    duration: " + a + "]\n    seed: " + b + "]\n");
  // mpirun needs a moment to start its ranks; a SIGTERM before they run ends them in MPI's own
  // start-up, so the signal is sent after 2 s, or 4 s, or 8 s.
  std::string output;
  for (const int delay_s : {2, 4, 8}) {
    const std::string log = t.dir("log") + std::to_string(delay_s) + ".txt";
    const std::string command = "exec " + std::string(JOULE_MPIEXEC) +
                                " --allow-run-as-root --oversubscribe -np 2 " JOULE_BINARY_DIR
                                "/joule sweep " +
                                sweep_file + " -o " + t.dir("out") + " > " + log + " 2>&1";
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::seconds(delay_s));
    const auto sent = std::chrono::steady_clock::now();
    ::kill(pid, SIGTERM);
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) != pid) {
      if (std::chrono::steady_clock::now() - sent > std::chrono::seconds(30)) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        FAIL("mpirun's ranks ignored SIGTERM for 30 s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::ifstream in(log);
    output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!output.empty()) break;
  }
  INFO(output);
  CHECK(output.find("sweep interrupted while its variants were expanded and checked") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(t.dir("out") + "/summary.csv"));
#endif
}

TEST_CASE("the shipped example sweeps load and validate") {
  int count = 0;
  for (const auto& entry : fs::directory_iterator(JOULE_SOURCE_DIR "/scenarios/sweeps")) {
    if (entry.path().extension() != ".yaml") continue;
    INFO(entry.path().string());
    auto s = app::load_sweep(entry.path().string());
    CHECK(!s.variants.empty());
    CHECK_NOTHROW(app::validate_sweep(s));
    ++count;
  }
  CHECK(count >= 3);
  auto bench = app::load_sweep(JOULE_SOURCE_DIR "/bench/sweep/sweep64.yaml");
  CHECK(bench.variants.size() == 64);
  CHECK_NOTHROW(app::validate_sweep(bench, nullptr, 2));
  // Costs: nodes × simulated seconds; the run order takes the costliest first.
  std::vector<std::size_t> all(bench.variants.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  const auto order = app::run_order(bench, all);
  CHECK(order.size() == 64);
  for (std::size_t i = 1; i < order.size(); ++i)
    CHECK(bench.variants[order[i - 1]].cost >= bench.variants[order[i]].cost);
  CHECK(bench.variants[order.back()].cost > 0);
  // 20 days × 16 racks against 2 days × 4 racks: 10 × 4 times the node-seconds.
  CHECK(bench.variants[order.front()].cost ==
        doctest::Approx(40 * bench.variants[order.back()].cost));
}

TEST_CASE("a sweep validated over several threads reports the lowest-numbered error") {
  const TempDir t("validate-threads");
  // Variants 1 and 3 fail (a voltage for a power); 0, 2 and 4 are fine.
  const std::string text =
      "base: base.yaml\naxes:\n  grid:\n"
      "    cluster.node.max_power: [8 kW, 8 kV, 9 kW, 7 kV, 10 kW]\n";
  for (const unsigned jobs : {1u, 2u, 4u}) {
    auto s = sweep_of(t, text);
    INFO("jobs " << jobs);
    const std::string e = error_of([&] { app::validate_sweep(s, nullptr, jobs); });
    CHECK(e.find("sweep.yaml:4:38:") != std::string::npos);  // at '8 kV', not '7 kV'
  }
  // Without errors every variant gets its cost, whatever the number of threads.
  auto one = sweep_of(t, "base: base.yaml\naxes:\n  grid:\n    duration: [1 h, 3 h, 2 h]\n");
  auto three = sweep_of(t, "base: base.yaml\naxes:\n  grid:\n    duration: [1 h, 3 h, 2 h]\n");
  app::validate_sweep(one, nullptr, 1);
  app::validate_sweep(three, nullptr, 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(one.variants[i].cost == three.variants[i].cost);
  CHECK(one.variants[1].cost == doctest::Approx(3 * one.variants[0].cost));
  CHECK(app::run_order(one, {0, 1, 2}) == std::vector<std::size_t>{1, 2, 0});
}
