// A World built from a scenario's YAML text (its cluster, workload and scheduler sections), as
// the world tests build theirs. `file` names the text in error messages ("file:line:column").
#pragma once

#include <memory>
#include <string>

#include "io/yaml_params.hpp"
#include "models/world/world.hpp"

namespace joule::test {

// The parsed scenario outlives the World, which keeps pointers into it.
struct Built {
  sim::ParamNode root;
  std::unique_ptr<models::world::World> world;
};

inline Built build_world(const std::string& yaml, sim::Time duration, const std::string& file) {
  Built b{io::parse_yaml_text(yaml, file), nullptr};
  models::world::WorldSections s;
  s.cluster = b.root.find("cluster");
  s.workload = b.root.find("workload");
  s.scheduler = b.root.find("scheduler");
  s.duration = duration;
  b.world = std::make_unique<models::world::World>(models::world::world_spec(s, 1, "."));
  return b;
}

// The message of the input error that building `yaml` (for an hour) raises; "" when it builds.
inline std::string build_error(const std::string& yaml, const std::string& file) {
  try {
    build_world(yaml, sim::hours(1), file);
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace joule::test
