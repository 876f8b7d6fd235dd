// The scheduler section: policy names, shared and own keys, power management.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "fake_cluster.hpp"
#include "io/yaml_params.hpp"
#include "models/scheduling/scheduler.hpp"

using namespace joule;
using namespace joule::models::scheduling;

namespace joule::models::scheduling::testing {
std::unique_ptr<Policy> make_policy(const std::string& yaml) {
  const sim::ParamNode root = io::parse_yaml_text(yaml, "test.yaml", "scheduler");
  return make_scheduler(&root).policy;
}
}  // namespace joule::models::scheduling::testing

namespace {
Scheduler read(const std::string& yaml) {
  const sim::ParamNode root = io::parse_yaml_text(yaml, "test.yaml", "scheduler");
  return make_scheduler(&root);
}
}  // namespace

TEST_CASE("every built-in policy is registered, documented and shares the scheduler keys") {
  for (const char* name :
       {"fifo", "easy-backfill", "energy-packing", "carbon-aware", "power-budget", "thermal-aware",
        "topology-aware", "shortest-job-first"}) {
    CAPTURE(name);
    const sim::ModelDoc* doc = PolicyRegistry::doc(name);
    REQUIRE(doc != nullptr);
    CHECK(doc->kind == "policy");
    CHECK(!doc->summary.empty());
    REQUIRE(doc->keys.size() >= 2);
    CHECK(doc->keys[0].name == "policy");
    CHECK(doc->keys[1].name == "power_management");
  }
}

TEST_CASE("an unknown policy name lists the valid ones, at the name") {
  // The list comes from the registry, so a policy added in its own file is listed too.
  std::string valid;
  for (const auto& name : PolicyRegistry::names()) valid += (valid.empty() ? "" : ", ") + name;
  const auto names = PolicyRegistry::names();
  CHECK(std::is_sorted(names.begin(), names.end()));
  CHECK(valid.find("easy-backfill") != std::string::npos);
  const std::string expected =
      "test.yaml:1:10: unknown policy 'fifo2' (did you mean 'fifo'?). Valid: " + valid;
  CHECK_THROWS_WITH_AS(read("{policy: fifo2}"), doctest::Contains(expected.c_str()),
                       sim::InputError);
}

TEST_CASE("no scheduler section means FIFO with the default sleep model") {
  const Scheduler s = make_scheduler(nullptr);
  CHECK(s.policy_name == "fifo");
  REQUIRE(s.policy != nullptr);
  CHECK(s.power_management.sleep_power.value() == 100.0);
  CHECK(s.power_management.wake_latency == sim::minutes(5));
  CHECK(s.power_management.wake_energy.value() == 500e3);
  // Drawn evenly over the wake: 500 kJ / 300 s.
  CHECK(s.power_management.waking_power_w() == doctest::Approx(500e3 / 300.0));
}

TEST_CASE("a policy reads its own keys beside `policy`; others are rejected") {
  const Scheduler s = read(
      "{policy: energy-packing, idle_threshold: 30 min, spare_nodes: 2,\n"
      " power_management: {sleep_power: 80 W, wake_latency: 2 min, wake_energy: 240 kJ}}");
  CHECK(s.policy_name == "energy-packing");
  CHECK(s.power_management.sleep_power.value() == 80.0);
  CHECK(s.power_management.wake_latency == sim::minutes(2));
  CHECK(s.power_management.waking_power_w() == doctest::Approx(240e3 / 120.0));

  CHECK_THROWS_WITH_AS(read("{policy: fifo, idle_threshold: 30 min}"),
                       doctest::Contains("unknown key 'idle_threshold' for policy 'fifo'"),
                       sim::InputError);
  CHECK_THROWS_WITH_AS(read("{policy: energy-packing, idle_treshold: 30 min}"),
                       doctest::Contains("did you mean 'idle_threshold'"), sim::InputError);
  CHECK_THROWS_WITH_AS(read("{power_management: {wake_latency: 0 s}}"),
                       doctest::Contains("wake_latency must be > 0"), sim::InputError);
  CHECK_THROWS_WITH_AS(read("{power_management: {sleep_power: 3 min}}"),
                       doctest::Contains("sleep_power"), sim::InputError);
}

TEST_CASE("power-budget validates its window") {
  CHECK_THROWS_WITH_AS(read("{policy: power-budget}"), doctest::Contains("limit"), sim::InputError);
  CHECK_THROWS_WITH_AS(read("{policy: power-budget, limit: 1 MW, from: 4 h, until: 2 h}"),
                       doctest::Contains("until must be after 'from'"), sim::InputError);
  CHECK_THROWS_WITH_AS(read("{policy: power-budget, limit: 1 MW, from: 14 h, repeat: 1 d}"),
                       doctest::Contains("is required with 'repeat'"), sim::InputError);
  CHECK_THROWS_WITH_AS(
      read("{policy: power-budget, limit: 1 MW, from: 14 h, until: 30 h, repeat: 1 d}"),
      doctest::Contains("must be within one 'repeat' period"), sim::InputError);
  CHECK(read("{policy: power-budget, limit: 1 MW, from: 14 h, until: 18 h, repeat: 1 d}").policy);
}

TEST_CASE("the tutorial shows the example policy as it is compiled") {
  auto read_file = [](const std::string& path) {
    std::ifstream in(std::string(JOULE_SOURCE_DIR) + "/" + path);
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  const std::string source = read_file("models/scheduling/example_sjf.cpp");
  const std::string tutorial = read_file("docs/tutorials/writing-a-policy.md");
  // The file from its first #include on equals the tutorial's first C++ block from there.
  const std::string code = source.substr(source.find("#include <algorithm>"));
  const auto block = tutorial.find("```cpp");
  REQUIRE(block != std::string::npos);
  const auto from = tutorial.find("#include <algorithm>", block);
  const auto to = tutorial.find("```", from);
  REQUIRE(from != std::string::npos);
  CHECK(tutorial.substr(from, to - from) == code);
}
