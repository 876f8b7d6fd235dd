// Running a scenario: build the world, stream its traces to HDF5 under a temporary name, and
// rename the file into place only when the run completed.
#pragma once

#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/output_file.hpp"
#include "app/provenance.hpp"
#include "app/scenario.hpp"
#include "models/world/world.hpp"

namespace joule::app {

struct RunOptions {
  std::string output;     // -o; empty = scenario's output.file, else "<name>.h5"
  bool force = false;     // overwrite an existing output file
  bool progress = false;  // draw progress on stderr (a terminal)
  const std::atomic<bool>* interrupted = nullptr;    // set by SIGINT/SIGTERM
  ProvenanceOptions provenance;                      // --embed-inputs, sweep identity, rerun
  std::map<std::string, std::string> served_inputs;  // resolved path → bytes (a rerun's inputs)
  // A line for stderr once the scenario has been checked, before the simulation starts: a
  // scenario that is refused never says it is running. Empty: nothing is printed.
  std::string announce;
  // The traces' chunks are compressed on a thread of the run's own while it simulates; false:
  // on the run's thread, as each is made (a sweep whose workers already keep every CPU busy:
  // h5::ChunkWorker). The same bytes either way.
  bool compression_thread = true;
};

// The KPIs of a run. Absent values (no such component in the scenario) are nullopt and are
// written as null in JSON.
struct Summary {
  std::map<std::string, std::optional<double>> values;
  std::vector<std::string> notes;  // warnings the run recorded (root attribute limit_violations)
  std::string tariff;              // the electricity tariff cost_usd was computed with, in words
  // One line per cooling zone (/cooling_zones: a pool with its own `cooling`); empty with one.
  std::vector<std::string> cooling_zones;
  std::string output_file;
  bool interrupted = false;
  // P5 and P95 of each KPI over the samples of `joule run --uncertainty N` (app/uncertainty.hpp);
  // empty for a plain run.
  std::map<std::string, std::pair<double, double>> bands;
  // CPU seconds (user + system) of the thread that compressed the traces' chunks, read when the
  // last chunk was written (`joule run --cpu-times`); absent for --uncertainty's runs and for a
  // run without that thread (RunOptions::compression_thread).
  std::optional<double> compression_cpu_s;
};

// The world's view of a scenario's sections.
models::world::WorldSections world_sections(const Scenario& scenario);

// Names of the KPIs, in the order they are printed.
const std::vector<std::string>& summary_keys();

// Runs the scenario. Throws sim::InputError for bad input (exit 2), OutputError for an output
// that cannot be written or already exists (exit 2); returns with `interrupted` set when the
// flag was raised (no output file is left behind).
Summary run(const Scenario& scenario, const RunOptions& options);

// Reads the summary stored in a finished output file.
Summary read_summary(const std::string& file);
// A number as people read it: thousands separators, about four significant digits, never
// scientific notation ("423,216", "1.264", "0.0001235"); NaN is "-" (app/summary.cpp).
std::string format_number(double value);
// The KPIs grouped by the registry's topics, with units, and the warnings (app/summary.cpp).
std::string summary_table(const Summary& summary);
std::string summary_json(const Summary& summary);
// The KPI registry as a table: name, unit, label, description.
std::string kpi_table();

}  // namespace joule::app
