// What a scheduling policy sees of a job: what it asked for, where it stands, where it runs.
// The World's jobs (world::Job) are these plus what only the World needs; policies get them
// read-only and change them only through the SchedulerContext's actions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/time.hpp"

namespace joule::models::scheduling {

struct JobRequest {
  std::string name;
  sim::Time submit;
  int nodes = 1;
  int gpus = 0;    // accelerators used (≤ nodes × per node)
  sim::Time work;  // estimated run time at nominal speed (what policies plan with)
  bool flexible = false;
  sim::Time deadline = sim::Time::max();
  // Node pools the job may run on (NodeInfo::pool), preferred first; it runs within one of
  // them. Empty: any node (a cluster of one node type).
  std::vector<std::uint32_t> pools;
};

enum class JobState { queued, running, done };

struct JobView {
  std::uint32_t id = 0;
  JobRequest request;
  JobState state = JobState::queued;
  sim::Time start = sim::Time::max();
  sim::Time end = sim::Time::max();
  std::vector<std::uint32_t> nodes;  // while running and after
};

}  // namespace joule::models::scheduling
