// A uniform job's last evaluations: the inputs of a phase's node power, and what they gave.
//
// A phase of a uniform job (World::place_uniform()) evaluates the job's node model once for all
// its racks: the node's power at the job's load and the racks' inlet (Node::evaluate, with the
// accelerators' clock solve), its split parts and its histogram bins. Without a power floor
// (whose state follows each evaluation in turn) that result depends on these inputs alone. A
// training job's phases take a few loads in turn (its steps, its checkpoints, a restart), and
// inlets move a few times a day while a job's phases come minutes apart, so most phases repeat
// one of the job's last two evaluations. Kept here, such a phase takes the result instead of
// evaluating again; the inputs are compared bit for bit, so the result is the same bits.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <memory>

#include "models/compute/node.hpp"

namespace joule::models::world {

// Whether two node loads are the same bits (so that any pure function of them gives the same
// bits): 0.0 and -0.0 differ here, and a NaN is its own bits.
inline bool same_bits(const compute::NodeLoad& a, const compute::NodeLoad& b) {
  const auto bits = [](double x) { return std::bit_cast<std::uint64_t>(x); };
  if (a.busy_accelerators != b.busy_accelerators ||
      bits(a.per_accelerator.core_bound) != bits(b.per_accelerator.core_bound) ||
      bits(a.cpu_util) != bits(b.cpu_util) || bits(a.nic_util) != bits(b.nic_util) ||
      bits(a.utilization) != bits(b.utilization))
    return false;
  for (std::size_t k = 0; k < compute::op_count; ++k)
    if (bits(a.per_accelerator.per_s[k]) != bits(b.per_accelerator.per_s[k])) return false;
  return true;
}

// The last two results kept with their inputs; a third input replaces the one used longer ago.
template <class Result>
class RecentEvaluations {
public:
  // The load last: a lookup compares the rest first, and a kept entry for another phase (the
  // other of two loads taken in turn) mostly differs in the load's first fields, so that it is
  // told apart by its first cache line.
  struct Inputs {
    const void* model = nullptr;  // the job's model (a replay's fixed power comes from it)
    const void* node = nullptr;   // the job's capped node model, or null: the pool's
    std::uint32_t pool = 0;       // the pool whose model it runs on
    double inlet_c = 0.0;
    compute::NodeLoad load;
  };

  // The result kept for inputs bit-identical to `in`, or null. The holder may add to a result
  // what follows from it alone (World::KeptState's sums).
  Result* find(const Inputs& in) { return find(in.load, in.inlet_c, in.model, in.node, in.pool); }
  // The same with the inputs given apart: a lookup makes no copy of the load (a phase's lookup
  // mostly finds, and a copy was 150 bytes written to be read once).
  Result* find(const compute::NodeLoad& load, double inlet_c, const void* model, const void* node,
               std::uint32_t pool) {
    for (std::uint8_t k = 0; k < entries_.size(); ++k) {
      Entry& e = entries_[k];
      if (e.valid && e.in.model == model && e.in.node == node && e.in.pool == pool &&
          std::bit_cast<std::uint64_t>(e.in.inlet_c) == std::bit_cast<std::uint64_t>(inlet_c) &&
          same_bits(e.in.load, load)) {
        entries_[0].newest = k;
        return &e.result;
      }
    }
    return nullptr;
  }
  // Keeps `result` for `in`. `owner` holds what in.node points to (a capped node model, which
  // is replaced, not changed, when the cap moves): kept alive with the entry, so that no later
  // node model takes its address while the entry can still be found.
  Result& keep(const Inputs& in, const Result& result, std::shared_ptr<const void> owner) {
    entries_[0].newest ^= 1;
    Entry& e = entries_[entries_[0].newest];
    e.in = in;
    e.result = result;
    e.owner = std::move(owner);
    e.valid = true;
    return e.result;
  }
  void clear() {
    for (Entry& e : entries_) {
      e.valid = false;
      e.owner.reset();
    }
  }

private:
  // Each entry from a cache line's start, `valid` in its first line with the inputs compared
  // first (the kept entries are cold when a phase looks them up).
  struct alignas(64) Entry {
    bool valid = false;
    // The entry found or kept last: entries_[0]'s alone is used, in the line every lookup
    // reads first (after the entries it took a line of its own).
    std::uint8_t newest = 1;
    Inputs in;
    Result result{};
    std::shared_ptr<const void> owner;
  };
  std::array<Entry, 2> entries_{};
};

}  // namespace joule::models::world
