// Fuzz target: the scenario loader alone, fast (≥ 1,000 executions/s): YAML text →
// app::load_scenario_text (YAML parsing and its alias limits, `extends` chains, the top-level
// keys, --set overrides taken from the input's first line when it starts with "#set "). Building
// the world and running it are fuzz_world's (and fuzz_generated's) part.
//
// Relative paths resolve against the shipped scenarios/ folder, so `extends:` reaches real
// files. Expected outcomes: a scenario, or a sim::InputError.
#include "app/scenario.hpp"
#include "fuzz_common.hpp"

using namespace joule;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(fuzz::as_text(data, size));
  app::LoadOptions options;
  if (text.rfind("#set ", 0) == 0) {
    const auto eol = text.find('\n');
    options.sets.push_back(text.substr(5, eol == std::string::npos ? eol : eol - 5));
  }
  fuzz::accepts([&] {
    const app::Scenario sc =
        app::load_scenario_text(text, "fuzz.yaml", JOULE_SOURCE_DIR "/scenarios", options);
    fuzz::require(sc.duration > sim::Time::zero());
    fuzz::require(sc.control_step > sim::Time::zero());
    fuzz::require(sc.root.is_map());
  });
  return 0;
}
