#include "app/rerun.hpp"

#include <filesystem>

namespace joule::app {

namespace fs = std::filesystem;

Summary rerun(const std::string& file, RunOptions options, const std::string& inputs_dir) {
  RecordedRun recorded = read_recorded_run(file);
  // Embedded inputs are served under a folder that exists nowhere, so that nothing on this
  // machine is read in their place; so are the embedded default's compiled-in data.
  const std::string& dir = recorded.source.scenario_dir;
  if (dir == embedded_scenario_dir) register_embedded_data();
  fs::path base;
  if (recorded.embedded)
    base = "/joule-rerun/scenario";
  else if (!inputs_dir.empty())
    base = fs::absolute(inputs_dir);
  else if (dir == embedded_scenario_dir)
    base = dir;
  else
    base = fs::absolute(fs::path(file).parent_path() / dir);
  for (auto& [path, bytes] : recorded.contents)
    options.served_inputs[(base / path).lexically_normal().string()] = std::move(bytes);
  const Scenario sc = load_scenario_text(recorded.scenario_text, file + ": /scenario",
                                         base.lexically_normal().string());
  options.provenance.embed_inputs = recorded.embedded;
  options.provenance.sweep = recorded.sweep;
  options.provenance.variant = recorded.variant;
  options.provenance.variant_index = recorded.variant_index;
  options.provenance.rerun = recorded.source;
  return run(sc, options);
}

}  // namespace joule::app
