// Hostile and careless inputs (issue 19), one case per class: each must end in a clear input
// error at the place in the user's file (exit 2, nothing written), a warning with its KPIs, or
// a clean interruption; never a crash, a hang, an internal error or a silent nonsense result.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>
#include <vector>

#include "app/docs.hpp"
#include "app/output_file.hpp"
#include "app/run.hpp"
#include "app/scenario.hpp"
#include "app/sweep.hpp"
#include "io/yaml_params.hpp"
#include "reliability_helpers.hpp"
#include "sim/input_file.hpp"

using namespace joule;
namespace fs = std::filesystem;

namespace {

// A small valid scenario; `extra` is appended (later keys of the same section are not allowed
// by YAML, so the cases use sections this base leaves out, or --set).
std::string base(const std::string& workload = "") {
  return R"(name: hostile
duration: 2 h
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100}
)" + (workload.empty() ? std::string(R"(workload:
  generator: list
  jobs: [{name: a, nodes: 1, duration: 30 min}]
)")
                       : workload);
}

app::Scenario load(const std::string& text, const app::LoadOptions& options = {}) {
  return app::load_scenario_text(text, "s.yaml", fs::temp_directory_path().string(), options);
}

std::string error_of(const std::string& text, const app::LoadOptions& options = {}) {
  try {
    app::validate(load(text, options));
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

test::Exit cli(const std::string& args) {
  return test::shell(test::joule_binary() + " " + args);
}

// Starts `joule ARGS...` in a child process, its stdout and stderr going to `log`.
pid_t spawn_joule(const fs::path& log, std::vector<std::string> args) {
  const std::string bin = test::joule_binary();
  std::vector<char*> argv{const_cast<char*>(bin.c_str())};
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

struct Stopped {
  int status = 0;
  double waited_s = 0;   // from the signal to the exit
  bool ignored = false;  // still running 20 s after the signal, then killed
};

// Sends `sig` to the child `pid` and waits for it to exit; after 20 s it is killed.
Stopped stop(pid_t pid, int sig) {
  Stopped s;
  const auto sent = std::chrono::steady_clock::now();
  ::kill(pid, sig);
  while (::waitpid(pid, &s.status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() - sent > std::chrono::seconds(20)) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &s.status, 0);
      s.ignored = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  s.waited_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  return s;
}

}  // namespace

// --- 1, 2: YAML aliases -------------------------------------------------------------------

TEST_CASE("a self-referential YAML alias is an input error, in a file, --set and a sweep") {
  const std::string cyclic = error_of("a: &a [*a]\n");
  CHECK(cyclic.find("s.yaml:1:") == 0);
  CHECK(cyclic.find("alias refers to a node that contains it") != std::string::npos);
  // A map that holds itself.
  CHECK(error_of("a: &a {b: *a}\n").find("contains it") != std::string::npos);

  app::LoadOptions set;
  set.sets = {"cluster.node=&x [*x]"};
  const std::string via_set = error_of(base(), set);
  CHECK(via_set.find("--set:1:") == 0);
  CHECK(via_set.find("contains it") != std::string::npos);

  const auto dir = test::private_dir("alias");
  test::write_text(dir / "s.yaml", "a: &a [*a]\n");
  auto r = cli("run " + (dir / "s.yaml").string() + " -o " + (dir / "o.h5").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("contains it") != std::string::npos);
  test::write_text(dir / "sweep.yaml", "base: s.yaml\nvary: &v {x: [*v]}\n");
  r = cli("sweep " + (dir / "sweep.yaml").string() + " -o " + (dir / "out").string());
  INFO(r.output);
  CHECK(r.code == 2);
  CHECK(r.output.find("contains it") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("nested aliases cannot expand without bound (billion laughs)") {
  // Each level lists the previous one ten times: 10^10 values at level nine, from 400 bytes.
  std::string text = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    const std::string p = "*l" + std::to_string(i - 1);
    // Appends, not "l" + string: GCC 12 warns falsely (-Wrestrict) on that form.
    const std::string level = std::to_string(i);
    text.append("l").append(level).append(": &l").append(level).append(" [").append(p);
    for (int k = 1; k < 10; ++k) text += ", " + p;
    text += "]\n";
  }
  const auto t0 = std::chrono::steady_clock::now();
  const std::string e = error_of(text);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK(e.find("expands to more than 250000 values") != std::string::npos);
  CHECK(e.find("s.yaml:") == 0);

  // Long scalars multiplied: bounded by total size.
  const std::string big(1 << 20, 'y');
  std::string wide = "s: &s " + big + "\nl: [";
  for (int k = 0; k < 80; ++k) wide += std::string(k ? ", " : "") + "*s";
  wide += "]\n";
  CHECK(error_of(wide).find("MiB of text") != std::string::npos);

  // Deep nesting.
  std::string deep = "a: " + std::string(100, '[') + std::string(100, ']') + "\n";
  CHECK(error_of(deep).find("nested deeper than 64 levels") != std::string::npos);
}

// --- input files ----------------------------------------------------------------------------

TEST_CASE("input files must be regular files of bounded size; an empty scenario is an error") {
  const auto dir = test::private_dir("files");
  const auto run_on = [&](const std::string& path) { return cli("validate " + path); };
  auto r = run_on(dir.string());
  CHECK(r.code == 2);
  CHECK(r.output.find("is a directory") != std::string::npos);
  r = run_on("/dev/zero");
  CHECK(r.code == 2);
  CHECK(r.output.find("not a regular file") != std::string::npos);
  r = run_on("/dev/null");
  CHECK(r.code == 2);
  CHECK(r.output.find("not a regular file") != std::string::npos);
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0644) == 0);
  r = run_on((dir / "fifo").string());  // must not wait for a writer
  CHECK(r.code == 2);
  CHECK(r.output.find("not a regular file") != std::string::npos);

  test::write_text(dir / "empty.yaml", "# nothing here\n");
  r = run_on((dir / "empty.yaml").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("empty.yaml:1:1: the scenario is empty") != std::string::npos);

  test::write_text(dir / "nocluster.yaml", "name: x\nworkload: {generator: list, jobs: []}\n");
  r = run_on((dir / "nocluster.yaml").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("nocluster.yaml:1:1: the scenario has no 'cluster:' section") !=
        std::string::npos);

  // A sparse file over the limit is refused from its size, without reading it.
  {
    const int fd = ::open((dir / "huge.yaml").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, static_cast<off_t>(sim::max_input_file_bytes) + 1) == 0);
    ::close(fd);
  }
  r = run_on((dir / "huge.yaml").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("input files are limited to 256.0 MiB") != std::string::npos);

  // A data file named by a key: the error points at the key.
  const std::string e = error_of(base("workload: {generator: trace, file: /dev/zero}\n"));
  CHECK(e.find("s.yaml:6:") == 0);
  CHECK(e.find("not a regular file") != std::string::npos);
  fs::remove_all(dir);
}

// --- 3, 4: conversions of user numbers; validate = run -------------------------------------

TEST_CASE("numbers too large for an integer or sim::Time are errors at their key") {
  const auto llm = [](const std::string& jobs) {
    return base(
        "workload:\n  generator: llm-training\n  arrivals: {mean_interarrival: 1 h}\n"
        "  jobs: " +
        jobs + "\n");
  };
  std::string e = error_of(llm("{params: 7e9, gpus: 8, tokens_per_param: 1e30}"));
  CHECK(e.find("s.yaml:9:") == 0);
  CHECK(e.find("tokens_per_param gives jobs of up to") != std::string::npos);
  e = error_of(llm("{params: 7e9, gpus: 8, seq_len: 1e300}"));
  CHECK(e.find("seq_len must be") != std::string::npos);
  e = error_of(llm("{params: 7e9, gpus: 8, batch_tokens: 1e300}"));
  CHECK(e.find("batch_tokens makes more than 1e9 sequences") != std::string::npos);
  e = error_of(llm("{params: 7e9, gpus: 1e300}"));
  CHECK(e.find("gpus must be in [1, 100000000]") != std::string::npos);

  // A lognormal run time whose draws overflow sim::Time: caught when loading, at the key.
  const std::string lognormal = base(
      "workload:\n  generator: gpu-jobs\n  arrivals: {mean_interarrival: 1 min}\n"
      "  gpus: 8\n  duration: {lognormal: {median: 1 h, sigma: 8}}\n");
  e = error_of(lognormal);
  CHECK(e.find("s.yaml:10:") == 0);
  CHECK(e.find("a job may run at most 100 years") != std::string::npos);
  const auto dir = test::private_dir("conv");
  test::write_text(dir / "s.yaml", lognormal);
  auto r = cli("validate " + (dir / "s.yaml").string());
  CHECK(r.code == 2);
  r = cli("run " + (dir / "s.yaml").string() + " -o " + (dir / "o.h5").string());
  CHECK(r.code == 2);
  CHECK_FALSE(fs::exists(dir / "o.h5"));

  // Integers that would not fit an int.
  const std::string listed = base(
      "workload:\n  generator: list\n  jobs: [{name: t, training: {params: 7e9, steps: 10, "
      "gpus: 8, tensor_parallel: 1e10}}]\n");
  CHECK(error_of(listed).find("tensor_parallel must be in [1, 100000]") != std::string::npos);
  const std::string steps = base(
      "workload:\n  generator: list\n  jobs: [{name: t, training: {params: 7e9, tokens: 1e300, "
      "gpus: 8}}]\n");
  CHECK(error_of(steps).find("optimizer steps; a job may have at most 1e15") != std::string::npos);
  // Each value in range, together impossible: a 1e15-parameter model at mfu 1e-9 on 8 GPUs
  // needs 6·N·B/(G·peak·mfu) ≈ 3e15 s per step. Found while loading (the first jobs are built).
  const std::string slow = base(
      "workload:\n  generator: list\n  jobs: [{name: t, training: {params: 1e15, steps: 10, "
      "gpus: 8, mfu: 1e-9}}]\n");
  e = error_of(slow);
  CHECK(e.find("s.yaml:7:") == 0);
  CHECK(e.find("job 't' cannot be simulated: one of its steps would last over 292 years") !=
        std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("the largest lognormal draws are clamped to the bound checked at load") {
  // sigma 3: median·e^(6σ) = 3600 s · 6.6e7 = 7,500 years > 100 years: an error; sigma 2:
  // 3600 s · e^12 = 5.9e8 s = 19 years fits.
  CHECK(error_of(base("workload:\n  generator: gpu-jobs\n  arrivals: {mean_interarrival: 1 min}"
                      "\n  gpus: 8\n  duration: {lognormal: {median: 1 h, sigma: 3}}\n"))
            .find("100 years") != std::string::npos);
  CHECK(error_of(base("workload:\n  generator: gpu-jobs\n  arrivals: {mean_interarrival: 1 min}"
                      "\n  gpus: 8\n  duration: {lognormal: {median: 1 h, sigma: 2}}\n")) ==
        "(accepted)");
}

// --- 8: nonsense ------------------------------------------------------------------------------

TEST_CASE("a positive duration that rounds to 0 ns is an input error at its key") {
  // Found by the round-three retrial: `facility_interval: 1e-12 s` passed the "> 0" check, became
  // 0 ns and ended the run as an internal error (division by a zero step).
  app::LoadOptions set;
  set.sets = {"output.facility_interval=1e-12 s"};
  const std::string e = error_of(base(), set);
  CHECK(e.find("--set:1:") == 0);
  CHECK(e.find("output.facility_interval is shorter than 1 ns") != std::string::npos);
  set.sets = {"duration=0.1 ns"};
  CHECK(error_of(base(), set).find("duration is shorter than 1 ns") != std::string::npos);
}

TEST_CASE("zero-GPU generated jobs are refused") {
  const std::string e =
      error_of(base("workload:\n  generator: gpu-jobs\n  arrivals: {mean_interarrival: 1 h}\n"
                    "  gpus: [0, 8]\n  duration: 1 h\n"));
  CHECK(e.find("s.yaml:9:") == 0);
  CHECK(e.find("must be >= 1") != std::string::npos);
}

TEST_CASE("trace rows with zero GPUs are an error at the row, or left out on request") {
  // Before: a gpu_num 0 row ran on no node, drew nothing and counted as a completed job.
  const auto dir = test::private_dir("cpu-jobs");
  test::write_text(dir / "t.csv",
                   "job_id,gpu_num,submit_time,duration\na,8,0,600\nb,0,60,600\nc,0,120,60\n");
  test::write_text(dir / "s.yaml", base("workload: {generator: trace, file: t.csv}\n"));
  auto r = cli("validate " + (dir / "s.yaml").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("t.csv:3:3: job b has gpu_num 0, a CPU-only job (2 such rows") !=
        std::string::npos);
  r = cli("run " + (dir / "s.yaml").string() + " -o " + (dir / "o.h5").string());
  CHECK(r.code == 2);
  CHECK_FALSE(fs::exists(dir / "o.h5"));
  // With cpu_jobs: skip the run has exactly the GPU job.
  test::write_text(dir / "skip.yaml",
                   base("workload: {generator: trace, file: t.csv, cpu_jobs: skip}\n"));
  r = cli("run -q " + (dir / "skip.yaml").string() + " -o " + (dir / "skip.h5").string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  const app::Summary summary = app::read_summary((dir / "skip.h5").string());
  CHECK(summary.values.at("jobs_completed").value_or(-1) == 1.0);
  fs::remove_all(dir);
}

// --- 5: interrupts -----------------------------------------------------------------------------

TEST_CASE("SIGTERM and SIGINT stop a run of dense events within a second") {
  const auto dir = test::private_dir("dense");
  // Jobs every nanosecond on average (each needing the whole cluster, so the queue only grows).
  test::write_text(dir / "dense.yaml",
                   base("workload:\n  generator: gpu-jobs\n  arrivals: {mean_interarrival: 1 ns}"
                        "\n  gpus: 16\n  duration: 1 h\n"));
  for (const int sig : {SIGTERM, SIGINT}) {
    const fs::path out = dir / "dense.h5", partial = dir / "dense.h5.partial";
    const pid_t pid =
        spawn_joule(dir / "log", {"run", "-q", (dir / "dense.yaml").string(), "-o", out.string()});
    REQUIRE(pid >= 0);
    for (int i = 0; i < 3000 && !fs::exists(partial); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(fs::exists(partial));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // deep in the event storm
    const Stopped stopped = stop(pid, sig);
    if (stopped.ignored) FAIL("the run ignored the signal for 20 s");
    const int status = stopped.status;
    const double waited_s = stopped.waited_s;
    INFO(test::read_text(dir / "log"));
    MESSAGE("signal " << sig << " honoured after " << waited_s * 1e3 << " ms");
    CHECK(waited_s < 1.0);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 130);
    CHECK_FALSE(fs::exists(out));
    CHECK_FALSE(fs::exists(partial));
  }
  fs::remove_all(dir);
}

TEST_CASE("a sweep of 90,000 variants can be interrupted while it is expanded and checked") {
  const auto dir = test::private_dir("sweep");
  test::write_text(dir / "s.yaml", base());
  // 300 × 300 = 90,000 variants: validating them all (a world each) would take hours.
  std::string a = "[", b = "[";
  for (int i = 0; i < 300; ++i) {
    a.append(i ? ", " : "").append(std::to_string(i + 1)).append(" h");
    b.append(i ? ", " : "").append(std::to_string(i));
  }
  test::write_text(dir / "big.yaml", "base: s.yaml\naxes:\n  grid:\n    duration: " + a +
                                         "]\n    seed: " + b + "]\n");
  // A grid beyond the limit (2 × 90,000) is an input error at once.
  test::write_text(dir / "huge.yaml", "base: s.yaml\naxes:\n  grid:\n    duration: " + a +
                                          "]\n    seed: " + b + "]\n    name: [a, b]\n");
  auto r = cli("sweep " + (dir / "huge.yaml").string() + " -o " + (dir / "out").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("axes.grid makes more than 100000 variants") != std::string::npos);

  const pid_t pid = spawn_joule(
      dir / "log", {"sweep", (dir / "big.yaml").string(), "-o", (dir / "out").string()});
  REQUIRE(pid >= 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const Stopped stopped = stop(pid, SIGINT);
  if (stopped.ignored) FAIL("the sweep ignored SIGINT for 20 s");
  const int status = stopped.status;
  const double waited_s = stopped.waited_s;
  INFO(test::read_text(dir / "log"));
  MESSAGE("sweep: SIGINT honoured after " << waited_s * 1e3 << " ms");
  // The flag is looked at between variants: the wait is one variant's check (a world built and
  // its first jobs probed, ~0.1 s), which took up to 2.3 s on a 2-core machine at load 20.
  CHECK(waited_s < 5.0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  fs::remove_all(dir);
}

TEST_CASE("expanding and checking a sweep (every MPI rank's path too) honours the stop flag") {
  // app::prepare_sweep is what `joule sweep` runs before anything, on one machine and on every
  // MPI rank (rank 0 with check = true, the others expand only).
  const auto dir = test::private_dir("prepare");
  test::write_text(dir / "s.yaml", base());
  std::string a = "[", b = "[";
  for (int i = 0; i < 300; ++i) {
    a.append(i ? ", " : "").append(std::to_string(i + 1)).append(" h");
    b.append(i ? ", " : "").append(std::to_string(i));
  }
  const std::string big = (dir / "big.yaml").string();
  test::write_text(
      big, "base: s.yaml\naxes:\n  grid:\n    duration: " + a + "]\n    seed: " + b + "]\n");
  std::atomic<bool> stop{true};
  for (const bool check : {false, true}) {
    const app::PreparedSweep p = app::prepare_sweep(big, check, &stop);
    CHECK(p.code == 130);
    CHECK(p.message.find("interrupted") != std::string::npos);
    CHECK(p.sweep.variants.empty());
  }
  // Raised while the 90,000 variants are checked (a world each: hours to finish).
  stop = false;
  const auto start = std::chrono::steady_clock::now();
  std::thread raise([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
  });
  const app::PreparedSweep p = app::prepare_sweep(big, true, &stop);
  raise.join();
  const double took_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(p.code == 130);
  CHECK(took_s < 5.0);
  // Without the flag, the same function expands everything (here: a small sweep) and checks it.
  test::write_text(dir / "small.yaml", "base: s.yaml\naxes:\n  grid:\n    seed: [1, 2, 3]\n");
  stop = false;
  const app::PreparedSweep ok = app::prepare_sweep((dir / "small.yaml").string(), true, &stop);
  CHECK(ok.code == 0);
  CHECK(ok.sweep.variants.size() == 3);
  // A bad value is an input error located in the sweep file, on every rank alike.
  test::write_text(dir / "bad.yaml", "base: s.yaml\naxes:\n  grid:\n    duration: [1 h, -1 h]\n");
  const app::PreparedSweep bad = app::prepare_sweep((dir / "bad.yaml").string(), true, &stop);
  CHECK(bad.code == 2);
  CHECK(bad.message.find("bad.yaml:4:21: duration must be > 0") != std::string::npos);
  fs::remove_all(dir);
}

// --- 6: limits that cannot be met --------------------------------------------------------------

TEST_CASE("a rack limit below the idle floor and a cap below idle warn and report KPIs") {
  const auto dir = test::private_dir("limits");
  const std::string scenario = R"(name: limits
duration: 2 h
cluster:
  racks: {count: 1, nodes_per_rack: 2, power_limit: 1 kW}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs: [{name: a, nodes: 2, duration: 1 h}]
)";
  test::write_text(dir / "s.yaml", scenario);
  auto r = cli("validate " + (dir / "s.yaml").string());
  CHECK(r.code == 0);
  CHECK(r.output.find("s.yaml:4:") != std::string::npos);
  CHECK(r.output.find("below the draw of its idle nodes") != std::string::npos);

  const auto sc = load(scenario);
  app::RunOptions opt;
  opt.output = (dir / "o.h5").string();
  const app::Summary s = app::run(sc, opt);
  // Over the limit the whole run: 2 h in violation; the excess is at least the idle floor of
  // two DGX H100 (> 2 kW each) less the 1 kW limit, for 2 h.
  CHECK(*s.values.at("rack_limit_violation_s") == doctest::Approx(7200));
  // At most two nodes at their 10.2 kW maximum less the limit, for 2 h.
  CHECK(*s.values.at("rack_limit_violation_kwh") > 0);
  CHECK(*s.values.at("rack_limit_violation_kwh") < (2 * 10.2 - 1.0) * 2);
  CHECK(*s.values.at("gpu_cap_violation_s") == 0);
  {
    auto f = app::h5::open_file_readonly(opt.output);
    const std::string note = app::h5::get_string_attr(f.get(), "limit_violations");
    CHECK(note.find("rack power limit not met for 7200 s") != std::string::npos);
  }

  // A GPU cap below the idle draw: H100 idles near 70 W; 1 W cannot be met.
  const std::string capped = R"(name: capped
duration: 1 h
cluster:
  racks: {count: 1, nodes_per_rack: 1}
  node: {type: dgx-h100, gpu_power_cap: 1 W}
workload:
  generator: list
  jobs: [{name: a, nodes: 1, duration: 30 min}]
)";
  test::write_text(dir / "c.yaml", capped);
  r = cli("run " + (dir / "c.yaml").string() + " -o " + (dir / "c.h5").string());
  CHECK(r.code == 0);
  CHECK(r.output.find("c.yaml:5:") != std::string::npos);
  CHECK(r.output.find("gpu_power_cap of 1 W is below what an idle") != std::string::npos);
  CHECK(r.output.find("accelerator power cap not met for 3600 s") != std::string::npos);
  fs::remove_all(dir);
}

// --- 7: output safety ---------------------------------------------------------------------------

TEST_CASE("only a regular file is ever replaced, and never one that appeared during the run") {
  const auto dir = test::private_dir("output");
  test::write_text(dir / "s.yaml", base());
  const std::string scenario = (dir / "s.yaml").string();
  // A device, even with --force.
  auto r = cli("run " + scenario + " -o /dev/null --force");
  CHECK(r.code == 2);
  CHECK(r.output.find("/dev/null is a device") != std::string::npos);
  struct stat st {};
  REQUIRE(::stat("/dev/null", &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  // A directory and a symbolic link.
  fs::create_directory(dir / "d.h5");
  r = cli("run " + scenario + " -o " + (dir / "d.h5").string() + " --force");
  CHECK(r.code == 2);
  CHECK(r.output.find("is a directory") != std::string::npos);
  fs::create_symlink(dir / "s.yaml", dir / "link.h5");
  r = cli("run " + scenario + " -o " + (dir / "link.h5").string() + " --force");
  CHECK(r.code == 2);
  CHECK(r.output.find("is a symbolic link") != std::string::npos);
  CHECK(test::read_text(dir / "s.yaml") == base());

  // A file that appears at the final path during the run is kept; the result stays partial.
  {
    const std::string final_path = (dir / "late.h5").string();
    app::OutputFile out(final_path, false);
    test::write_text(out.partial_path(), "result");
    test::write_text(final_path, "theirs");
    CHECK_THROWS_WITH_AS(out.commit(), doctest::Contains("appeared while the run was going"),
                         app::OutputError);
    CHECK(test::read_text(final_path) == "theirs");
    CHECK(test::read_text(out.partial_path()) == "result");
  }
  CHECK(fs::exists(dir / "late.h5.partial"));  // kept for the user
  // Without a competitor the link is made, and the partial name is gone.
  {
    app::OutputFile out((dir / "ok.h5").string(), false);
    test::write_text(out.partial_path(), "result");
    out.commit();
  }
  CHECK(test::read_text(dir / "ok.h5") == "result");
  CHECK_FALSE(fs::exists(dir / "ok.h5.partial"));

  // Two runs on one output: the second is told another run holds it.
  {
    app::OutputFile first((dir / "busy.h5").string(), false);
    CHECK_THROWS_WITH_AS(app::OutputFile((dir / "busy.h5").string(), false),
                         doctest::Contains("another run is writing"), app::OutputError);
    CHECK(fs::exists(first.partial_path()));  // the second did not remove the first's file
  }
  CHECK_FALSE(fs::exists(dir / "busy.h5.partial"));
  // A partial file left by a killed run (no lock) is taken over.
  test::write_text(dir / "stale.h5.partial", "left over");
  {
    app::OutputFile out((dir / "stale.h5").string(), false);
    test::write_text(out.partial_path(), "result");
    out.commit();
  }
  CHECK(test::read_text(dir / "stale.h5") == "result");
  fs::remove_all(dir);
}
