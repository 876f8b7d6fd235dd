// Fuzz target: loading and running. YAML text → app::load_scenario_text (YAML parsing,
// `extends`, validation of the top level) → World construction (every section's spec, the
// registries, the catalog, the workload generator) → a short run of at most one simulated hour
// when the world is small enough to keep the target fast.
//
// Relative paths resolve against the shipped scenarios/ folder, so `extends:` and data files
// (weather, carbon, prices, traces) can be reached. Expected outcomes: a world, or a
// sim::InputError.
#include <algorithm>

#include "app/run.hpp"
#include "app/scenario.hpp"
#include "fuzz_common.hpp"
#include "models/world/world.hpp"

using namespace joule;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(fuzz::as_text(data, size));
  fuzz::accepts([&] {
    const app::Scenario sc =
        app::load_scenario_text(text, "fuzz.yaml", JOULE_SOURCE_DIR "/scenarios");
    fuzz::require(sc.duration > sim::Time::zero());
    models::world::World world(
        models::world::world_spec(app::world_sections(sc), sc.seed, sc.base_dir));
    if (world.node_count() <= 64) {
      world.run_until(std::min(sc.duration, sim::hours(1)));
      fuzz::require(world.it_energy_j() >= 0);
      for (const auto& rack : world.racks()) fuzz::require(rack.energy_j >= 0);
      for (const auto& job : world.jobs()) fuzz::require(job.energy_j >= 0);
    }
  });
  return 0;
}
