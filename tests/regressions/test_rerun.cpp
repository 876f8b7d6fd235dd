// `joule rerun`: a run regenerates from its output file alone. With --embed-inputs the inputs
// travel in the file (the scenario and its data folder are gone when it reruns); without, the
// recorded files are read again and checked against their SHA-256.
#include <doctest/doctest.h>

#include "app/h5.hpp"
#include "reliability_helpers.hpp"
#include "sim/input_files.hpp"

using namespace joule;
namespace fs = std::filesystem;

namespace {

// A scenario in sub/ that extends a base in base/: each names data files relative to itself.
void write_scenarios(const fs::path& dir) {
  const fs::path data = fs::path(JOULE_SOURCE_DIR) / "scenarios" / "data";
  fs::create_directories(dir / "data");
  fs::copy_file(data / "weather" / "USA_VA_Leesburg.Exec.epw", dir / "data" / "weather.epw");
  fs::copy_file(data / "carbon" / "US-MIDA-PJM_2023_hourly.csv", dir / "data" / "carbon.csv");
  fs::copy_file(data / "prices" / "US-MIDA-PJM_2023.csv", dir / "data" / "price.csv");
  fs::create_directories(dir / "base");
  fs::create_directories(dir / "sub");
  test::write_text(dir / "base" / "base.yaml", R"(name: base
seed: 9
duration: 1 d
site: {weather: ../data/weather.epw, start: 2023-07-10T00:00}
cluster:
  racks: {count: 4, nodes_per_rack: 4}
  node: {type: dgx-h100}
power_chain:
  ups: {type: double-conversion, redundancy: 2N}
cooling: {type: chilled-water, economizer: water-side}
workload:
  generator: llm-training
  arrivals: {process: poisson, mean_interarrival: 4 h}
  jobs: {params: [7e9], tokens_per_param: 2, gpus: [32, 64], mfu: 0.4}
  failures: {mtbf_per_gpu: 2000 h, restart: 10 min, checkpoint_every: 30 min}
scheduler: {policy: fifo}
output: {facility_interval: 5 min, rack_interval: 30 min}
)");
  test::write_text(dir / "sub" / "child.yaml", R"(extends: ../base/base.yaml
name: child
site: {carbon: ../data/carbon.csv, price: ../data/price.csv}
)");
}

std::string root_attr(const std::string& file, const std::string& group, const std::string& name) {
  auto f = app::h5::open_file_readonly(file);
  auto g = app::h5::open_group(f.get(), group);
  return app::h5::get_string_attr(g.get(), name);
}

void check_same_datasets(const std::string& a_file, const std::string& b_file) {
  const auto a = test::dataset_bytes(a_file);
  const auto b = test::dataset_bytes(b_file);
  REQUIRE(a.size() >= 30);
  CHECK(a.size() == b.size());
  for (const auto& entry : a) {
    const std::string& name = entry.first;
    CAPTURE(name);
    REQUIRE(b.count(name) == 1);
    CHECK(entry.second == b.at(name));
  }
  for (const char* attr : {"scenario", "scenario_source", "scenario_name"})
    CHECK(root_attr(a_file, "/", attr) == root_attr(b_file, "/", attr));
  for (const char* attr : {"scenario_dir", "scenario_sha256", "sweep", "variant"})
    CHECK(root_attr(a_file, "provenance", attr) == root_attr(b_file, "provenance", attr));
}

}  // namespace

TEST_CASE("a run with embedded inputs regenerates byte-identical datasets from its file alone") {
  const auto dir = test::private_dir("rerun-embedded");
  write_scenarios(dir);
  fs::create_directories(dir / "out");
  const auto run =
      test::shell(test::joule_binary() + " run -q --embed-inputs " +
                  (dir / "sub" / "child.yaml").string() + " -o " + (dir / "out" / "a.h5").string());
  INFO(run.output);
  REQUIRE(run.code == 0);
  const std::string a = (dir / "out" / "a.h5").string();
  // Paths are recorded relative: the data relative to the scenario's folder, the scenario
  // relative to the output's folder; the extends base's weather is rewritten to sub/'s view.
  CHECK(root_attr(a, "/", "scenario_source") == "../sub/child.yaml");
  CHECK(root_attr(a, "provenance", "scenario_dir") == "../sub");
  CHECK(root_attr(a, "/", "scenario").find("weather: ../data/weather.epw") != std::string::npos);
  const auto bytes = test::dataset_bytes(a);
  CHECK(bytes.count("provenance/files/input_0") == 1);
  CHECK(bytes.count("provenance/files/input_2") == 1);

  // Elsewhere, with the scenarios and data gone.
  fs::rename(dir / "out", dir / "moved");
  fs::remove_all(dir / "sub");
  fs::remove_all(dir / "base");
  fs::remove_all(dir / "data");
  const std::string moved = (dir / "moved" / "a.h5").string();
  const std::string b = (dir / "moved" / "b.h5").string();
  const auto again = test::shell(test::joule_binary() + " rerun -q " + moved + " -o " + b);
  INFO(again.output);
  REQUIRE(again.code == 0);
  check_same_datasets(moved, b);
  // The whole files agree but for /summary:wall_s, the one wall-clock number (8 bytes).
  const std::string x = test::read_text(moved), y = test::read_text(b);
  REQUIRE(x.size() == y.size());
  std::size_t differing = 0;
  for (std::size_t i = 0; i < x.size(); ++i) differing += x[i] != y[i];
  CHECK(differing <= 8);
  fs::remove_all(dir);
}

TEST_CASE("a rerun without embedded inputs reads the recorded files and checks their hashes") {
  const auto dir = test::private_dir("rerun-files");
  write_scenarios(dir);
  const std::string a = (dir / "a.h5").string(), b = (dir / "b.h5").string();
  const auto run = test::shell(test::joule_binary() + " run -q " +
                               (dir / "sub" / "child.yaml").string() + " -o " + a);
  INFO(run.output);
  REQUIRE(run.code == 0);
  CHECK(test::dataset_bytes(a).count("provenance/files/input_0") == 0);
  const auto again = test::shell(test::joule_binary() + " rerun -q " + a + " -o " + b);
  INFO(again.output);
  REQUIRE(again.code == 0);
  check_same_datasets(a, b);

  // A changed input is refused before the run, naming the file; nothing is written.
  test::write_text(dir / "data" / "price.csv", test::read_text(dir / "data" / "price.csv") + "\n");
  const std::string c = (dir / "c.h5").string();
  const auto changed = test::shell(test::joule_binary() + " rerun -q " + a + " -o " + c);
  CHECK(changed.code == 2);
  CHECK(changed.output.find("price.csv' differs from the one") != std::string::npos);
  CHECK_FALSE(fs::exists(c));
  fs::remove_all(dir);
}

TEST_CASE("the embedded default runs anywhere on its compiled-in data, and reruns") {
  const auto dir = test::private_dir("rerun-default");
  const std::string a = (dir / "a.h5").string(), b = (dir / "b.h5").string();
  // From a folder with no scenarios in it, with no scenario folder named.
  const auto run = test::shell("cd " + dir.string() + " && env -u JOULE_SCENARIO_DIR " +
                               test::joule_binary() + " run -q --set duration='3 h' -o " + a);
  INFO(run.output);
  REQUIRE(run.code == 0);
  CHECK(root_attr(a, "provenance", "scenario_dir") == "/joule-embedded/scenarios");
  CHECK(root_attr(a, "/", "scenario_source") == "<embedded default.yaml>");
  // The compiled-in weather is the shipped file, byte for byte.
  const std::string epw = test::read_text(fs::path(JOULE_SOURCE_DIR) / "scenarios" / "data" /
                                          "weather" / "USA_VA_Leesburg.Exec.epw");
  auto f = app::h5::open_file_readonly(a);
  auto g = app::h5::open_group(f.get(), "provenance");
  hid_t ds = H5Dopen2(g.get(), "sha256", H5P_DEFAULT);
  hid_t type = H5Dget_type(ds);
  std::vector<char*> sha(3);
  REQUIRE(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, sha.data()) >= 0);
  CHECK(std::string(sha[0]) == sim::sha256_hex(epw));
  for (char* s : sha) H5free_memory(s);
  H5Tclose(type);
  H5Dclose(ds);
  const auto again = test::shell("cd / && " + test::joule_binary() + " rerun -q " + a + " -o " + b);
  INFO(again.output);
  REQUIRE(again.code == 0);
  check_same_datasets(a, b);
  fs::remove_all(dir);
}
