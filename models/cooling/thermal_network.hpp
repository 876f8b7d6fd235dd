// Lumped thermal RC network solved by implicit Euler (backward Euler, unconditionally stable for
// the stiff C dT/dt = −G T + q; Hairer & Wanner, "Solving ODEs II", 1996; docs/design.md §4).
//
// Nodes i have heat capacity C_i and heat input q_i. Two kinds of links couple them:
//   conductance g between nodes a, b (or a node and a fixed-temperature boundary):
//       C_a dT_a/dt ∋ g (T_b − T_a),  and symmetrically for b
//   advection by an air or water stream of capacity rate W = m_dot·cp from `from` to `to`
//   (upwind; the receiving node is well mixed and its outflow equals its inflow):
//       C_to dT_to/dt ∋ W (T_from − T_to)
// Collecting terms, C dT/dt = −K T + q + b, where b holds boundary temperatures times their
// links' g or W. Implicit Euler over a step Δt:
//   (C/Δt + K) T⁺ = (C/Δt) T + q + b
// unconditionally stable, first-order accurate; for one node with g to a boundary the exact
// decay factor e^{−gΔt/C} becomes 1/(1 + gΔt/C). K is non-symmetric when streams are present,
// so the matrix is factored by Eigen's SparseLU (COLAMD ordering). The factorization is kept
// and reused while only q or boundary temperatures change; changing a link's g or W, adding a
// node or link, or changing Δt re-factors (counted by factorizations()).
//
// Networks made of small groups of nodes (≤ 4) coupled to each other only through a few hub
// nodes (≤ 8) — a data hall: each rack's inlet and outlet, all coupled through the room air —
// are solved instead by block elimination, exactly (to rounding) and in O(n) with small
// constants: with groups g and hubs h,
//   x_g = y_g − G_g x_h,  y_g = A_gg⁻¹ b_g,  G_g = A_gg⁻¹ A_gh,
//   (A_hh − Σ_g A_hg G_g) x_h = b_h − Σ_g A_hg y_g,
// the group inverses and the Schur complement factored once per factorization. Other networks,
// and solve_steady(), use SparseLU. At 3,136 racks this made the 60-s step about 4× faster.
//
// Groups are solved by class, not one by one. Groups whose blocks A_gg, A_gh, A_hg, C/Δt and
// boundary links are bit-for-bit equal (racks of one design) share a type: one inverse, one
// G_g, one A_hg G_g. Groups of one type whose temperatures and heat are also bit-for-bit equal
// have the same b_g, so the same y_g and, x_h being common, the same x_g: they form a class,
// solved once per step, and the sums over groups become sums over classes c (in class order)
// with n_c members:
//   Σ_g A_hg y_g = Σ_c n_c · (A_hg y_c),   Σ_g A_hg G_g = Σ_types n_t · (A_hg G_t).
// That rounds differently from adding every group's term (the only difference from solving
// each group: ~1e-15 relative). A group whose heat, temperature or type changes leaves its
// class for the class keyed by (old class, what changed, new value), made at the first such
// change since the last step, so the racks of a job that change together stay one class;
// after each step, classes whose states became bit-for-bit equal merge (O(classes), by a hash
// of the state). A step costs O(types + classes) and a change O(changed groups);
// temperature() reads a group's node through its class. A re-factorization compares the
// matrix with the one last factored and looks up the type of each group whose entries changed
// by its bits, inverting only new types; the Schur complement is summed by type. A change of
// a hub's links alone (the CRAH bypass following the servers' airflow every step) re-factors
// only the hubs: their entries of the matrix are summed again from their contributions, in the
// order a full refill sums them, and the Schur complement rebuilt (O(types)).
//
// A step also skips what it would compute again from the same bits. A class's y_c depends only
// on its t, q and type (A_gg⁻¹, C/Δt) and the boundary temperatures; its x_c = y_c − G x_h also
// on the hubs' x_h. A class whose x_c came out bit-for-bit equal to its t (it has reached the
// implicit step's fixed point, as an idle rack does some 75 steps after its last change) keeps
// its y_c and its term count · A_hg y_c of the hub sums, and is not solved again until its
// state, its member count, the boundary terms or the factorization change, or x_h changes while
// its type couples it to the hubs (G ≠ 0: with the CRAHs keeping up, G = 0 and the racks see
// the room only through the hub sums). The hub sums still add every class's term in class order
// (the cached terms, the same numbers as recomputed), and the merge hashes each class's state
// once per change of state (the hash kept) and looks up only the classes rekeyed since the last
// merge in a table kept from it (merge_classes()), so a step costs O(classes) additions plus
// O(classes that moved) solves and table probes, and a pass over every class at the steps
// where some classes merge. With G = 0 and a finite x_h, y − 0·x_h = y for every
// y ≠ 0; a class with a zero in y_c is solved every step. `set_incremental(false)` solves every
// class every step (the tests compare both, bit for bit).
//
// A class also rests before its fixed point's last bits: when its step would move each of its
// temperatures by less than the rest tolerance τ (1e-6 K by default, set_rest_tolerance()), it
// keeps its t, y_c and terms, and is not listed for the next step. A class after a change
// closes on its fixed point by about a factor of ten a step, so it was solved ~16 steps to
// settle its last bit, the last ~9 of them moving it by less than a micro-kelvin: in 30 days of
// the 100k-GPU hall, 1.51 M of the 2.76 M solves that moved a class. A class whose distance to
// its fixed point shrinks by ρ a step rests at most τ·ρ/(1 − ρ) from it; it moves again as soon
// as its inputs move it by τ or more, so the error does not build up. τ is a choice (an
// estimate of what no reader of the outputs can see), not a measured figure: it is half the
// step of the float32 rack traces at 16–32 °C (2⁻¹⁹ K = 1.9 µK) and 1/100,000 of 0.1 K, the
// finest step rack-inlet sensors commonly report. τ = 0 gives the fixed point bit for bit.
//
// Energy: summing the node equations, internal conductances cancel and, when every node's
// stream inflow equals its outflow, internal streams reduce to enthalpy carried in from and
// out to boundaries, so
//   Σ C_i (T⁺_i − T_i)/Δt = Σ q_i + boundary_heat_w(T⁺)
// holds exactly (to rounding) for the implicit step — see boundary_heat_w().
#pragma once

#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <Eigen/SparseLU>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

#include "models/cooling/member_lists.hpp"

namespace joule::models::cooling {

// From this many groups (racks) ThermalNetwork::set_groups_heat() and
// DataHall::take_moved_inlets() ask for the groups' records a chunk ahead of reading them: the 1M
// hall's per-group arrays (31,250 racks) lie beyond the caches, and asking ahead paid there.
// Below it (~36 bytes a group at 8,192 groups: 288 KB) the arrays stay in the caches, and the
// requests were instructions only: half of set_groups_heat()'s a group.
inline constexpr std::size_t ask_ahead_groups = 8192;

// PartialPivLU<MatrixXd>::solve() of a 1×1 system (one hub: the room air), its arithmetic
// written out without the temporaries it allocates: the permutation is the identity, the unit
// lower factor changes nothing, and the upper triangular solve divides by the one entry unless
// the right-hand side is zero, which it leaves as it is (so a −0 keeps its sign).
inline double solve_one_by_one(const Eigen::PartialPivLU<Eigen::MatrixXd>& lu, double r) {
  return r != 0 ? r / lu.matrixLU()(0, 0) : r;
}

// The classes made by splitting since the last step, by key (the class left, what changed, the
// new value's bits; see ThermalNetwork::split()): open addressing in a power-of-two table,
// emptied entry by entry at the end of the step (std::unordered_map allocated a node for each
// key and divided by a prime to find its bucket).
class SplitIndex {
public:
  // The class stored under (from ≥ 0, what, bits) and false, or a place for it (holding −1; the
  // caller sets it before the next call) and true.
  std::pair<int*, bool> find_or_add(int from, int what, std::uint64_t bits) {
    if (2 * (used_.size() + 1) > table_.size()) grow();
    for (std::size_t slot = hash(from, what, bits) >> shift_;; slot = (slot + 1) & mask_) {
      Entry& e = table_[slot];
      if (e.from < 0) {
        e = Entry{bits, from, what, -1};
        used_.push_back(static_cast<std::uint32_t>(slot));
        return {&e.id, true};
      }
      if (e.from == from && e.what == what && e.bits == bits) return {&e.id, false};
    }
  }
  void clear();
  std::size_t size() const { return used_.size(); }

private:
  struct Entry {
    std::uint64_t bits = 0;
    int from = -1, what = 0, id = -1;  // from < 0: empty
  };
  static std::size_t hash(int from, int what, std::uint64_t bits) {
    return static_cast<std::size_t>(
        (bits ^ (static_cast<std::uint64_t>(from) << 8 | static_cast<unsigned>(what))) *
        0x9e3779b97f4a7c15ull);
  }
  void grow();
  std::vector<Entry> table_;
  std::vector<std::uint32_t> used_;  // the entries taken, to empty them
  int shift_ = 64;                   // a hash's slot is its top log2(table size) bits
  std::size_t mask_ = 0;             // table size − 1
};

class ThermalNetwork {
  struct Class;  // a class of groups in the same state (below)

public:
  struct Node {
    int index = -1;
  };
  struct Boundary {
    int index = -1;
  };
  struct Link {
    int index = -1;
  };

  Node add_node(double capacitance_j_per_k, double initial_c);
  Boundary add_boundary(double temp_c);
  Link conduct(Node a, Node b, double g_w_per_k);
  Link conduct(Node a, Boundary b, double g_w_per_k);
  Link stream(Node from, Node to, double rate_w_per_k);
  Link stream(Boundary from, Node to, double rate_w_per_k);
  // A stream leaving the network (no term in the matrix; used in the energy balance).
  Link stream(Node from, Boundary to, double rate_w_per_k);

  // Changing g or W re-factors at the next step; setting the same value does not.
  void set_link(Link link, double value_w_per_k);
  double link_value(Link link) const;
  void set_boundary(Boundary b, double temp_c) {
    double& c = boundary_c_[static_cast<std::size_t>(b.index)];
    if (std::bit_cast<std::uint64_t>(c) != std::bit_cast<std::uint64_t>(temp_c)) {
      c = temp_c;
      boundaries_moved_ = true;
    }
  }
  double boundary(Boundary b) const { return boundary_c_[b.index]; }
  void set_heat(Node n, double q_w);
  // set_heat(n, q_w) for a reader that knows n's group and place (group_of(n), local_of(n)), as
  // a data hall does for its racks: the same effect without looking them up (a cache miss each
  // per rack whose power changed).
  void set_group_heat(Node n, int group, int local, double q_w);
  // set_group_heat(Node{first_node + node_stride·g}, g, local, q_w[g]) for each g of `groups`,
  // in order (a data hall's racks whose power changed): the same calls, with the groups a few
  // places ahead asked for early, since their heat, class id and list links lie scattered over
  // the network (a cache miss each in a large hall).
  void set_groups_heat(std::span<const std::uint32_t> groups, std::span<const double> q_w,
                       int first_node, int node_stride, int local);
  // While groups are solved by class, a group node's heat, like its temperature, is read from
  // its class (the class's heat is the last heat set for each of its members: a set that
  // differs moves the group to a class with the new heat), and heat_w_ holds it again when the
  // classes are dropped: set_groups_heat() then writes no per-node array (a cache miss per
  // changed rack in a large hall).
  double heat(Node n) const { return node_value(n, &Class::q, heat_w_); }
  void set_temperature(Node n, double temp_c);
  double temperature(Node n) const { return node_value(n, &Class::t, temp_c_); }
  double capacitance(Node n) const { return capacitance_[n.index]; }

  // One implicit-Euler step of `dt_s` seconds.
  void step(double dt_s);
  // Sets every node to the steady state K T = q + b (needs a path from every node to a
  // boundary). Uses its own factorization, counted in steady_factorizations().
  void solve_steady();

  int node_count() const { return static_cast<int>(capacitance_.size()); }
  long factorizations() const { return factorizations_; }
  // True when the last factorization chose block elimination (see above) over SparseLU.
  bool block_solver() const { return use_blocks_; }
  // Group inversions done by block factorizations so far (a re-factorization after a change of
  // the hub links, e.g. the CRAH bypass, re-inverts none).
  long groups_inverted() const { return blocks_ ? blocks_->groups_inverted : 0; }
  // Forces SparseLU for step() (tests compare the two solvers); re-factors at the next step.
  void use_general_solver(bool on) {
    general_only_ = on;
    dirty_ = refill_all_ = true;
  }
  // Solve only the classes whose inputs changed and merge by the rekeyed classes (see above; on
  // by default), or solve and merge every class at every step: the same bits either way.
  void set_incremental(bool on) {
    incremental_ = on;
    if (blocks_) blocks_->all_pending = true;
  }
  // The rest tolerance (kelvin): a class whose step would move each of its temperatures by
  // less keeps them (see "rests" above). 0: a class rests only at its fixed point's bits.
  void set_rest_tolerance(double kelvin) {
    if (!(kelvin >= 0) || !std::isfinite(kelvin))
      throw std::invalid_argument("thermal network: the rest tolerance must be finite and >= 0");
    rest_k_ = kelvin;
  }
  double rest_tolerance() const { return rest_k_; }
  static constexpr double default_rest_tolerance_k = 1e-6;
  // Classes' y_c solved at the last step: the classes with an input changed since the one
  // before, and the classes whose t it moved, for the next step (without the skip, every class
  // with members, and the moved ones again).
  int classes_solved() const { return blocks_ ? blocks_->solved : 0; }
  // Merges (one per step) that went through every class; the others looked up only the classes
  // rekeyed since the last merge (see merge_classes()). Without the skip every merge does.
  long full_merges() const { return blocks_ ? blocks_->full_merges : 0; }
  // Classes of groups in the same state solved once per step (see above); 0 without blocks.
  int group_classes() const;
  bool aggregated() const { return aggregated_; }  // group_classes() > 0
  // A reader that follows groups by class (DataHall's inlet watch): a class's id (< class_slots())
  // stays its own while it has members; a group changes class by a split (set_heat,
  // set_temperature) or a merge (step). Group g of node n: group_of(n), −1 for a hub or without
  // blocks; class_of_group(g) while aggregated().
  int group_of(Node n) const {
    return blocks_ ? blocks_->group_of[static_cast<std::size_t>(n.index)] : -1;
  }
  int class_of_group(int g) const { return blocks_->class_of[static_cast<std::size_t>(g)]; }
  // class_of_group(g) for every group g, as one array (a reader of every group's class).
  const int* classes_of_groups() const { return blocks_->class_of.data(); }
  // Starts loading group g's class id for a class_of_group(g) a little later: a reader that walks
  // a list of scattered groups asks a few ahead, so the reads overlap.
  void prefetch_class_of_group(int g) const {
    __builtin_prefetch(blocks_->class_of.data() + static_cast<std::size_t>(g));
  }
  // The place of node n (group_of(n) ≥ 0) in its group: the nodes of a group are numbered in
  // node order, so groups built alike (a data hall's racks) keep their nodes in the same places.
  int local_of(Node n) const { return blocks_->local_of[static_cast<std::size_t>(n.index)]; }
  // Temperature of the node in place `local` of every group of class `cls` (one with members,
  // while aggregated()): what temperature() returns for each of them, read from the class alone.
  double class_temperature(int cls, int local) const {
    return blocks_->classes[static_cast<std::size_t>(cls)].t[static_cast<std::size_t>(local)];
  }
  // class_temperature(cls, local) for a reader that scans many classes and writes memory between
  // its reads (DataHall::take_moved_inlets): the address of the first class's temperature is
  // taken once, so the compiler need not load it again after each store, and a read is a shift
  // and a load. Valid until the classes change (a set_heat, set_temperature or step).
  class ClassColumn {
  public:
    double operator[](int cls) const {
      return first_[static_cast<std::size_t>(cls) * (sizeof(Class) / sizeof(double))];
    }

  private:
    friend class ThermalNetwork;
    explicit ClassColumn(const double* first) : first_(first) {}
    const double* first_;  // class 0's temperature in the place read
  };
  ClassColumn class_temperatures(int local) const {
    const auto& classes = blocks_->classes;
    return ClassColumn(
        classes.empty() ? nullptr : classes.front().t.data() + static_cast<std::size_t>(local));
  }
  int class_slots() const { return aggregated_ ? static_cast<int>(blocks_->classes.size()) : 0; }
  // Calls f(class id, its first member group) for each class, in class order.
  template <typename F>
  void for_each_class(F&& f) const {
    if (!aggregated_) return;
    const Blocks& b = *blocks_;
    for (std::size_t id = 0; id < b.classes.size(); ++id)
      if (b.classes[id].count > 0) f(static_cast<int>(id), b.classes[id].head);
  }
  // Appends to `groups` the groups whose class changed since the last call (a group may appear
  // more than once) and returns true; returns false, appending nothing, when the classes were
  // built anew or dropped since (or at the first call, or after more moves than groups): the
  // reader then reads every group's class again. Moves are recorded only between calls, so a
  // network nobody reads this way keeps no record.
  bool take_class_moves(std::vector<int>& groups);
  long steady_factorizations() const { return steady_factorizations_; }
  // Makes the next step factor every group anew, as the first one does (tests compare an
  // incremental re-factorization with a full one).
  void forget_factorization() {
    if (blocks_) blocks_->factored_values.clear();
    dirty_ = refill_all_ = reinvert_ = true;
  }

  double stored_energy_j() const;  // Σ C_i T_i (relative to 0 °C)
  double total_heat_w() const;     // Σ q_i
  // Heat entering the network from boundaries at the present temperatures: conductances
  // g (T_b − T_a), streams in W·T_b, streams out −W·T_from (relative to 0 °C).
  double boundary_heat_w() const;
  // Largest |stream inflow − stream outflow| over the nodes (W/K); 0 for a consistent network.
  double max_stream_imbalance() const;
  // The classes the last step listed (DataHall's inlet watch): every class whose temperatures
  // it moved, with some it did not; may hold an id twice or a freed one. Otherwise a group's
  // temperatures change only as it moves to another class (a split, or a merge at a step), which
  // take_class_moves() reports.
  std::span<const int> classes_stepped() const {
    return blocks_ ? std::span<const int>(blocks_->work.data(), blocks_->relisted)
                   : std::span<const int>();
  }

private:
  enum class Kind { conduct_nodes, conduct_boundary, stream_nodes, stream_in, stream_out };
  struct LinkData {
    Kind kind;
    int a;  // node (or the `from` node of a stream between nodes / out of the network)
    int b;  // node or boundary
    double value;
  };
  static constexpr int max_group = 4, max_hubs = 8;
  // A group's matrix blocks, C/Δt and boundary links, shared by every group with the same bits
  // (racks of one design): one inverse, one G, one A_hg·G per type. Fixed strides, rows of
  // A_gh, A_hg (transposed) and G by local node.
  struct BoundaryTerm {
    int local, boundary;
    double value;
  };
  struct Type {
    int size = 0;
    long count = 0;  // groups of this type; 0: a free slot
    std::uint64_t hash = 0;
    std::array<double, max_group> c_over_dt{};
    std::array<double, max_group * max_group> agg{};  // A_gg, [r·4 + c]
    std::array<double, max_group * max_hubs> agh{};   // A_gh, [r·8 + k]
    std::array<double, max_group * max_hubs> ahg{};   // A_hg, [l·8 + k] = A_hg(k, l)
    std::vector<BoundaryTerm> boundary;               // links to boundaries, in link order
    std::array<double, max_group * max_group> inv{};  // A_gg⁻¹, [r·4 + c]
    std::array<double, max_group * max_hubs> g{};     // G = A_gg⁻¹ A_gh, [l·8 + k]
    std::array<double, max_hubs * max_hubs> p{};      // A_hg G, [k·8 + k']
    std::array<double, max_group> b{};                // boundary terms of the right-hand side
    bool g_zero = false;                              // G = 0: x_g does not depend on x_h
    bool same_as(const Type& o) const;
  };
  // Groups in the same state (type, temperatures, heat; so the same y_g and x_g): solved once.
  // Two cache lines, the first holding what a step reads of a class of racks (groups of two
  // nodes) before it solves it, and what the data hall reads of it: the flags, the count and
  // type, t, and q of the first two nodes. A moved class of racks then waits for one line: its
  // y, in the second, is written before it is read. (At 120 bytes, unaligned, a class's fields
  // fell on up to three lines, and each classes.size() was a division by 120.)
  struct alignas(64) Class {
    int type = -1;
    int count = 0;  // member groups; 0: a free slot
    int head = -1;  // first member (members are linked through Blocks::members)
    // y (and the class's terms of the hub sums) computed from the present t, q, type and
    // boundary terms; `listed`: in Blocks::pending; `work_mark` equal to Blocks::work_mark: in
    // Blocks::work, its x to be solved at the next step.
    bool y_valid = false, listed = false;
    std::uint8_t work_mark = 0;
    std::array<double, max_group> t{}, q{}, y{};
    std::uint64_t type_heat_hash = 0;  // the state hash's part from type and q (set by new_class)
    // &Blocks::types[type]: set by build_classes(), copied with the class, and set again for
    // every class at the end of factor_blocks() (a new type may move the types; a type changes
    // only there, through retype()). solve_blocks() reads a class's type through it, with no
    // register holding the types' address (GCC kept it on the stack) and no multiply by the
    // record's size.
    const Type* type_at = nullptr;
  };
  static_assert(sizeof(Class) == 128 && offsetof(Class, q) + 2 * sizeof(double) == 64);
  // A node's entry of a class array (Class::t or Class::q) while its group is solved by class,
  // else its entry of the per-node array `flat` (temperature(), heat()).
  double node_value(Node n, std::array<double, max_group> Class::*by_class,
                    const std::vector<double>& flat) const {
    if (aggregated_) {
      const Blocks& b = *blocks_;
      const int g = b.group_of[static_cast<std::size_t>(n.index)];
      if (g >= 0)
        return (b.classes[static_cast<std::size_t>(b.class_of[static_cast<std::size_t>(g)])].*
                by_class)[static_cast<std::size_t>(b.local_of[static_cast<std::size_t>(n.index)])];
    }
    return flat[static_cast<std::size_t>(n.index)];
  }
  // Block elimination of small node groups around a few hubs (see the header comment). The
  // structure (hubs, groups, where each matrix entry goes) depends only on the sparsity pattern
  // and is found once per pattern; a re-factorization after a link value changed re-reads the
  // entries of the groups whose entries changed and looks their type up by its bits.
  struct Blocks {
    int hubs = 0;
    std::vector<int> hub_node;     // hub k → node
    std::vector<int> group_start;  // group g: nodes[group_start[g], group_start[g + 1])
    std::vector<int> nodes;        // non-hub nodes, grouped
    std::vector<int> group_of;     // node → its group, −1 for a hub
    std::vector<int> local_of;     // node → its index in its group, or its hub index
    // Where the matrix's k-th stored entry goes: A_hh, or group `group`'s A_gg, A_gh or A_hg,
    // at (row, col) (A_hg: row = local node, col = hub).
    enum class Part : std::uint8_t { hubs, group, to_hubs, from_hubs };
    struct Target {
      Part part;
      int group, row, col;
    };
    std::vector<Target> targets;
    std::vector<std::size_t> hub_entries;             // stored entries of A_hh, in order
    std::vector<std::size_t> entry_start, entries;    // group g's stored entries
    std::vector<int> boundary_start, boundary_links;  // group g's links to boundaries
    std::vector<int> hub_boundary_links;              // the hubs' links to boundaries
    // The matrix values of the last factorization (empty before the first, or after one
    // failed): a re-factorization re-reads only the groups whose entries changed.
    std::vector<double> factored_values;
    std::vector<char> group_changed;  // work, per group
    Eigen::MatrixXd ahh;
    Eigen::PartialPivLU<Eigen::MatrixXd> schur;
    std::vector<Type> types;
    std::unordered_multimap<std::uint64_t, int> type_with;  // hash → type
    std::vector<int> type_of;                               // group → type
    Type scratch;
    std::vector<Class> classes;
    std::vector<int> free_classes;  // empty slots, the lowest last
    std::vector<int> class_of;      // per group
    MemberLists members;            // each class's groups
    // Classes made by splitting since the last step, by (old class, what changed, new bits):
    // the groups that change alike stay together. `what`: 0..3, the heat of a local node;
    // 4..7, its temperature; 8, the type.
    SplitIndex splits;
    // Per class slot, dense: members (a copy of Class::count), the hash of the state (kept
    // from its last change) and the class's terms count · A_hg y of the hub sums ([id·hubs + k]).
    std::vector<int> count;
    std::vector<std::uint64_t> state_key;
    std::vector<double> term;
    // The classes whose y and terms of the hub sums the next step brings up to date (a state,
    // count or type that changed since): `pending`, every class when `all_pending`. The
    // classes whose x it solves: work[0, relisted), listed by the last step's solve (moved,
    // with their y and terms made from their new t then, or not yet at their fixed point),
    // and the pending ones added after them. A class is in `work` while its `work_mark` is
    // `work_mark` (1 or 2, the other one at each step: a class the solve lists for the next
    // step is not solved twice in this one). Either list may hold an id twice or a freed one.
    std::vector<int> pending, work;
    std::size_t relisted = 0;
    std::uint8_t work_mark = 1;
    bool all_pending = true;
    int solved = 0;  // classes solved at the last step
    // solve_blocks()'s pass over the types: `racks` and `sees_hubs` as it found them, valid
    // until the types move (factor_blocks()).
    bool type_pass_valid = false, racks = false, sees_hubs = false;
    int rested = 0;  // of work[0, relisted): listed with t unmoved at the last step (no y solved)
    // Open addressing of the live classes by state hash, kept from one merge to the next
    // (merge_classes()): an entry is a class id, read with its present state_key, count and
    // state, so entries left behind by a class that moved on, emptied or was freed are skipped
    // rather than removed. `index_valid`: every live class has an entry on its hash's probe
    // path; `index_entries`: entries since the table was last built (its load). An entry is
    // (build << 32) | class id, `build` counting the builds (merge_all()): a slot holding an
    // earlier build's entry (a smaller number) is empty, so a build starts from an empty table
    // by a count, not by a fill of every slot (its cost where most are never written). Only the
    // count's wrap to 0 fills it with build 0. A build uses the first `table_size` slots (a
    // power of two); `table` only grows, so a build of another size clears nothing either.
    std::vector<std::uint64_t> table;
    std::size_t table_size = 0;
    std::uint32_t table_build = 0;
    bool index_valid = false;
    std::size_t index_entries = 0;
    long full_merges = 0;  // merge_all() calls (tests)
    // Classes emptied since the last free_slots(): without one, the free slots left are those
    // listed (new_class() takes the lowest first, so the rest stay in order) and the last slot
    // is taken; with some, the list is the listed slots and the emptied ones, merged. An
    // emptied class is not filled again before free_slots() (only new_class() fills one, from
    // the list). `slots_unknown`: the classes were built anew; every slot is looked at.
    std::vector<int> emptied, merged_slots;  // merged_slots: work
    bool slots_unknown = true;
    // Classes whose state hash was set since the last merge, the only ones that can have come
    // to equal another class: those made here, and those the step's solve moved, which it
    // lists in work[0, relisted). May hold an id twice or a freed one.
    std::vector<int> rekeyed;
    std::vector<double> xh, rh;  // work
    Eigen::VectorXd r;
    long groups_inverted = 0;  // type inversions over the network's life (tests)
  };
  // The structure, or nullopt when the pattern does not fit (groups > 4 nodes, > 8 hubs).
  static std::optional<Blocks> block_pattern(const Eigen::SparseMatrix<double>& m);
  // Reads the changed groups' entries from matrix_ (same pattern) and looks their types up,
  // inverting new ones; false when a group or the Schur complement is singular.
  bool factor_blocks();
  // A_hh from matrix_ and the Schur complement, the types as last factored.
  bool factor_hubs();
  // After a change of hub-only links: A_hh's entries summed anew and factor_hubs(); false when
  // that cannot be done (the caller then factors in full).
  bool refactor_hubs();
  void map_hub_entries();  // hub_slots_, link_hub_only_ and the boundary links of the blocks
  bool invert(Type& t);    // inv, g, p of a type; false when singular
  void retype(int group, int type);
  // Classes: built from the nodes' temperatures and heat, dropped (temperatures written back
  // to the nodes) when the blocks are not used.
  void build_classes();
  void drop_classes();
  int new_class(const Class& like);
  void touch_class(int id);  // into Blocks::pending
  void resize_classes(std::size_t n);
  void move_group(int group, int to);
  void move_again(int group, int from, int to);  // for set_groups_heat()
  // For take_class_moves(): one more group moved. The list is kept in a buffer of the group
  // count with a count and a room (0 while the list is not valid), one test a move: as a
  // vector's push_back() behind the flag it took ~15 instructions a move.
  void record_move(int group) {
    if (moves_count_ < moves_room_) {
      class_moves_[moves_count_++] = group;
    } else {  // full (the reader reads every group's class again), or not valid
      moves_valid_ = false;
      moves_room_ = moves_count_ = 0;
    }
  }
  void clear_moves() {  // the list emptied and not valid
    moves_valid_ = false;
    moves_room_ = moves_count_ = 0;
  }
  void split(int group, int what, std::uint64_t bits);  // moves a group that changed
  void merge_classes();
  bool merge_rekeyed();  // merge_classes() when no classes merge; false: some might
  void merge_all();      // merge_classes() over every class, the table built anew
  void free_slots();     // after a merge: trailing empty slots dropped, free_classes rebuilt
  // For merge_all(): two classes in one state made one; returns the class kept.
  int merge_pair(int other, int id);
  void solve_blocks();
  Link add_link(LinkData d);
  template <typename F>
  void for_each_entry(double diag_scale, F&& f) const;
  void assemble(double diag_scale, Eigen::SparseMatrix<double>& m) const;
  void refill(double diag_scale);  // matrix_ = diag(diag_scale · C) + K, in place when it can
  Eigen::VectorXd boundary_terms() const;

  std::vector<double> capacitance_, temp_c_, heat_w_, boundary_c_;
  bool boundaries_moved_ = true;  // a boundary's bits set since solve_blocks()'s pass over types
  std::vector<LinkData> links_;
  double dt_s_ = -1;
  bool dirty_ = true;          // values changed: factorize again
  bool pattern_dirty_ = true;  // structure changed: analyse pattern again
  Eigen::SparseMatrix<double> matrix_;
  std::unique_ptr<Eigen::SparseLU<Eigen::SparseMatrix<double>, Eigen::COLAMDOrdering<int>>> lu_;
  Eigen::VectorXd rhs_, solution_;
  std::optional<Blocks> blocks_;  // the block structure of the present pattern, if any
  bool use_blocks_ = false;       // the last factorization chose blocks
  bool block_pattern_dirty_ = true;
  bool fill_dirty_ = true;       // structure changed: assemble matrix_ anew
  std::vector<int> entry_slot_;  // per for_each_entry() entry: its value's index in matrix_
  bool general_only_ = false;
  bool aggregated_ = false;  // group temperatures live in blocks_->classes, not temp_c_
  // take_class_moves(): groups moved since the last call, class_moves_[0, moves_count_). Room
  // for the group count while the list is valid (more moves than groups make it not valid);
  // 0 while it is not.
  std::vector<int> class_moves_;
  std::size_t moves_count_ = 0, moves_room_ = 0;
  bool moves_valid_ = false;                  // class_moves_ is complete since the last call
  bool reinvert_ = false;                     // forget_factorization(): invert every type again
  bool incremental_ = true;                   // set_incremental()
  double rest_k_ = default_rest_tolerance_k;  // set_rest_tolerance()
  // A stored entry of A_hh and its contributions in fill order: −1 − i for C_i/Δt, 2·link for
  // +value, 2·link + 1 for −value.
  // The leading `fixed` sources change only with a full refill (C/Δt, links beyond the hubs):
  // their partial sum, `prefix`, is kept from the last full refill (valid while
  // hub_prefix_valid_), so re-summing a hub entry after the bypass moved costs O(hub-only
  // sources), not O(racks), with the same additions in the same order.
  struct HubSlot {
    int slot;
    std::vector<int> sources;
    std::size_t fixed = 0;
    double prefix = 0;
  };
  std::vector<HubSlot> hub_slots_;
  bool hub_prefix_valid_ = false;
  std::vector<char> link_hub_only_;  // per link: all its matrix entries are among hubs
  bool refill_all_ = true;           // a change beyond hub-only links since the last factoring
  std::vector<double> c_over_dt_;    // C_i/Δt, per factorization
  std::vector<int> boundary_links_;  // links with a boundary term in the right-hand side
  std::vector<int> changed_boundary_links_;  // since the last factorization
  long factorizations_ = 0;
  long steady_factorizations_ = 0;
};

}  // namespace joule::models::cooling
