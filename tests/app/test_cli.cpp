// The `joule` command: every error class gives its message and exit code 2 and leaves no
// output file; interruption exits 130 and leaves nothing under the final name.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "app/h5.hpp"
#include "run_helpers.hpp"

using namespace joule;
namespace fs = std::filesystem;

namespace {

const char* valid = R"(name: t
duration: 1 h
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs: [{nodes: 1, duration: 30 min}]
)";

test::Result joule_cmd(const std::string& args) {
  return test::run(test::joule_bin() + " " + args);
}

void expect_input_error(const std::string& name, const std::string& scenario,
                        const std::string& message) {
  const auto dir = test::temp_dir("cli-" + name);
  test::write_file(dir / "s.yaml", scenario);
  const auto out = dir / "out.h5";
  const auto r = joule_cmd("run " + (dir / "s.yaml").string() + " -o " + out.string());
  INFO(name << ": " << r.output);
  CHECK(r.code == 2);
  CHECK(r.output.find(message) != std::string::npos);
  // A refused scenario never says it is running (the line comes once it has been checked).
  CHECK(r.output.find("joule: running") == std::string::npos);
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(out.string() + ".partial"));
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  return s.replace(s.find(from), from.size(), to);
}

}  // namespace

TEST_CASE("bad input: message with file:line:column, exit 2, no output") {
  expect_input_error("malformed", "name: [unclosed\n", "s.yaml:");
  expect_input_error("unknown-key", replace(valid, "duration: 1 h", "duraton: 1 h"),
                     "s.yaml:2:1: unknown key 'duraton' for scenario 'scenario' (did you mean "
                     "'duration'?)");
  expect_input_error("wrong-unit", replace(valid, "duration: 1 h", "duration: 1 W"),
                     "s.yaml:2:11: duration: wrong dimension: expected a time");
  expect_input_error("negative", replace(valid, "duration: 30 min", "duration: -30 min"),
                     "must be > 0, got -1800");
  expect_input_error("missing-file", std::string(valid) + "site: {weather: nowhere.epw}\n",
                     "nowhere.epw");
  expect_input_error("unknown-policy", std::string(valid) + "scheduler: {policy: fifo2}\n",
                     "unknown policy 'fifo2' (did you mean 'fifo'?). Valid:");
  expect_input_error("caret", replace(valid, "duration: 1 h", "duration: 1 hr"),
                     "\n   |             ^");
}

TEST_CASE("a run that starts says so, and a quiet one says nothing") {
  const auto dir = test::temp_dir("cli-announce");
  test::write_file(dir / "s.yaml", valid);
  const auto out = dir / "out.h5";
  auto r = joule_cmd("run " + (dir / "s.yaml").string() + " -o " + out.string());
  CHECK(r.code == 0);
  CHECK(r.output.find("joule: running 't' (") != std::string::npos);
  CHECK(r.output.find(", seed 42)") != std::string::npos);
  r = joule_cmd("run " + (dir / "s.yaml").string() + " -o " + out.string() + " --force -q");
  CHECK(r.code == 0);
  CHECK(r.output.empty());
  // An out-of-range --set is refused before the announcement, as a file's value is.
  r = joule_cmd("run " + (dir / "s.yaml").string() + " -o " + (dir / "bad.h5").string() +
                " --set cluster.racks.count=-5");
  CHECK(r.code == 2);
  CHECK(r.output.find("--set:1:21: cluster.racks.count must be in [1, 1000000], got -5") !=
        std::string::npos);
  CHECK(r.output.find("joule: running") == std::string::npos);
}

TEST_CASE("--cpu-times: the process's CPU and the compression thread's part, even when quiet") {
  const auto dir = test::temp_dir("cli-cpu-times");
  test::write_file(dir / "s.yaml", valid);
  const auto out = dir / "out.h5";
  auto r =
      joule_cmd("run " + (dir / "s.yaml").string() + " -o " + out.string() + " -q --cpu-times");
  INFO(r.output);
  REQUIRE(r.code == 0);
  double total = -1, compression = -1, rest = -1;
  REQUIRE(std::sscanf(r.output.c_str(), "joule: cpu %lf s: compression %lf s, the rest %lf s",
                      &total, &compression, &rest) == 3);
  CHECK(r.output.find('\n') == r.output.size() - 1);  // that line alone
  // The compression thread compressed the traces' chunks (> 0), a few small ones here: far
  // less than the main thread's start-up and simulation, which the rest is.
  CHECK(compression > 0);
  CHECK(compression < 0.5 * rest);
  CHECK(std::abs(total - compression - rest) <= 0.0015);  // printed to the millisecond
  // Without -q, after the summary and "wrote", also when both streams share one pipe.
  r = joule_cmd("run " + (dir / "s.yaml").string() + " -o " + out.string() +
                " --force --cpu-times");
  REQUIRE(r.code == 0);
  CHECK(r.output.rfind("joule: cpu ") > r.output.rfind("wrote "));
  // Without the thread (what `joule sweep --processes` asks where its workers fill the CPUs),
  // the compression is the main thread's and is not told apart.
  r = joule_cmd("run " + (dir / "s.yaml").string() + " -o " + out.string() +
                " -q --force --cpu-times --no-compression-thread");
  REQUIRE(r.code == 0);
  CHECK(std::sscanf(r.output.c_str(), "joule: cpu %lf s (compression on the run's thread)",
                    &total) == 1);
  CHECK(total > 0);
  CHECK(r.output.find("compression on the run's thread)\n") == r.output.size() - 33);
  // --uncertainty runs many worlds, each with its own thread: refused together.
  r = joule_cmd("run " + (dir / "s.yaml").string() + " -o " + (dir / "u.h5").string() +
                " --cpu-times --uncertainty 2");
  CHECK(r.code == 2);
  CHECK(r.output.find("--uncertainty excludes --cpu-times") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "u.h5"));
}

TEST_CASE("an existing output is not overwritten without --force") {
  const auto dir = test::temp_dir("cli-force");
  test::write_file(dir / "s.yaml", valid);
  const auto out = dir / "out.h5";
  test::write_file(out, "precious");
  auto r = joule_cmd("run " + (dir / "s.yaml").string() + " -o " + out.string());
  CHECK(r.code == 2);
  CHECK(r.output.find("already exists; pass --force") != std::string::npos);
  std::ifstream in(out);
  std::string content;
  in >> content;
  CHECK(content == "precious");
  r = joule_cmd("run " + (dir / "s.yaml").string() + " -o " + out.string() + " --force --quiet");
  CHECK(r.code == 0);
  CHECK(r.output.empty());
  r = joule_cmd("summary " + out.string() + " --json");
  CHECK(r.code == 0);
  CHECK(r.output.find("\"it_energy_kwh\": ") != std::string::npos);
  CHECK(r.output.find("\"pue\": null") != std::string::npos);
}

TEST_CASE("an unwritable target is reported before the run") {
  const auto dir = test::temp_dir("cli-unwritable");
  test::write_file(dir / "s.yaml", valid);
  const auto r = joule_cmd("run " + (dir / "s.yaml").string() + " -o " +
                           (dir / "no/such/dir/out.h5").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("cannot write") != std::string::npos);
}

TEST_CASE("validate, list-models, version and usage") {
  const auto dir = test::temp_dir("cli-misc");
  test::write_file(dir / "s.yaml", valid);
  auto r = joule_cmd("validate " + (dir / "s.yaml").string());
  CHECK(r.code == 0);
  CHECK(r.output.find(": ok") != std::string::npos);
  r = joule_cmd("list-models --markdown");
  CHECK(r.code == 0);
  CHECK(r.output.find("## cooling: `chilled-water`") != std::string::npos);
  CHECK(r.output.find("| `supply_air` | degC |") != std::string::npos);
  r = joule_cmd("list-models");  // the accelerator catalog, every entry
  CHECK(r.code == 0);
  for (const char* id : {"h100-sxm", "h200", "v100-sxm2", "b200"})
    CHECK(r.output.find(std::string("\n") + id + "  (") != std::string::npos);
  r = joule_cmd("--version");
  CHECK(r.code == 0);
  CHECK(r.output.find("joule ") == 0);
  CHECK(joule_cmd("frobnicate").code == 2);
  CHECK(joule_cmd("summary /nonexistent.h5").code == 2);
}

TEST_CASE("SIGINT stops a run cleanly: exit 130, no file under the final name") {
  const auto dir = test::temp_dir("cli-sigint");
  const auto out = dir / "year.h5";
  const std::string cmd = test::joule_bin() + " run -o " + out.string() +
                          " --set duration=3650d --quiet > /dev/null 2>&1 & echo $!";
  const auto started = test::run(cmd);
  const int pid = std::stoi(started.output);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  ::kill(pid, SIGINT);
  // The child belongs to the shell that exited; poll until it is gone (up to a minute: a
  // sanitizer build on a loaded machine can take seconds to load the scenario before its
  // event loop sees the flag).
  for (int i = 0; i < 1200 && ::kill(pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(::kill(pid, 0) != 0);
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(out.string() + ".partial"));
}

TEST_CASE("run restarts itself once with glibc's huge-page tunable; the values are the same") {
  // A long run in the background: once its output file exists (long after the restart, or
  // the decision not to), its environment as exec'd (/proc/PID/environ) shows whether it
  // started itself again (app/huge_pages.hpp); then it is stopped.
  const auto environ_of = [](const std::string& prefix) {
    const auto dir = test::temp_dir("cli-huge");
    const std::string cmd = prefix + test::joule_bin() + " run -o " + (dir / "y.h5").string() +
                            " --set duration=3650d --quiet > /dev/null 2>&1 & echo $!";
    const int pid = std::stoi(test::run(cmd).output);
    for (int i = 0; i < 1200 && fs::is_empty(dir); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in("/proc/" + std::to_string(pid) + "/environ");
    std::string env((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ::kill(pid, SIGKILL);
    return env;
  };
  std::string thp;
  std::getline(std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled"), thp);
  if (thp.find("[never]") == std::string::npos && !thp.empty())
    CHECK(environ_of("env -u GLIBC_TUNABLES ").find("glibc.malloc.hugetlb=1") != std::string::npos);
  CHECK(environ_of("JOULE_HUGE_PAGES=0 env -u GLIBC_TUNABLES ").find("glibc.malloc.hugetlb") ==
        std::string::npos);
  // The same run either way: the same values (the files differ in their wall-clock time).
  const auto dir = test::temp_dir("cli-huge-same");
  test::write_file(dir / "s.yaml", valid);
  const std::string s = (dir / "s.yaml").string();
  const auto a = dir / "a.h5", b = dir / "b.h5";
  REQUIRE(
      test::run("env -u GLIBC_TUNABLES " + test::joule_bin() + " run " + s + " -q -o " + a.string())
          .code == 0);
  REQUIRE(test::run("JOULE_HUGE_PAGES=0 env -u GLIBC_TUNABLES " + test::joule_bin() + " run " + s +
                    " -q -o " + b.string())
              .code == 0);
  const auto read = [](const fs::path& file, const char* path) {
    auto f = app::h5::open_file_readonly(file.string());
    return app::h5::read_doubles(f.get(), path);
  };
  for (const char* path : {"facility/it_power_w", "facility/it_energy_kwh", "racks/power_w",
                           "jobs/energy_kwh", "jobs/end_s"}) {
    CAPTURE(path);
    const auto va = read(a, path);
    CHECK_FALSE(va.empty());
    CHECK(va == read(b, path));
  }
}

TEST_CASE("the output reads back with h5py") {
  const auto dir = test::temp_dir("cli-h5py");
  test::write_file(dir / "s.yaml", valid);
  const auto out = dir / "o.h5";
  REQUIRE(joule_cmd("run " + (dir / "s.yaml").string() + " -o " + out.string() + " -q").code == 0);
  const auto r =
      test::run("/usr/bin/python3 -c \"import h5py; f = h5py.File('" + out.string() +
                "'); print(f['facility/it_power_w'].attrs['units'], len(f['facility/time_s']), "
                "f['jobs']['state'][0].decode(), f.attrs['seed'])\"");
  CHECK(r.code == 0);
  CHECK(r.output == "W 60 done 42\n");
}

namespace {
// The reference split at its "## " headings: heading line -> the section's text.
std::vector<std::pair<std::string, std::string>> reference_sections(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> sections{{"", ""}};
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) sections.emplace_back(line, "");
    sections.back().second += line + "\n";
  }
  return sections;
}
}  // namespace

TEST_CASE("docs/scenario-reference.md is what `joule list-models --markdown` prints") {
  const auto r = joule_cmd("list-models --markdown");
  REQUIRE(r.code == 0);
  std::ifstream in(std::string(JOULE_SOURCE_DIR) + "/docs/scenario-reference.md");
  const std::string committed((std::istreambuf_iterator<char>(in)), {});
  INFO("regenerate with: ./build/joule list-models --markdown > docs/scenario-reference.md");
  // Every section of the committed reference must be exactly what the build prints, in the
  // same order. A model the build has and the file lacks (a student's policy in its own file)
  // is only reported: adding a model needs no other edit for the tests to pass.
  const auto printed = reference_sections(r.output);
  const auto kept = reference_sections(committed);
  std::size_t at = 0;
  for (const auto& section : kept) {
    const std::string& heading = section.first;  // not a structured binding: clang 14 cannot
    const std::string& text = section.second;    // capture one in CAPTURE's lambda
    CAPTURE(heading);
    while (at < printed.size() && printed[at].first != heading) {
      MESSAGE("docs/scenario-reference.md lacks " << printed[at].first);
      ++at;
    }
    REQUIRE_MESSAGE(at < printed.size(), "the reference documents what the build lacks");
    CHECK(printed[at].second == text);
    ++at;
  }
  for (; at < printed.size(); ++at)
    MESSAGE("docs/scenario-reference.md lacks " << printed[at].first);
}

TEST_CASE("a job that can never fit the cluster is reported at load time, at its key") {
  expect_input_error("too-big-list",
                     replace(valid, "{nodes: 1, duration: 30 min}", "{nodes: 3, duration: 30 min}"),
                     "s.yaml:8:18: workload.jobs[0].nodes asks for 3 nodes but the cluster has 2");
  expect_input_error("too-big-mix",
                     replace(valid, "  generator: list\n  jobs: [{nodes: 1, duration: 30 min}]",
                             "  generator: gpu-jobs\n  arrivals: {mean_interarrival: 1 h}\n"
                             "  gpus: [8, 64]\n  duration: 1 h"),
                     "workload.gpus asks for 64 accelerators but the cluster has 16");
}
