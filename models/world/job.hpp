// Jobs as the world runs them.
//
// A job asks for whole nodes, puts a load on each (compute::NodeLoad) and has a given amount of
// work, measured as run time at nominal speed. While it runs, its remaining work falls at the
// rate of its slowest node's throughput (a synchronous job waits for its stragglers), so a power
// cap or thermal throttling stretches it. Its energy is integrated lazily like every other
// power: energy += power × elapsed at each change and before each read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/compute/node.hpp"
#include "sim/time.hpp"

namespace joule::models::world {

struct JobRequest {
  std::string name;
  sim::Time submit;
  int nodes = 1;
  sim::Time work;  // run time at nominal speed
  compute::NodeLoad load;
  // Scheduling hints (policies may use them): a flexible job may be deferred until `deadline`.
  bool flexible = false;
  sim::Time deadline = sim::Time::max();
};

enum class JobState { queued, running, done };

struct Job {
  std::uint32_t id = 0;
  JobRequest request;
  JobState state = JobState::queued;
  sim::Time start = sim::Time::max();
  sim::Time end = sim::Time::max();
  std::vector<std::uint32_t> nodes;  // while running and after

  // Progress and accounting (owned by the world).
  double remaining_work_s = 0.0;
  double speed = 1.0;  // throughput of the slowest node
  double power_w = 0.0;
  double energy_j = 0.0;
  sim::Time last_update;
};

}  // namespace joule::models::world
