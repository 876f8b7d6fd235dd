// Helpers for tests that run the `joule` binary or the pipeline in-process.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "app/h5.hpp"

namespace joule::test {

// A whole float dataset of an output file (`path` inside it), as doubles.
inline std::vector<double> read_dataset(const std::string& file, const std::string& path) {
  auto f = app::h5::open_file_readonly(file);
  return app::h5::read_doubles(f.get(), path);
}

// The same bits, value by value (a NaN, a KPI the scenario lacks, equals itself here).
inline bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

inline std::string joule_bin() {
  return std::string(JOULE_BINARY_DIR) + "/joule";
}

// The folders temp_dir() made, removed when the test process exits (set JOULE_KEEP_TEST_DIRS
// to keep them for a look after a failure): named by process id, they would otherwise pile up
// in /tmp, thousands of them over a few days of test runs.
struct TempDirs {
  std::vector<std::filesystem::path> made;
  ~TempDirs() {
    if (std::getenv("JOULE_KEEP_TEST_DIRS")) return;
    std::error_code ignored;
    for (const auto& dir : made) std::filesystem::remove_all(dir, ignored);
  }
};
inline TempDirs& temp_dirs() {
  static TempDirs dirs;
  return dirs;
}

// A fresh folder under the system temp folder, unique to this process: two checkouts' test
// runs at once must not share (and clobber) each other's files.
inline std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("joule-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  temp_dirs().made.push_back(dir);
  return dir;
}

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

struct Result {
  int code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command, capturing its output and exit code.
inline Result run(const std::string& command) {
  Result r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), pipe)) r.output += buf.data();
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Linear nodes (no accelerator coefficients), a fixed PUE to which the scenario gives the range
// 1.1-1.3, a fixed job list: the one uncertain coefficient is cooling.pue, and the PUE KPI equals
// it. Shared by the run and sweep uncertainty tests (which point at its lines: keep the layout).
inline const char* const uncertain_pue_yaml = R"(name: linear-pue
seed: 3
duration: 2 h
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW}
cooling: {type: fixed-pue, pue: 1.2}
workload:
  generator: list
  jobs: [{name: half, submit: 30 min, nodes: 2, duration: 1 h, utilization: 0.5}]
uncertainty:
  cooling.pue: {range: [1.1, 1.3]}
output: {facility_interval: 5 min, rack_interval: 15 min}
)";

}  // namespace joule::test
