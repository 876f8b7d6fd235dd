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

// How the traces' chunks are deflated (docs/output-format.md). fast: ISA-L, whose bytes may
// differ between CPUs and now and then between runs; portable: libdeflate, the same bytes on
// every CPU. Both store the same values.
enum class Compression { fast, portable };

struct OutputSpec {
  std::string file;  // as written in the scenario (may be empty)
  sim::Time facility_interval;
  sim::Time rack_interval;
  Compression compression = Compression::fast;
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
// One step of a key path (`--set`, a sweep's keys, `uncertainty:` keys): a map key, and
// optionally one item of the list under it, by 0-based index (`cluster.pools[1]`) or by the
// item's `name:` (`cluster.pools[blackwell]`).
struct KeyStep {
  std::string key;
  std::optional<std::string> item;
  std::size_t offset = 0;  // where the key starts in the path
};
// Splits "a.b[x].c" into its steps; a malformed path is an InputError at its character, `at`
// being where the path's first character is.
std::vector<KeyStep> split_key_path(const std::string& path, const sim::Location& at);
// The item of a list that `selector` names: all digits, the item at that index; else the item
// (a map) whose `name:` is `selector`. nullptr when there is none.
const sim::ParamNode* select_item(const sim::ParamNode& list, const std::string& selector);
// The node at a well-formed key path; nullptr where a step is missing (or the path malformed).
const sim::ParamNode* find_key_path(const sim::ParamNode& root, const std::string& path);
// Applies one "a.b[x].c=value" override (value parsed as YAML). A list item must exist: the
// override changes it, it never adds one.
void apply_set(sim::ParamNode& root, const std::string& assignment);
// The tree as YAML text.
std::string to_yaml(const sim::ParamNode& node);

}  // namespace joule::app
