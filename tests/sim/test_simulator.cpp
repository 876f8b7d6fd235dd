#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "sim/simulator.hpp"

using namespace joule::sim;

namespace joule::sim {
// Brings the engine's renumbering of its sequence numbers (otherwise due once in 6.9e10
// events) within `left` schedulings, keeping its count of pending events.
struct SimulatorProbe {
  static void bring_renumbering(Simulator& sim, std::uint64_t left) {
    const std::uint64_t before = sim.pending_count();
    sim.sequence_ = (Simulator::sequence_limit - left) << Simulator::slot_bits;
    sim.uncounted_ +=
        static_cast<std::int64_t>(before) - static_cast<std::int64_t>(sim.pending_count());
  }
};
}  // namespace joule::sim

TEST_CASE("events run in time order, then priority, then insertion order") {
  Simulator sim;
  std::string order;
  const HandlerId h = sim.bind([&](std::uint64_t c) { order += static_cast<char>(c); });
  sim.at(seconds(2), h, 'd');
  sim.at(seconds(1), h, 'b', 0);
  sim.at(seconds(1), h, 'a', -1);  // earlier priority wins the tie
  sim.at(seconds(1), h, 'c', 0);   // same time and priority: insertion order
  sim.at(seconds(3), h, 'f', 5);
  sim.at(seconds(3), h, 'e', 5);
  sim.run();
  CHECK(order == "abcdfe");
  CHECK(sim.now() == seconds(3));
  CHECK(sim.events_processed() == 6);
}

TEST_CASE("identical input gives identical order across many ties") {
  auto run_once = [] {
    Simulator sim;
    std::vector<std::uint64_t> seen;
    const HandlerId h = sim.bind([&](std::uint64_t v) { seen.push_back(v); });
    for (std::uint64_t i = 0; i < 1000; ++i)
      sim.at(seconds(static_cast<double>(i % 7)), h, i, static_cast<Priority>(i % 3));
    sim.run();
    return seen;
  };
  const auto a = run_once();
  CHECK(a == run_once());
  // Within (time, priority) groups the insertion order is kept.
  for (std::size_t k = 1; k < a.size(); ++k) {
    const auto p = a[k - 1], q = a[k];
    if (p % 7 == q % 7 && p % 3 == q % 3) CHECK(p < q);
  }
}

TEST_CASE("cancellation") {
  Simulator sim;
  int fired = 0;
  const HandlerId h = sim.bind([&](std::uint64_t) { ++fired; });
  const EventId a = sim.at(seconds(1), h);
  const EventId b = sim.at(seconds(2), h);
  CHECK(sim.pending(a));
  CHECK(sim.pending_count() == 2);
  CHECK(sim.cancel(a));
  CHECK_FALSE(sim.cancel(a));  // already cancelled
  CHECK_FALSE(sim.pending(a));
  CHECK(sim.pending_count() == 1);
  sim.run();
  CHECK(fired == 1);
  CHECK_FALSE(sim.cancel(b));  // already ran
  // A recycled slot does not revive an old id.
  const EventId c = sim.after(seconds(1), h);
  CHECK_FALSE(sim.cancel(a));
  CHECK(sim.pending(c));
}

TEST_CASE("a handler can cancel a later event and schedule new ones") {
  Simulator sim;
  std::vector<int> log;
  EventId later;
  const HandlerId late = sim.bind([&](std::uint64_t) { log.push_back(99); });
  later = sim.at(seconds(5), late);
  sim.at(seconds(1), [&] {
    log.push_back(1);
    sim.cancel(later);
    sim.after(seconds(1), [&] { log.push_back(2); });
    sim.after(seconds(1), [&] { log.push_back(3); });
  });
  sim.run();
  CHECK(log == std::vector<int>{1, 2, 3});
}

TEST_CASE("periodic events fire every period until cancelled") {
  Simulator sim;
  std::vector<double> times;
  EventId tick;
  const HandlerId h = sim.bind([&](std::uint64_t) {
    times.push_back(sim.now().seconds());
    if (times.size() == 4) sim.cancel(tick);
  });
  tick = sim.every(minutes(1), seconds(30), h);
  sim.run();
  CHECK(times == std::vector<double>{30, 90, 150, 210});
}

TEST_CASE("run_until stops at the horizon and advances the clock") {
  Simulator sim;
  int fired = 0;
  const HandlerId h = sim.bind([&](std::uint64_t) { ++fired; });
  sim.every(seconds(10), seconds(10), h);
  sim.run_until(seconds(35));
  CHECK(fired == 3);
  CHECK(sim.now() == seconds(35));
  sim.run_until(seconds(40));  // an event exactly at the horizon runs
  CHECK(fired == 4);
  CHECK_THROWS_AS(sim.run_until(seconds(1)), std::logic_error);
}

TEST_CASE("scheduling in the past is a logic error") {
  Simulator sim;
  sim.run_until(seconds(10));
  CHECK_THROWS_AS(sim.at(seconds(5), [] {}), std::logic_error);
}

TEST_CASE("stop ends the run after the current event") {
  Simulator sim;
  int fired = 0;
  const HandlerId h = sim.bind([&](std::uint64_t) {
    if (++fired == 2) sim.stop();
  });
  for (int i = 1; i <= 5; ++i) sim.at(seconds(i), h);
  sim.run();
  CHECK(fired == 2);
  CHECK(sim.pending_count() == 3);
}

TEST_CASE("hold pattern keeps a constant pending set and correct order") {
  Simulator sim;
  Time last;
  bool monotone = true;
  HandlerId h = 0;
  h = sim.bind([&](std::uint64_t k) {
    if (sim.now() < last) monotone = false;
    last = sim.now();
    if (sim.events_processed() < 10000)
      sim.after(Time::from_ns(static_cast<Time::rep>(k % 97 + 1)), h, k * 31 + 7);
  });
  for (std::uint64_t i = 0; i < 100; ++i) sim.at(Time::from_ns(static_cast<Time::rep>(i)), h, i);
  sim.run();
  CHECK(monotone);
  CHECK(sim.events_processed() == 10000 + 99);
}

TEST_CASE("an exception in a handler leaves the queue consistent") {
  Simulator sim;
  int fired = 0;
  sim.at(seconds(1), [] { throw std::runtime_error("boom"); });
  sim.at(seconds(2), [&] { ++fired; });
  CHECK_THROWS_AS(sim.run(), std::runtime_error);
  sim.run();
  CHECK(fired == 1);
}

TEST_CASE("an event for the current instant never runs before what already ran") {
  Simulator sim;
  std::string order;
  const HandlerId h = sim.bind([&](std::uint64_t c) { order += static_cast<char>(c); });
  sim.at(
      seconds(1),
      [&] {
        order += 'a';
        sim.at(sim.now(), h, 'c', -8);  // higher precedence than this event, same instant
      },
      5);
  sim.at(seconds(1), h, 'b', 5);
  sim.at(seconds(2), h, 'd', -8);
  sim.run();
  // 'c' takes priority 5: after 'b', which was already due at this instant and priority.
  CHECK(order == "abcd");
}

TEST_CASE("a cancelled event taken out last lends no priority to the next events") {
  // The run takes out 'a' at 1 s, then the cancelled event's key at 2 s, and ends at 1 s. The
  // two events scheduled then for 1 s must keep their own priorities: the cancelled event
  // never ran, and lending them its priority (0) put 'c' (5) before 'b' (-5).
  Simulator sim;
  std::string order;
  const HandlerId h = sim.bind([&](std::uint64_t c) { order += static_cast<char>(c); });
  sim.at(seconds(1), h, 'a');
  REQUIRE(sim.cancel(sim.at(seconds(2), h, 'x')));
  sim.run();
  CHECK(sim.now() == seconds(1));
  sim.at(sim.now(), h, 'c', 5);
  sim.at(sim.now(), h, 'b', -5);
  sim.run();
  CHECK(order == "abc");

  // The same through run_until(), which stops at the cancelled event's instant. Its priority,
  // 7, runs after both new ones', so lent, it put them in insertion order.
  Simulator later;
  std::string seen;
  const HandlerId g = later.bind([&](std::uint64_t c) { seen += static_cast<char>(c); });
  later.at(seconds(1), g, 'a');
  REQUIRE(later.cancel(later.at(seconds(2), g, 'x', 7)));
  later.run_until(seconds(2));
  later.at(seconds(2), g, 'c', 5);
  later.at(seconds(2), g, 'b', -5);
  later.run();
  CHECK(seen == "abc");
}

TEST_CASE("the queue orders large random workloads like a sort") {
  Simulator sim;
  std::vector<std::pair<std::int64_t, std::uint64_t>> expected, seen;
  const HandlerId h = sim.bind([&](std::uint64_t i) { seen.push_back({sim.now().ns(), i}); });
  std::uint64_t x = 88172645463325252ull;
  for (std::uint64_t i = 0; i < 50000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    const auto t = static_cast<std::int64_t>(x % 1000000007ull) * ((i % 3) ? 1 : 1000);
    expected.push_back({t, i});
    sim.at(Time::from_ns(t), h, i);
  }
  std::stable_sort(expected.begin(), expected.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  sim.run();
  CHECK(seen == expected);
}

namespace {

// xorshift64: a fixed, dependency-free stream for the randomized queue tests.
struct Xorshift {
  std::uint64_t x;
  std::uint64_t next() {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x;
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

// Runs a random mix of scheduling (delays from 0, i.e. the current instant, to 2^40 ns; every
// priority), cancellation and periodic events with about `pending` events queued, and checks
// every event against a reference: a std::set of (time, priority, sequence) with the engine's
// documented rules (an event for the current instant with a higher-precedence priority than
// the running one takes the running one's priority; a periodic event is re-queued, with a new
// sequence, before its handler runs). With `burst` > 0, one event in 64 also schedules `burst`
// events at once within a random span of 1 ns to 16 ms from now (every priority): more keys below
// the engine's sorted run of next events than the run may hold, so the run goes back into the radix
// buckets. With `renumber_every` > 0, every so many events the engine's sequence numbers are
// brought within 0-3 schedulings of their renumbering, and the pending count is checked after
// it. Returns the number of events checked.
std::uint64_t check_against_reference(std::size_t pending, std::uint64_t events, std::uint64_t seed,
                                      std::size_t burst = 0, std::uint64_t renumber_every = 0) {
  using RefKey = std::tuple<std::int64_t, int, std::uint64_t, std::uint64_t>;  // + event number
  struct Ref {
    EventId id;
    RefKey key;
    Time period;
    bool queued = false;
  };
  Simulator sim;
  Xorshift rng{seed};
  std::set<RefKey> reference;
  std::vector<Ref> all;  // by event number (the handler's argument)
  std::vector<std::uint64_t> cancellable;
  std::uint64_t sequence = 0, checked = 0, mismatches = 0;
  int running_priority = 0;
  HandlerId h = 0;

  auto schedule = [&](Time when, Priority priority, Time period) {
    const std::uint64_t n = all.size();
    int effective = priority;
    if (when == sim.now() && checked > 0 && priority < running_priority)
      effective = running_priority;
    const EventId id = period > Time::zero() ? sim.every(period, when, h, n, priority)
                                             : sim.at(when, h, n, priority);
    all.push_back({id, RefKey{when.ns(), effective, sequence++, n}, period, true});
    reference.insert(all.back().key);
    cancellable.push_back(n);
  };
  auto random_delay = [&]() -> Time {
    switch (rng.below(5)) {
      case 0:
        return Time::zero();
      case 1:
        return Time::from_ns(static_cast<Time::rep>(rng.below(16)));
      case 2:
        return Time::from_ns(static_cast<Time::rep>(rng.below(std::uint64_t{1} << 20)));
      case 3:
        return Time::from_ns(static_cast<Time::rep>(rng.below(std::uint64_t{1} << 30)));
      default:
        return Time::from_ns(static_cast<Time::rep>(rng.below(std::uint64_t{1} << 40)));
    }
  };
  auto random_priority = [&] { return static_cast<Priority>(static_cast<int>(rng.below(16)) - 8); };

  h = sim.bind([&](std::uint64_t n) {
    Ref& r = all[n];
    if (reference.empty() || *reference.begin() != r.key || !r.queued ||
        std::get<0>(r.key) != sim.now().ns()) {
      ++mismatches;
      sim.stop();
      return;
    }
    reference.erase(reference.begin());
    running_priority = std::get<1>(r.key);
    ++checked;
    if (r.period > Time::zero()) {
      r.key = RefKey{(sim.now() + r.period).ns(), running_priority, sequence++, n};
      reference.insert(r.key);
    } else {
      r.queued = false;
    }
    if (checked >= events) {
      sim.stop();
      return;
    }
    const bool renumbering = renumber_every > 0 && checked % renumber_every == 0;
    if (renumbering) SimulatorProbe::bring_renumbering(sim, rng.below(4));
    // Keep about `pending` queued: schedule 0, 1 or 2, cancel now and then.
    const std::size_t queued = reference.size();
    const int births = queued < pending ? 2 : queued > pending ? 0 : 1;
    for (int b = 0; b < births; ++b)
      schedule(sim.now() + random_delay(), random_priority(),
               rng.below(50) == 0 ? Time::from_ns(static_cast<Time::rep>(1 + rng.below(1 << 20)))
                                  : Time::zero());
    if (burst > 0 && rng.below(64) == 0) {
      const std::uint64_t span = std::uint64_t{1} << rng.below(24);
      for (std::size_t b = 0; b < burst; ++b)
        schedule(sim.now() + Time::from_ns(static_cast<Time::rep>(rng.below(span))),
                 random_priority(), Time::zero());
    }
    if (rng.below(8) == 0 && !cancellable.empty()) {
      const std::size_t i = rng.below(cancellable.size());
      const std::uint64_t victim = cancellable[i];
      cancellable[i] = cancellable.back();
      cancellable.pop_back();
      Ref& v = all[victim];
      const bool was_queued = v.queued;
      if (sim.cancel(v.id) != was_queued) ++mismatches;
      if (was_queued) {
        reference.erase(v.key);
        v.queued = false;
        schedule(sim.now() + random_delay(), random_priority(), Time::zero());  // replace it
      }
    }
    if (renumbering && sim.pending_count() != reference.size()) ++mismatches;
  });
  for (std::size_t i = 0; i < pending; ++i)
    schedule(random_delay(), random_priority(), Time::zero());
  sim.run();
  CHECK(mismatches == 0);
  CHECK(sim.pending_count() == reference.size());
  return checked;
}

}  // namespace

TEST_CASE("the queue matches a reference set from 1 to 100,000 pending events") {
  // Ties at the current instant, every priority, cancellations and periodic events, at pending
  // counts from one event (a bucket per key) to 1e5 (keys spread over many digit positions).
  for (const std::size_t pending : {1, 2, 7, 100, 1000, 100000}) {
    CAPTURE(pending);
    const std::uint64_t events = pending >= 100000 ? 400000 : 60000;
    CHECK(check_against_reference(pending, events, 0x9E3779B97F4A7C15ull + pending) == events);
  }
}

TEST_CASE("bursts of events in the near future keep the reference order") {
  // The engine takes the next events from a short sorted run (at most 64 keys) and inserts a
  // new key below the run's largest into it; a burst of hundreds overflows the run, which then
  // goes back into the buckets with the base lowered to the running event's key. Checked at a
  // pending count where the run is usually full (1,000) and where the buckets below the base
  // hold many keys (20,000), and with bursts of 70 (just over the run) and 2,000.
  for (const std::size_t pending : {1, 1000, 20000}) {
    for (const std::size_t burst : {70, 2000}) {
      CAPTURE(pending);
      CAPTURE(burst);
      const std::uint64_t events = 50000;
      CHECK(check_against_reference(pending, events, 0xD1B54A32D192ED03ull + pending + burst,
                                    burst) == events);
    }
  }
}

TEST_CASE("renumbering the sequence keeps the order and the pending count") {
  // The sequence numbers that order ties are renumbered from 1, in key order, before they could
  // overflow their 36 bits: from at(), or from a periodic event's re-queue. Brought due every
  // 97 events, with ties, cancellations, periodic events and bursts below the sorted run.
  for (const std::size_t pending : {1, 100, 5000}) {
    CAPTURE(pending);
    CHECK(check_against_reference(pending, 30000, 0xA0761D6478BD642Full + pending, 70, 97) ==
          30000);
  }
}

TEST_CASE("events for one instant run in insertion order however many arrive at once") {
  // 10 events at t = 1000..1009 fill the sorted run; the first schedules 5,000 more at
  // t = 1000 (now) and 5,000 at t = 1005, all priority 0: they run after the ones already
  // queued for the same instant, in the order they were scheduled.
  Simulator sim;
  std::vector<std::pair<std::int64_t, std::uint64_t>> seen;
  HandlerId h = 0;
  h = sim.bind([&](std::uint64_t i) {
    seen.push_back({sim.now().ns(), i});
    if (i == 0)
      for (std::uint64_t j = 0; j < 10000; ++j)
        sim.at(Time::from_ns(j % 2 == 0 ? 1000 : 1005), h, 100 + j);
  });
  for (std::uint64_t i = 0; i < 10; ++i) sim.at(Time::from_ns(1000 + static_cast<int>(i)), h, i);
  sim.run();
  std::vector<std::pair<std::int64_t, std::uint64_t>> expected = {{1000, 0}};
  for (std::uint64_t j = 0; j < 10000; j += 2) expected.push_back({1000, 100 + j});
  for (std::uint64_t i = 1; i < 5; ++i) expected.push_back({1000 + static_cast<int>(i), i});
  expected.push_back({1005, 5});
  for (std::uint64_t j = 1; j < 10000; j += 2) expected.push_back({1005, 100 + j});
  for (std::uint64_t i = 6; i < 10; ++i) expected.push_back({1000 + static_cast<int>(i), i});
  CHECK(seen == expected);
  CHECK(sim.pending_count() == 0);
}

TEST_CASE("events near the ends of the time range keep their order") {
  // Keys that differ only in the highest time bits (digit positions in the upper half of the
  // key) and only in the order half (same instant), next to zero and to Time::max().
  Simulator sim;
  std::vector<std::uint64_t> seen;
  const HandlerId h = sim.bind([&](std::uint64_t v) { seen.push_back(v); });
  const Time::rep top = Time::max().ns();
  const std::vector<Time::rep> times = {top,
                                        top - 1,
                                        top - 15,
                                        top - 16,
                                        top >> 1,
                                        (top >> 1) + 1,
                                        1,
                                        0,
                                        top - 1,
                                        Time::rep{1} << 62,
                                        (Time::rep{1} << 62) - 1,
                                        top,
                                        0};
  std::vector<std::pair<std::pair<Time::rep, int>, std::uint64_t>> expected;
  for (std::uint64_t i = 0; i < times.size(); ++i) {
    const auto priority = static_cast<Priority>(static_cast<int>(i % 3) - 1);
    sim.at(Time::from_ns(times[i]), h, i, priority);
    expected.push_back({{times[i], priority}, i});
  }
  std::stable_sort(expected.begin(), expected.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  CHECK(sim.next_time() == Time::zero());
  sim.run_until(Time::from_ns(top - 16));
  CHECK(sim.now() == Time::from_ns(top - 16));
  sim.run();
  CHECK(sim.now() == Time::max());
  REQUIRE(seen.size() == expected.size());
  for (std::size_t k = 0; k < seen.size(); ++k) CHECK(seen[k] == expected[k].second);
  CHECK(sim.next_time() == Time::max());
  CHECK(sim.pending_count() == 0);
}

TEST_CASE("an empty queue and a single pending event") {
  Simulator sim;
  CHECK(sim.next_time() == Time::max());
  sim.run();  // nothing to do
  CHECK(sim.events_processed() == 0);
  // One event in the queue at a time: every pop takes a bucket holding a single key.
  HandlerId h = 0;
  std::int64_t last = -1;
  bool monotone = true;
  h = sim.bind([&](std::uint64_t k) {
    if (sim.now().ns() <= last) monotone = false;
    last = sim.now().ns();
    if (k < 5000)
      sim.after(Time::from_ns(static_cast<Time::rep>((k * 2654435761u) % 100000 + 1)), h, k + 1);
  });
  sim.at(Time::zero(), h, 0);
  sim.run();
  CHECK(monotone);
  CHECK(sim.events_processed() == 5001);
  CHECK(sim.pending_count() == 0);
}

TEST_CASE("a key equal to its bucket's floor, and keys scheduled at or below the floor") {
  // A bucket of more than 16 keys is split with the base set to the bucket's floor (the old
  // base's digits above the bucket's position, its digit there, zeros below), which is not
  // normally a key. The first event scheduled at priority -8 has order bits zero, so at
  // t = 2^20 ns its key is exactly the floor of its bucket. Its handler schedules events at
  // t = 2^20 (below the floor by priority: after it, in insertion order) and just above it,
  // among the 40 keys still to be split.
  Simulator sim;
  std::vector<std::pair<std::int64_t, std::uint64_t>> seen;
  HandlerId h = 0;
  h = sim.bind([&](std::uint64_t i) {
    seen.push_back({sim.now().ns(), i});
    if (i == 0) {
      sim.at(sim.now(), h, 100, -8);                    // same instant, runs next
      sim.at(sim.now() + Time::from_ns(1), h, 101, 7);  // before every other key
      sim.at(sim.now() + Time::from_ns(500), h, 102);   // between two of them
    }
  });
  const std::int64_t floor = std::int64_t{1} << 20;
  sim.at(Time::from_ns(floor), h, 0, -8);
  for (std::uint64_t i = 1; i <= 40; ++i)
    sim.at(Time::from_ns(floor + static_cast<std::int64_t>(i) * 1000), h, i);
  sim.run();
  std::vector<std::pair<std::int64_t, std::uint64_t>> expected = {
      {floor, 0}, {floor, 100}, {floor + 1, 101}, {floor + 500, 102}};
  for (std::uint64_t i = 1; i <= 40; ++i)
    expected.push_back({floor + static_cast<std::int64_t>(i) * 1000, i});
  CHECK(seen == expected);
  CHECK(sim.pending_count() == 0);
}

TEST_CASE("more than sixteen keys in a split's lowest sixteenth are placed again, in order") {
  // With the clock at 0, events at t = 2^40 ns and 2^40 + 1 ns first differ from the base in
  // the time's digit 10 (4-bit digits: bucket (26, 1)). The bucket's split sorts its keys by
  // the time's digit 9, which is 0 for all 41: all of them are its lowest sixteenth, more than
  // one run sorts, so they are placed again below it (Simulator::split()), by the digits where
  // they differ: the order word's priority and sequence. The first to run schedules two events
  // at its own instant (at or below the split's floor: into the run) and one 1 ns later.
  Simulator sim;
  std::vector<std::uint64_t> seen;
  HandlerId h = 0;
  const std::int64_t t = std::int64_t{1} << 40;
  h = sim.bind([&](std::uint64_t i) {
    seen.push_back(i);
    if (seen.size() == 1) {
      sim.at(sim.now(), h, 200, 2);
      sim.at(sim.now(), h, 201, -3);  // takes the running event's priority, -2 (at())
      sim.at(sim.now() + Time::from_ns(1), h, 202, -3);
    }
  });
  // (time, priority it runs at, insertion, argument)
  std::vector<std::tuple<std::int64_t, int, int, std::uint64_t>> expected_keys;
  for (std::uint64_t i = 0; i < 40; ++i) {
    const int priority = static_cast<int>((i * 7 + 3) % 5) - 2;  // -2..2, scrambled
    sim.at(Time::from_ns(t), h, i, static_cast<Priority>(priority));
    expected_keys.push_back({t, priority, static_cast<int>(i), i});
  }
  sim.at(Time::from_ns(t + 1), h, 100);
  expected_keys.push_back({t + 1, 0, 40, 100});
  expected_keys.push_back({t, 2, 41, 200});
  expected_keys.push_back({t, -2, 42, 201});
  expected_keys.push_back({t + 1, -3, 43, 202});
  sim.run();
  std::sort(expected_keys.begin(), expected_keys.end());
  std::vector<std::uint64_t> expected;
  for (const auto& k : expected_keys) expected.push_back(std::get<3>(k));
  CHECK(seen == expected);
  CHECK(sim.pending_count() == 0);
}

// Schedules n events at times time_of(k) and priorities -1..1, k = (7i + 3) mod n for the i-th
// (so times repeat and arrive scrambled), runs them, and checks that they ran in (time,
// priority, insertion) order.
template <class TimeOf>
void check_scrambled_bucket(std::uint64_t n, TimeOf time_of, const std::string& label) {
  Simulator sim;
  std::vector<std::uint64_t> seen;
  const HandlerId h = sim.bind([&](std::uint64_t i) { seen.push_back(i); });
  std::vector<std::tuple<std::int64_t, int, std::uint64_t>> expected;
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t scrambled = (i * 7 + 3) % n;
    const std::int64_t time = time_of(scrambled);
    const int priority = static_cast<int>(scrambled % 3) - 1;
    sim.at(Time::from_ns(time), h, i, static_cast<Priority>(priority));
    expected.push_back({time, priority, i});
  }
  std::sort(expected.begin(), expected.end());
  sim.run();
  std::vector<std::uint64_t> order;
  for (const auto& e : expected) order.push_back(std::get<2>(e));
  CHECK_MESSAGE(seen == order, label);
}

TEST_CASE("a bucket of 1 to 20 keys, in any order and with ties, runs sorted") {
  // Keys within 15 ns of each other share one bucket of the lowest digit, which is sorted
  // whole (up to 16 keys) or split first (more).
  for (std::uint64_t n = 1; n <= 20; ++n)
    check_scrambled_bucket(
        n, [](std::uint64_t k) { return static_cast<std::int64_t>(1000 + k % 5); },
        "n = " + std::to_string(n));
}

TEST_CASE("a bucket's keys sort alike whether they span nanoseconds or years") {
  // Up to 16 keys with times in [2^4q, 2^(4q+1)) share one bucket (digit 1 at time digit q)
  // and are sorted whole when it is drained. Up to q = 6 (times below 2^28 ns) the sort
  // compares 64 of the keys' 128 bits; above, all of them. A sort that compared too few bits
  // at either size would run some event out of order.
  for (unsigned q = 1; q <= 14; ++q) {
    const std::int64_t floor = std::int64_t{1} << (4 * q);
    for (std::uint64_t n = 2; n <= 16; ++n)
      check_scrambled_bucket(
          n,
          [floor](std::uint64_t k) {
            return floor + static_cast<std::int64_t>(k % 5) * (floor / 8);
          },
          "q = " + std::to_string(q) + ", n = " + std::to_string(n));
  }
}

TEST_CASE("handlers bound as a std::function and as any callable, moved-only included") {
  // bind() stores a lambda (or any callable) as itself and calls it directly; a Handler
  // (std::function) is stored too. Both run with their argument, and the simulator owns both:
  // a callable's captures are destroyed with it.
  auto alive = std::make_shared<int>(0);
  std::vector<std::uint64_t> seen;
  {
    Simulator sim;
    const Handler as_function = [&](std::uint64_t a) { seen.push_back(a); };
    const HandlerId f = sim.bind(as_function);
    auto owned = std::make_unique<int>(7);
    const HandlerId g = sim.bind([&seen, owned = std::move(owned), keep = alive](std::uint64_t a) {
      seen.push_back(a * static_cast<std::uint64_t>(*owned));
    });
    CHECK(alive.use_count() == 2);
    sim.at(Time::from_ns(2), g, 3);
    sim.at(Time::from_ns(1), f, 5);
    sim.run();
  }
  CHECK(seen == std::vector<std::uint64_t>{5, 21});
  CHECK(alive.use_count() == 1);
}
