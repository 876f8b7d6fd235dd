// The KPI registry: one list that the run, the summary, the sweep and `joule kpis` share.
#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "app/h5.hpp"
#include "app/run.hpp"
#include "app/scenario.hpp"
#include "models/world/kpi.hpp"
#include "run_helpers.hpp"

using namespace joule;
using models::world::KpiRegistry;

TEST_CASE("every KPI is declared once, with a unit, a label, a topic and a description") {
  std::set<std::string> names;
  int last_rank = -1;
  for (const auto& k : KpiRegistry::all()) {
    INFO(k.name);
    CHECK(names.insert(k.name).second);
    CHECK_FALSE(k.unit.empty());
    CHECK_FALSE(k.label.empty());
    CHECK_FALSE(k.topic.empty());
    CHECK_FALSE(k.description.empty());
    CHECK(k.rank >= last_rank);
    last_rank = k.rank;
  }
  CHECK(app::summary_keys().size() == KpiRegistry::all().size());
  CHECK(KpiRegistry::find("wue_l_per_kwh")->unit == "L/kWh");
  CHECK(KpiRegistry::find("cue_kg_per_kwh")->unit == "kgCO2e/kWh");
  CHECK(KpiRegistry::find("pue")->unit == "1");
  CHECK(KpiRegistry::find("no_such_kpi") == nullptr);
  models::world::Kpi twice = *KpiRegistry::find("pue");  // the same name again
  CHECK_THROWS_AS(KpiRegistry::add(twice), std::logic_error);
}

TEST_CASE("a run file carries the registry and /summary holds only registry names") {
  const auto dir = test::temp_dir("kpis");
  test::write_file(dir / "s.yaml", R"(name: tiny
duration: 2 h
cluster: {racks: {count: 1, nodes_per_rack: 2}, node: {type: dgx-h100}}
workload:
  generator: list
  jobs: [{name: a, submit: 0 s, nodes: 1, duration: 1 h}]
)");
  const auto r = test::run(test::joule_bin() + " run " + (dir / "s.yaml").string() + " -o " +
                           (dir / "s.h5").string() + " --quiet");
  REQUIRE(r.code == 0);
  // The file's registry is the one `joule kpis --json` prints.
  const auto listing = test::run(test::joule_bin() + " kpis --json");
  REQUIRE(listing.code == 0);
  const auto file = app::h5::open_file_readonly((dir / "s.h5").string());
  CHECK(app::h5::get_string_attr(file.get(), "kpi_registry") == listing.output);
  CHECK(listing.output.find("\"name\": \"wue_l_per_kwh\", \"unit\": \"L/kWh\"") !=
        std::string::npos);
  const app::Summary s = app::read_summary((dir / "s.h5").string());
  CHECK(s.values.size() == KpiRegistry::all().size());
  CHECK(s.values.at("jobs_completed") == 1.0);
  // No facility in this scenario: its KPIs are absent, not zero.
  CHECK_FALSE(s.values.at("pue").has_value());
  CHECK_FALSE(s.values.at("wue_l_per_kwh").has_value());
}

TEST_CASE("a KPI registered in its own file reaches the summary, the file and the table") {
  // example_kpi.cpp, compiled into this test binary. Two linear nodes (1 kW idle, 5 kW busy):
  // job a runs 1 node for 1 h (5 kWh), job b 2 nodes for 30 min (5 kWh): 5 kWh a job.
  const auto dir = test::temp_dir("example-kpi");
  const auto sc = app::load_scenario_text(R"(name: example
duration: 2 h
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW}
workload:
  generator: list
  jobs: [{name: a, submit: 0 s, nodes: 1, duration: 1 h},
         {name: b, submit: 1 h, nodes: 2, duration: 30 min}]
)",
                                          "example.yaml", dir.string());
  app::RunOptions opt;
  opt.output = (dir / "example.h5").string();
  const app::Summary s = app::run(sc, opt);
  CHECK(*s.values.at("example_energy_per_job_kwh") == doctest::Approx(5.0).epsilon(1e-12));
  CHECK(*app::read_summary(opt.output).values.at("example_energy_per_job_kwh") ==
        *s.values.at("example_energy_per_job_kwh"));
  CHECK(app::summary_table(s).find("example_energy_per_job_kwh") != std::string::npos);
  CHECK(KpiRegistry::all().back().name == "example_energy_per_job_kwh");  // rank 1000: last
}

TEST_CASE("docs/design.md shows the example KPI and the example kind of work as compiled") {
  auto read_file = [](const std::string& path) {
    std::ifstream in(std::string(JOULE_SOURCE_DIR) + "/" + path);
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  const std::string design = read_file("docs/design.md");
  for (const char* path :
       {"tests/app/example_kpi.cpp", "tests/models/workload/example_job_kind.cpp"}) {
    INFO(path);
    const std::string source = read_file(path);
    // The file from its first #include on is one of the document's C++ blocks, verbatim.
    const std::string code = source.substr(source.find("#include"));
    const auto at = design.find(code);
    CHECK(at != std::string::npos);
    if (at != std::string::npos) CHECK(design.compare(at + code.size(), 3, "```") == 0);
  }
}
