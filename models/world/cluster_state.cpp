#include "models/world/cluster_state.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <type_traits>

#include "models/world/job_runner.hpp"

namespace joule::models::world {

ClusterState::ClusterState(const compute::ClusterSpec& spec, const sim::Simulator& sim,
                           double inlet_c)
    : sim_(sim), free_(static_cast<std::size_t>(spec.node_count())) {
  const std::size_t rack_count = spec.racks.size();
  nodes_.resize(static_cast<std::size_t>(spec.node_count()));
  racks_.resize(rack_count);
  rack_first_node_.resize(rack_count + 1);
  rack_inlet_c_.assign(rack_count, inlet_c);
  // A spec without pools (built by hand) has its racks in pool 0.
  pool_it_w_.assign(std::max<std::size_t>(1, spec.pools.size()), 0.0);
  pool_chip_w_.assign(pool_it_w_.size(), 0.0);
  // One entry past the last node, never followed: racks_accelerators() reads a stale rack's
  // first entry before it knows whether the rack has nodes (a last rack of none reads this).
  follows_.assign(nodes_.size() + 1, nullptr);
  rack_pool_.resize(rack_count);
  for (std::size_t r = 0; r < rack_count; ++r)
    rack_pool_[r] = static_cast<std::uint32_t>(spec.pool_of_rack(r));
  accelerators_.resize(rack_count);
  accelerators_basis_.resize(rack_count);
  stale_bits_.assign((rack_count + 63) / 64, 0);
  changed_racks_.resize(rack_count);
  taken_racks_.resize(rack_count);
  for (std::uint32_t r = 0; r < rack_count; ++r) accelerators_changed(r);
  std::uint32_t i = 0;
  for (std::uint32_t r = 0; r < rack_count; ++r) {
    rack_first_node_[r] = i;
    for (int k = 0; k < spec.racks[r].nodes; ++k, ++i) {
      scheduling::NodeInfo& n = nodes_[i];
      n.id = i;
      n.rack = r;
      n.pool = static_cast<std::uint32_t>(spec.pool_of_rack(r));
      n.inlet_c = inlet_c;
      free_.insert(i);
    }
  }
  rack_first_node_[rack_count] = i;
}

bool ClusterState::set_node_power(std::uint32_t id, const compute::NodePower& p) {
  write_record(id);
  scheduling::NodeInfo& n = nodes_[id];
  const double delta_w = p.wall_w - n.power_w;
  chip_w_ += p.accelerators_w - n.accelerators_w;
  pool_chip_w_[n.pool] += p.accelerators_w - n.accelerators_w;
  n.accelerators_w = p.accelerators_w;
  const double die_c = std::max(p.busy.die_temp_c, p.idle.die_temp_c);
  if (std::bit_cast<std::uint64_t>(die_c) != std::bit_cast<std::uint64_t>(n.die_c))
    accelerators_changed(n.rack);
  n.die_c = die_c;
  if (delta_w == 0.0) return false;
  const sim::Time now = sim_.now();
  RackAccount& rack = racks_[n.rack];
  rack.update_to(now);
  rack.power_w += delta_w;
  list_changed(n.rack);
  it_.update_to(now);
  it_.power_w += delta_w;
  pool_it_w_[n.pool] += delta_w;
  n.power_w = p.wall_w;
  return true;
}

bool ClusterState::set_nodes_power(std::span<const std::uint32_t> ids,
                                   const compute::NodePower& p) {
  if (ids.empty()) return false;
  const std::uint32_t rack = nodes_[ids.front()].rack;
  const std::uint32_t pool = nodes_[ids.front()].pool;
  const double die_c = std::max(p.busy.die_temp_c, p.idle.die_temp_c);
  double chip_w = chip_w_, pool_chip_w = pool_chip_w_[pool];
  double rack_w = 0.0, it_w = 0.0, pool_it_w = 0.0;
  bool changed = false, die_changed = false;
  for (const std::uint32_t id : ids) {
    write_record(id);
    scheduling::NodeInfo& n = nodes_[id];
    if (n.rack != rack) throw std::logic_error("set_nodes_power(): nodes of several racks");
    const double delta_w = p.wall_w - n.power_w;
    chip_w += p.accelerators_w - n.accelerators_w;
    pool_chip_w += p.accelerators_w - n.accelerators_w;
    n.accelerators_w = p.accelerators_w;
    die_changed |= std::bit_cast<std::uint64_t>(die_c) != std::bit_cast<std::uint64_t>(n.die_c);
    n.die_c = die_c;
    if (delta_w == 0.0) continue;
    if (!changed) {  // the accounts up to now with the power they had, as set_node_power() does
      changed = true;
      const sim::Time now = sim_.now();
      racks_[rack].update_to(now);
      it_.update_to(now);
      rack_w = racks_[rack].power_w;
      it_w = it_.power_w;
      pool_it_w = pool_it_w_[pool];
    }
    rack_w += delta_w;
    it_w += delta_w;
    pool_it_w += delta_w;
    n.power_w = p.wall_w;
  }
  chip_w_ = chip_w;
  pool_chip_w_[pool] = pool_chip_w;
  if (die_changed) accelerators_changed(rack);
  if (!changed) return false;
  racks_[rack].power_w = rack_w;
  it_.power_w = it_w;
  pool_it_w_[pool] = pool_it_w;
  list_changed(rack);
  return true;
}

bool ClusterState::move_nodes_power(std::span<const RackNodes> racks, const RunPower& from,
                                    const RunPower& to, Followed* followed, std::uint32_t each) {
  const auto bits = [](double x) { return std::bit_cast<std::uint64_t>(x); };
  const bool wall = bits(to.wall_w) != bits(from.wall_w);
  const bool chips = bits(to.accelerators_w) != bits(from.accelerators_w);
  const bool accelerators =
      bits(to.die_c) != bits(from.die_c) || bits(to.clock) != bits(from.clock);
  if (racks.empty() || !(wall || chips || accelerators)) return false;
  const double wall_w = to.wall_w - from.wall_w, chip_w = to.accelerators_w - from.accelerators_w;
  const sim::Time now = sim_.now();
  std::uint32_t nodes = 0;
  // What the followed power held at the latest rack sample: `from`, if it has not moved since.
  const RunPower* power = nullptr;
  std::uint64_t die_bits = 0, clock_bits = 0;
  if (followed) {
    if (followed->sampled_at != accelerators_samples_) {
      followed->sampled_at = accelerators_samples_;
      followed->die_bits = bits(from.die_c);
      followed->clock_bits = bits(from.clock);
    }
    power = followed->power;
    die_bits = followed->die_bits;
    clock_bits = followed->clock_bits;
  }
  const bool is_back = bits(to.die_c) == die_bits && bits(to.clock) == clock_bits;
  // A pool's sums stay in registers while consecutive racks share it (a job's racks nearly always
  // do): the same terms added in the same order, without a store and a reload of the sum per
  // rack, which chained one rack's add to the last one's through memory. With one pool (every
  // rack's is 0) no rack's pool is read.
  const bool one_pool = pool_it_w_.size() == 1;
  std::uint32_t pool = one_pool ? 0 : rack_pool_[racks.front().rack];
  double pool_chip_w = pool_chip_w_[pool], pool_it_w = pool_it_w_[pool];
  // A rack's elapsed time, divided once for the racks last brought up to the same instant (a
  // job's racks were, at its last phase): the same quotient.
  sim::Time elapsed_from = now;
  double elapsed_s = 0.0;
  // Each rack's accounts moved once. `all`: wall, chips and accelerators all moved (a job's
  // phase nearly always moves all three) and a followed power was given, so the loop tests none
  // of them per rack, nor `back` (a constant there too); nor, with one pool, the rack's pool.
  // The arrays' addresses as values: a store of the lists' ends (a pointer) might otherwise
  // alias the vectors' own pointers, read again for each rack. No vector of these two is
  // resized during the walk.
  AcceleratorsBasis* const basis = accelerators_basis_.data();
  RackAccount* const accounts = racks_.data();
  // The racks' bits in stale_bits_, set and cleared rack by rack: a job's racks share a word,
  // each rack's read of it waiting for the last one's write, but a rack's other work is longer
  // than that wait; gathering the bits in registers took five instructions a rack more.
  std::uint64_t* const stale = stale_bits_.data();
  // The changed racks' buffer and count as locals too (list_changed(), with the count stored
  // once after the walk): the count was loaded and stored again for each rack listed.
  std::uint32_t* const changed = changed_racks_.data();
  std::size_t changed_count = changed_count_;
  // A rack's count × Δ for chips and wall, kept while the count repeats (a job's racks nearly
  // always hold as many nodes each): the same product of the same two values.
  std::uint32_t last_count = 0;
  double count_chip_w = 0.0 * chip_w, count_wall_w = 0.0 * wall_w;
  // `same`: every rack holds `each` nodes (the caller's word), so the products are taken once
  // and the walk reads no count: five instructions a rack fewer.
  const auto move = [&](auto all, auto back, auto one_pool, auto same) {
    if constexpr (same) {
      last_count = each;
      const auto count = static_cast<double>(each);
      count_chip_w = count * chip_w;
      count_wall_w = count * wall_w;
    }
    // Two racks a pass: the loop's count, compare and branch once per two racks (3 % of this
    // function's instructions in 10 days of the 100k hall; four a pass did no better).
#pragma GCC unroll 2
    for (const RackNodes& r : racks) {
      // The rack and its count as values: a store to the lists (of uint32_t) might otherwise
      // alias `r`, read again after it.
      const std::uint32_t rack_id = r.rack, rack_nodes = same ? each : r.count;
      if constexpr (!same) {
        nodes += rack_nodes;
        if (rack_nodes != last_count) [[unlikely]] {
          last_count = rack_nodes;
          const auto count = static_cast<double>(rack_nodes);
          count_chip_w = count * chip_w;
          count_wall_w = count * wall_w;
        }
      }
      if (const std::uint32_t p = one_pool ? pool : rack_pool_[rack_id]; p != pool) [[unlikely]] {
        pool_chip_w_[pool] = pool_chip_w;
        pool_it_w_[pool] = pool_it_w;
        pool = p;
        pool_chip_w = pool_chip_w_[pool];
        pool_it_w = pool_it_w_[pool];
      }
      if (all || chips) pool_chip_w += count_chip_w;
      AcceleratorsBasis& b = basis[rack_id];
      if (all || accelerators) {  // see "Accelerators moved", below
        // A rack changed otherwise has no count (AcceleratorsBasis::count): one test for both.
        if ((!all && !power) || b.power != power || b.count != rack_nodes) [[unlikely]] {
          accelerators_changed(rack_id);
        } else if (back) {  // computed at what it holds again
          stale[rack_id / 64] &= ~(std::uint64_t{1} << (rack_id % 64));
        } else {
          stale[rack_id / 64] |= std::uint64_t{1} << (rack_id % 64);
        }
      }
      if (!(all || wall)) continue;
      RackAccount& rack = accounts[rack_id];
      if (rack.last_update != elapsed_from) [[unlikely]] {  // see rack_accounts(): at `now`, +-0
        elapsed_from = rack.last_update;
        elapsed_s = (now - elapsed_from).seconds();
      }
      rack.update_to(now, elapsed_s);
      rack.power_w += count_wall_w;
      pool_it_w += count_wall_w;
      if (!b.changed) [[likely]] {
        b.changed = true;
        changed[changed_count++] = rack_id;
      }
    }
    if constexpr (same) nodes = each * static_cast<std::uint32_t>(racks.size());
  };
  constexpr std::true_type yes;
  constexpr std::false_type no;
  const bool all = wall && chips && accelerators && power;
  if (all && one_pool && each) {
    if (is_back)
      move(yes, yes, yes, yes);
    else
      move(yes, no, yes, yes);
  } else if (all && one_pool) {
    if (is_back)
      move(yes, yes, yes, no);
    else
      move(yes, no, yes, no);
  } else if (all && is_back) {
    move(yes, yes, no, no);
  } else if (all) {
    move(yes, no, no, no);
  } else {
    move(no, is_back, one_pool, no);
  }
  changed_count_ = changed_count;
  pool_chip_w_[pool] = pool_chip_w;
  pool_it_w_[pool] = pool_it_w;
  const auto n = static_cast<double>(nodes);
  if (chips) chip_w_ += n * chip_w;
  if (!wall) return false;
  it_.update_to(now);
  it_.power_w += n * wall_w;
  return true;
}

// A job's racks are nearly always consecutive: then each array's lines over them are asked for
// as one range, each line once (three prefetches per rack asked for most lines several times).
// The racks' pools only with several pools: with one, move_nodes_power() reads none.
void ClusterState::prefetch_racks(std::span<const RackNodes> racks) const {
  if (racks.empty()) return;
  const std::uint32_t first = racks.front().rack, last = racks.back().rack;
  const bool pools = pool_it_w_.size() > 1;
  if (first <= last && last - first < 2 * racks.size()) {
    const std::size_t n = last - first + 1;
    if (pools) prefetch_lines(&rack_pool_[first], n * sizeof(std::uint32_t));
    // Both ranges in one walk, eight racks a pass: 192 bytes of accounts (three lines) and 128
    // of bases (two), one loop test for five lines. Each line is asked for once; a pass from
    // inside a line leaves its last line to the next pass, and the last pass's to the two
    // prefetches after the walk.
    const auto* account = reinterpret_cast<const char*>(&racks_[first]);
    const auto* basis = reinterpret_cast<const char*>(&accelerators_basis_[first]);
    static_assert(8 * sizeof(RackAccount) == 192 && 8 * sizeof(AcceleratorsBasis) == 128);
    for (std::size_t k = 0; k < n; k += 8, account += 192, basis += 128) {
      __builtin_prefetch(account, 1);
      __builtin_prefetch(account + 64, 1);
      __builtin_prefetch(account + 128, 1);
      __builtin_prefetch(basis, 1);
      __builtin_prefetch(basis + 64, 1);
    }
    // The ranges' last bytes, through data(): racks_[last + 1] may be one past the end.
    __builtin_prefetch(reinterpret_cast<const char*>(racks_.data() + last + 1) - 1, 1);
    __builtin_prefetch(reinterpret_cast<const char*>(accelerators_basis_.data() + last + 1) - 1, 1);
    return;
  }
  for (const RackNodes& r : racks) {
    if (pools) __builtin_prefetch(&rack_pool_[r.rack]);
    __builtin_prefetch(&racks_[r.rack], 1);
    __builtin_prefetch(&accelerators_basis_[r.rack], 1);
  }
}

void ClusterState::follow_power(std::span<const std::uint32_t> ids, const RunPower* power) {
  for (const std::uint32_t id : ids) {
    if (!follows_[id]) lagging_.push_back(id);
    follows_[id] = power;
  }
  // Records written one by one (write_records(ids)) stay listed until every record is written;
  // in a run that never reads them all, the list is cut back to the nodes still following (at
  // most once per node_count() additions: O(1) each).
  if (lagging_.size() > 2 * nodes_.size() + 64) {
    lagging_.clear();
    for (std::uint32_t id = 0; id < nodes_.size(); ++id)
      if (follows_[id]) lagging_.push_back(id);
  }
}

// Every rack of `ids` is marked changed, following or not: the holder lets go of the power they
// followed (a job's end, its new nodes, a run set on its own), whose address may be taken by
// another job's power later, and a rack computed with it must not be found unchanged by that.
void ClusterState::write_records(std::span<const std::uint32_t> ids) {
  for (const std::uint32_t id : ids) {
    write_lagging(id);
    accelerators_changed(nodes_[id].rack);
  }
}

void ClusterState::write_records() const {
  for (const std::uint32_t id : lagging_) write_lagging(id);
  lagging_.clear();
  ++records_written_;
}

void ClusterState::clear_changed_racks() {
  // Unrolled: the flag's address is the rack's index shifted, one more instruction a rack than
  // a byte array's.
#pragma GCC unroll 4
  for (const std::uint32_t r : changed_racks()) accelerators_basis_[r].changed = false;
  changed_count_ = 0;
}

// A rack whose power moved and came back between two takes (a job's checkpoint and its steps
// again, within the minute: 72 % of the racks listed in the 100k hall) holds the bits rack_w
// holds: it is dropped from the list handed over, kept in place and in order, so the facility
// sets no rack to the heat it has (a store and a compare per rack there, and nothing else: its
// class keeps that heat).
std::span<const std::uint32_t> ClusterState::take_changed_racks(std::vector<double>& rack_w) {
  changed_racks_.swap(taken_racks_);
  std::uint32_t* const list = taken_racks_.data();
  const std::size_t count = changed_count_;
  changed_count_ = 0;
  double* const w = rack_w.data();
  const RackAccount* const accounts = racks_.data();
  AcceleratorsBasis* const basis = accelerators_basis_.data();
  std::size_t moved = 0;
#pragma GCC unroll 4
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint32_t r = list[i];
    const double power_w = accounts[r].power_w;
    list[moved] = r;  // at or before i: a rack not yet read is never written over
    moved += std::bit_cast<std::uint64_t>(power_w) != std::bit_cast<std::uint64_t>(w[r]);
    w[r] = power_w;
    basis[r].changed = false;
  }
  return {list, moved};
}

void ClusterState::set_node_state(std::uint32_t id, scheduling::NodeState state, bool free,
                                  sim::Time ready_at) {
  scheduling::NodeInfo& n = nodes_[id];
  n.state = state;
  n.free = free;
  n.since = sim_.now();
  n.ready_at = ready_at;
  if (free && state == scheduling::NodeState::on)
    free_.insert(id);
  else
    free_.erase(id);
}

void ClusterState::set_rack_inlet_c(std::size_t rack, double inlet_c) {
  rack_inlet_c_[rack] = inlet_c;
  ++inlets_set_;
  for (std::uint32_t id = rack_begin(rack); id < rack_end(rack); ++id) nodes_[id].inlet_c = inlet_c;
}

void ClusterState::set_rack_inlet_rise_k(std::size_t rack, double rise_k) {
  for (std::uint32_t id = rack_begin(rack); id < rack_end(rack); ++id)
    nodes_[id].inlet_rise_k = rise_k;
}

// Accelerators moved (move_nodes_power()'s `followed`). A rack whose accelerators were computed
// with its following nodes all on one power (the same count of them), and with no other change
// since, has the same accelerators whenever that power holds the die and clock it held then:
// its other nodes' records are as they were, and the computation reads the followed power's
// die and clock alone. Such a rack was computed at the latest sample, or found so then, so
// "then" is the power's die and clock at the latest sample, kept once for all its racks by its
// holder (Followed). A job that leaves a phase and comes back to it before the next rack
// sample (a checkpoint, then its steps again) leaves its racks as they were. Anything else
// marks the rack changed (accelerators_changed()).

// The racks changed since the last call, computed again from their nodes (a node that follows a
// held run's power from that power, without writing its record). They are visited in rack
// order, so the reads of their nodes go up through memory as the prefetcher expects, from a bit
// per rack read a word at a time: a scan of every rack testing its flag took a branch the
// predictor could not learn (a third of the racks stale, at random). A rack that moved and came
// back where it was computed (most of those that moved) has its bit cleared by the move that
// brought it back, so it is not visited at all. The first node's run power of each stale rack
// of a word is asked for before any of them is computed (a cache miss per rack otherwise: the
// runs are the jobs', scattered in memory).
//
// A rack whose nodes all follow one power comes out as a function of that power's die and
// clock and of the count of nodes alone (the same max and the same sum, term by term, from the
// same start). A job's racks in a row are often so: the last such rack's power, count and
// result are kept, and a rack whose every node follows that power, with that count, takes the
// kept result (a compare per node) rather than the max and the sum again. The powers do not
// move within the call, so the result is the one the loop would give, to the bit.
std::span<const std::pair<double, double>> ClusterState::racks_accelerators() const {
  const RunPower* last_power = nullptr;  // the last rack computed with all nodes following it
  std::uint32_t last_count = 0;
  std::pair<double, double> last_result;
  const auto compute = [&](std::uint32_t rack) {
    const std::uint32_t begin = rack_begin(rack), end = rack_end(rack);
    // last_count is not 0 once last_power is set: the rack has a first node to read.
    if (last_power && end - begin == last_count && follows_[begin] == last_power) {
      std::uint32_t id = begin + 1;
      while (id < end && follows_[id] == last_power) ++id;
      if (id == end) {
        accelerators_[rack] = last_result;
        AcceleratorsBasis& b = accelerators_basis_[rack];
        b.power = last_power;
        b.count = last_count;
        ++accelerators_computed_;
        return;
      }
    }
    double die_c = 0.0, clock_sum = 0.0;
    int busy = 0;
    const RunPower* one = nullptr;  // the power the following nodes follow, if one
    bool several = false;
    std::uint32_t following = 0;
    for (std::uint32_t id = begin; id < end; ++id) {
      if (const RunPower* p = follows_[id]) {  // a held run's node: busy, at *p
        die_c = std::max(die_c, p->die_c);
        clock_sum += p->clock;
        ++busy;
        several |= one && p != one;
        one = p;
        ++following;
        continue;
      }
      die_c = std::max(die_c, nodes_[id].die_c);
      if (nodes_[id].job >= 0) {
        clock_sum += nodes_[id].clock;
        ++busy;
      }
    }
    accelerators_[rack] = {die_c, busy ? clock_sum / busy : 1.0};
    if (!several && one && following == end - begin) {
      last_power = one;
      last_count = following;
      last_result = accelerators_[rack];
    }
    AcceleratorsBasis& b = accelerators_basis_[rack];
    b.power = several ? nullptr : one;
    b.count = following;
    ++accelerators_computed_;
  };
  ++accelerators_samples_;
  std::uint64_t* const words = stale_bits_.data();
  for (std::size_t w = 0; w < stale_bits_.size(); ++w) {
    if (words[w] == 0) continue;
    const auto first = static_cast<std::uint32_t>(w * 64);
    std::uint64_t stale = words[w];
    for (std::uint64_t bits = stale; bits != 0; bits &= bits - 1) {
      const auto k = static_cast<std::uint32_t>(std::countr_zero(bits));
      if (const RunPower* p = follows_[rack_begin(first + k)]) __builtin_prefetch(p);
    }
    words[w] = 0;
    for (; stale != 0; stale &= stale - 1)
      compute(first + static_cast<std::uint32_t>(std::countr_zero(stale)));
  }
  return accelerators_;
}

// Racks come in runs brought up to one instant (a job's racks at its last phase, the idle ones
// at the last sample): a rack's elapsed time is divided once per run, not once per rack (the
// same quotient). Unrolled by four by hand, the four racks at offsets from one address: the
// loop's own count, compare and branch once per four racks, and no address computed per rack
// (GCC's unroll advanced the address rack by rack). A rack already at `now` is not passed over
// but updated with an elapsed 0 s (the quotient kept from `now`): its energy gains its finite
// power × 0, a zero, which leaves it as it was, to the bit (the energy, a sum of terms from +0,
// is never −0, and x + ±0 = x otherwise). So the loop compares each rack's instant with the
// run's alone: two instructions a rack fewer (the same in move_nodes_power()).
const std::vector<RackAccount>& ClusterState::rack_accounts() const {
  const sim::Time now = sim_.now();
  sim::Time elapsed_from = now;
  double elapsed_s = 0.0;
  const auto update = [&](RackAccount& rack) {
    if (rack.last_update != elapsed_from) [[unlikely]] {
      elapsed_from = rack.last_update;
      elapsed_s = (now - elapsed_from).seconds();
    }
    rack.update_to(now, elapsed_s);
  };
  RackAccount* rack = racks_.data();
  RackAccount* const end = rack + racks_.size();
  for (; end - rack >= 4; rack += 4) {
    update(rack[0]);
    update(rack[1]);
    update(rack[2]);
    update(rack[3]);
  }
  for (; rack != end; ++rack) update(*rack);
  return racks_;
}

double ClusterState::it_energy_j() const {
  it_.update_to(sim_.now());
  return it_.energy_j;
}

}  // namespace joule::models::world
