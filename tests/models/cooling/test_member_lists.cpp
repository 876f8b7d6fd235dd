// MemberLists (#20): the intrusive doubly linked lists that hold a thermal network's classes of
// groups and a data hall's cohorts of racks. Driven through random moves and splices against a
// plain list per owner: the same members, in the same order, with the same counts.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <vector>

#include "models/cooling/member_lists.hpp"
#include "tests/test_lcg.hpp"

using joule::models::cooling::MemberLists;

namespace {

struct Owner {
  int head = -1, count = 0;
};

std::vector<int> walk(const MemberLists& m, const Owner& o) {
  std::vector<int> out;
  for (int i = o.head; i >= 0; i = m.next(i)) out.push_back(i);
  return out;
}

}  // namespace

TEST_CASE("member lists move, unlink and splice members as plain lists do") {
  constexpr int members = 60, owners = 7;
  MemberLists m;
  m.assign(members);
  std::vector<Owner> lists(owners);
  std::vector<std::deque<int>> want(owners);
  std::vector<int> owner_of(members, -1);
  joule::test::Lcg lcg(99);  // the test's own sequence
  const auto next = [&] { return lcg.next(); };
  int splices = 0;
  for (int k = 0; k < 5000; ++k) {
    const auto member = static_cast<int>(next() % members);
    const auto to = static_cast<int>(next() % owners);
    if (next() % 10 == 0) {  // splice one whole list in front of another
      const auto from = static_cast<int>(next() % owners);
      if (from == to || lists[static_cast<std::size_t>(from)].head < 0) continue;
      const std::vector<int> moving = walk(m, lists[static_cast<std::size_t>(from)]);
      m.splice_front(lists[static_cast<std::size_t>(to)], lists[static_cast<std::size_t>(from)],
                     moving.back());
      auto& w = want[static_cast<std::size_t>(to)];
      w.insert(w.begin(), moving.begin(), moving.end());
      want[static_cast<std::size_t>(from)].clear();
      for (const int i : moving) owner_of[static_cast<std::size_t>(i)] = to;
      ++splices;
    } else {  // move one member to the front of a list (out of its own, if any)
      const int from = owner_of[static_cast<std::size_t>(member)];
      if (from >= 0) {
        m.unlink(lists[static_cast<std::size_t>(from)], member);
        auto& w = want[static_cast<std::size_t>(from)];
        w.erase(std::find(w.begin(), w.end(), member));
      }
      if (next() % 5 == 0) {  // out of every list
        owner_of[static_cast<std::size_t>(member)] = -1;
      } else {
        m.push_front(lists[static_cast<std::size_t>(to)], member);
        want[static_cast<std::size_t>(to)].push_front(member);
        owner_of[static_cast<std::size_t>(member)] = to;
      }
    }
    for (int o = 0; o < owners; ++o) {
      const auto& w = want[static_cast<std::size_t>(o)];
      const Owner& l = lists[static_cast<std::size_t>(o)];
      REQUIRE(walk(m, l) == std::vector<int>(w.begin(), w.end()));
      REQUIRE(l.count == static_cast<int>(w.size()));
      if (l.head >= 0) REQUIRE(m.prev(l.head) == -1);
      // The back links, kept beside the forward ones: from the last member back to the head
      // they give the list reversed.
      std::vector<int> back;
      for (int i = w.empty() ? -1 : w.back(); i >= 0; i = m.prev(i)) back.push_back(i);
      REQUIRE(std::vector<int>(back.rbegin(), back.rend()) == std::vector<int>(w.begin(), w.end()));
    }
  }
  CHECK(splices > 50);
}
