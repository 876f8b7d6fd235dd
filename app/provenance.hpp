// Provenance of a run (docs/output-format.md, /provenance): what regenerates it from its output
// file alone. The build (revision, dirty flag, version), the merged scenario with its input
// paths made relative to the scenario's folder, every input file's path, size and SHA-256 (and
// its bytes with --embed-inputs), and the sweep and variant a run belongs to.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/h5.hpp"
#include "app/scenario.hpp"
#include "sim/input_files.hpp"

namespace joule::app {

// What a regenerated run copies from the file it regenerates.
struct RerunSource {
  std::string file;             // the output file being regenerated
  std::string scenario_source;  // its recorded identity, copied so the two files agree
  std::string scenario_dir;
  std::map<std::string, std::string> sha256;  // recorded input path (relative) → SHA-256
};

struct ProvenanceOptions {
  bool embed_inputs = false;        // store every input file's bytes (/provenance/files)
  std::string sweep;                // the sweep file, as named ("" outside a sweep)
  std::string variant;              // the variant's name, e.g. "v0003-cooling=liquid"
  std::int64_t variant_index = -1;  // its index in the sweep
  std::optional<RerunSource> rerun;
};

// The recorded path of an input: relative to the scenario's folder.
std::string input_path(const std::string& resolved, const std::string& base_dir);

// Throws OutputError when an input read by a regenerated run differs from the recorded one.
void check_rerun_inputs(const std::vector<sim::InputFile>& inputs, const Scenario& scenario,
                        const RerunSource& rerun);

// Writes the root's `scenario`, `scenario_source` and build attributes and /provenance.
void write_provenance(hid_t file, const Scenario& scenario,
                      const std::vector<sim::InputFile>& inputs, const ProvenanceOptions& options,
                      const std::string& output_path);

// Reads what `joule rerun` needs from an output file: the scenario text, the recorded inputs
// (and their bytes when embedded) and the identity fields.
struct RecordedRun {
  std::string scenario_text;
  bool embedded = false;
  RerunSource source;
  std::map<std::string, std::string> contents;  // recorded path → bytes (embedded only)
  std::string sweep, variant;
  std::int64_t variant_index = -1;
};
RecordedRun read_recorded_run(const std::string& file);

}  // namespace joule::app
