// Jobs as the world runs them.
//
// A job asks for whole nodes (or, below one node, for GPUs of a node it may share with other
// such jobs: node_sharing.hpp) and runs the sequence of activities its workload::JobModel gives
// (a fixed-duration job has one; an LLM training job runs compute blocks or phases,
// checkpoints and restarts; a service one activity per interval). Activities are timed on the job's
// own nominal clock τ, which advances at the job's speed: dτ/dt = the slowest node's clock fraction
// while computing (power caps and thermal throttling stretch a job), 1 while writing checkpoints or
// restarting. The job's energy is integrated lazily like every other power.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/compute/node.hpp"
#include "models/scheduling/job_view.hpp"
#include "models/workload/generator.hpp"
#include "models/workload/job_model.hpp"
#include "sim/simulator.hpp"

namespace joule::models::world {

using JobRequest = scheduling::JobRequest;
using JobState = scheduling::JobState;

// A job as the world runs it: the policies' view (id, request, state, start, end, nodes) and
// what only the world needs. Aligned to a cache line: its hot part (hot_bytes(), 616 bytes)
// then spans ten lines, where from a 16-byte boundary it spanned eleven for half the records.
struct alignas(64) Job : scheduling::JobView {
  // What every activity end reads or writes (JobRunner::on_activity_end, the host's job phase),
  // kept together right after the policies' view: a running job's record is cold when its next
  // activity ends (minutes of other jobs' events in between), and these fields then come in as
  // a few adjacent cache lines (hot_bytes()) instead of lines scattered over the whole record.
  //
  // What the job does: its kind of work, built when it arrives.
  std::unique_ptr<workload::JobModel> model;
  // Progress on the job's nominal clock.
  workload::Activity activity;  // on the nominal clock
  sim::Time tau;                // nominal time reached at `tau_wall`
  sim::Time tau_wall;
  double speed = 1.0;
  sim::EventId end_event, failure_event;
  compute::NodeLoad load;  // what each of its nodes runs now
  // The node model carrying the policy's accelerator power cap (cap_w), null when uncapped.
  std::shared_ptr<const compute::Node> capped_node;
  // Accounting (owned by the world).
  double power_w = 0.0;
  double energy_j = 0.0;
  double accelerators_w = 0.0;  // the accelerators' part of power_w
  double accelerator_energy_j = 0.0;
  sim::Time last_update;
  // The node pool its model was built for (cluster.pools): the preferred pool while queued, the
  // pool of its nodes once started.
  std::uint32_t model_pool = 0;
  // A copy of source.utilization (the linear node model's busy level while computing), read at
  // every activity; JobRunner keeps the two equal.
  double utilization = 1.0;

  // Read at other times: policy actions, failures, resizes, the jobs table.
  //
  // Accelerator power cap set by the policy (per accelerator).
  std::optional<double> cap_w;
  std::int64_t interruptions = 0;
  // Resizes (elastic) and moves at checkpoints (preemptible) the policy made of it.
  std::int64_t resizes = 0, moves = 0;
  // (Paused in place by demand response: JobView::paused.)
  // A resize or a move in progress (JobView::reconfiguring): its end.
  sim::EventId reconfigure_event;
  sim::Time reconfigured_at;
  // Accelerator-seconds held before the last resize, and when the job took its present size.
  double resized_gpu_s = 0.0;
  sim::Time sized_at;
  workload::JobRequest source;  // as the generator gave it (cleared when the job finishes)

  // Bytes from the start of the record through the fields an activity end touches.
  std::size_t hot_bytes() const {
    return static_cast<std::size_t>(reinterpret_cast<const char*>(&utilization + 1) -
                                    reinterpret_cast<const char*>(this));
  }

  // Accelerator-seconds held from the start up to `stop` (utilization).
  double allocated_gpu_s(sim::Time stop) const {
    return resized_gpu_s + request.gpus * (stop - sized_at).seconds();
  }
  // The accelerators its work is counted on: an elastic job's work is fixed at the size it
  // asked for, wherever it ran (useful GPU-hours do not grow with the nodes it was given).
  int work_gpus() const {
    if (!request.elastic.enabled()) return request.gpus;
    return request.elastic.reference_nodes * (request.gpus / std::max(1, request.nodes));
  }

  // Nominal time at wall time `now` (whole nanoseconds).
  sim::Time nominal(sim::Time now) const {
    return tau + sim::Time::from_ns(static_cast<sim::Time::rep>(
                     static_cast<double>((now - tau_wall).ns()) * speed + 0.5));
  }
};

}  // namespace joule::models::world
