// The discrete-event engine.
//
// Events are ordered by (time, priority, insertion sequence): identical input gives identical
// order, always. The pending set is a 4-ary min-heap of 24-byte keys; what an event does is kept
// apart, in a slot table, so sifting moves only small keys. Handlers are bound once when the
// world is wired (`bind`) and events carry a handler id and a 64-bit argument; one-shot closures
// are accepted too for convenience. Cancellation is O(1): the slot's generation is bumped and the
// stale key is dropped when it reaches the top.
//
// When a handler schedules an event while it runs (the common "hold" pattern: a job's next
// phase, a periodic control step), the new key replaces the running event's key at the root and
// is sifted down once, instead of a pop followed by a push.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "sim/time.hpp"

namespace joule::sim {

using HandlerId = std::uint32_t;
using Handler = std::function<void(std::uint64_t arg)>;

// Lower runs first among events at the same time. Control steps use a late priority so that
// every state change at an instant is seen before the instant is integrated.
using Priority = std::int8_t;

struct EventId {
  std::uint32_t slot = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t generation = 0;
  bool valid() const { return slot != std::numeric_limits<std::uint32_t>::max(); }
  bool operator==(const EventId&) const = default;
};

class Simulator {
public:
  Simulator();

  Time now() const { return now_; }

  // Binds a handler once; events refer to it by id.
  HandlerId bind(Handler handler);

  EventId at(Time when, HandlerId handler, std::uint64_t arg = 0, Priority priority = 0);
  EventId after(Time delay, HandlerId handler, std::uint64_t arg = 0, Priority priority = 0) {
    return at(now_ + delay, handler, arg, priority);
  }
  // One-shot closure (stored per event: use bound handlers on hot paths).
  EventId at(Time when, std::function<void()> action, Priority priority = 0);
  EventId after(Time delay, std::function<void()> action, Priority priority = 0) {
    return at(now_ + delay, std::move(action), priority);
  }
  // Fires at `first` and then every `period` until cancelled.
  EventId every(Time period, Time first, HandlerId handler, std::uint64_t arg = 0,
                Priority priority = 0);

  // True if the event was pending (and is now cancelled); false if it already ran, was
  // cancelled before, or never existed.
  bool cancel(EventId id);
  bool pending(EventId id) const;

  // Runs every event with time <= `until`, then advances the clock to `until`.
  void run_until(Time until);
  // Runs until no event is pending or stop() is called.
  void run();
  // Ends run()/run_until() after the current event.
  void stop() { stopped_ = true; }

  std::uint64_t events_processed() const { return processed_; }
  std::size_t pending_count() const { return live_; }
  // Time of the next pending event, or Time::max() if none.
  Time next_time() const;

private:
  struct Key {
    std::int64_t time_ns;
    std::uint64_t order;  // priority (8 bits, biased) << 56 | insertion sequence (56 bits)
    std::uint32_t slot;
    std::uint32_t generation;
    bool operator<(const Key& o) const {
      return time_ns < o.time_ns || (time_ns == o.time_ns && order < o.order);
    }
  };
  struct Slot {
    std::uint64_t arg = 0;
    Time period;  // zero for one-shot events
    HandlerId handler = 0;
    std::uint32_t generation = 0;
    bool live = false;
  };

  std::uint32_t allocate_slot();
  void release_slot(std::uint32_t slot);
  void push_key(Key key);
  void pop_root();
  void sift_down(std::size_t index);
  void sift_up(std::size_t index);
  bool step(Time until);  // runs one event if due; false when none is due

  std::vector<Key> heap_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::vector<Handler> handlers_;
  std::vector<std::function<void()>> closures_;  // by slot, for closure events
  HandlerId closure_handler_ = 0;
  std::uint64_t sequence_ = 0;
  std::uint64_t processed_ = 0;
  std::size_t live_ = 0;  // pending, not cancelled
  Time now_;
  bool running_root_ = false;  // the root key is the event being handled right now
  bool stopped_ = false;
};

}  // namespace joule::sim
