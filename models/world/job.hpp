// Jobs as the world runs them.
//
// A job asks for whole nodes and runs a sequence of activities (a fixed-duration job has one;
// an LLM training job runs compute blocks or phases, checkpoints and restarts from its
// workload::TrainingRun). Activities are timed on the job's own nominal clock τ, which advances
// at the job's speed: dτ/dt = the slowest node's clock fraction while computing (power caps and
// thermal throttling stretch a job), 1 while writing checkpoints or restarting. The job's
// energy is integrated lazily like every other power.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/compute/node.hpp"
#include "models/workload/failures.hpp"
#include "models/workload/generator.hpp"
#include "models/workload/training_run.hpp"
#include "sim/random.hpp"
#include "sim/simulator.hpp"

namespace joule::models::world {

struct JobRequest {
  std::string name;
  sim::Time submit;
  int nodes = 1;
  int gpus = 0;    // accelerators used (≤ nodes × per node)
  sim::Time work;  // estimated run time at nominal speed (what policies plan with)
  bool flexible = false;
  sim::Time deadline = sim::Time::max();
};

enum class JobState { queued, running, done };

struct Job {
  std::uint32_t id = 0;
  JobRequest request;
  workload::JobRequest source;  // as the generator gave it
  JobState state = JobState::queued;
  sim::Time start = sim::Time::max();
  sim::Time end = sim::Time::max();
  std::vector<std::uint32_t> nodes;  // while running and after

  // Accounting (owned by the world).
  double power_w = 0.0;
  double energy_j = 0.0;
  sim::Time last_update;

  // Progress on the job's nominal clock.
  std::unique_ptr<workload::TrainingJob> training;
  std::unique_ptr<workload::TrainingRun> run;
  std::unique_ptr<workload::FailureProcess> failure_process;
  std::unique_ptr<workload::InferenceService> inference;
  sim::Rng failure_rng{0};
  workload::Activity activity;  // on the nominal clock
  sim::Time tau;                // nominal time reached at `tau_wall`
  sim::Time tau_wall;
  double speed = 1.0;
  sim::EventId end_event, failure_event;
  workload::FailureClass pending_failure = workload::FailureClass::gpu;
  compute::NodeLoad load;  // what each of its nodes runs now
  // Accelerator power cap set by the policy (per accelerator), and the node model carrying it.
  std::optional<double> cap_w;
  std::shared_ptr<const compute::Node> capped_node;
  std::int64_t interruptions = 0;

  // Nominal time at wall time `now` (whole nanoseconds).
  sim::Time nominal(sim::Time now) const {
    return tau + sim::Time::from_ns(static_cast<sim::Time::rep>(
                     static_cast<double>((now - tau_wall).ns()) * speed + 0.5));
  }
};

}  // namespace joule::models::world
