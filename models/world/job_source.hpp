// Where jobs come from: generators and trace readers, selected by `workload.generator`.
// A source yields requests in non-decreasing submit time; the world pulls the next one when the
// previous one arrives, so a year of arrivals is never held in memory at once.
#pragma once

#include <optional>
#include <string>

#include "models/world/job.hpp"
#include "sim/random.hpp"
#include "sim/registry.hpp"

namespace joule::models::world {

// What a source may need from the world that builds it.
struct SourceContext {
  const sim::RandomStreams* random = nullptr;
  std::string base_dir;  // the scenario's folder, for relative paths
  const compute::NodeSpec* node = nullptr;
  int total_nodes = 0;
};

class JobSource {
public:
  virtual ~JobSource() = default;
  virtual std::optional<JobRequest> next() = 0;
};

using JobSourceRegistry = sim::Registry<JobSource, const SourceContext&>;

}  // namespace joule::models::world
