// Determinism of the `joule` binary: the same scenario and seed, run by two processes, give
// byte-identical datasets (every dataset of the file: facility and rack traces, per-component
// traces, the job table). Only the wall-clock attribute of /summary may differ.
#include <doctest/doctest.h>

#include "reliability_helpers.hpp"

using namespace joule;

namespace {

// Two days of the default scenario (512 DGX H100 nodes, LLM training with failures, weather,
// grid data, chilled water + economizer, 2N UPS), so that every random stream and every
// recorded component is exercised.
std::string run_default(const std::filesystem::path& dir, const std::string& name,
                        const std::string& seed) {
  const auto out = dir / name;
  const auto r = test::shell(test::joule_binary() + " run -q --set duration='2 d' --seed " + seed +
                             " -o " + out.string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  return out.string();
}

}  // namespace

TEST_CASE("two runs of the binary with the same seed write byte-identical datasets") {
  const auto dir = test::private_dir("determinism");
  const auto a = test::dataset_bytes(run_default(dir, "a.h5", "11"));
  const auto b = test::dataset_bytes(run_default(dir, "b.h5", "11"));
  REQUIRE(a.size() >= 20);  // facility, cooling/*, losses/*, racks/*, jobs
  CHECK(a.count("jobs/start_s") == 1);
  CHECK(a.count("racks/power_w") == 1);
  for (const auto& entry : a) {  // (clang 14 cannot capture a structured binding in CAPTURE)
    const std::string& name = entry.first;
    const auto& bytes = entry.second;
    CAPTURE(name);
    REQUIRE(b.count(name) == 1);
    CHECK(bytes.size() > 0);
    CHECK(bytes == b.at(name));
  }
  CHECK(a.size() == b.size());
  // The check can fail: another seed changes the job stream and so the traces.
  const auto c = test::dataset_bytes(run_default(dir, "c.h5", "12"));
  CHECK(c.at("facility/it_power_w") != a.at("facility/it_power_w"));
  CHECK(c.at("jobs/start_s") != a.at("jobs/start_s"));
  std::filesystem::remove_all(dir);
}

// `joule sweep` with one worker and with two: every variant's file has byte-identical datasets,
// and so has the sweep's summary.h5 (but for its wall-clock column).
TEST_CASE("joule sweep -j1 and -j2 write byte-identical datasets") {
  const auto dir = test::private_dir("sweep-workers");
  const std::string data = std::string(JOULE_SOURCE_DIR) + "/scenarios/data/";
  test::write_text(dir / "base.yaml",
                   "name: sw\nseed: 5\nduration: 1 d\nsite:\n  weather: " + data +
                       "weather/USA_TX_Dallas-Fort.Worth.epw\n  carbon: " + data +
                       "carbon/US-TEX-ERCO_2023_hourly.csv\n" +
                       R"(cluster:
  racks: {count: 8, nodes_per_rack: 4}
  node: {type: dgx-h100}
power_chain: {ups: {type: double-conversion, redundancy: 2N}}
cooling: {type: chilled-water, economizer: water-side}
workload:
  generator: llm-training
  arrivals: {process: poisson, mean_interarrival: 2 h}
  jobs: {params: [7e9, 13e9], tokens_per_param: 20, gpus: [32, 64], mfu: 0.4}
  failures: {mtbf_per_gpu: 2000 h, restart: 10 min, checkpoint_every: 30 min}
)");
  test::write_text(dir / "sweep.yaml", R"(base: base.yaml
seeds: per-variant
axes:
  grid:
    cluster.node.gpu_power_cap: ["500 W", "700 W"]
    cooling.economizer: [none, water-side]
)");
  for (const char* j : {"1", "2"}) {
    const auto r =
        test::shell(test::joule_binary() + " sweep -q -j " + j + " -o " +
                    (dir / (std::string("j") + j)).string() + " " + (dir / "sweep.yaml").string());
    INFO(r.output);
    REQUIRE(r.code == 0);
  }
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "j1")) {
    if (entry.path().extension() != ".h5") continue;
    ++files;
    const auto other = dir / "j2" / entry.path().filename();
    CAPTURE(entry.path().filename().string());
    REQUIRE(std::filesystem::exists(other));
    const auto a = test::dataset_bytes(entry.path().string());
    const auto b = test::dataset_bytes(other.string());
    CHECK(a.size() == b.size());
    for (const auto& dataset : a) {
      const std::string& name = dataset.first;
      const auto& bytes = dataset.second;
      if (name.find("wall") != std::string::npos) continue;  // wall-clock seconds
      CAPTURE(name);
      REQUIRE(b.count(name) == 1);
      CHECK(bytes == b.at(name));
    }
  }
  CHECK(files == 5);  // four variants and summary.h5
  std::filesystem::remove_all(dir);
}
