// Scenarios: a YAML file (or the embedded default), its `extends:` chain and `--set`
// overrides, merged into one ParamNode tree whose every value still knows the file, line and
// column it came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/params.hpp"
#include "sim/time.hpp"

namespace joule::app {

struct OutputSpec {
  std::string file;  // as written in the scenario (may be empty)
  sim::Time facility_interval;
  sim::Time rack_interval;
};

struct Scenario {
  std::string name;
  std::string description;
  std::uint64_t seed = 0;
  sim::Time duration;
  sim::Time control_step;
  sim::Time warmup;  // accounts (KPIs) start here
  OutputSpec output;
  std::string source_name;  // the file, or "<embedded default.yaml>"
  std::string base_dir;     // folder that relative paths in the scenario are resolved against
  sim::ParamNode root;      // merged tree
  // The merged tree as YAML (what the output file records; to_yaml(root), made on demand: the
  // loader itself does not need it).
  std::string text() const;
};

struct LoadOptions {
  std::vector<std::string> sets;      // "path.to.key=value"
  std::optional<std::uint64_t> seed;  // --seed
};

// Loads `path`, or the embedded default scenario when `path` is empty.
Scenario load_scenario(const std::string& path, const LoadOptions& options = {});
// Loads scenario text as if it were a file named `name` in `base_dir` (tests, sweeps).
Scenario load_scenario_text(const std::string& text, const std::string& name,
                            const std::string& base_dir, const LoadOptions& options = {});

const std::string& embedded_default_scenario();
// The data files the embedded default names, compiled in: path relative to its folder, bytes,
// SHA-256 at build time. They are served (sim::read_input_file) under embedded_scenario_dir.
struct EmbeddedFile {
  std::string_view path;
  std::string_view bytes;
  std::string_view sha256;
};
const std::vector<EmbeddedFile>& embedded_data_files();
// The folder the embedded default's relative paths start at: a name no machine has, so that
// nothing on disk stands in for the compiled-in data. $JOULE_SCENARIO_DIR overrides it.
inline constexpr const char* embedded_scenario_dir = "/joule-embedded/scenarios";
// Serves embedded_data_files() to read_input_file() (once; any thread).
void register_embedded_data();
const sim::ModelDoc& scenario_doc();
const sim::ModelDoc& output_doc();

// Merges `over` into `base` (an `extends` base and its child; a --set value): maps key by key,
// recursively; anything else is replaced. A map replaces the base's whole when it chooses another
// model (its `type:`, `generator:`, `policy:` or `process:` differs from the base's) or is tagged
// `!replace`; `key: !replace` with no value removes the base's key (an error where the base has
// none). docs/scenario-reference.md, "Scenario files", documents the rule.
void merge_params(sim::ParamNode& base, const sim::ParamNode& over);
// Applies one "a.b.c=value" override (value parsed as YAML).
void apply_set(sim::ParamNode& root, const std::string& assignment);
// The tree as YAML text.
std::string to_yaml(const sim::ParamNode& node);

}  // namespace joule::app
