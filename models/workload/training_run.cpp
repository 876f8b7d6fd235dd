#include "models/workload/training_run.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace joule::models::workload {

std::int64_t steps_for_interval(const TrainingJob& job, sim::Time interval) {
  if (interval == sim::Time::max()) return job.total_steps();
  const double steps = std::round(interval.seconds() / job.step_time().seconds());
  return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::min(steps, 9e15)), 1,
                                  std::max<std::int64_t>(1, job.total_steps()));
}

sim::Time checkpoint_interval(const TrainingJob& job, const FailureSpec& failures) {
  if (failures.checkpoint_rule == CheckpointRule::fixed) return failures.checkpoint_every;
  const sim::Time mtbf = FailureProcess(failures, job.gpus()).mtbf();
  if (mtbf == sim::Time::max()) return sim::Time::max();
  const sim::Time delta = job.checkpoint_phase().duration;
  return failures.checkpoint_rule == CheckpointRule::young ? young_interval(delta, mtbf)
                                                           : daly_interval(delta, mtbf);
}

RunPolicy run_policy(const TrainingJob& job, const FailureSpec& failures, Fidelity fidelity) {
  RunPolicy p;
  p.fidelity = fidelity;
  p.checkpoint_every_steps = steps_for_interval(job, checkpoint_interval(job, failures));
  p.restart_delay = failures.restart;
  return p;
}

TrainingRun::TrainingRun(const TrainingJob& job, RunPolicy policy) : job_(job), policy_(policy) {
  if (policy_.checkpoint_every_steps < 0 || policy_.restart_delay < sim::Time::zero())
    throw std::invalid_argument("TrainingRun: negative checkpoint interval or restart delay");
}

void TrainingRun::expect(State s, sim::Time now, const char* handler) const {
  if (state_ != s)
    throw std::logic_error(std::string("TrainingRun::") + handler + " called in the wrong state");
  if (now != current_.end)
    throw std::logic_error(std::string("TrainingRun::") + handler +
                           " called before/after the activity's end time");
}

// The run keeps the activity's kind and times, not its rates: a copy of the rates (112 bytes,
// two cache lines of the run) was written at every activity end and read by nothing on the
// way; current() finds them again from the state. The returned activity is built from the
// arguments: a copy of current_ read back the fields just stored there, as wider words at
// other offsets, each read waiting for the stores to reach the cache.
Activity TrainingRun::begin(PhaseKind kind, sim::Time now, sim::Time duration,
                            const OpRates& rates) {
  const sim::Time end = now + duration;
  current_.kind = kind;
  current_.start = now;
  current_.end = end;
  return Activity{kind, now, end, rates};
}

// The rates begin() was given for the current activity, from the same tables: the step's phase
// (iteration) or its average (steady) while computing, the checkpoint's, the restart's; none
// before the start and once done.
Activity TrainingRun::current() const {
  Activity a{current_.kind, current_.start, current_.end, {}};
  switch (state_) {
    case State::computing:
      a.rates = policy_.fidelity == Fidelity::iteration ? job_.step_phases()[phase_index_].rates
                                                        : job_.step_average_rates();
      break;
    case State::checkpointing:
      a.rates = job_.checkpoint_phase().rates;
      break;
    case State::restarting:
      a.rates = TrainingJob::restart_phase(policy_.restart_delay).rates;
      break;
    case State::idle:
    case State::done:
      break;
  }
  return a;
}

Activity TrainingRun::start(sim::Time now) {
  if (state_ != State::idle) throw std::logic_error("TrainingRun::start called twice");
  started_ = now;
  current_.end = now;
  return next_compute(now);
}

Activity TrainingRun::next_compute(sim::Time now) {
  state_ = State::computing;
  if (policy_.fidelity == Fidelity::iteration) {
    phase_index_ = 0;
    const Phase& ph = job_.step_phases().front();
    return begin(ph.kind, now, ph.duration, ph.rates);
  }
  const std::int64_t remaining = job_.total_steps() - stats_.steps_done;
  std::int64_t block = remaining;
  if (policy_.checkpoint_every_steps > 0)
    block = std::min(block,
                     policy_.checkpoint_every_steps - (stats_.steps_done - stats_.steps_committed));
  block_steps_ = block;
  return begin(PhaseKind::steps, now, job_.step_time() * block, job_.step_average_rates());
}

// As TrainingJob::prefetch_step(): at offsets 0, 64, ... and at the last byte, unrolled.
void TrainingRun::prefetch() const {
  constexpr std::size_t line = 64;
  const char* const begin = reinterpret_cast<const char*>(this);
  for (std::size_t at = 0; at + 1 < sizeof(*this); at += line) __builtin_prefetch(begin + at, 1);
  __builtin_prefetch(begin + sizeof(*this) - 1, 1);
  job_.prefetch_step();
}

Activity TrainingRun::advance(sim::Time now) {
  switch (state_) {
    case State::computing:
      if (policy_.fidelity == Fidelity::iteration && phase_index_ + 1 < job_.step_phases().size())
        return on_phase_done(now);
      return on_step_done(now);
    case State::checkpointing:
      return on_checkpoint_done(now);
    case State::restarting:
      return on_restart_done(now);
    case State::idle:
    case State::done:
      break;
  }
  throw std::logic_error("TrainingRun::advance called before start or after the end");
}

Activity TrainingRun::on_phase_done(sim::Time now) {
  expect(State::computing, now, "on_phase_done");
  if (policy_.fidelity != Fidelity::iteration || phase_index_ + 1 >= job_.step_phases().size())
    throw std::logic_error("TrainingRun::on_phase_done: the step's last phase ends a step");
  uncommitted_gpu_s_ += gpus() * (current_.end - current_.start).seconds();
  const Phase& ph = job_.step_phases()[++phase_index_];
  return begin(ph.kind, now, ph.duration, ph.rates);
}

Activity TrainingRun::on_step_done(sim::Time now) {
  expect(State::computing, now, "on_step_done");
  if (policy_.fidelity == Fidelity::iteration && phase_index_ + 1 != job_.step_phases().size())
    throw std::logic_error("TrainingRun::on_step_done: the step has phases left");
  uncommitted_gpu_s_ += gpus() * (current_.end - current_.start).seconds();
  stats_.steps_done += policy_.fidelity == Fidelity::iteration ? 1 : block_steps_;
  return after_steps(now);
}

Activity TrainingRun::after_steps(sim::Time now) {
  const bool finished = stats_.steps_done >= job_.total_steps();
  const bool due = policy_.checkpoint_every_steps > 0 &&
                   stats_.steps_done - stats_.steps_committed >= policy_.checkpoint_every_steps;
  if ((finished && policy_.final_checkpoint) || (!finished && due)) {
    state_ = State::checkpointing;
    const Phase& ck = job_.checkpoint_phase();
    return begin(ck.kind, now, ck.duration, ck.rates);
  }
  if (finished) {
    stats_.useful_gpu_s += uncommitted_gpu_s_;
    uncommitted_gpu_s_ = 0;
    stats_.steps_committed = stats_.steps_done;
    state_ = State::done;
    return begin(PhaseKind::done, now, sim::Time::zero(), {});
  }
  return next_compute(now);
}

Activity TrainingRun::on_checkpoint_done(sim::Time now) {
  expect(State::checkpointing, now, "on_checkpoint_done");
  stats_.checkpoint_gpu_s += gpus() * (current_.end - current_.start).seconds();
  stats_.useful_gpu_s += uncommitted_gpu_s_;
  uncommitted_gpu_s_ = 0;
  stats_.steps_committed = stats_.steps_done;
  ++stats_.checkpoints;
  if (stats_.steps_done >= job_.total_steps()) {
    state_ = State::done;
    return begin(PhaseKind::done, now, sim::Time::zero(), {});
  }
  return next_compute(now);
}

Activity TrainingRun::on_restart_done(sim::Time now) {
  expect(State::restarting, now, "on_restart_done");
  stats_.restart_gpu_s += gpus() * (current_.end - current_.start).seconds();
  return next_compute(now);
}

Activity TrainingRun::on_failure(sim::Time now, FailureClass cls) {
  if (state_ == State::idle || state_ == State::done)
    throw std::logic_error("TrainingRun::on_failure: the job is not running");
  if (now < current_.start || now > current_.end)
    throw std::logic_error("TrainingRun::on_failure: time outside the current activity");
  const double elapsed_gpu_s = gpus() * (now - current_.start).seconds();
  if (state_ == State::restarting) {
    stats_.restart_gpu_s += elapsed_gpu_s;
  } else {
    // Computing or writing a checkpoint: everything since the last complete checkpoint is
    // lost, including the partial write.
    stats_.lost_gpu_s += uncommitted_gpu_s_ + elapsed_gpu_s;
    uncommitted_gpu_s_ = 0;
    stats_.steps_done = stats_.steps_committed;
  }
  ++stats_.interruptions;
  ++stats_.interruptions_by_class[static_cast<std::size_t>(cls)];
  state_ = State::restarting;
  const Phase r = TrainingJob::restart_phase(policy_.restart_delay);
  return begin(r.kind, now, r.duration, r.rates);
}

DrivenRun drive_run(const TrainingJob& job, const RunPolicy& policy, const FailureProcess& failures,
                    sim::Rng& rng, sim::Time start,
                    const std::function<double(const OpRates&)>& power_w) {
  TrainingRun run(job, policy);
  DrivenRun out;
  out.start = start;
  const double gpus = job.gpus();
  auto account = [&](const Activity& a, sim::Time until) {
    if (power_w) out.energy_j += gpus * power_w(a.rates) * (until - a.start).seconds();
  };
  Activity a = run.start(start);
  Failure next = failures.next(start, rng);
  while (!a.done()) {
    if (next.at < a.end) {  // a failure exactly at the end finds the activity completed
      account(a, next.at);
      a = run.on_failure(next.at, next.cls);
      next = failures.next(next.at, rng);
    } else {
      account(a, a.end);
      a = run.advance(a.end);
    }
  }
  out.stats = run.stats();
  out.end = a.end;
  return out;
}

}  // namespace joule::models::workload
