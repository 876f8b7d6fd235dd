#include "sim/simulator.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace joule::sim {

namespace {
constexpr int slot_bits = 24;
constexpr int sequence_bits = 36;
constexpr std::uint64_t slot_mask = (std::uint64_t{1} << slot_bits) - 1;
constexpr std::uint64_t sequence_limit = std::uint64_t{1} << sequence_bits;
// The most keys whose slots step() prefetches from the next bucket.
constexpr std::size_t prefetched_keys = 8;
// Slot tables smaller than this (1 MiB of 32-byte slots) stay in the caches: no prefetch.
constexpr std::size_t prefetched_from_slots = std::size_t{1} << 15;

std::uint32_t slot_of(std::uint64_t order) {
  return static_cast<std::uint32_t>(order & slot_mask);
}

// The errors of at(), kept out of its body so that the scheduling path stays small.
[[noreturn, gnu::noinline, gnu::cold]] void reject_event(Time when, Time now, bool unbound,
                                                         Priority priority) {
  if (when < now)
    throw std::logic_error("event scheduled in the past: at " + to_string(when) + ", now " +
                           to_string(now));
  if (unbound) throw std::logic_error("event with an unbound handler");
  if (priority < min_priority || priority > max_priority)
    throw std::logic_error("event priority outside [-8, 7]");
  throw std::logic_error("event rejected");
}
}  // namespace

// The helpers of the hot path are `inline`: the library is compiled position-independent (the
// Python module links it), and GCC then treats an ordinary function of default visibility as
// interposable and never inlines it, not even in this file; each would be a call per event.
inline Priority Simulator::priority_of(Key key) {
  return static_cast<Priority>(static_cast<int>(order_of(key) >> (sequence_bits + slot_bits)) +
                               min_priority);
}

Simulator::Simulator() : buckets_(positions * digits) {
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

inline std::uint32_t Simulator::allocate_slot() {
  if (!free_slots_.empty()) {
    const std::uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  if (slots_.size() > slot_mask) throw std::length_error("more than 16.7 million pending events");
  slots_.emplace_back();
  return static_cast<std::uint32_t>(slots_.size() - 1);
}

inline void Simulator::release_slot(std::uint32_t slot) {
  Slot& s = slots_[slot];
  s.live = false;
  ++s.generation;
  free_slots_.push_back(slot);
}

inline std::uint64_t Simulator::next_order(Priority priority, std::uint32_t slot) {
  if (sequence_ == sequence_limit) renumber();
  return (static_cast<std::uint64_t>(priority - min_priority) << (sequence_bits + slot_bits)) |
         (sequence_++ << slot_bits) | slot;
}

void Simulator::renumber() {
  // Reassign sequences 0..n-1 in key order and rebuild the buckets from a zero base.
  std::vector<Key> keys;
  keys.reserve(queued_);
  if (has_top_) keys.push_back(top_);
  for (auto& bucket : buckets_) {
    keys.insert(keys.end(), bucket.begin(), bucket.end());
    bucket.clear();
  }
  std::sort(keys.begin(), keys.end());
  for (auto& mask : digit_mask_) mask = 0;
  position_mask_ = 0;
  has_top_ = false;
  last_ = 0;
  queued_ = 0;
  sequence_ = 0;
  const std::uint64_t keep = ~((sequence_limit - 1) << slot_bits);
  for (const Key key : keys)
    push_key(make_key(time_of(key), (order_of(key) & keep) | (sequence_++ << slot_bits)));
}

EventId Simulator::at(Time when, HandlerId handler, std::uint64_t arg, Priority priority) {
  if (when < now_ || handler >= handlers_.size() || priority < min_priority ||
      priority > max_priority) [[unlikely]]
    reject_event(when, now_, handler >= handlers_.size(), priority);
  const std::uint32_t slot = allocate_slot();
  Slot& s = slots_[slot];
  s.arg = arg;
  s.period = Time::zero();
  s.handler = handler;
  s.live = true;
  ++live_;
  Key key = make_key(when.ns(), next_order(priority, slot));
  if (key < last_) {
    // Same instant as the event just taken out but a higher-precedence priority: it cannot
    // run before that event, so it takes that event's priority (see the header).
    --sequence_;
    key = make_key(when.ns(), next_order(priority_of(last_), slot));
  }
  push_key(key);
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

inline std::size_t Simulator::bucket_of(Key key) const {
  // Digits never straddle the two 64-bit halves, so each case works on one half.
  static_assert(64 % digit_bits == 0);
  const auto key_high = static_cast<std::uint64_t>(key >> 64);
  const auto high = key_high ^ static_cast<std::uint64_t>(last_ >> 64);
  std::size_t p;
  std::uint64_t digit;
  // The highest differing bit; keys are unique and above last_, so they differ somewhere.
  if (high != 0) {
    p = (63 - static_cast<std::size_t>(__builtin_clzll(high))) / digit_bits;
    digit = key_high >> (p * digit_bits);
    p += 64 / digit_bits;
  } else {
    const auto key_low = static_cast<std::uint64_t>(key);
    const std::uint64_t low = key_low ^ static_cast<std::uint64_t>(last_);
    p = (63 - static_cast<std::size_t>(__builtin_clzll(low))) / digit_bits;
    digit = key_low >> (p * digit_bits);
  }
  return p * digits + static_cast<std::size_t>(digit & (digits - 1));
}

inline void Simulator::mark(std::size_t bucket) {
  const std::size_t p = bucket / digits, d = bucket % digits;
  digit_mask_[p] = static_cast<DigitMask>(digit_mask_[p] | (1u << d));
  position_mask_ |= std::uint32_t{1} << p;
}

inline void Simulator::unmark(std::size_t bucket) {
  const std::size_t p = bucket / digits, d = bucket % digits;
  digit_mask_[p] = static_cast<DigitMask>(digit_mask_[p] & ~(1u << d));
  if (digit_mask_[p] == 0) position_mask_ &= ~(std::uint32_t{1} << p);
}

inline std::size_t Simulator::lowest_bucket() const {
  const auto p = static_cast<std::size_t>(__builtin_ctz(position_mask_));
  return p * digits + static_cast<std::size_t>(__builtin_ctz(digit_mask_[p]));
}

inline void Simulator::push_key(Key key) {
  const std::size_t b = bucket_of(key);
  buckets_[b].push_back(key);
  mark(b);
  ++queued_;
}

inline bool Simulator::settle() {
  if (has_top_) return true;
  if (queued_ == 0) return false;
  const std::size_t b = lowest_bucket();
  std::vector<Key>& from = buckets_[b];
  std::size_t smallest = 0;
  for (std::size_t i = 1; i < from.size(); ++i)
    if (from[i] < from[smallest]) smallest = i;
  top_ = last_ = from[smallest];
  has_top_ = true;
  // The others agree with the new base above digit p and so move to lower positions.
  for (std::size_t i = 0; i < from.size(); ++i) {
    if (i == smallest) continue;
    const std::size_t to = bucket_of(from[i]);
    buckets_[to].push_back(from[i]);
    mark(to);
  }
  from.clear();
  unmark(b);
  return true;
}

Time Simulator::next_time() {
  return settle() ? Time::from_ns(time_of(top_)) : Time::max();
}

inline bool Simulator::step(Time until) {
  while (settle()) {
    const Key top = top_;
    if (time_of(top) > until.ns()) return false;
    has_top_ = false;
    --queued_;
    const std::uint32_t slot = slot_of(order_of(top));
    Slot& s = slots_[slot];
    if (!s.live) {
      // Cancelled: its stale key is gone now, so the slot can be recycled (no other event
      // could own it while the stale key was queued).
      free_slots_.push_back(slot);
      continue;
    }
    now_ = Time::from_ns(time_of(top));
    const HandlerId handler = s.handler;
    const std::uint64_t arg = s.arg;
    const Time period = s.period;
    ++processed_;
    if (period > Time::zero()) {
      // Periodic: re-queue the same slot before running, so the handler may cancel it.
      push_key(make_key((now_ + period).ns(), next_order(priority_of(top), slot)));
    } else {
      release_slot(slot);
      --live_;
    }
    // While the handler runs, fetch the slots of the events most likely to come next: those of
    // the lowest non-empty bucket, when it holds few keys (the next event is among them unless
    // the handler schedules an earlier one). Past ~1e4 pending events the slot table outgrows
    // the caches, and reading the slot of the event taken out was most of step()'s own time (a
    // cache miss per event); the handler's work now hides it.
    if (slots_.size() >= prefetched_from_slots && position_mask_ != 0) {
      const std::vector<Key>& next = buckets_[lowest_bucket()];
      if (next.size() <= prefetched_keys)
        for (const Key key : next) __builtin_prefetch(&slots_[slot_of(order_of(key))]);
    }
    handlers_[handler](arg);
    return true;
  }
  return false;
}

void Simulator::run_until(Time until) {
  if (until < now_)
    throw std::logic_error("run_until(" + to_string(until) + ") is before now (" + to_string(now_) +
                           ")");
  stopped_ = false;
  while (!stopped_ && !interrupted() && step(until)) {
  }
  if (!stopped_ && !interrupted()) now_ = until;
}

void Simulator::run() {
  stopped_ = false;
  while (!stopped_ && !interrupted() && step(Time::max())) {
  }
}

}  // namespace joule::sim
