// Members 0..n−1 (a thermal network's groups, a data hall's racks) kept in lists (a class of
// groups in the same state, a cohort of racks reported at the same inlet), each member in at
// most one list at a time: doubly linked through two per-member arrays, so that a member moves
// between lists in O(1) and a list's members are walked without a search. A list is any owner
// with `int head` (first member, −1 when empty) and `int count`; the owner keeps which list a
// member is in.
#pragma once

#include <cstddef>
#include <vector>

namespace joule::models::cooling {

struct MemberLists {
  std::vector<int> next, prev;  // per member; −1: none

  // n members, in no list.
  void assign(std::size_t n) {
    next.assign(n, -1);
    prev.assign(n, -1);
  }
  template <typename List>
  void push_front(List& list, int member) {
    const auto m = static_cast<std::size_t>(member);
    prev[m] = -1;
    next[m] = list.head;
    if (list.head >= 0) prev[static_cast<std::size_t>(list.head)] = member;
    list.head = member;
    ++list.count;
  }
  template <typename List>
  void unlink(List& list, int member) {
    const auto m = static_cast<std::size_t>(member);
    const int before = prev[m], after = next[m];
    if (before >= 0)
      next[static_cast<std::size_t>(before)] = after;
    else
      list.head = after;
    if (after >= 0) prev[static_cast<std::size_t>(after)] = before;
    --list.count;
  }
  // Every member of `from` (its last member `last`, found by the caller's walk) in front of
  // `into`'s, in their order; `from` is left empty.
  template <typename List>
  void splice_front(List& into, List& from, int last) {
    if (from.head < 0) return;
    next[static_cast<std::size_t>(last)] = into.head;
    if (into.head >= 0) prev[static_cast<std::size_t>(into.head)] = last;
    into.head = from.head;
    into.count += from.count;
    from.head = -1;
    from.count = 0;
  }
};

}  // namespace joule::models::cooling
