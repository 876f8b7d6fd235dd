// ClusterState's set of free nodes (NodeSet: a bit per node) against std::set, which it
// replaced: the same members, in the same (id) order, after every insert and erase.
#include <doctest/doctest.h>

#include <cstdint>
#include <set>
#include <vector>

#include "models/world/cluster_state.hpp"
#include "tests/test_lcg.hpp"

using namespace joule;
using namespace joule::models;

namespace {

std::vector<std::uint32_t> members(const world::NodeSet& s) {
  std::vector<std::uint32_t> out;
  for (const std::uint32_t id : s) out.push_back(id);
  return out;
}

}  // namespace

TEST_CASE("a node set by hand: word edges, order, repeated inserts and erases") {
  world::NodeSet s(130);  // three words, the last holding ids 128 and 129
  CHECK(s.empty());
  CHECK(s.begin() == s.end());
  for (const std::uint32_t id : {129u, 64u, 0u, 63u, 64u, 128u}) s.insert(id);
  CHECK(s.size() == 5);  // 64 inserted twice
  CHECK(members(s) == std::vector<std::uint32_t>{0, 63, 64, 128, 129});
  s.erase(63);
  s.erase(63);  // not a member any more: no change
  s.erase(1);   // never one
  CHECK(s.size() == 4);
  CHECK(!s.contains(63));
  CHECK(s.contains(128));
  auto it = s.begin();
  CHECK(*it++ == 0);  // post-increment gives the old position
  CHECK(*it == 64);
  s.erase(0);
  s.erase(64);
  s.erase(128);
  s.erase(129);
  CHECK(s.empty());
  CHECK(members(s).empty());
}

TEST_CASE("a node set after 20,000 random inserts and erases equals a std::set") {
  test::Lcg g(7);
  const std::uint32_t n = 1000;
  world::NodeSet s(n);
  std::set<std::uint32_t> want;
  for (int step = 0; step < 20000; ++step) {
    // Runs of consecutive ids, as jobs take and give back their nodes.
    const auto first = static_cast<std::uint32_t>(g.next() % n);
    const auto count = static_cast<std::uint32_t>(1 + g.next() % 70);
    const bool insert = g.next() % 2 == 0;
    for (std::uint32_t id = first; id < std::min(n, first + count); ++id) {
      if (insert) {
        s.insert(id);
        want.insert(id);
      } else {
        s.erase(id);
        want.erase(id);
      }
    }
    REQUIRE(s.size() == want.size());
    if (step % 97 == 0) REQUIRE(members(s) == std::vector<std::uint32_t>(want.begin(), want.end()));
  }
  CHECK(members(s) == std::vector<std::uint32_t>(want.begin(), want.end()));
  for (std::uint32_t id = 0; id < n; ++id) CHECK(s.contains(id) == (want.count(id) == 1));
}

TEST_CASE("a cluster's free nodes follow their state, in id order") {
  compute::ClusterSpec spec;
  spec.racks.assign(3, compute::RackSpec{});
  for (auto& r : spec.racks) r.nodes = 40;  // 120 nodes: across two words
  sim::Simulator sim;
  world::ClusterState state(spec, sim, 25.0);
  CHECK(state.free_nodes().size() == 120);
  for (std::uint32_t id = 30; id < 70; ++id)
    state.set_node_state(id, scheduling::NodeState::on, false, sim::Time::max());
  state.set_node_state(100, scheduling::NodeState::sleeping, true, sim::Time::max());
  CHECK(state.free_nodes().size() == 79);  // 120 − 40 busy − 1 asleep
  std::vector<std::uint32_t> want;
  for (std::uint32_t id = 0; id < 120; ++id)
    if ((id < 30 || id >= 70) && id != 100) want.push_back(id);
  CHECK(members(state.free_nodes()) == want);
}

TEST_CASE("a cluster counts the rack inlets set, so that a reader may keep a comparison") {
  compute::ClusterSpec spec;
  spec.racks.assign(3, compute::RackSpec{});
  for (auto& r : spec.racks) r.nodes = 4;
  sim::Simulator sim;
  world::ClusterState state(spec, sim, 25.0);
  const std::uint64_t before = state.inlets_set();
  state.set_rack_inlet_c(1, 27.5);
  CHECK(state.inlets_set() == before + 1);
  CHECK(state.rack_inlet_c(1) == 27.5);
  CHECK(state.node(state.rack_begin(1)).inlet_c == 27.5);
  CHECK(state.rack_inlet_c(0) == 25.0);
  // Set again to the same value: counted all the same (the count says "maybe changed").
  state.set_rack_inlet_c(1, 27.5);
  CHECK(state.inlets_set() == before + 2);
}
