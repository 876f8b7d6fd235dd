// Model documentation and scenario validation without running.
#pragma once

#include <string>

#include "app/scenario.hpp"

namespace joule::app {

// Every registered model and policy with its keys (unit, default, help): text or markdown.
std::string list_models(bool markdown);

// Builds the world (which validates every section) without running it.
void validate(const Scenario& scenario);

}  // namespace joule::app
