// The cluster as the world runs it: each node's job, state, wall power, clock and hottest die;
// the racks' and the whole IT's energy accounts; the inlet air each rack was last evaluated at.
//
// One record per node (scheduling::NodeInfo, which the policies read as it is), so nothing is
// kept in step by hand. Power is piecewise constant between events: set_node_power() brings
// the node's rack account and the IT account up to now (energy += power × elapsed) before
// taking the new power, and every read of an account brings it up to the simulator's time
// first (SimGrid's HostEnergy::get_consumed_energy does the same), so no read is stale.
//
// The power fields of a record (power_w, accelerators_w, die_c, clock) may lag: nodes whose
// power a holder keeps as one value for a group of them (World's held runs of a job: every node
// of the run at one power) follow that value (follow_power()) and their records are written
// only when read: nodes() and node() write every lagging record first, so what they return is
// current; placement() does not (for the fields a job phase never changes: rack, pool, job,
// state, ...), and rack_accelerators() reads the followed values without writing.
#pragma once

#include <bit>
#include <cstdint>
#include <iterator>
#include <span>
#include <utility>
#include <vector>

#include "models/compute/cluster.hpp"
#include "models/compute/node.hpp"
#include "models/scheduling/policy.hpp"
#include "sim/simulator.hpp"

namespace joule::models::world {

// Energy of a constant-power load, integrated lazily. Brought up to the instant it was last
// brought to, it returns at once (energy += power × 0 leaves a finite energy as it is): the
// nodes of one job change at one instant, each bringing its rack and the IT account up to now.
struct RackAccount {
  double power_w = 0.0;
  double energy_j = 0.0;
  sim::Time last_update;
  void update_to(sim::Time now) {
    if (now == last_update) return;
    update_to(now, (now - last_update).seconds());
  }
  // The same with `elapsed_s` = (now − last_update) in seconds from the caller, who divides once
  // for the racks it brings up from one instant (ClusterState::move_nodes_power).
  void update_to(sim::Time now, double elapsed_s) {
    energy_j += power_w * elapsed_s;
    last_update = now;
  }
};

// A set of node ids, one bit per node: insert and erase in O(1) without an allocation, and
// iteration in id order a 64-bit word at a time (a std::set chases a pointer per node, and
// allocates and frees one per insert and erase).
class NodeSet {
public:
  explicit NodeSet(std::size_t node_count = 0) : words_((node_count + 63) / 64, 0) {}
  void insert(std::uint32_t id) {
    std::uint64_t& w = words_[id / 64];
    const std::uint64_t bit = std::uint64_t{1} << (id % 64);
    size_ += (w & bit) == 0;
    w |= bit;
  }
  void erase(std::uint32_t id) {
    std::uint64_t& w = words_[id / 64];
    const std::uint64_t bit = std::uint64_t{1} << (id % 64);
    size_ -= (w & bit) != 0;
    w &= ~bit;
  }
  bool contains(std::uint32_t id) const { return (words_[id / 64] >> (id % 64)) & 1; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  class iterator {
  public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::uint32_t;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::uint32_t*;
    using reference = std::uint32_t;
    iterator() = default;
    std::uint32_t operator*() const {
      return static_cast<std::uint32_t>(word_ * 64 + std::countr_zero(bits_));
    }
    iterator& operator++() {
      bits_ &= bits_ - 1;  // the lowest member left
      skip_empty();
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const iterator& o) const { return word_ == o.word_ && bits_ == o.bits_; }

  private:
    friend class NodeSet;
    iterator(const std::vector<std::uint64_t>* words, std::size_t word)
        : words_(words), word_(word), bits_(word < words->size() ? (*words)[word] : 0) {
      skip_empty();
    }
    void skip_empty() {
      while (bits_ == 0 && word_ < words_->size())
        bits_ = ++word_ < words_->size() ? (*words_)[word_] : 0;
    }
    const std::vector<std::uint64_t>* words_ = nullptr;
    std::size_t word_ = 0;
    std::uint64_t bits_ = 0;
  };
  iterator begin() const { return iterator(&words_, 0); }
  iterator end() const { return iterator(&words_, words_.size()); }

private:
  std::vector<std::uint64_t> words_;
  std::size_t size_ = 0;
};

class ClusterState {
public:
  // Nodes numbered rack by rack, all on, idle (zero power until set) and free; racks at
  // `inlet_c`. `sim` is the clock the accounts are brought up to.
  ClusterState(const compute::ClusterSpec& spec, const sim::Simulator& sim, double inlet_c);

  std::size_t node_count() const { return nodes_.size(); }
  std::size_t rack_count() const { return racks_.size(); }
  // Every record, current (lagging power fields written first).
  std::span<const scheduling::NodeInfo> nodes() const {
    if (!lagging_.empty()) write_records();
    return nodes_;
  }
  const scheduling::NodeInfo& node(std::uint32_t id) const {
    if (!lagging_.empty()) write_records();
    return nodes_[id];
  }
  // A node's record with its power fields possibly lagging (see the top): for the fields no
  // job phase changes (id, rack, pool, job, free, state, since, inlet, in_service).
  const scheduling::NodeInfo& placement(std::uint32_t id) const { return nodes_[id]; }
  // Nodes of rack r: ids [rack_begin(r), rack_end(r)).
  std::uint32_t rack_begin(std::size_t rack) const { return rack_first_node_[rack]; }
  std::uint32_t rack_end(std::size_t rack) const { return rack_first_node_[rack + 1]; }
  // Free and on nodes, in id order.
  const NodeSet& free_nodes() const { return free_; }

  // A node's power now: wall (into the rack and IT accounts), accelerators, hottest die.
  // Returns whether its wall power changed.
  bool set_node_power(std::uint32_t id, const compute::NodePower& p);
  // set_node_power(id, p) on each of `ids`, nodes of one rack, in turn: every account takes the
  // same terms in the same order (kept in registers over the run). Returns whether any node's
  // wall power changed.
  bool set_nodes_power(std::span<const std::uint32_t> ids, const compute::NodePower& p);
  // What one node of a run holds (a job phase on the job's nodes of one rack, World::place_load):
  // wall and accelerator power, hottest die, clock.
  struct RunPower {
    double wall_w = 0.0, accelerators_w = 0.0, die_c = 0.0, clock = 1.0;
  };
  // `count` nodes of `rack`.
  struct RackNodes {
    std::uint32_t rack = 0, count = 0;
  };
  // Every node of `racks` (racks in id order, each with its count of nodes), each holding
  // `from` (the caller knows: set as one since), now holds `to`. The IT and chip powers move by
  // n × Δ, one term for all the nodes; each rack's power and its pool's by its count × Δ (not
  // one term per node as set_nodes_power(): the last bits differ, by a rounding of the sum).
  // O(racks): no node record is read or written, so the nodes' records must follow `to`
  // (follow_power(): the caller holds it). Returns whether the wall power changed.
  // `followed`, when not null, is the power those nodes follow (which holds `from` and will hold
  // `to`) and no other node follows: a rack whose accelerators were last computed with its
  // following nodes on followed->power alone, and nothing else changed since, needs no
  // computing when `to` has the die and clock it had then (a training job back in the phase it
  // was sampled in). Its holder keeps it beside the power, with `sampled_at` never whenever the
  // power is set otherwise than by these moves.
  struct Followed {
    const RunPower* power = nullptr;
    // The die and clock bits of *power at the racks_accelerators() call numbered sampled_at
    // (the latest before its latest move; written by the moves).
    std::uint64_t sampled_at = UINT64_MAX;
    std::uint64_t die_bits = 0, clock_bits = 0;
  };
  // `each`, when not 0, is the count of every rack of `racks` (the caller knows: a job's racks
  // are nearly always full, and its racks stay while it is uniform).
  bool move_nodes_power(std::span<const RackNodes> racks, const RunPower& from, const RunPower& to,
                        Followed* followed = nullptr, std::uint32_t each = 0);
  // Asks for the cache lines move_nodes_power(racks, ...) will touch first (each rack's account
  // and pool), so that a caller with work to do before may overlap their misses with it.
  void prefetch_racks(std::span<const RackNodes> racks) const;
  // The records of `ids` (each at *power now) follow *power from now on: their power fields are
  // written from it when read (nodes(), node()) or when write_records(ids) is called, which the
  // holder must do before *power goes away or the nodes stop holding it. A node set on its own
  // (set_node_power(), set_node_clock(), ...) has its record written first.
  void follow_power(std::span<const std::uint32_t> ids, const RunPower* power);
  // The records of `ids` written from what they follow, and no longer following it.
  void write_records(std::span<const std::uint32_t> ids);
  // How many times every lagging record was written (nodes(), node()): a holder whose nodes
  // followed its power before the latest such write follows it again with follow_power().
  std::uint64_t records_written() const { return records_written_; }
  // Clock fraction of the node's busy accelerators (1 when none is busy).
  void set_node_clock(std::uint32_t id, double clock) {
    write_record(id);
    nodes_[id].clock = clock;
    accelerators_changed(nodes_[id].rack);
  }
  // set_node_clock() on each of `ids`, nodes of one rack.
  void set_nodes_clock(std::span<const std::uint32_t> ids, double clock) {
    if (ids.empty()) return;
    for (const std::uint32_t id : ids) {
      write_record(id);
      nodes_[id].clock = clock;
    }
    accelerators_changed(nodes_[ids.front()].rack);
  }
  // Whether the node's pool is in service, and if not when it will be (NodeInfo::in_service,
  // in_service_from; Time::max(): never).
  void set_in_service(std::uint32_t id, bool in_service, sim::Time from = sim::Time::max()) {
    nodes_[id].in_service = in_service;
    nodes_[id].in_service_from = from;
  }
  // The running job on a node (-1: none).
  void assign(std::uint32_t id, std::int32_t job) {
    nodes_[id].job = job;
    accelerators_changed(nodes_[id].rack);
  }
  // Power state and whether the node is free; `ready_at` is when a waking node will be on.
  void set_node_state(std::uint32_t id, scheduling::NodeState state, bool free, sim::Time ready_at);
  // IT power outside the nodes (network switches, the storage system), from now on.
  void add_fixed_it_power(double power_w) {
    it_.update_to(sim_.now());
    it_.power_w += power_w;
  }

  double rack_inlet_c(std::size_t rack) const { return rack_inlet_c_[rack]; }
  std::span<const double> rack_inlets_c() const { return rack_inlet_c_; }
  void set_rack_inlet_c(std::size_t rack, double inlet_c);
  // How many times set_rack_inlet_c() was called: while it stays the same, no rack's inlet
  // changed (a reader that compared some racks' inlets keeps the answer).
  std::uint64_t inlets_set() const { return inlets_set_; }
  // Whether every rack of `racks` is at the inlet of the first, bit for bit (a job's node power
  // evaluated once for all its racks is right only then: the evaluation sees a rack through its
  // inlet alone). `checked` is the inlets_set() at which the caller last had true for these
  // racks: while no inlet was set since, the answer stands and no inlet is read (inlets move a
  // few times a day, a job's phases come minutes apart); a true found again stamps `checked`
  // with the count now. Any rack's inlet set, to the same value or not, means "maybe changed".
  bool at_one_inlet(std::span<const RackNodes> racks, std::uint64_t& checked) const {
    if (checked == inlets_set_ || racks.empty()) return true;
    const auto inlet = std::bit_cast<std::uint64_t>(rack_inlet_c_[racks.front().rack]);
    for (const RackNodes& r : racks)
      if (std::bit_cast<std::uint64_t>(rack_inlet_c_[r.rack]) != inlet) return false;
    checked = inlets_set_;
    return true;
  }
  // NodeInfo::inlet_rise_k of every node of a rack.
  void set_rack_inlet_rise_k(std::size_t rack, double rise_k);
  double rack_power_w(std::size_t rack) const { return racks_[rack].power_w; }
  // Racks whose power changed since the last clear or take of them, each once, in the order
  // they first changed (what the data hall re-reads at a control step).
  std::span<const std::uint32_t> changed_racks() const {
    return {changed_racks_.data(), changed_count_};
  }
  void clear_changed_racks();
  // changed_racks() handed over and cleared in one walk (a control step's): rack_w[r] takes each
  // listed rack's power and every listed rack's flag is cleared, so the next change lists it
  // again. Returns those of the list whose power differs, bit for bit, from what rack_w held
  // (rack_w holds what the last takes gave: a rack whose power came back is not handed over),
  // in the list's order; it stays as it is until the next take (the changes meanwhile go to a
  // second buffer).
  std::span<const std::uint32_t> take_changed_racks(std::vector<double>& rack_w);
  // Hottest die (°C) and mean clock fraction of a rack's busy accelerators (1 when none is).
  std::pair<double, double> rack_accelerators(std::size_t rack) const {
    return racks_accelerators()[rack];
  }
  // rack_accelerators() of every rack, by rack (what the recorder's rack sample reads): the
  // racks one of whose nodes' die, clock or job changed since the last call (a bit per rack
  // marks them) are computed again from their nodes, the others are as that call left them, so
  // a call costs O(racks that changed) and a word per 64 racks, not O(nodes). A rack whose nodes
  // only followed one power that came back to the die and clock it was computed at is not computed
  // again (move_nodes_power()'s `followed`).
  std::span<const std::pair<double, double>> racks_accelerators() const;
  // How many racks racks_accelerators() computed from their nodes, over every call.
  std::uint64_t accelerators_computed() const { return accelerators_computed_; }

  // Accounts, up to the simulator's time.
  const std::vector<RackAccount>& rack_accounts() const;
  double it_energy_j() const;
  double it_power_w() const { return it_.power_w; }
  double chip_power_w() const { return chip_w_; }
  // Each pool's share of the nodes' wall and accelerator power now (per-pool cooling zones).
  std::span<const double> pool_it_power_w() const { return pool_it_w_; }
  std::span<const double> pool_chip_power_w() const { return pool_chip_w_; }

private:
  const sim::Simulator& sim_;
  // mutable: nodes() and node() write lagging power fields (the same state, brought up to date)
  mutable std::vector<scheduling::NodeInfo> nodes_;
  // Per node, the power its record follows (null: the record is current); the nodes that
  // started following since the last write of every record (some may have been written since).
  mutable std::vector<const RunPower*> follows_;
  mutable std::vector<std::uint32_t> lagging_;
  mutable std::uint64_t records_written_ = 0;
  void write_records() const;  // every lagging record
  // The node's record written from what it follows. Every record written at once (nodes())
  // leaves the racks' accelerators as they are: the nodes of a held run follow its power again
  // before it next moves. One node written on its own no longer follows the power its rack's
  // accelerators may have been computed with, so the rack is marked changed.
  void write_lagging(std::uint32_t id) const {
    if (const RunPower* p = follows_[id]) {
      scheduling::NodeInfo& n = nodes_[id];
      n.power_w = p->wall_w;
      n.accelerators_w = p->accelerators_w;
      n.die_c = p->die_c;
      n.clock = p->clock;
      follows_[id] = nullptr;
    }
  }
  void write_record(std::uint32_t id) {
    if (!follows_[id]) return;
    write_lagging(id);
    accelerators_changed(nodes_[id].rack);
  }
  std::vector<std::uint32_t> rack_pool_;  // per rack, its pool
  std::vector<std::uint32_t> rack_first_node_;
  std::vector<double> rack_inlet_c_;
  std::uint64_t inlets_set_ = 0;
  NodeSet free_;
  mutable std::vector<RackAccount> racks_;
  mutable RackAccount it_;
  // Each rack once (AcceleratorsBasis::changed), so a buffer of the racks' count and the count
  // listed: a rack listed is one store, without push_back()'s test of the room. The list last
  // taken sits in the other buffer, the two swapped at each take.
  std::vector<std::uint32_t> changed_racks_, taken_racks_;
  std::size_t changed_count_ = 0;
  // rack_accelerators() per rack, and per rack what it was last computed from (whether it must
  // be computed again is its bit in stale_bits_).
  // 16 bytes: a job phase reads one per rack of the job. The rack's flag for changed_racks_
  // sits in its spare byte: move_nodes_power() tests it per rack from the line it has read.
  // The flags are `bool`: a store of a char may alias any object (the vectors' own pointers
  // too, read again after each store), a store of a bool only a bool.
  static constexpr std::uint32_t changed_otherwise = UINT32_MAX;  // AcceleratorsBasis::count
  struct AcceleratorsBasis {
    // The one power the rack's following nodes followed when it was computed (null: none did,
    // or they followed several), and how many nodes followed it; changed_otherwise when the
    // rack changed otherwise than by `power` moving since it was computed (no rack holds that
    // many nodes, so move_nodes_power() tests the power and the count alone, not a flag too).
    const RunPower* power = nullptr;
    std::uint32_t count = changed_otherwise;
    bool changed = false;  // in changed_racks_ (its power moved since they were cleared)
  };
  static_assert(sizeof(AcceleratorsBasis) == 16);
  // A node's die, clock, job or what it follows changed: computed again at the next call.
  void accelerators_changed(std::uint32_t rack) const {
    AcceleratorsBasis& b = accelerators_basis_[rack];
    b.count = changed_otherwise;
    list_stale(rack);
  }
  // The rack's bit set in stale_bits_ (set already: set again).
  void list_stale(std::uint32_t rack) const {
    stale_bits_[rack / 64] |= std::uint64_t{1} << (rack % 64);
  }
  // Into changed_racks_, once; `b` is the rack's basis, when the caller holds it already.
  void list_changed(std::uint32_t rack, AcceleratorsBasis& b) {
    if (!b.changed) [[likely]] {
      b.changed = true;
      changed_racks_[changed_count_++] = rack;
    }
  }
  void list_changed(std::uint32_t rack) { list_changed(rack, accelerators_basis_[rack]); }
  mutable std::vector<std::pair<double, double>> accelerators_;
  mutable std::vector<AcceleratorsBasis> accelerators_basis_;
  // A bit per rack, set when the rack must be computed again: setting or clearing it needs no
  // test of what it was, and the racks come out in rack order, a word at a time, with no read of
  // a rack's record to find whether it must (a third of the racks of the 100k hall have moved
  // between two samples, and most of those came back where they were computed: the records'
  // flags were a line read per rack moved, the bits are 49 words).
  mutable std::vector<std::uint64_t> stale_bits_;
  mutable std::uint64_t accelerators_samples_ = 0;   // racks_accelerators() calls
  mutable std::uint64_t accelerators_computed_ = 0;  // racks computed by them
  double chip_w_ = 0.0;
  std::vector<double> pool_it_w_, pool_chip_w_;
};

}  // namespace joule::models::world
