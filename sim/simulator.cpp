#include "sim/simulator.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace joule::sim {

namespace {
// The most keys whose slots step() prefetches from the next bucket.
constexpr std::size_t prefetched_keys = 8;
// Slot tables smaller than this (1 MiB of 32-byte slots) stay in the caches: no prefetch.
constexpr std::size_t prefetched_from_slots = std::size_t{1} << 15;
// The lowest bucket is sorted into the run once it holds at most this many keys (else split
// further), and the run holds at most front_limit keys (see insert_front()).
constexpr std::size_t drained_keys = 16;
constexpr std::size_t front_limit = 64;

}  // namespace

// The errors of at(), kept out of its body so that the scheduling path stays small.
[[gnu::noinline, gnu::cold]] void Simulator::reject_event(Time when, Time now, bool unbound,
                                                          Priority priority) {
  if (when < now)
    throw std::logic_error("event scheduled in the past: at " + to_string(when) + ", now " +
                           to_string(now));
  if (unbound) throw std::logic_error("event with an unbound handler");
  if (priority < min_priority || priority > max_priority)
    throw std::logic_error("event priority outside [-8, 7]");
  throw std::logic_error("event rejected");
}

namespace {
std::uint32_t slot_of(std::uint64_t order) {
  return static_cast<std::uint32_t>(order & ((std::uint64_t{1} << 24) - 1));
}
}  // namespace

// The helpers of the hot path are `inline`: the library is compiled position-independent (the
// Python module links it), and GCC then treats an ordinary function of default visibility as
// interposable and never inlines it, not even in this file; each would be a call per event.
Simulator::Simulator() : buckets_(positions * digits) {
  // Handler 0 runs the closure stored for the event's slot.
  closure_handler_ = bind([this](std::uint64_t slot) {
    auto action = std::move(closures_[slot]);
    closures_[slot] = nullptr;
    action();
  });
}

HandlerId Simulator::bind(Handler handler) {
  auto owned = std::make_unique<Handler>(std::move(handler));
  Entry e{[](void* self, std::uint64_t arg) { (*static_cast<Handler*>(self))(arg); }, owned.get()};
  owners_.push_back(Owner(owned.release(), [](void* p) { delete static_cast<Handler*>(p); }));
  return add_entry(e);
}

HandlerId Simulator::add_entry(Entry e) {
  handlers_.push_back(e);
  bound_ = static_cast<HandlerId>(handlers_.size());
  return bound_ - 1;
}

std::uint32_t Simulator::grow_slots() {
  if (slots_.size() > slot_mask) throw std::length_error("more than 16.7 million pending events");
  slots_.emplace_back();
  prefetch_ = slots_.size() >= prefetched_from_slots;
  return static_cast<std::uint32_t>(slots_.size() - 1);
}

inline void Simulator::release_slot(std::uint32_t slot) {
  Slot& s = slots_[slot];
  ++s.generation;  // even: free
  s.arg = free_head_;
  free_head_ = slot;
}

EventId Simulator::at_rare(Time when, HandlerId handler, std::uint64_t arg, Priority priority) {
  if (free_head_ == no_slot) {
    const std::uint32_t slot = grow_slots();  // onto the free list, for at() to take
    slots_[slot].arg = no_slot;
    free_head_ = slot;
  }
  if (sequence_exhausted()) renumber();
  return at(when, handler, arg, priority);
}

EventId Simulator::insert_rare(Key key, EventId id) {
  insert(key);
  return id;
}

void Simulator::renumber() {
  // Reassign sequences 1..n in key order and rebuild the buckets from a zero base.
  const std::size_t pending = pending_count();
  std::vector<Key> keys(front_.begin(), front_.end());
  front_.clear();
  for (auto& bucket : buckets_) {
    keys.insert(keys.end(), bucket.begin(), bucket.end());
    bucket.clear();
  }
  std::sort(keys.begin(), keys.end());
  for (auto& mask : digit_mask_) mask = 0;
  position_mask_ = 0;
  last_ = 0;
  // The running event's key takes sequence 0 and the queued ones 1.., so it stays below every
  // queued key (at() and lower_base() rely on that).
  const std::uint64_t keep = ~((sequence_limit - 1) << slot_bits);
  running_ = make_key(time_of(running_), order_of(running_) & keep);
  sequence_ = sequence_one;
  for (const Key key : keys) {
    insert(make_key(time_of(key), (order_of(key) & keep) | sequence_));
    sequence_ += sequence_one;
  }
  uncounted_ = static_cast<std::int64_t>(pending) -
               static_cast<std::int64_t>((sequence_ >> slot_bits) - processed_);
}

EventId Simulator::at(Time when, std::function<void()> action, Priority priority) {
  // The slot that at() is about to allocate: reserve its closure first.
  const std::uint32_t slot =
      free_head_ == no_slot ? static_cast<std::uint32_t>(slots_.size()) : free_head_;
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
  return id.valid() && id.slot < slots_.size() && slots_[id.slot].live() &&
         slots_[id.slot].generation == id.generation;
}

bool Simulator::cancel(EventId id) {
  if (!pending(id)) return false;
  // The key stays in the heap and is discarded when it surfaces (its generation is stale).
  Slot& s = slots_[id.slot];
  ++s.generation;  // even: no longer pending
  --uncounted_;
  if (s.handler == closure_handler_) closures_[id.slot] = nullptr;
  // The slot is recycled only when its stale key leaves the heap (see step()).
  return true;
}

inline void Simulator::unmark(std::size_t bucket) {
  const std::size_t p = bucket / digits, d = bucket % digits;
  const auto left = static_cast<DigitMask>(digit_mask_[p] & ~(1u << d));
  digit_mask_[p] = left;
  // Without a branch: whether a position empties is as good as random to a predictor.
  position_mask_ &= ~(std::uint32_t{left == 0} << p);
}

inline std::size_t Simulator::lowest_bucket() const {
  const auto p = static_cast<std::size_t>(__builtin_ctz(position_mask_));
  return p * digits + static_cast<std::size_t>(__builtin_ctz(digit_mask_[p]));
}

void Simulator::insert_front(Key key) {
  // Keys at or below last_ come here (every key above it goes to a bucket).
  if (front_.size() >= front_limit) {
    lower_base(key);
    return;
  }
  // Descending order; the new key is usually among the next few events, near the end.
  front_.push_back(key);
  std::size_t i = front_.size() - 1;
  while (i > 0 && front_[i - 1] < key) {
    front_[i] = front_[i - 1];
    --i;
  }
  front_[i] = key;
}

void Simulator::lower_base(Key key) {
  // A burst of events below the run's largest key (many events for the current instant, for
  // instance) would make every insertion into the run cost its length. Instead the run goes
  // back into the buckets, with the base lowered from L to the running event's key R (the
  // run's keys and every newly scheduled one are at or above it). Let q be the highest digit
  // position where R and L differ (R's digit there is the lower). A bucket key placed
  // relative to L at position q or above agrees with L above its position and has a larger
  // digit there, so it has the same bucket relative to R. The keys below position q (near L,
  // scheduled since the run was formed) are placed again, so the cost is the run plus those.
  const Key base = running_;
  const auto high =
      static_cast<std::uint64_t>(base >> 64) ^ static_cast<std::uint64_t>(last_ >> 64);
  const auto low = static_cast<std::uint64_t>(base) ^ static_cast<std::uint64_t>(last_);
  const std::size_t q =
      high != 0
          ? (63 - static_cast<std::size_t>(__builtin_clzll(high))) / digit_bits + 64 / digit_bits
      : low != 0 ? (63 - static_cast<std::size_t>(__builtin_clzll(low))) / digit_bits
                 : 0;  // R = L: nothing to place again
  std::vector<Key> keys;
  keys.swap(front_);
  keys.push_back(key);
  for (std::size_t p = 0; p < q; ++p) {
    for (std::size_t d = 0; d < digits; ++d) {
      std::vector<Key>& bucket = buckets_[p * digits + d];
      keys.insert(keys.end(), bucket.begin(), bucket.end());
      bucket.clear();
    }
    digit_mask_[p] = 0;
    position_mask_ &= ~(std::uint32_t{1} << p);
  }
  last_ = base;
  place_again(keys);  // only key 0, before any event ran, can equal the base
}

void Simulator::place_again(const std::vector<Key>& keys) {
  for (const Key k : keys) {
    if (k > last_)
      push_key(k);
    else
      front_.push_back(k);  // equal to the base (every key here is at or above it)
  }
}

namespace {
// Sorts n distinct keys (n <= drained_keys) into descending order without a data-dependent
// branch: each key's place is the number of keys above it, one compare and one add-with-carry
// per ordered pair. An insertion sort did fewer comparisons but mispredicted its inner loop's
// exit about once per key, most of the queue's own time at 1e2-1e3 pending events
// (docs/reliability.md). The count of keys is a template argument and every loop is unrolled:
// with n only known at run time the loops' exits were themselves mispredicted, about once per
// key still. One indirect call per drained bucket picks the sort for its size (a no-op for one
// key: a test of n > 1 mispredicted).
//
// The keys of a bucket at position p agree in every bit from 4p up, and no two share a
// sequence number (bits 24-59), so when 4p <= 88 their bits 24-87 order them as the whole
// keys do: one 64-bit compare a pair instead of a 128-bit one ("narrow"). That covers every
// bucket whose keys lie within 2^24 ns (16.8 ms) of each other.
constexpr std::size_t narrow_shift = 24, narrow_top = 88;  // bits [24, 88)

template <std::size_t N, class Key, bool Narrow>
[[gnu::noinline]] void sort_descending_n(Key* keys) {
  Key copy[N];
  unsigned place[N] = {};
  if constexpr (Narrow) {
    std::uint64_t c[N];
#pragma GCC unroll 16
    for (std::size_t i = 0; i < N; ++i) {
      copy[i] = keys[i];
      c[i] = static_cast<std::uint64_t>(keys[i] >> narrow_shift);
    }
#pragma GCC unroll 16
    for (std::size_t i = 0; i < N; ++i)
#pragma GCC unroll 16
      for (std::size_t j = 0; j < N; ++j) place[i] += c[j] > c[i];
  } else {
#pragma GCC unroll 16
    for (std::size_t i = 0; i < N; ++i) copy[i] = keys[i];
#pragma GCC unroll 16
    for (std::size_t i = 0; i < N; ++i)
#pragma GCC unroll 16
      for (std::size_t j = 0; j < N; ++j) place[i] += copy[j] > copy[i];
  }
#pragma GCC unroll 16
  for (std::size_t i = 0; i < N; ++i) keys[place[i]] = copy[i];
}

template <class Key>
void sort_none(Key*) {}

template <class Key, bool Narrow, std::size_t... N>
constexpr auto sorts_by_size(std::index_sequence<N...>) {
  return std::array<void (*)(Key*), sizeof...(N)>{
      (N < 2 ? sort_none<Key> : sort_descending_n<(N < 2 ? 2 : N), Key, Narrow>)...};
}

template <class Key>
inline void sort_descending(Key* keys, std::size_t n, bool narrow) {
  static_assert(drained_keys <= 16, "the sorts' loops are unrolled 16 times at most");
  static constexpr auto narrow_sorts =
      sorts_by_size<Key, true>(std::make_index_sequence<drained_keys + 1>{});
  static constexpr auto wide_sorts =
      sorts_by_size<Key, false>(std::make_index_sequence<drained_keys + 1>{});
  (narrow ? narrow_sorts : wide_sorts)[n](keys);
}
}  // namespace

inline bool Simulator::settle() {
  while (front_.empty()) {
    if (position_mask_ == 0) return false;
    const std::size_t b = lowest_bucket();
    std::vector<Key>& from = buckets_[b];
    if (from.size() > drained_keys) {
      split(b);  // the run may get the bucket's lowest sixteenth, or stay empty
      continue;
    }
    // Few keys: they become the run. The other buckets keep their places: the new base has
    // the old one's digits above this bucket's position and this bucket's digit there, below
    // every other non-empty bucket's. Inline in step(), with no call of its own: it runs once
    // per run of events.
    take_run(from, b / digits);
    unmark(b);
  }
  return true;
}

inline void Simulator::take_run(std::vector<Key>& keys, std::size_t position) {
  // Sorted (descending) where they are, then swapped with the empty run, so that no key is
  // copied and `keys` keeps the run's storage; the largest becomes the base. Keys that agree
  // from digit `position` up differ in bits 24-87 when 4 * position <= 88 (the 64-bit sort).
  static_assert(narrow_shift == slot_bits && narrow_top - narrow_shift == 64);
  sort_descending(keys.data(), keys.size(), position * digit_bits <= narrow_top);
  front_.swap(keys);
  last_ = front_.front();
}

void Simulator::split(std::size_t b) {
  // Many keys: the base becomes the bucket's floor F (the old base's digits above this
  // bucket's position p, this bucket's digit at p, zeros below), not the bucket's smallest
  // key, so no pass looks for that key. F is above the old base, so above every key taken
  // out, and at or below this bucket's keys, which are below every other bucket's. A key
  // scheduled later at or below F goes to the run (insert()), below every bucket key, as it
  // must.
  std::vector<Key>& from = buckets_[b];
  const std::size_t p = b / digits;  // at least 2: a bucket at position 1 holds 16 keys at most
  const unsigned below = static_cast<unsigned>(p * digit_bits);
  const Key high = last_ & ~((Key{digits} << below) - 1);  // digits above p
  const Key base = high | (Key{b % digits} << below);
  last_ = base;
  // Every key here agrees with F down to position p, and every bucket below p is empty (b is
  // the lowest non-empty one). So a key whose digit at q = p - 1 is d > 0 belongs in bucket
  // (q, d), found from that digit alone, with no search for the highest differing digit. The
  // keys with digit 0 at q (F's digit there) are the bucket's lowest sixteenth: placed
  // relative to F they would scatter over the positions below q, nearly one to a bucket, and
  // each would then be drained as a run of its own (a quarter of all runs in the hold model
  // at 100 pending). They are gathered in bucket (q, 0) instead, which F's zero digit leaves
  // unused, and become the run, sorted, with its largest key as the base: a base that agrees
  // with F down to q, so every bucket key stays where it was placed.
  const std::size_t q = p - 1;
  // The digit lies in the key's time word (its high half) or its order word.
  static_assert(std::endian::native == std::endian::little && 64 % digit_bits == 0);
  const std::size_t word_offset = q >= 64 / digit_bits ? sizeof(std::uint64_t) : 0;
  const unsigned shift = static_cast<unsigned>((q % (64 / digit_bits)) * digit_bits);
  std::vector<Key>* const to = buckets_.data() + q * digits;
  unsigned marks = 0;
  for (const Key& key : from) {
    std::uint64_t word;
    std::memcpy(&word, reinterpret_cast<const char*>(&key) + word_offset, sizeof word);
    const auto digit = static_cast<std::size_t>((word >> shift) & (digits - 1));
    to[digit].push_back(key);
    marks |= 1u << digit;
  }
  if (const auto m = static_cast<DigitMask>(marks & ~1u); m != 0) {
    digit_mask_[q] = static_cast<DigitMask>(digit_mask_[q] | m);
    position_mask_ |= std::uint32_t{1} << q;
  }
  from.clear();
  unmark(b);
  std::vector<Key>& lowest = to[0];
  if (lowest.empty()) return;  // settle() takes the lowest bucket next
  if (lowest.size() <= drained_keys) [[likely]] {
    take_run(lowest, q);  // the run was empty (settle())
    return;
  }
  // More than one run sorts (a burst at one instant can do it): to the buckets below q, placed
  // relative to F, with which they agree down to q; a key equal to F goes to the run.
  place_again(lowest);
  lowest.clear();
}

Time Simulator::next_time() {
  return settle() ? Time::from_ns(time_of(front_.back())) : Time::max();
}

[[gnu::always_inline]] inline bool Simulator::step(Time until) {
  while (settle()) {
    const Key top = front_.back();
    if (time_of(top) > until.ns()) return false;
    front_.pop_back();
    const std::uint32_t slot = slot_of(order_of(top));
    Slot& s = slots_[slot];
    if (!s.live()) {
      // Cancelled: its stale key is gone now, so the slot can be recycled (no other event
      // could own it while the stale key was queued). It does not become running_: an event
      // that never ran must not lend its priority to events scheduled at now() (at()), and
      // its time may be later than now().
      s.arg = free_head_;
      free_head_ = slot;
      continue;
    }
    running_ = top;
    now_ = Time::from_ns(time_of(top));
    const HandlerId handler = s.handler;
    const std::uint64_t arg = s.arg;
    const Time period = s.period;
    ++processed_;
    if (period > Time::zero()) {
      // Periodic: re-queue the same slot before running, so the handler may cancel it.
      insert(make_key((now_ + period).ns(), next_order(priority_of(top), slot)));
    } else {
      release_slot(slot);
    }
    // While the handler runs, fetch the slots of the events most likely to come next: those of
    // the lowest non-empty bucket, when it holds few keys (the next event is among them unless
    // the handler schedules an earlier one). Past ~1e4 pending events the slot table outgrows
    // the caches, and reading the slot of the event taken out was most of step()'s own time (a
    // cache miss per event); the handler's work now hides it.
    if (prefetch_ && position_mask_ != 0) {
      const std::vector<Key>& next = buckets_[lowest_bucket()];
      if (next.size() <= prefetched_keys)
        for (const Key key : next) __builtin_prefetch(&slots_[slot_of(order_of(key))]);
    }
    const Entry& e = handlers_[handler];
    e.call(e.self, arg);
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
