// Model documentation and scenario validation without running.
#pragma once

#include <string>
#include <vector>

#include "app/scenario.hpp"

namespace joule::app {

// Every registered model and policy with its keys (unit, default, help): text or markdown.
std::string list_models(bool markdown);

// Builds the world (which validates every section) without running it; prints its warnings.
void validate(const Scenario& scenario);

// What validate() finds, returned instead of printed: the world's warnings, and a rough cost of
// running the scenario (its nodes × simulated seconds), which orders a sweep's variants.
struct Validation {
  std::vector<std::string> warnings;
  double cost = 0;
};
Validation check_scenario(const Scenario& scenario);

}  // namespace joule::app
