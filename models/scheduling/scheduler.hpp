// The `scheduler:` section: which policy runs, its keys, and the sleep/wake model.
//
//   scheduler:
//     policy: energy-packing            # a registered policy (default fifo)
//     idle_threshold: 15 min            # the policy's own keys sit beside `policy`
//     power_management: {sleep_power: 100 W, wake_latency: 5 min, wake_energy: 500 kJ}
//
// The World builds its policy with make_scheduler() and implements the SchedulerContext
// (policy.hpp) with the returned PowerManagementSpec.
#pragma once

#include <memory>
#include <string>

#include "models/scheduling/policy.hpp"
#include "models/scheduling/power_management.hpp"
#include "sim/params.hpp"

namespace joule::models::scheduling {

struct Scheduler {
  std::string policy_name;
  std::unique_ptr<Policy> policy;
  PowerManagementSpec power_management;
};

// The keys every policy shares (for `joule list-models`; each policy's doc repeats them).
const sim::ModelDoc& scheduler_doc();

// Reads `scheduler:` (null: FIFO with default power management). An unknown policy name is an
// InputError at the name listing the valid ones; unknown keys are errors of the chosen policy.
Scheduler make_scheduler(const sim::ParamNode* scheduler);

}  // namespace joule::models::scheduling
