// The life of one training job as an explicit state machine, driven by the World's events.
//
// States and transitions (each handler checks it is called in the right state, at the end
// time of the current activity, and returns the next activity for the World to schedule):
//
//   computing ──on_phase_done──▶ computing        (iteration: next phase of the same step)
//   computing ──on_step_done───▶ computing        (next step / next block of steps)
//             └───────────────▶ checkpointing    (checkpoint due, or last step done)
//             └───────────────▶ done             (last step, no final checkpoint)
//   checkpointing ──on_checkpoint_done──▶ computing | done
//   restarting ──on_restart_done──▶ computing     (from the last checkpoint)
//   any but done ──on_failure(now)──▶ restarting  (work since the last checkpoint is lost;
//                                                  a failure during a restart restarts it)
//
// Fidelity: `iteration` returns each phase of each step as its own activity; `steady` returns
// a block of whole steps (up to the next checkpoint) as one activity with the exact
// time-weighted mean rates of the step's phases. Phase durations are whole nanoseconds, so a
// block lasts exactly k·t_step in both fidelities, and the energy of any power function linear
// in the op rates is identical except within an interrupted step.
//
// Accounting, in accelerator-seconds (G · wall time):
//   total = useful + lost + checkpoint + restart
//   useful: steps that survived (each counted once, t_step each); lost: compute since the last
//   checkpoint when a failure struck, plus interrupted checkpoint writes; goodput = useful/total.
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "models/workload/failures.hpp"
#include "models/workload/training_job.hpp"

namespace joule::models::workload {

enum class Fidelity { steady, iteration };

struct RunPolicy {
  Fidelity fidelity = Fidelity::steady;
  std::int64_t checkpoint_every_steps = 0;  // 0: never checkpoint (except the final one)
  sim::Time restart_delay = sim::minutes(10);
  bool final_checkpoint = true;  // write a checkpoint after the last step
};

// Steps between checkpoints for a compute interval (rounded to the nearest step, ≥ 1), and
// the interval a FailureSpec asks for (fixed, Young or Daly with the job's own δ and MTBF).
std::int64_t steps_for_interval(const TrainingJob& job, sim::Time interval);
sim::Time checkpoint_interval(const TrainingJob& job, const FailureSpec& failures);
RunPolicy run_policy(const TrainingJob& job, const FailureSpec& failures, Fidelity fidelity);

// What the job does from `start` to `end` (unless a failure interrupts it).
struct Activity {
  PhaseKind kind = PhaseKind::done;
  sim::Time start;
  sim::Time end;
  OpRates rates;  // per accelerator
  bool done() const { return kind == PhaseKind::done; }
};

struct RunStats {
  std::int64_t steps_committed = 0;  // covered by a checkpoint (or the job finished)
  std::int64_t steps_done = 0;       // progress, including steps not yet checkpointed
  std::int64_t interruptions = 0;
  std::array<std::int64_t, failure_class_count> interruptions_by_class{};
  std::int64_t checkpoints = 0;
  double useful_gpu_s = 0;
  double lost_gpu_s = 0;
  double checkpoint_gpu_s = 0;
  double restart_gpu_s = 0;
  double total_gpu_s() const {
    return useful_gpu_s + lost_gpu_s + checkpoint_gpu_s + restart_gpu_s;
  }
  double goodput() const { return total_gpu_s() > 0 ? useful_gpu_s / total_gpu_s() : 0.0; }
  double lost_gpu_hours() const { return lost_gpu_s / sim::seconds_per_hour; }
};

class TrainingRun {
public:
  enum class State { idle, computing, checkpointing, restarting, done };

  TrainingRun(const TrainingJob& job, RunPolicy policy);

  Activity start(sim::Time now);
  // End of the current activity; dispatches to the handler for the current state. The World
  // binds this one handler to the activity-end event.
  Activity advance(sim::Time now);

  Activity on_phase_done(sim::Time now);  // iteration fidelity, a phase before the step's last
  Activity on_step_done(sim::Time now);   // a step (iteration) or a block of steps (steady)
  Activity on_checkpoint_done(sim::Time now);
  Activity on_restart_done(sim::Time now);
  // Any time between the current activity's start and end; the World cancels that end event.
  Activity on_failure(sim::Time now, FailureClass cls = FailureClass::gpu);

  // Asks for the cache lines advance() reads (this run's state, its job's step constants), so
  // that their misses overlap: a running job's run is cold when its activity ends.
  void prefetch() const;

  State state() const { return state_; }
  // The current activity. Its kind and times are kept; its rates are those of its phase, found
  // again from the state (the job's step, checkpoint or restart rates): the run keeps no copy of
  // them (begin()).
  Activity current() const;
  PhaseKind current_kind() const { return current_.kind; }
  sim::Time current_start() const { return current_.start; }
  sim::Time current_end() const { return current_.end; }
  const RunStats& stats() const { return stats_; }
  const RunPolicy& policy() const { return policy_; }
  const TrainingJob& job() const { return job_; }
  sim::Time started_at() const { return started_; }

private:
  Activity begin(PhaseKind kind, sim::Time now, sim::Time duration, const OpRates& rates);
  Activity next_compute(sim::Time now);
  Activity after_steps(sim::Time now);
  void expect(State s, sim::Time now, const char* handler) const;
  double gpus() const { return static_cast<double>(job_.gpus()); }

  const TrainingJob& job_;
  RunPolicy policy_;
  State state_ = State::idle;
  // The current activity without its rates (current()).
  struct Span {
    PhaseKind kind = PhaseKind::done;
    sim::Time start;
    sim::Time end;
  } current_;
  sim::Time started_;
  std::size_t phase_index_ = 0;   // iteration fidelity: phase within the current step
  std::int64_t block_steps_ = 0;  // steady fidelity: steps in the current block
  double uncommitted_gpu_s_ = 0;  // compute since the last checkpoint
  std::int64_t committed_steps_at_ckpt_ = 0;
  RunStats stats_;
};

// Runs a job to completion without an engine: activities back to back, failures drawn from
// `rng` through `failures` (next failure drawn at start and after each failure). For studies
// that need only the job (checkpoint-interval sweeps, goodput) and as the reference the
// World's event-driven run must match. `power_w`, if given, is the power of one accelerator
// at the given rates; the energy of all G accelerators is integrated per activity.
struct DrivenRun {
  RunStats stats;
  sim::Time start;
  sim::Time end;
  double energy_j = 0;
};
DrivenRun drive_run(const TrainingJob& job, const RunPolicy& policy, const FailureProcess& failures,
                    sim::Rng& rng, sim::Time start = {},
                    const std::function<double(const OpRates&)>& power_w = {});

}  // namespace joule::models::workload
