#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/simulator.hpp"

using namespace joule::sim;

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
