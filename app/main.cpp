// The `joule` command.
//
//   joule run [SCENARIO] [-o FILE] [--set key=value]... [--seed N] [--embed-inputs] [--force]
//             [--quiet] [--cpu-times] [--uncertainty N [--uncertainty-seed S] [-j N]]
//             (--uncertainty: docs/uncertainty.md; --cpu-times: bench/bench_scale.sh)
//             rest)
//   joule sweep SWEEP [-o DIR] [-j N] [--force] [--processes] [--quiet] [--uncertainty N]
//               [--uncertainty-seed S]   (docs/sweeps.md)
//   joule validate SCENARIO
//   joule rerun FILE -o NEW [--inputs DIR] [--force]   (regenerates a run from its file)
//   joule summary FILE [--json]
//   joule estimate SCENARIO [--set key=value]... [--json] [--rows N] [--compare RUN.h5]
//   joule list-models [--markdown]
//   joule kpis [--json]
//
// Exit codes: 0 ok, 2 bad input or usage, 1 internal error, 130 interrupted.
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "app/docs.hpp"
#include "app/estimate.hpp"
#include "app/h5.hpp"
#include "app/huge_pages.hpp"
#include "app/rerun.hpp"
#include "app/run.hpp"
#include "app/scenario.hpp"
#include "app/sweep.hpp"
#include "app/uncertainty.hpp"
#include "app/version.hpp"
#include "models/world/kpi.hpp"
#include "sim/error.hpp"

namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_signal(int) {
  interrupted.store(true);
}

constexpr int exit_ok = 0, exit_internal = 1, exit_input = 2, exit_interrupted = 130;

// `joule run --cpu-times`: the process's CPU time so far (user + system, every thread) and the
// chunk worker's part of it, the traces' compression; the rest is the simulation, sampling,
// start-up and HDF5's own work, on the main thread.
void print_cpu_times(const joule::app::Summary& s) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  const double total = seconds(usage.ru_utime) + seconds(usage.ru_stime);
  std::fflush(stdout);  // after the summary, also where both streams go to one pipe
  if (!s.compression_cpu_s) {
    std::fprintf(stderr, "joule: cpu %.3f s (compression on the run's thread)\n", total);
    return;
  }
  const double compression = *s.compression_cpu_s;
  std::fprintf(stderr, "joule: cpu %.3f s: compression %.3f s, the rest %.3f s\n", total,
               compression, total - compression);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace joule;
  app::restart_with_huge_pages(argc, argv);  // run, sweep, rerun: once, before anything else
  CLI::App cli{"Joule: discrete-event simulation of the energy of AI data centers"};
  cli.set_version_flag("--version", std::string("joule ") + app::version() + " (" +
                                        app::git_revision() +
                                        (app::git_dirty() ? ", uncommitted changes" : "") + ")");
  cli.require_subcommand(1);

  std::string scenario_path, output, file;
  std::vector<std::string> sets;
  std::int64_t seed = -1;
  bool force = false, quiet = false, json = false, markdown = false;

  auto* run = cli.add_subcommand("run", "Run a scenario (the embedded default when none given)");
  run->add_option("scenario", scenario_path, "Scenario YAML file");
  run->add_option("-o,--output", output, "HDF5 output file (default: output.file or NAME.h5)");
  run->add_option("--set", sets, "Override a scenario key: path.to.key=value (repeatable)");
  run->add_option("--seed", seed, "Override the scenario's seed")->check(CLI::NonNegativeNumber);
  run->add_flag("--force", force, "Overwrite an existing output file");
  bool embed_inputs = false;
  app::ProvenanceOptions identity;  // set by `joule sweep` for the variants it runs as children
  run->add_option("--sweep", identity.sweep)->group("");
  run->add_option("--variant", identity.variant)->group("");
  run->add_option("--variant-index", identity.variant_index)->group("");
  // From `joule sweep --processes` where its workers fill the CPUs (RunOptions).
  bool no_compression_thread = false;
  run->add_flag("--no-compression-thread", no_compression_thread)->group("");
  run->add_flag("--embed-inputs", embed_inputs,
                "Store every input file (weather, carbon, price, trace, calibration) in the "
                "output, so that `joule rerun` needs nothing else");
  run->add_flag("-q,--quiet", quiet, "Print nothing but errors");
  app::UncertaintyOptions uncertainty;
  std::int64_t uncertainty_seed = -1;
  auto* uncertainty_option =
      run->add_option("--uncertainty", uncertainty.samples,
                      "Sample the coefficients' uncertainty: N Latin-hypercube runs, KPI bands "
                      "(docs/uncertainty.md)")
          ->check(CLI::PositiveNumber);
  run->add_option("--uncertainty-seed", uncertainty_seed,
                  "Seed of the coefficient samples (default: the scenario's seed)")
      ->check(CLI::NonNegativeNumber);
  run->add_flag("--keep-samples", uncertainty.keep_samples,
                "With --uncertainty: keep every sample's output in OUTPUT.samples/");
  run->add_option("-j,--jobs", uncertainty.jobs,
                  "Parallel samples with --uncertainty (default: the CPUs it may run on)");
  bool cpu_times = false;
  run->add_flag("--cpu-times", cpu_times,
                "At the end, print the process's CPU time and the part spent compressing the "
                "traces (on its own thread), to stderr (bench/bench_scale.sh)")
      ->excludes(uncertainty_option);

  std::string sweep_path;
  app::SweepOptions sweep_options;
  auto* sweep = cli.add_subcommand("sweep", "Run every variant of a sweep file (docs/sweeps.md)");
  sweep->add_option("sweep", sweep_path, "Sweep YAML file")->required();
  sweep->add_option("-o,--output", sweep_options.dir,
                    "Output folder (default: the sweep file's name)");
  sweep->add_option("-j,--jobs", sweep_options.jobs,
                    "Parallel workers (default: the CPUs it may run on; 1 per MPI rank)");
  sweep->add_flag("--force", sweep_options.force, "Rerun variants whose output is complete");
  sweep->add_flag("--processes", sweep_options.processes, "Run each variant as a child process");
  sweep->add_flag("-q,--quiet", sweep_options.quiet, "Print nothing but errors");
  sweep
      ->add_option("--uncertainty", sweep_options.uncertainty,
                   "Sample each variant's coefficient uncertainty: N runs, KPI bands in the "
                   "table (docs/sweeps.md)")
      ->check(CLI::PositiveNumber);
  sweep
      ->add_option("--uncertainty-seed", sweep_options.uncertainty_seed,
                   "Seed of the coefficient samples (default: the base scenario's seed)")
      ->check(CLI::NonNegativeNumber);

  std::string rerun_file, inputs_dir;
  auto* rerun = cli.add_subcommand("rerun", "Regenerate a run from its output file alone");
  rerun->add_option("file", rerun_file, "HDF5 output of `joule run`")->required();
  rerun->add_option("-o,--output", output, "New HDF5 output file")->required();
  rerun->add_option("--inputs", inputs_dir,
                    "Folder of the input files when the output does not embed them (default: "
                    "the recorded scenario folder)");
  rerun->add_flag("--force", force, "Overwrite an existing output file");
  rerun->add_flag("-q,--quiet", quiet, "Print nothing but errors");

  auto* validate = cli.add_subcommand("validate", "Check a scenario without running it");
  validate->add_option("scenario", scenario_path, "Scenario YAML file")->required();
  validate->add_option("--set", sets, "Override a scenario key: path.to.key=value");

  auto* summary = cli.add_subcommand("summary", "Print the KPIs of a finished run");
  summary->add_option("file", file, "HDF5 output of `joule run`")->required();
  summary->add_flag("--json", json, "JSON instead of a table");
  bool sensitivity = false;
  summary->add_flag("--sensitivity", sensitivity,
                    "Also the sensitivity ranking of a `run --uncertainty` file");

  std::string compare_file;
  std::size_t estimate_rows = 20;
  auto* estimate = cli.add_subcommand(
      "estimate", "Predict each job's energy, time, carbon and cost before it runs (no queue)");
  estimate->add_option("scenario", scenario_path, "Scenario YAML file")->required();
  estimate->add_option("--set", sets, "Override a scenario key: path.to.key=value");
  estimate->add_flag("--json", json, "Every job as JSON");
  estimate->add_option("--rows", estimate_rows, "Jobs listed in the table (default 20)");
  estimate->add_option("--compare", compare_file,
                       "A finished run of the same scenario: report the prediction error");

  auto* list = cli.add_subcommand("list-models", "Every model and policy with its keys");
  list->add_flag("--markdown", markdown, "Markdown (the scenario reference)");

  auto* kpis = cli.add_subcommand("kpis", "Every KPI of the summary: name, unit, label, meaning");
  kpis->add_flag("--json", json, "JSON (the registry written into every output file)");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli.exit(e);
    return code == 0 ? exit_ok : exit_input;
  }

  try {
    app::LoadOptions load;
    load.sets = sets;
    if (seed >= 0) load.seed = static_cast<std::uint64_t>(seed);

    if (*run) {
      std::signal(SIGINT, on_signal);
      std::signal(SIGTERM, on_signal);
      const app::Scenario sc = app::load_scenario(scenario_path, load);
      // The `uncertainty:` section is checked even when this run does not sample it.
      if (sc.root.find("uncertainty")) (void)app::scenario_coefficients(sc);
      app::RunOptions opt;
      opt.output = output;
      opt.force = force;
      opt.progress = !quiet && isatty(STDERR_FILENO);
      opt.interrupted = &interrupted;
      opt.provenance = identity;
      opt.provenance.embed_inputs = embed_inputs;
      opt.compression_thread = !no_compression_thread;
      if (!quiet)
        opt.announce = "joule: running '" + sc.name + "' (" + sc.source_name + ", seed " +
                       std::to_string(sc.seed) + ")";
      uncertainty.seed =
          uncertainty_seed >= 0 ? static_cast<std::uint64_t>(uncertainty_seed) : sc.seed;
      const app::Summary s =
          uncertainty.samples > 0 ? app::run_uncertainty(sc, opt, uncertainty) : app::run(sc, opt);
      if (s.interrupted) {
        std::fprintf(stderr, "\njoule: interrupted; no output written (partial file removed)\n");
        return exit_interrupted;
      }
      if (!quiet) {
        std::printf("%s\n%s\n", sc.name.c_str(), app::summary_table(s).c_str());
        if (uncertainty.samples > 0)
          std::printf("%s\n", app::sensitivity_table(s.output_file).c_str());
        std::printf("wrote %s\n", s.output_file.c_str());
      }
      if (cpu_times) print_cpu_times(s);
      return exit_ok;
    }
    if (*rerun) {
      std::signal(SIGINT, on_signal);
      std::signal(SIGTERM, on_signal);
      app::RunOptions opt;
      opt.output = output;
      opt.force = force;
      opt.progress = !quiet && isatty(STDERR_FILENO);
      opt.interrupted = &interrupted;
      const app::Summary s = app::rerun(rerun_file, opt, inputs_dir);
      if (s.interrupted) {
        std::fprintf(stderr, "\njoule: interrupted; no output written (partial file removed)\n");
        return exit_interrupted;
      }
      if (!quiet)
        std::printf("%s\nwrote %s\n", app::summary_table(s).c_str(), s.output_file.c_str());
      return exit_ok;
    }
    if (*sweep) {
      std::signal(SIGINT, on_signal);
      std::signal(SIGTERM, on_signal);
      sweep_options.interrupted = &interrupted;
      return app::sweep_command(sweep_path, sweep_options);
    }
    if (*validate) {
      const app::Scenario sc = app::load_scenario(scenario_path, load);
      app::validate(sc);
      if (sc.root.find("uncertainty")) (void)app::scenario_coefficients(sc);
      std::printf("%s: ok (%s, %s simulated)\n", scenario_path.c_str(), sc.name.c_str(),
                  sim::to_string(sc.duration).c_str());
      return exit_ok;
    }
    if (*estimate) {
      const app::Scenario sc = app::load_scenario(scenario_path, load);
      const auto predictions = app::estimate_jobs(sc);
      std::printf("%s", json ? app::estimate_json(predictions).c_str()
                             : app::estimate_table(predictions, estimate_rows).c_str());
      if (!compare_file.empty())
        std::printf("%s",
                    app::error_table(app::compare_with_run(predictions, compare_file)).c_str());
      return exit_ok;
    }
    if (*summary) {
      const app::Summary s = app::read_summary(file);
      std::printf("%s", json ? app::summary_json(s).c_str() : app::summary_table(s).c_str());
      if (sensitivity) std::printf("%s", app::sensitivity_table(file, 100).c_str());
      return exit_ok;
    }
    if (*kpis) {
      std::printf("%s",
                  json ? models::world::kpi_registry_json().c_str() : app::kpi_table().c_str());
      return exit_ok;
    }
    if (*list) {
      std::printf("%s", app::list_models(markdown).c_str());
      return exit_ok;
    }
  } catch (const sim::InputError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return exit_input;
  } catch (const app::h5::Error& e) {
    std::fprintf(stderr, "joule: cannot write the output: %s\n", e.what());
    return exit_input;
  } catch (const app::OutputError& e) {
    std::fprintf(stderr, "joule: %s\n", e.what());
    return exit_input;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "joule: internal error: %s\n", e.what());
    return exit_internal;
  }
  return exit_internal;
}
