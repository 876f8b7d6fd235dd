// `joule sweep`, running: each variant in-process or as a child process, resuming from the
// outputs already complete, and the local (threaded) execution of a whole sweep.
#include <fcntl.h>
#include <hdf5.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "app/docs.hpp"
#include "app/h5.hpp"
#include "app/sweep.hpp"
#include "app/sweep_detail.hpp"
#include "app/version.hpp"
#include "io/yaml_params.hpp"
#include "models/world/kpi.hpp"
#include "sim/random.hpp"

extern char** environ;

namespace joule::app {

namespace fs = std::filesystem;
using namespace detail;

// ---- running ---------------------------------------------------------------------------------

const char* to_string(VariantStatus status) {
  switch (status) {
    case VariantStatus::pending:
      return "pending";
    case VariantStatus::done:
      return "done";
    case VariantStatus::reused:
      return "reused";
    case VariantStatus::failed:
      return "failed";
    case VariantStatus::interrupted:
      return "interrupted";
  }
  return "?";
}

std::string variant_output(const std::string& dir, const Variant& variant) {
  return (fs::path(dir) / (variant.name + ".h5")).string();
}

std::string default_sweep_dir(const std::string& sweep_path) {
  return fs::path(sweep_path).stem().string();
}

unsigned usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
    return static_cast<unsigned>(CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

unsigned worker_count(unsigned requested, std::size_t tasks) {
  const unsigned wanted = requested ? requested : usable_cpus();
  return std::max(1u, static_cast<unsigned>(std::min<std::size_t>(wanted, tasks)));
}

bool compression_threads_for(unsigned workers) {
  return workers < usable_cpus();
}

bool hdf5_threadsafe() {
  hbool_t safe = false;
  H5is_library_threadsafe(&safe);
  return safe;
}

std::uint64_t sweep_uncertainty_seed(const Sweep& sweep, const SweepOptions& options) {
  return options.uncertainty_seed >= 0 ? static_cast<std::uint64_t>(options.uncertainty_seed)
                                       : sweep.base_seed;
}

std::vector<VariantResult> scan_outputs(const Sweep& sweep, const SweepOptions& options) {
  std::vector<VariantResult> results(sweep.variants.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    results[i].index = i;
    const Variant& v = sweep.variants[i];
    const std::string path = variant_output(options.dir, v);
    std::error_code ec;
    if (options.force || !fs::is_regular_file(path, ec)) continue;
    try {
      // Complete = finished (has /summary) and made from this variant's scenario.
      std::string recorded;
      {
        h5::Handle file = h5::open_file_readonly(path);
        recorded = h5::get_string_attr(file.get(), "scenario");
      }
      if (recorded != variant_scenario(sweep, v).text()) continue;  // stale: rerun
      // With --uncertainty: bands from the same number of samples and seed, else rerun.
      if (options.uncertainty > 0 &&
          !has_uncertainty(path, options.uncertainty, sweep_uncertainty_seed(sweep, options)))
        continue;
      const Summary s = read_summary(path);
      results[i].status = VariantStatus::reused;
      results[i].values = s.values;
      if (options.uncertainty > 0) results[i].bands = read_bands(path);
    } catch (const std::exception&) {
      // Unreadable or unfinished: rerun.
    }
  }
  return results;
}

namespace {

std::string self_executable() {
  std::error_code ec;
  const auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("joule") : p.string();
}

// Runs `joule run` for one variant in a child process; its stderr goes to DIR/<name>.log, which
// is removed when the run succeeds.
VariantResult run_child(const Sweep& sweep, const Variant& v, const SweepOptions& options) {
  VariantResult result;
  result.index = v.index;
  const std::string out = variant_output(options.dir, v);
  const std::string log = (fs::path(options.dir) / (v.name + ".log")).string();
  std::vector<std::string> args = {
      options.executable.empty() ? self_executable() : options.executable, "run", sweep.base_path};
  for (const auto& s : variant_sets(sweep, v)) {
    args.push_back("--set");
    args.push_back(s);
  }
  if (sweep.seeds == SeedPolicy::per_variant && !sets_seed(all_sets(sweep, v))) {
    args.push_back("--seed");
    args.push_back(std::to_string(v.seed));
  }
  for (const char* a : {"-o", out.c_str(), "--force", "--quiet"}) args.push_back(a);
  if (!options.compression_threads) args.push_back("--no-compression-thread");
  if (options.uncertainty > 0)
    for (const std::string& a :
         {std::string("--uncertainty"), std::to_string(options.uncertainty),
          std::string("--uncertainty-seed"), std::to_string(sweep_uncertainty_seed(sweep, options)),
          std::string("-j"), std::string("1")})
      args.push_back(a);
  for (const std::string& a : {std::string("--sweep"), sweep.source, std::string("--variant"),
                               v.name, std::string("--variant-index"), std::to_string(v.index)})
    args.push_back(a);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    result.status = VariantStatus::failed;
    result.error = "cannot start " + args[0] + ": " + std::strerror(rc);
    return result;
  }
  int status = 0;
  bool signalled = false;
  // The child's end is waited for on a pidfd, which poll() reports as soon as the child exits;
  // every 10 ms it looks at the interrupt flag, to pass SIGINT on. Without pidfds (Linux before
  // 5.3) the loop sleeps 10 ms between looks at the child too, so a variant's end is seen up to
  // 10 ms late (the 64-variant benchmark showed no difference in wall time: 6 pairs, median
  // 0.995, bench/results/stop-63).
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (!signalled && options.interrupted && options.interrupted->load()) {
      kill(pid, SIGINT);
      signalled = true;
    }
    if (pidfd >= 0) {
      pollfd ready{pidfd, POLLIN, 0};
      poll(&ready, 1, 10);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  if (pidfd >= 0) close(pidfd);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::error_code ec;
  if (code == 0) {
    try {
      result.values = read_summary(out).values;
      if (options.uncertainty > 0) result.bands = read_bands(out);
      result.status = VariantStatus::done;
      fs::remove(log, ec);
    } catch (const std::exception& e) {
      result.status = VariantStatus::failed;
      result.error = first_line(e.what());
    }
    return result;
  }
  if (code == 130 || signalled) {
    result.status = VariantStatus::interrupted;
    fs::remove(log, ec);
    return result;
  }
  std::ifstream in(log);
  std::string line, text;
  while (std::getline(in, line))
    if (!line.empty()) {
      text = line;
      break;
    }
  result.status = VariantStatus::failed;
  result.error =
      (text.empty() ? "" : text + " ") + "(exit " + std::to_string(code) + "; see " + log + ")";
  return result;
}

}  // namespace

VariantResult run_variant(const Sweep& sweep, std::size_t index, const SweepOptions& options) {
  const Variant& v = sweep.variants.at(index);
  if (options.processes) return run_child(sweep, v, options);
  VariantResult result;
  result.index = index;
  try {
    const Scenario sc = variant_scenario(sweep, v);
    RunOptions run_options;
    run_options.output = variant_output(options.dir, v);
    run_options.force = true;  // only incomplete, stale or unreadable outputs get here
    run_options.interrupted = options.interrupted;
    run_options.provenance.sweep = sweep.source;
    run_options.provenance.variant = v.name;
    run_options.provenance.variant_index = static_cast<std::int64_t>(v.index);
    run_options.compression_thread = options.compression_threads;
    UncertaintyOptions u;
    u.samples = options.uncertainty;
    u.seed = sweep_uncertainty_seed(sweep, options);
    u.jobs = 1;  // the sweep's workers run variants in parallel
    const Summary s = u.samples > 0 ? run_uncertainty(sc, run_options, u) : run(sc, run_options);
    if (s.interrupted) {
      result.status = VariantStatus::interrupted;
    } else {
      result.status = VariantStatus::done;
      result.values = s.values;
      if (u.samples > 0)
        result.bands = read_bands(s.output_file);
      else
        result.compression_thread = s.compression_cpu_s.has_value();
    }
  } catch (const std::exception& e) {
    result.status = VariantStatus::failed;
    result.error = first_line(e.what());
  }
  return result;
}

// ---- local execution -------------------------------------------------------------------------

SweepReport run_sweep(const Sweep& sweep, const SweepOptions& given) {
  SweepOptions options = given;
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (!fs::is_directory(options.dir, ec))
    throw OutputError("cannot create the output folder " + options.dir);

  SweepTable table(sweep, options.dir, scan_outputs(sweep, options), options);
  table.write();
  std::vector<std::size_t> pending;
  for (const auto& r : table.results())
    if (r.status == VariantStatus::pending) pending.push_back(r.index);
  pending = run_order(sweep, std::move(pending));

  const unsigned jobs = worker_count(options.jobs, pending.size());
  // Two workers on two CPUs ran the 64 variants of bench/sweep/sweep64.yaml in 0.975 of the
  // time (threads, median of 16 alternated pairs; child processes 0.91-0.96) with each run
  // compressing on its worker's thread (docs/sweeps.md, "Benchmark").
  options.compression_threads = given.compression_threads && compression_threads_for(jobs);
  std::atomic<std::size_t> next{0}, finished{0};
  auto worker = [&] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // the error stack is per thread
    while (!(options.interrupted && options.interrupted->load())) {
      const std::size_t k = next.fetch_add(1);
      if (k >= pending.size()) return;
      const double start = now_s();
      const VariantResult r = run_variant(sweep, pending[k], options);
      table.record(r);
      const std::size_t n = finished.fetch_add(1) + 1;
      if (!options.quiet && r.status != VariantStatus::interrupted)
        std::fprintf(stderr, "[%zu/%zu] %s %s (%.2f s)%s%s\n", n, pending.size(),
                     sweep.variants[r.index].name.c_str(), to_string(r.status), now_s() - start,
                     r.error.empty() ? "" : ": ", r.error.c_str());
    }
  };
  on_threads(jobs, worker);
  table.write();

  SweepReport report;
  report.results = table.results();
  report.csv_path = table.csv_path();
  report.h5_path = table.h5_path();
  report.interrupted = options.interrupted && options.interrupted->load();
  for (const auto& r : report.results) {
    report.ran += r.status == VariantStatus::done;
    report.reused += r.status == VariantStatus::reused;
    report.failed += r.status == VariantStatus::failed;
  }
  return report;
}

}  // namespace joule::app
