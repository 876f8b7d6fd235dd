// Whether a job's racks are all at one inlet, and how long that answer holds.
//
// A phase of a uniform job (World::place_uniform()) evaluates its node power once for all its
// racks, which is right only while every rack is at the bit-identical inlet: the evaluation sees
// a rack through its inlet alone. Inlets move a few times a day at most, and a job's phases come
// minutes apart, so the answer is kept with the ClusterState::inlets_set() count at which it was
// found, and the racks' inlets are read again only once some rack's inlet was set since (any
// rack's, the same value or not: the count says "maybe changed").
#pragma once

#include <bit>
#include <cstdint>
#include <span>

#include "models/world/cluster_state.hpp"

namespace joule::models::world {

// Whether every rack of `racks` is at the inlet of the first, bit for bit. `checked` is the
// inlets_set() at which the caller last had true for these racks: while no inlet was set since,
// the answer stands and no inlet is read; a true found again stamps `checked` with the count now.
inline bool at_one_inlet(const ClusterState& state, std::span<const ClusterState::RackNodes> racks,
                         std::uint64_t& checked) {
  if (checked == state.inlets_set() || racks.empty()) return true;
  const std::span<const double> inlets = state.rack_inlets_c();
  const auto inlet = std::bit_cast<std::uint64_t>(inlets[racks.front().rack]);
  for (const ClusterState::RackNodes& r : racks)
    if (std::bit_cast<std::uint64_t>(inlets[r.rack]) != inlet) return false;
  checked = state.inlets_set();
  return true;
}

}  // namespace joule::models::world
