// `joule summary`: numbers as people read them, KPIs grouped by the registry's topics, warnings.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "app/run.hpp"
#include "models/world/kpi.hpp"
#include "run_helpers.hpp"

using namespace joule;
using models::world::KpiRegistry;

TEST_CASE("format_number: thousands separators, four significant digits, no exponent") {
  CHECK(app::format_number(2.68005e7) == "26,800,500");  // was printed as 2.68005e+07
  CHECK(app::format_number(1.21056e6) == "1,210,560");
  CHECK(app::format_number(1234.6) == "1,235");
  CHECK(app::format_number(-1234.6) == "-1,235");
  CHECK(app::format_number(20) == "20");
  CHECK(app::format_number(604800) == "604,800");
  CHECK(app::format_number(1.26449) == "1.264");
  CHECK(app::format_number(22.2688) == "22.27");
  CHECK(app::format_number(820.966) == "821");
  CHECK(app::format_number(0.5657197) == "0.5657");
  CHECK(app::format_number(1.5) == "1.5");  // trailing zeros dropped
  CHECK(app::format_number(0.000123456) == "0.0001235");
  CHECK(app::format_number(999.96) == "1,000");  // rounding up crosses into the grouped form
  CHECK(app::format_number(0) == "0");
  CHECK(app::format_number(std::nan("")) == "-");
  CHECK(app::format_number(1e300).find('e') == std::string::npos);
}

namespace {

// A summary with every KPI of the registry set to 1, but for the given values.
app::Summary summary_with(std::map<std::string, std::optional<double>> values) {
  app::Summary s;
  for (const auto& k : KpiRegistry::all()) s.values[k.name] = 1.0;
  for (auto& [key, v] : values) s.values[key] = v;
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("summary table: every KPI under its registry topic, with its unit and readable value") {
  const app::Summary s = summary_with({{"it_energy_kwh", 2.68005e7}, {"cost_usd", 1.21056e6}});
  const std::string table = app::summary_table(s);
  CHECK(table.find("e+") == std::string::npos);
  CHECK(table.find("26,800,500 kWh") != std::string::npos);
  CHECK(table.find("1,210,560 USD") != std::string::npos);

  // Topic headers are unindented lines; KPI lines are indented and end in the KPI's name (or
  // its name and a duration in words). Each KPI sits below the header of its own topic.
  const auto lines = lines_of(table);
  for (const auto& k : KpiRegistry::all()) {
    std::string topic;
    bool found = false;
    for (const auto& line : lines) {
      if (!line.empty() && line[0] != ' ') topic = line;
      std::istringstream words(line);
      std::vector<std::string> w;
      for (std::string x; words >> x;) w.push_back(x);
      if (std::find(w.begin(), w.end(), k.name) == w.end()) continue;
      found = true;
      std::string title = k.topic;
      title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
      CHECK_MESSAGE(topic == title, k.name << " is under '" << topic << "'");
      CHECK(line.find(k.label) != std::string::npos);
      if (k.unit != "1") CHECK(line.find(" " + k.unit + " ") != std::string::npos);
    }
    CHECK_MESSAGE(found, k.name << " missing from the table");
  }
  // Each topic has one header.
  std::set<std::string> topics;
  for (const auto& k : KpiRegistry::all()) topics.insert(k.topic);
  int headers = 0;
  for (const auto& line : lines)
    if (!line.empty() && line[0] != ' ' && line.rfind("Warnings", 0) != 0) ++headers;
  CHECK(headers == static_cast<int>(topics.size()));
}

TEST_CASE("summary table: positive warning KPIs and recorded notes are warnings; zero is none") {
  std::map<std::string, std::optional<double>> quiet;
  for (const auto& k : KpiRegistry::all())
    if (!k.warning.empty()) quiet[k.name] = 0.0;
  CHECK(app::summary_table(summary_with(quiet)).find("Warnings: none") != std::string::npos);

  auto loud = quiet;
  loud["cooling_unmet_heat_kwh"] = 162345.0;
  app::Summary s = summary_with(loud);
  s.notes = {"cooling capacity exceeded (tower) first at 2 d 13:00:00"};
  const std::string table = app::summary_table(s);
  CHECK(table.find("Warnings: none") == std::string::npos);
  const std::string warnings = table.substr(table.find("\nWarnings\n"));
  CHECK(warnings.find("unmet cooling heat 162,345 kWh: " +
                      KpiRegistry::find("cooling_unmet_heat_kwh")->warning) != std::string::npos);
  CHECK(warnings.find("! cooling capacity exceeded (tower) first at 2 d 13:00:00") !=
        std::string::npos);
  // The other warning KPIs are zero: not listed among the warnings.
  CHECK(warnings.find(KpiRegistry::find("gpu_cap_violation_s")->label) == std::string::npos);
}

TEST_CASE("summary table: absent KPIs are named once, not printed as values") {
  const app::Summary s = summary_with({{"pue", std::nullopt}, {"water_m3", std::nullopt}});
  const std::string table = app::summary_table(s);
  const auto absent = table.find("No value (");
  REQUIRE(absent != std::string::npos);
  CHECK(table.find("pue", absent) != std::string::npos);
  CHECK(table.find("water_m3", absent) != std::string::npos);
  CHECK(table.find("water_m3") == table.find("water_m3", absent));  // only in that line
}

TEST_CASE("summary table: a topic with many absent KPIs is counted, not listed") {
  std::map<std::string, std::optional<double>> values;
  std::size_t swing = 0;
  std::string one;
  for (const auto& k : KpiRegistry::all())
    if (k.topic == "swing") {
      values[k.name] = std::nullopt;
      ++swing;
      one = k.name;
    }
  REQUIRE(swing > 6);
  const std::string table = app::summary_table(summary_with(values));
  CHECK(table.find(std::to_string(swing) + " swing KPIs") != std::string::npos);
  CHECK(table.find(one) == std::string::npos);
}

TEST_CASE("joule summary of a run that broke its rack limit: grouped table, warnings, raw JSON") {
  const auto dir = test::temp_dir("summary");
  test::write_file(dir / "s.yaml", R"(name: limits
duration: 2 h
cluster:
  racks: {count: 1, nodes_per_rack: 2, power_limit: 1 kW}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs: [{name: a, nodes: 2, duration: 1 h}]
)");
  const std::string out = (dir / "s.h5").string();
  REQUIRE(
      test::run(test::joule_bin() + " run " + (dir / "s.yaml").string() + " -o " + out + " --quiet")
          .code == 0);
  const auto table = test::run(test::joule_bin() + " summary " + out);
  REQUIRE(table.code == 0);
  CHECK(table.output.find("e+") == std::string::npos);
  // Over the 1 kW limit for the whole 2 h: 7,200 s, shown with the time in words.
  CHECK(table.output.find("7,200 s") != std::string::npos);
  CHECK(table.output.find("(2 h)") != std::string::npos);
  const std::string warnings = table.output.substr(table.output.find("\nWarnings\n"));
  CHECK(warnings.find("rack limit not met 7,200 s: ") != std::string::npos);
  CHECK(warnings.find("! rack power limit not met for 7200 s") != std::string::npos);

  const auto json = test::run(test::joule_bin() + " summary --json " + out);
  REQUIRE(json.code == 0);
  CHECK(json.output.find("\"rack_limit_violation_s\": 7200") != std::string::npos);
  CHECK(json.output.find("\"simulated_s\": 7200") != std::string::npos);
  CHECK(json.output.find("7,200") == std::string::npos);  // raw numbers, no separators
  std::filesystem::remove_all(dir);
}
