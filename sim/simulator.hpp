// The discrete-event engine.
//
// Events are ordered by (time, priority, insertion sequence): identical input gives identical
// order, always. Each pending event is one 128-bit key: time in the high word; priority,
// insertion sequence and slot packed in the low word. What an event does is kept apart, in a
// slot table (handler id, 64-bit argument, period), so the queue moves only 16-byte keys.
// Handlers are bound once when the world is wired (`bind`); one-shot closures are accepted too
// for convenience. Cancellation is O(1): the slot is marked dead and its key is dropped when it
// comes out of the queue.
//
// The queue is a radix heap (Ahuja, Mehlhorn, Orlin & Tarjan 1990) with 4-bit digits. It is
// valid because a discrete-event queue is monotone: nothing is scheduled before the last event
// taken out. A key lives in the bucket (p, d) where p is the highest digit in which it differs
// from the base (at or above the last key taken out, below every bucket key) and d is its own
// digit there; buckets in (p, d) order are in key order. Push is an append; pop takes the
// lowest bucket and, when it holds many keys, moves the base up to that bucket's floor (the
// base's digits above p, d at p, zeros below) and redistributes its keys into lower buckets,
// each by its digit one position down (those whose digit there is zero, the lowest sixteenth,
// go straight to the sorted run below): no pass looks for the bucket's smallest key, as the
// textbook heap's base would need. A key moves at most once per digit its distance spans, and
// all access is sequential, so it stays fast when the pending set outgrows the caches. The
// digit width is a measured trade (bench/bench_engine.cpp, docs/reliability.md): byte digits
// moved keys less often but spread them over 4,096 buckets, whose headers and tails missed the
// first-level cache on nearly every push at 1e3 pending; 4-bit digits keep 512 buckets and a
// position's non-empty set in one 16-bit mask. The lowest bucket, once it holds few keys (at
// most 16), is not split further: it is sorted into a short run (`front_`), and events are
// taken from the run's end until it is empty; a key scheduled below the run's largest key is
// inserted into it in order. At 1e2–1e3 pending events most keys so skip their last one or two
// moves and most pops touch no bucket. What the queue cannot hide is the read of each popped
// key's slot, a cache miss once the slot table outgrows the caches; step() therefore
// prefetches the slots of the next bucket's keys while the current handler runs
// (simulator.cpp). Figures, measured against a bare std::priority_queue in the same run
// (bench/bench_engine.cpp) and against SimGrid (bench/bench_simgrid.sh), are in
// docs/reliability.md.
//
// An event scheduled for the current instant with a higher-precedence priority than the event
// now running cannot run before it (that has already happened): it takes the running event's
// priority and so runs after the events already due at this instant and priority.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "sim/time.hpp"

namespace joule::sim {

using HandlerId = std::uint32_t;
using Handler = std::function<void(std::uint64_t arg)>;

// Lower runs first among events at the same time, in [-8, 7]. Control steps use a late
// priority so that every state change at an instant is seen before the instant is integrated.
using Priority = std::int8_t;
inline constexpr Priority min_priority = -8, max_priority = 7;

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

  // Binds a handler once; events refer to it by id. The simulator owns it. A lambda (or any
  // other callable, move-only included) is stored as itself and called through one plain
  // function pointer, without std::function's emptiness check and by-reference argument.
  HandlerId bind(Handler handler);
  template <class F>
  requires(!std::is_same_v<std::decay_t<F>, Handler> &&
           std::is_invocable_v<std::decay_t<F>&, std::uint64_t>) HandlerId bind(F&& f) {
    using G = std::decay_t<F>;
    auto owned = std::make_unique<G>(std::forward<F>(f));
    Entry e{[](void* self, std::uint64_t arg) { (*static_cast<G*>(self))(arg); }, owned.get()};
    owners_.push_back(Owner(owned.release(), [](void* p) { delete static_cast<G*>(p); }));
    return add_entry(e);
  }

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
  // A flag raised from outside (a signal handler): run()/run_until() look at it after every
  // event and return early, leaving the clock at the last event, when it is set. One relaxed
  // load per event, so an interrupt is honoured within one event's handler time however dense
  // the events are (a 1 ns arrival process included). Null: never interrupted.
  void set_interrupt(const std::atomic<bool>* flag) { interrupt_ = flag; }
  bool interrupted() const { return interrupt_ && interrupt_->load(std::memory_order_relaxed); }

  std::uint64_t events_processed() const { return processed_; }
  std::size_t pending_count() const {
    return static_cast<std::size_t>(
        static_cast<std::int64_t>((sequence_ >> slot_bits) - processed_) + uncounted_);
  }
  // Time of the next pending event, or Time::max() if none. A cancelled event still queued can
  // make this an early bound.
  Time next_time();

private:
  // order = priority (4 bits, biased) | insertion sequence (36 bits) | slot (24 bits). The
  // sequence is renumbered, order preserved, before it could wrap (every 6.9e10 events).
  // One 128-bit integer: time (never negative) in the high half, order in the low half, so a
  // comparison is a single branch-free integer compare.
  using Key = unsigned __int128;
  static Key make_key(std::int64_t time_ns, std::uint64_t order) {
    return (static_cast<Key>(static_cast<std::uint64_t>(time_ns)) << 64) | order;
  }
  static std::int64_t time_of(Key k) { return static_cast<std::int64_t>(k >> 64); }
  static std::uint64_t order_of(Key k) { return static_cast<std::uint64_t>(k); }
  static Priority priority_of(Key k) {
    return static_cast<Priority>(static_cast<int>(order_of(k) >> (sequence_bits + slot_bits)) +
                                 min_priority);
  }
  static constexpr int slot_bits = 24, sequence_bits = 36;
  static constexpr std::uint64_t slot_mask = (std::uint64_t{1} << slot_bits) - 1;
  static constexpr std::uint64_t sequence_limit = std::uint64_t{1} << sequence_bits;
  // sequence_ holds the next sequence number in its place in the order word (shifted past the
  // slot): one addition a scheduling, and its limit is one bit.
  static constexpr std::uint64_t sequence_one = std::uint64_t{1} << slot_bits;
  static constexpr std::uint64_t sequence_end = sequence_limit << slot_bits;
  bool sequence_exhausted() const { return (sequence_ & sequence_end) != 0; }
  struct Slot {
    std::uint64_t arg = 0;  // while free: the next free slot (free_head_'s list)
    Time period;            // zero for one-shot events
    HandlerId handler = 0;
    // Odd while the slot's event is pending: scheduling and releasing (or cancelling) each
    // add one, so an EventId's generation (odd) matches only its own pending event.
    std::uint32_t generation = 0;
    bool live() const { return (generation & 1) != 0; }
  };

  std::uint32_t grow_slots();
  void release_slot(std::uint32_t slot);
  [[noreturn]] static void reject_event(Time when, Time now, bool unbound, Priority priority);
  // Queues a key: into the buckets when above last_, into the sorted run otherwise.
  void insert(Key key);
  // at()'s rare cases, out of line: no free slot or a renumbering due (at_rare(), which then
  // calls at() again), and a key at or below the base or into a full bucket (insert_rare()).
  EventId at_rare(Time when, HandlerId handler, std::uint64_t arg, Priority priority);
  EventId insert_rare(Key key, EventId id);
  void insert_front(Key key);
  // The run is full: the base goes back to the running event's key (see simulator.cpp).
  void lower_base(Key key);
  void push_key(Key key);
  std::uint64_t next_order(Priority priority, std::uint32_t slot);
  void renumber();
  // Makes front_ non-empty (its back the smallest key); false when the queue is empty.
  bool settle();
  // Moves the keys of bucket b, the lowest non-empty one, to lower buckets, and its lowest
  // sixteenth, sorted, to the run (settle()).
  void split(std::size_t b);
  // Makes `keys` (at most drained_keys, agreeing from digit `position` up) the run: sorts
  // them, swaps them with the empty run and makes their largest the base.
  void take_run(std::vector<Key>& keys, std::size_t position);
  // Queues keys at or above the base again: into the buckets, or the run if equal to it.
  void place_again(const std::vector<Key>& keys);
  // The bucket of a key above `base` (the radix base last_, or the one split() is moving to).
  // Its position and digit, and its index position * digits + digit (mark() takes the first
  // two as they are: splitting the index again cost two instructions a push).
  struct Place {
    std::size_t position, digit;
    std::size_t index() const { return position * digits + digit; }
  };
  static Place place_of(Key key, Key base);
  // The same within one 64-bit word of two keys that differ there (positions from 0), and
  // within the time words of two keys of different times (positions from 64 / digit_bits).
  static Place place_in_word(std::uint64_t key, std::uint64_t base);
  static Place place_in_time(std::uint64_t key_time, std::uint64_t base_time);
  // The lowest non-empty bucket (position_mask_ != 0).
  std::size_t lowest_bucket() const;
  bool step(Time until);  // runs one event if due; false when none is due

  void mark(std::size_t position, std::size_t digit);
  void unmark(std::size_t bucket);

  // A digit never straddles the two 64-bit halves of a key (place_of() relies on it).
  static constexpr std::size_t digit_bits = 4, digits = std::size_t{1} << digit_bits;
  static constexpr std::size_t positions = 128 / digit_bits;
  using DigitMask = std::uint16_t;         // one bit per digit
  std::vector<std::vector<Key>> buckets_;  // positions × digits, index p * digits + d
  DigitMask digit_mask_[positions] = {};   // non-empty buckets per position
  std::uint32_t position_mask_ = 0;        // positions with a non-empty bucket
  static_assert(positions <= 32 && digits <= 16);
  // The radix base: every bucket key is above it and placed relative to it; every key of
  // front_ is at or below it (so below every bucket key).
  Key last_ = 0;
  // The smallest keys, sorted in descending order (the next event at the back); at most
  // front_limit keys. Empty until settle() fills it from the lowest bucket (or split() from
  // that bucket's lowest sixteenth).
  std::vector<Key> front_;
  // The key of the event that ran last (or is running); cancelled events taken out since are
  // not counted. Every queued key is above it, and so is every key at() makes.
  Key running_ = 0;
  std::vector<Slot> slots_;
  // Free slots, last freed first, linked through their `arg`: no_slot ends the list.
  static constexpr std::uint32_t no_slot = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t free_head_ = no_slot;
  bool prefetch_ = false;  // slots_ has outgrown the caches: step() prefetches (simulator.cpp)
  struct Entry {
    void (*call)(void* self, std::uint64_t arg);
    void* self;
  };
  using Owner = std::unique_ptr<void, void (*)(void*)>;
  HandlerId add_entry(Entry e);
  std::vector<Entry> handlers_;
  std::vector<Owner> owners_;
  HandlerId bound_ = 0;                          // handlers_.size()
  std::vector<std::function<void()>> closures_;  // by slot, for closure events
  HandlerId closure_handler_ = 0;
  std::uint64_t sequence_ = 0;  // the next sequence number, shifted by slot_bits
  std::uint64_t processed_ = 0;
  // Pending events (not cancelled) = the next sequence number - processed_ + uncounted_: every
  // scheduling takes a sequence number and every event run adds to processed_ (a periodic one
  // takes a new number as it runs), so the hot path keeps no count of its own. cancel() and
  // renumber() adjust it.
  std::int64_t uncounted_ = 0;
  Time now_;
  bool stopped_ = false;
  const std::atomic<bool>* interrupt_ = nullptr;
  friend struct SimulatorProbe;  // tests/sim/test_simulator.cpp: brings a renumbering due
};

// The scheduling path, inline: model handlers schedule their successors through it on every
// event, and a call into simulator.cpp cost more than most of its work. Its rare branches
// (errors, a new slot, renumbering, a key at or below the base, a full bucket) are calls, and
// all but the errors' are tail calls that return the event's id: the common path then calls
// nothing, and a handler that schedules through it saved one register where it saved six
// (bench_engine's hold model, callgrind: 239.1 -> 226.5 instructions per event at 100 pending).

inline std::uint64_t Simulator::next_order(Priority priority, std::uint32_t slot) {
  if (sequence_exhausted()) [[unlikely]]
    renumber();
  const std::uint64_t sequence = sequence_;
  sequence_ += sequence_one;
  return (static_cast<std::uint64_t>(priority - min_priority) << (sequence_bits + slot_bits)) |
         sequence | slot;
}

inline Simulator::Place Simulator::place_in_word(std::uint64_t key, std::uint64_t base) {
  const std::size_t p = (63 - static_cast<std::size_t>(__builtin_clzll(key ^ base))) / digit_bits;
  return {p, static_cast<std::size_t>((key >> (p * digit_bits)) & (digits - 1))};
}

inline Simulator::Place Simulator::place_in_time(std::uint64_t key_time, std::uint64_t base_time) {
  const Place in_word = place_in_word(key_time, base_time);
  return {in_word.position + 64 / digit_bits, in_word.digit};
}

inline Simulator::Place Simulator::place_of(Key key, Key base) {
  // Digits never straddle the two 64-bit halves, so each case works on one half. Keys are
  // unique and above last_, so they differ somewhere.
  static_assert(64 % digit_bits == 0);
  const auto key_time = static_cast<std::uint64_t>(key >> 64);
  const auto base_time = static_cast<std::uint64_t>(base >> 64);
  if (key_time != base_time) return place_in_time(key_time, base_time);
  return place_in_word(static_cast<std::uint64_t>(key), static_cast<std::uint64_t>(base));
}

inline void Simulator::mark(std::size_t position, std::size_t digit) {
  digit_mask_[position] = static_cast<DigitMask>(digit_mask_[position] | (1u << digit));
  position_mask_ |= std::uint32_t{1} << position;
}

inline void Simulator::push_key(Key key) {
  const Place to = place_of(key, last_);
  mark(to.position, to.digit);  // unconditionally: a test of bucket.empty() mispredicted
  buckets_[to.index()].push_back(key);
}

inline void Simulator::insert(Key key) {
  if (key > last_) [[likely]]
    push_key(key);
  else
    insert_front(key);
}

inline EventId Simulator::at(Time when, HandlerId handler, std::uint64_t arg, Priority priority) {
  if (when < now_ || handler >= bound_ || priority < min_priority || priority > max_priority)
      [[unlikely]]
    reject_event(when, now_, handler >= bound_, priority);
  if (free_head_ == no_slot || sequence_exhausted()) [[unlikely]]
    return at_rare(when, handler, arg, priority);
  const std::uint32_t slot = free_head_;
  Slot& s = slots_[slot];
  // The handler first, apart from the generation: stored side by side, GCC merged them into
  // one 8-byte store built in a vector register (three more instructions).
  s.handler = handler;
  free_head_ = static_cast<std::uint32_t>(s.arg);
  s.arg = arg;
  s.period = Time::zero();
  ++s.generation;  // odd: pending
  Key key = make_key(when.ns(), next_order(priority, slot));
  // Only an event at the running event's instant can fall below it (when >= now_).
  if (when == now_ && key < running_) [[unlikely]] {
    // Same instant as the event just taken out but a higher-precedence priority: it cannot
    // run before that event, so it takes that event's priority (see the top of this file).
    sequence_ -= sequence_one;
    key = make_key(when.ns(), next_order(priority_of(running_), slot));
  }
  const EventId id{slot, s.generation};
  // The common case, a key later than the base into a bucket with room, calls nothing; the
  // others (a key at the base's time or below it, a full bucket) end in a tail call, so that
  // this path needs no saved registers of its own. A later time needs no 128-bit compare, and
  // its bucket is found from the times alone.
  const auto when_bits = static_cast<std::uint64_t>(when.ns());
  const auto base_time = static_cast<std::uint64_t>(last_ >> 64);
  if (when_bits > base_time) [[likely]] {
    const Place to = place_in_time(when_bits, base_time);
    std::vector<Key>& bucket = buckets_[to.index()];
    if (bucket.size() != bucket.capacity()) [[likely]] {
      mark(to.position, to.digit);
      bucket.push_back(key);
      return id;
    }
  }
  return insert_rare(key, id);
}

}  // namespace joule::sim
