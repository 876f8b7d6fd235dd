#include "sim/simulator.hpp"

#include <stdexcept>
#include <string>

namespace joule::sim {

namespace {
constexpr std::uint64_t sequence_bits = 56;
constexpr std::uint64_t sequence_mask = (std::uint64_t{1} << sequence_bits) - 1;
constexpr std::size_t arity = 4;
}  // namespace

Simulator::Simulator() {
  // Handler 0 runs the closure stored for the event's slot.
  closure_handler_ = bind([this](std::uint64_t slot) {
    auto action = std::move(closures_[slot]);
    closures_[slot] = nullptr;
    action();
  });
}

HandlerId Simulator::bind(Handler handler) {
  handlers_.push_back(std::move(handler));
  return static_cast<HandlerId>(handlers_.size() - 1);
}

std::uint32_t Simulator::allocate_slot() {
  if (!free_slots_.empty()) {
    const std::uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  slots_.emplace_back();
  return static_cast<std::uint32_t>(slots_.size() - 1);
}

void Simulator::release_slot(std::uint32_t slot) {
  Slot& s = slots_[slot];
  s.live = false;
  ++s.generation;
  free_slots_.push_back(slot);
}

EventId Simulator::at(Time when, HandlerId handler, std::uint64_t arg, Priority priority) {
  if (when < now_)
    throw std::logic_error("event scheduled in the past: at " + to_string(when) + ", now " +
                           to_string(now_));
  if (handler >= handlers_.size()) throw std::logic_error("event with an unbound handler");
  const std::uint32_t slot = allocate_slot();
  Slot& s = slots_[slot];
  s.arg = arg;
  s.period = Time::zero();
  s.handler = handler;
  s.live = true;
  ++live_;
  const std::uint64_t order =
      (static_cast<std::uint64_t>(static_cast<std::int64_t>(priority) + 128) << sequence_bits) |
      (sequence_++ & sequence_mask);
  push_key(Key{when.ns(), order, slot, s.generation});
  return EventId{slot, s.generation};
}

EventId Simulator::at(Time when, std::function<void()> action, Priority priority) {
  // The slot that at() is about to allocate: reserve its closure first.
  const std::uint32_t slot =
      free_slots_.empty() ? static_cast<std::uint32_t>(slots_.size()) : free_slots_.back();
  if (closures_.size() <= slot) closures_.resize(slot + 1);
  closures_[slot] = std::move(action);
  try {
    const EventId id = at(when, closure_handler_, slot, priority);
    return id;
  } catch (...) {
    closures_[slot] = nullptr;
    throw;
  }
}

EventId Simulator::every(Time period, Time first, HandlerId handler, std::uint64_t arg,
                         Priority priority) {
  if (period <= Time::zero()) throw std::logic_error("periodic event with a non-positive period");
  const EventId id = at(first, handler, arg, priority);
  slots_[id.slot].period = period;
  return id;
}

bool Simulator::pending(EventId id) const {
  return id.valid() && id.slot < slots_.size() && slots_[id.slot].live &&
         slots_[id.slot].generation == id.generation;
}

bool Simulator::cancel(EventId id) {
  if (!pending(id)) return false;
  // The key stays in the heap and is discarded when it surfaces (its generation is stale).
  Slot& s = slots_[id.slot];
  s.live = false;
  ++s.generation;
  --live_;
  if (s.handler == closure_handler_) closures_[id.slot] = nullptr;
  // The slot is recycled only when its stale key leaves the heap (see step()).
  return true;
}

void Simulator::push_key(Key key) {
  if (running_root_) {
    // Hold pattern: the running event's key is still at the root; overwrite it.
    running_root_ = false;
    heap_[0] = key;
    sift_down(0);
    return;
  }
  heap_.push_back(key);
  sift_up(heap_.size() - 1);
}

void Simulator::pop_root() {
  heap_[0] = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) sift_down(0);
}

void Simulator::sift_up(std::size_t index) {
  const Key key = heap_[index];
  while (index > 0) {
    const std::size_t parent = (index - 1) / arity;
    if (!(key < heap_[parent])) break;
    heap_[index] = heap_[parent];
    index = parent;
  }
  heap_[index] = key;
}

void Simulator::sift_down(std::size_t index) {
  const std::size_t n = heap_.size();
  const Key key = heap_[index];
  for (;;) {
    const std::size_t first = index * arity + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t last = first + arity < n ? first + arity : n;
    for (std::size_t c = first + 1; c < last; ++c)
      if (heap_[c] < heap_[best]) best = c;
    if (!(heap_[best] < key)) break;
    heap_[index] = heap_[best];
    index = best;
  }
  heap_[index] = key;
}

Time Simulator::next_time() const {
  // Stale (cancelled) keys may sit at the top; they only make this an early bound, which is
  // what callers (progress, run_until) need.
  return heap_.empty() ? Time::max() : Time::from_ns(heap_[0].time_ns);
}

bool Simulator::step(Time until) {
  while (!heap_.empty()) {
    const Key top = heap_[0];
    if (top.time_ns > until.ns()) return false;
    Slot& s = slots_[top.slot];
    if (s.generation != top.generation) {
      // Cancelled: drop the stale key; the slot is free once its key is gone.
      pop_root();
      if (!s.live) free_slots_.push_back(top.slot);
      continue;
    }
    now_ = Time::from_ns(top.time_ns);
    const HandlerId handler = s.handler;
    const std::uint64_t arg = s.arg;
    const Time period = s.period;
    ++processed_;
    if (period > Time::zero()) {
      // Periodic: re-key the same slot before running, so the handler may cancel it.
      const std::uint64_t order = (top.order & ~sequence_mask) | (sequence_++ & sequence_mask);
      heap_[0] = Key{(now_ + period).ns(), order, top.slot, top.generation};
      sift_down(0);
      handlers_[handler](arg);
    } else {
      release_slot(top.slot);
      --live_;
      running_root_ = true;
      try {
        handlers_[handler](arg);
      } catch (...) {
        if (running_root_) {
          running_root_ = false;
          pop_root();
        }
        throw;
      }
      if (running_root_) {
        running_root_ = false;
        pop_root();
      }
    }
    return true;
  }
  return false;
}

void Simulator::run_until(Time until) {
  if (until < now_)
    throw std::logic_error("run_until(" + to_string(until) + ") is before now (" + to_string(now_) +
                           ")");
  stopped_ = false;
  while (!stopped_ && step(until)) {
  }
  if (!stopped_) now_ = until;
}

void Simulator::run() {
  stopped_ = false;
  while (!stopped_ && step(Time::max())) {
  }
}

}  // namespace joule::sim
