// Members 0..n−1 (a thermal network's groups, a data hall's racks) kept in lists (a class of
// groups in the same state, a cohort of racks reported at the same inlet), each member in at
// most one list at a time: doubly linked through one per-member record of its two neighbours,
// so that a member moves between lists in O(1) and a list's members are walked without a
// search. The two neighbours sit side by side: moving a member of a large list touches one
// cache line per member involved (itself, its neighbours, the list's head), not two. A list is
// any owner with `int head` (first member, −1 when empty) and `int count`; the owner keeps which
// list a member is in.
#pragma once

#include <cstddef>
#include <vector>

namespace joule::models::cooling {

struct MemberLists {
  struct Link {
    int next = -1, prev = -1;  // −1: none
  };
  std::vector<Link> link;  // per member

  // n members, in no list.
  void assign(std::size_t n) { link.assign(n, Link{}); }
  int next(int member) const { return link[static_cast<std::size_t>(member)].next; }
  int prev(int member) const { return link[static_cast<std::size_t>(member)].prev; }
  template <typename List>
  void push_front(List& list, int member) {
    Link& m = link[static_cast<std::size_t>(member)];
    m.prev = -1;
    m.next = list.head;
    if (list.head >= 0) link[static_cast<std::size_t>(list.head)].prev = member;
    list.head = member;
    ++list.count;
  }
  template <typename List>
  void unlink(List& list, int member) {
    const Link m = link[static_cast<std::size_t>(member)];
    if (m.prev >= 0)
      link[static_cast<std::size_t>(m.prev)].next = m.next;
    else
      list.head = m.next;
    if (m.next >= 0) link[static_cast<std::size_t>(m.next)].prev = m.prev;
    --list.count;
  }
  // Every member of `from` (its last member `last`, found by the caller's walk) in front of
  // `into`'s, in their order; `from` is left empty.
  template <typename List>
  void splice_front(List& into, List& from, int last) {
    if (from.head < 0) return;
    link[static_cast<std::size_t>(last)].next = into.head;
    if (into.head >= 0) link[static_cast<std::size_t>(into.head)].prev = last;
    into.head = from.head;
    into.count += from.count;
    from.head = -1;
    from.count = 0;
  }
};

}  // namespace joule::models::cooling
