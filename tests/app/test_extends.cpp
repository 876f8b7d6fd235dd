// `extends`: one merge rule for every section, `!replace` to replace or remove what the base
// sets, and errors that point at the child's file.
#include <doctest/doctest.h>

#include <functional>

#include "app/scenario.hpp"
#include "io/yaml_params.hpp"
#include "run_helpers.hpp"
#include "sim/error.hpp"

using namespace joule;

namespace {

// A base like the default: an LLM-training workload with arrivals and failures, a chilled-water
// plant with an economizer, a UPS and a battery, the FIFO scheduler.
const char* base = R"(name: base
duration: 2 h
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100}
power_chain:
  ups: {type: double-conversion, redundancy: 2N}
  battery: {capacity: 1 MWh, max_charge: 100 kW, max_discharge: 100 kW}
cooling: {type: chilled-water, economizer: water-side}
workload:
  generator: llm-training
  arrivals: {process: poisson, mean_interarrival: 8 h}
  jobs: {params: [7e9], tokens_per_param: 20, gpus: [8], mfu: 0.4}
  failures: {mtbf_per_gpu: 50000 h, restart: 10 min, checkpoint_every: 30 min}
scheduler: {policy: fifo}
)";

struct Files {
  std::filesystem::path dir = test::temp_dir("extends-replace");
  Files() { test::write_file(dir / "base.yaml", base); }
  ~Files() { std::filesystem::remove_all(dir); }
  app::Scenario load(const std::string& child_text, const app::LoadOptions& opt = {}) {
    test::write_file(dir / "child.yaml", child_text);
    return app::load_scenario((dir / "child.yaml").string(), opt);
  }
  std::string child() const { return (dir / "child.yaml").string(); }
};

// The message of the InputError `f` throws ("" when none).
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> keys(const sim::ParamNode* n) {
  std::vector<std::string> out;
  for (const auto& e : n->entries) out.push_back(e.key);
  return out;
}

}  // namespace

TEST_CASE("extends: choosing another generator replaces the workload, like another cooling type") {
  Files f;
  // Fails before this rule: the base's arrivals, jobs and failures were kept beside the list.
  const auto sc = f.load(R"(extends: base.yaml
workload:
  generator: list
  jobs: [{name: a, nodes: 1, duration: 1 h}]
)");
  const sim::ParamNode* w = sc.root.find("workload");
  CHECK(keys(w) == std::vector<std::string>{"generator", "jobs"});
  CHECK(w->find("jobs")->is_sequence());
  // The same rule for the cooling plant's type and the scheduler's policy...
  const auto air = f.load(
      "extends: base.yaml\ncooling: {type: air}\nscheduler: {policy: "
      "easy-backfill}\n");
  CHECK(keys(air.root.find("cooling")) == std::vector<std::string>{"type"});
  CHECK(air.root.find("scheduler")->find("policy")->scalar == "easy-backfill");
  // ... and for an arrival process.
  const auto batch = f.load(R"(extends: base.yaml
workload: {arrivals: {process: batch}}
)");
  CHECK(keys(batch.root.find("workload")->find("arrivals")) == std::vector<std::string>{"process"});
  // The same model: merged key by key.
  const auto econ = f.load("extends: base.yaml\ncooling: {economizer: none}\n");
  CHECK(keys(econ.root.find("cooling")) == std::vector<std::string>{"type", "economizer"});
  CHECK(econ.root.find("cooling")->find("economizer")->scalar == "none");
  const auto slower =
      f.load("extends: base.yaml\nworkload: {arrivals: {mean_interarrival: 1 d}}\n");
  CHECK(slower.root.find("workload")->find("failures") != nullptr);
  CHECK(slower.root.find("workload")->find("arrivals")->find("process")->scalar == "poisson");
  CHECK(slower.root.find("workload")->find("arrivals")->find("mean_interarrival")->scalar == "1 d");
}

TEST_CASE("extends: !replace replaces a section whole, in every section alike") {
  Files f;
  // Same generator, but without the base's failures: replace the section.
  const auto sc = f.load(R"(extends: base.yaml
workload: !replace
  generator: llm-training
  arrivals: {process: poisson, mean_interarrival: 1 d}
  jobs: {params: [7e9], tokens_per_param: 20, gpus: [8], mfu: 0.4}
power_chain: !replace {ups: {type: line-interactive}}
)");
  CHECK(sc.root.find("workload")->find("failures") == nullptr);
  CHECK(sc.root.find("workload")->find("arrivals")->find("mean_interarrival")->scalar == "1 d");
  CHECK(keys(sc.root.find("power_chain")) == std::vector<std::string>{"ups"});
  CHECK(keys(sc.root.find("power_chain")->find("ups")) == std::vector<std::string>{"type"});
  // Nested: replace the UPS, keep the battery.
  const auto ups = f.load(
      "extends: base.yaml\npower_chain: {ups: !replace {type: "
      "line-interactive}}\n");
  CHECK(keys(ups.root.find("power_chain")) == std::vector<std::string>{"ups", "battery"});
  CHECK(keys(ups.root.find("power_chain")->find("ups")) == std::vector<std::string>{"type"});
  // The replaced values point into the child.
  CHECK(sc.root.find("workload")->where.name() == f.child());
}

TEST_CASE("extends: 'key: !replace' with no value removes the inherited key") {
  Files f;
  const auto sc = f.load(R"(extends: base.yaml
power_chain: {battery: !replace}
workload: {failures: !replace ~}
)");
  CHECK(keys(sc.root.find("power_chain")) == std::vector<std::string>{"ups"});
  CHECK(sc.root.find("workload")->find("failures") == nullptr);
  CHECK(sc.text().find("battery") == std::string::npos);
  // A whole section.
  const auto no_cooling = f.load("extends: base.yaml\ncooling: !replace\n");
  CHECK(no_cooling.root.find("cooling") == nullptr);
  // --set removes as well.
  app::LoadOptions opt;
  opt.sets = {"power_chain.battery=!replace"};
  const auto set = f.load("extends: base.yaml\n", opt);
  CHECK(keys(set.root.find("power_chain")) == std::vector<std::string>{"ups"});
}

TEST_CASE("extends: a misplaced or misspelt !replace is an error at its place in the file") {
  Files f;
  // Removing a key the base does not set: a typo, with the key's place and a suggestion.
  CHECK(error_of([&] { f.load("extends: base.yaml\npower_chain:\n  batery: !replace\n"); })
            .find(f.child() + ":3:3: 'batery: !replace' removes an inherited key, but the "
                              "base sets no 'batery' in power_chain (did you mean "
                              "'battery'?)") != std::string::npos);
  // In a file that extends nothing, there is nothing to remove.
  CHECK(error_of([&] { f.load(std::string(base) + "site: !replace\n"); })
            .find(f.child() + ":16:1: 'site: !replace' with no value "
                              "removes a key") != std::string::npos);
  // Inside a section the base does not have.
  CHECK(error_of([&] {
          f.load("extends: base.yaml\noutput: {rack_interval: !replace}\n");
        }).find(f.child() + ":2:10: 'rack_interval: !replace' with no value") != std::string::npos);
  // An unknown tag (a misspelt !replace) would otherwise merge silently.
  CHECK(error_of([&] { f.load("extends: base.yaml\ncooling: !replce {type: air}\n"); })
            .find(f.child() + ":2:10: unknown YAML tag '!replce' (at "
                              "cooling): the one tag Joule reads is "
                              "!replace") != std::string::npos);
  app::LoadOptions opt;
  opt.sets = {"power_chain.pv=!replace"};
  CHECK(error_of([&] { f.load("extends: base.yaml\n", opt); })
            .find("--set:1:1: 'power_chain.pv=!replace' removes a key, but "
                  "the scenario sets no 'power_chain.pv'") != std::string::npos);
}

TEST_CASE("extends: the scenario with a replaced workload runs (the reported failure)") {
  Files f;
  f.load(
      "extends: base.yaml\nworkload: {generator: list, jobs: [{name: a, nodes: 1, duration: "
      "1 h}]}\n");
  const auto r = test::run(test::joule_bin() + " validate " + f.child());
  CHECK(r.code == 0);
  CHECK(r.output.find(": ok") != std::string::npos);
}

TEST_CASE("--set: a list item by name or index; errors at the character") {
  // Two pools (docs/levers.md): items of cluster.pools, each with its `name:`.
  const std::string pooled =
      "name: pooled\nduration: 1 h\ncluster:\n  pools:\n"
      "    - {name: hopper, node: {type: dgx-h100}, racks: {count: 2, nodes_per_rack: 4}}\n"
      "    - name: blackwell\n      node: {type: hgx-b200, cooling: cold-plate}\n"
      "      racks: {count: 3, nodes_per_rack: 4}\n"
      "      cooling: {type: liquid, facility_supply: 32 degC}\n"
      "cooling: {type: chilled-water}\n";
  sim::ParamNode root = io::parse_yaml_text(pooled, "pooled.yaml");
  const auto count = [&](std::size_t i) {
    return root.find("cluster")->find("pools")->items[i].find("racks")->find("count")->scalar;
  };
  app::apply_set(root, "cluster.pools[blackwell].racks.count=16");
  CHECK(count(0) == "2");
  CHECK(count(1) == "16");
  app::apply_set(root, "cluster.pools[0].racks={count: 5}");  // merged into the item's map
  CHECK(count(0) == "5");
  CHECK(root.find("cluster")->find("pools")->items[0].find("racks")->find("nodes_per_rack"));
  CHECK(app::find_key_path(root, "cluster.pools[blackwell].cooling.facility_supply")->scalar ==
        "32 degC");
  CHECK(app::find_key_path(root, "cluster.pools[1].name")->scalar == "blackwell");
  CHECK(app::find_key_path(root, "cluster.pools[2].name") == nullptr);
  CHECK(app::find_key_path(root, "cluster.pools[1.name") == nullptr);
  CHECK(app::find_key_path(root, "cooling[0]") == nullptr);  // a map, not a list

  const auto set_error = [&](const std::string& set) {
    return error_of([&] { app::apply_set(root, set); });
  };
  // No such item: the selector's column, and the items there are.
  CHECK(set_error("cluster.pools[ampere].racks.count=1")
            .find("--set:1:15: 'cluster.pools' has no item 'ampere' (its items: hopper, "
                  "blackwell)") == 0);
  CHECK(set_error("cluster.pools[7].racks.count=1").find("--set:1:15:") == 0);
  CHECK(set_error("cooling[0].type=air").find("--set:1:1: 'cooling' is not a list") == 0);
  CHECK(set_error("site[0].weather=x").find("--set:1:1: the scenario sets no list 'site'") == 0);
  CHECK(set_error("cluster.pools[0=1")
            .find("--set:1:14: malformed key path 'cluster.pools[0': '[' without ']'") == 0);
  CHECK(
      set_error("cluster.pools[0]racks=1")
          .find("--set:1:17: malformed key path 'cluster.pools[0]racks': expected '.' after ']'") ==
      0);
  CHECK(set_error("cluster.pools[].racks=1").find("--set:1:15: malformed key path") == 0);
  CHECK(set_error("cluster.pools[hopper]=!replace")
            .find("--set:1:9: '!replace' cannot remove a list item") == 0);
  CHECK(count(0) == "5");  // nothing changed by the errors
  CHECK(root.find("cluster")->find("pools")->items.size() == 2);
}
