#include "models/cooling/thermal_network.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <type_traits>

namespace joule::models::cooling {

void SplitIndex::clear() {
  for (const std::uint32_t slot : used_) table_[slot].from = -1;
  used_.clear();
}

void SplitIndex::grow() {
  std::vector<Entry> old;
  old.swap(table_);
  table_.assign(old.empty() ? 64 : 2 * old.size(), Entry{});
  shift_ = 64 - std::countr_zero(table_.size());
  mask_ = table_.size() - 1;
  std::vector<std::uint32_t> taken;
  taken.swap(used_);
  for (const std::uint32_t at : taken) {
    const Entry& e = old[at];
    std::size_t slot = hash(e.from, e.what, e.bits) >> shift_;
    while (table_[slot].from >= 0) slot = (slot + 1) & mask_;
    table_[slot] = e;
    used_.push_back(static_cast<std::uint32_t>(slot));
  }
}

ThermalNetwork::Node ThermalNetwork::add_node(double capacitance_j_per_k, double initial_c) {
  if (!(capacitance_j_per_k > 0)) throw std::invalid_argument("node capacitance must be > 0");
  drop_classes();
  capacitance_.push_back(capacitance_j_per_k);
  temp_c_.push_back(initial_c);
  heat_w_.push_back(0.0);
  pattern_dirty_ = block_pattern_dirty_ = fill_dirty_ = dirty_ = refill_all_ = true;
  link_hub_only_.clear();
  return Node{node_count() - 1};
}

ThermalNetwork::Boundary ThermalNetwork::add_boundary(double temp_c) {
  boundary_c_.push_back(temp_c);
  boundaries_moved_ = true;
  return Boundary{static_cast<int>(boundary_c_.size()) - 1};
}

ThermalNetwork::Link ThermalNetwork::add_link(LinkData d) {
  if (!(d.value >= 0)) throw std::invalid_argument("conductance/stream rate must be >= 0");
  drop_classes();
  links_.push_back(d);
  pattern_dirty_ = block_pattern_dirty_ = fill_dirty_ = dirty_ = refill_all_ = true;
  link_hub_only_.clear();
  return Link{static_cast<int>(links_.size()) - 1};
}

ThermalNetwork::Link ThermalNetwork::conduct(Node a, Node b, double g) {
  return add_link({Kind::conduct_nodes, a.index, b.index, g});
}
ThermalNetwork::Link ThermalNetwork::conduct(Node a, Boundary b, double g) {
  return add_link({Kind::conduct_boundary, a.index, b.index, g});
}
ThermalNetwork::Link ThermalNetwork::stream(Node from, Node to, double w) {
  return add_link({Kind::stream_nodes, from.index, to.index, w});
}
ThermalNetwork::Link ThermalNetwork::stream(Boundary from, Node to, double w) {
  return add_link({Kind::stream_in, to.index, from.index, w});
}
ThermalNetwork::Link ThermalNetwork::stream(Node from, Boundary to, double w) {
  return add_link({Kind::stream_out, from.index, to.index, w});
}

void ThermalNetwork::set_link(Link link, double value) {
  if (!(value >= 0)) throw std::invalid_argument("conductance/stream rate must be >= 0");
  auto& l = links_.at(link.index);
  if (l.value == value) return;
  l.value = value;
  if (l.kind == Kind::stream_out) return;
  dirty_ = true;
  if (l.kind == Kind::conduct_boundary || l.kind == Kind::stream_in)
    changed_boundary_links_.push_back(link.index);
  const auto k = static_cast<std::size_t>(link.index);
  if (k >= link_hub_only_.size() || !link_hub_only_[k]) refill_all_ = true;
}

double ThermalNetwork::link_value(Link link) const {
  return links_.at(link.index).value;
}

// The entries of m = diag(diag_scale · C) + K, in a fixed order, duplicates summed by the caller.
template <typename F>
void ThermalNetwork::for_each_entry(double diag_scale, F&& f) const {
  const int n = node_count();
  for (int i = 0; i < n; ++i) f(i, i, diag_scale * capacitance_[i], -1 - i);
  for (std::size_t k = 0; k < links_.size(); ++k) {
    const auto& l = links_[k];
    const int plus = 2 * static_cast<int>(k), minus = plus + 1;  // sources (hub_slots_)
    switch (l.kind) {
      case Kind::conduct_nodes:
        f(l.a, l.a, l.value, plus);
        f(l.b, l.b, l.value, plus);
        f(l.a, l.b, -l.value, minus);
        f(l.b, l.a, -l.value, minus);
        break;
      case Kind::conduct_boundary:
      case Kind::stream_in:
        f(l.a, l.a, l.value, plus);
        break;
      case Kind::stream_nodes:  // row `to` (= b): +W on the diagonal, −W at `from` (= a)
        f(l.b, l.b, l.value, plus);
        f(l.b, l.a, -l.value, minus);
        break;
      case Kind::stream_out:
        break;
    }
  }
}

void ThermalNetwork::assemble(double diag_scale, Eigen::SparseMatrix<double>& m) const {
  std::vector<Eigen::Triplet<double>> t;
  t.reserve(node_count() + 4 * links_.size());
  for_each_entry(diag_scale, [&](int i, int j, double v, int) { t.emplace_back(i, j, v); });
  m.resize(node_count(), node_count());
  m.setFromTriplets(t.begin(), t.end());
  m.makeCompressed();
}

// With the pattern unchanged, the values are written in place: setFromTriplets sums the
// duplicates of an entry in the order given (first value, then + each next one), and so does
// this, so the matrix is the same to the bit.
void ThermalNetwork::refill(double diag_scale) {
  if (fill_dirty_) {
    assemble(diag_scale, matrix_);
    entry_slot_.clear();
    std::vector<char> seen(static_cast<std::size_t>(matrix_.nonZeros()), 0);
    const int* outer = matrix_.outerIndexPtr();
    const int* inner = matrix_.innerIndexPtr();
    for_each_entry(diag_scale, [&](int i, int j, double, int) {
      const int* at = std::lower_bound(inner + outer[j], inner + outer[j + 1], i);
      const auto slot = static_cast<int>(at - inner);
      // Negative: the entry's first value (an assignment, not a sum).
      entry_slot_.push_back(seen[static_cast<std::size_t>(slot)] ? slot : -slot - 1);
      seen[static_cast<std::size_t>(slot)] = 1;
    });
    fill_dirty_ = false;
    return;
  }
  double* value = matrix_.valuePtr();
  std::size_t k = 0;
  for_each_entry(diag_scale, [&](int, int, double v, int) {
    const int slot = entry_slot_[k++];
    if (slot < 0)
      value[-slot - 1] = v;
    else
      value[slot] += v;
  });
}

Eigen::VectorXd ThermalNetwork::boundary_terms() const {
  Eigen::VectorXd b = Eigen::VectorXd::Zero(node_count());
  for (const auto& l : links_)
    if (l.kind == Kind::conduct_boundary || l.kind == Kind::stream_in)
      b[l.a] += l.value * boundary_c_[l.b];
  return b;
}

void ThermalNetwork::step(double dt_s) {
  if (!(dt_s > 0)) throw std::invalid_argument("time step must be > 0");
  const int n = node_count();
  if (n == 0) return;
  if (dt_s != dt_s_) {
    dt_s_ = dt_s;
    dirty_ = refill_all_ = true;
    if (blocks_) blocks_->factored_values.clear();  // every C/Δt moved
  }
  if (dirty_ && !refill_all_ && use_blocks_ && refactor_hubs()) {
    ++factorizations_;
    dirty_ = false;
  }
  if (dirty_) {
    refill(1.0 / dt_s_);
    hub_prefix_valid_ = false;
    if (block_pattern_dirty_) {
      drop_classes();
      blocks_ = block_pattern(matrix_);
      block_pattern_dirty_ = false;
      map_hub_entries();
    }
    refill_all_ = false;
    use_blocks_ = !general_only_ && blocks_ && factor_blocks();
    if (use_blocks_) blocks_->all_pending = true;  // types, C/Δt or the inverses may have moved
    changed_boundary_links_.clear();
    if (!use_blocks_) {
      drop_classes();
      if (blocks_) blocks_->factored_values.clear();
      if (pattern_dirty_ || !lu_) {
        lu_ = std::make_unique<
            Eigen::SparseLU<Eigen::SparseMatrix<double>, Eigen::COLAMDOrdering<int>>>();
        lu_->analyzePattern(matrix_);
        pattern_dirty_ = false;
      }
      lu_->factorize(matrix_);
      if (lu_->info() != Eigen::Success)
        throw std::runtime_error("thermal network: singular matrix");
    }
    c_over_dt_.resize(n);
    for (int i = 0; i < n; ++i) c_over_dt_[i] = capacitance_[i] / dt_s_;
    boundary_links_.clear();
    for (std::size_t k = 0; k < links_.size(); ++k)
      if (links_[k].kind == Kind::conduct_boundary || links_[k].kind == Kind::stream_in)
        boundary_links_.push_back(static_cast<int>(k));
    ++factorizations_;
    dirty_ = false;
  }
  if (use_blocks_) {
    if (!aggregated_) build_classes();
    solve_blocks();
    merge_classes();
    return;
  }
  // rhs = boundary terms + C/Δt·T + q, built in place (the same sums as boundary_terms()).
  rhs_.setZero(n);
  for (const int k : boundary_links_) {
    const auto& l = links_[k];
    rhs_[l.a] += l.value * boundary_c_[l.b];
  }
  for (int i = 0; i < n; ++i) rhs_[i] += c_over_dt_[i] * temp_c_[i] + heat_w_[i];
  // T = Pc⁻¹ · U⁻¹ · L⁻¹ · Pr · rhs: the arithmetic of SparseLU::solve(), with both permutations
  // applied out of place. solve() permutes its result back in place, cycle by cycle with a
  // freshly allocated mask, which was the most expensive part of a control step for thousands of
  // racks (bench/bench_scale.sh; docs/reliability.md).
  const auto& pr = lu_->rowsPermutation().indices();
  const auto& pc = lu_->colsPermutation().indices();
  solution_.resize(n);
  for (int i = 0; i < n; ++i) solution_[pr[i]] = rhs_[i];
  lu_->matrixL().solveInPlace(solution_);
  lu_->matrixU().solveInPlace(solution_);
  for (int i = 0; i < n; ++i) temp_c_[i] = solution_[pc[i]];
}

std::optional<ThermalNetwork::Blocks> ThermalNetwork::block_pattern(
    const Eigen::SparseMatrix<double>& m) {
  constexpr int hub_degree = 8;
  const int n = static_cast<int>(m.rows());
  using It = Eigen::SparseMatrix<double>::InnerIterator;
  std::vector<std::vector<int>> adjacent(n);
  for (int col = 0; col < m.outerSize(); ++col)
    for (It it(m, col); it; ++it)
      if (it.row() != col) {
        adjacent[it.row()].push_back(col);
        adjacent[col].push_back(static_cast<int>(it.row()));
      }
  Blocks b;
  std::vector<int> hub_of(n, -1);
  for (int i = 0; i < n; ++i) {
    auto& a = adjacent[i];
    std::sort(a.begin(), a.end());
    a.erase(std::unique(a.begin(), a.end()), a.end());
    if (static_cast<int>(a.size()) > hub_degree) {
      if (b.hubs == max_hubs) return std::nullopt;
      hub_of[i] = b.hubs++;
      b.hub_node.push_back(i);
    }
  }
  // Groups: connected components once the hubs are removed.
  std::vector<int> parent(n);
  for (int i = 0; i < n; ++i) parent[i] = i;
  const auto find = [&](int i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (int i = 0; i < n; ++i)
    if (hub_of[i] < 0)
      for (int j : adjacent[i])
        if (hub_of[j] < 0) parent[find(i)] = find(j);
  std::vector<int> group_of_root(n, -1);
  std::vector<std::vector<int>> groups;
  b.group_of.assign(n, -1);
  b.local_of.assign(n, -1);
  for (int k = 0; k < b.hubs; ++k) b.local_of[b.hub_node[k]] = k;
  for (int i = 0; i < n; ++i) {
    if (hub_of[i] >= 0) continue;
    int& g = group_of_root[find(i)];
    if (g < 0) {
      g = static_cast<int>(groups.size());
      groups.emplace_back();
    }
    if (static_cast<int>(groups[g].size()) == max_group) return std::nullopt;
    b.group_of[i] = g;
    b.local_of[i] = static_cast<int>(groups[g].size());
    groups[g].push_back(i);
  }
  for (const auto& members : groups) {
    b.group_start.push_back(static_cast<int>(b.nodes.size()));
    b.nodes.insert(b.nodes.end(), members.begin(), members.end());
  }
  b.group_start.push_back(static_cast<int>(b.nodes.size()));
  // Where each stored entry goes, and each group's entries in storage order.
  b.entry_start.assign(groups.size() + 1, 0);
  for (int col = 0; col < m.outerSize(); ++col)
    for (It it(m, col); it; ++it) {
      const int i = static_cast<int>(it.row()), j = col;
      using Part = Blocks::Part;
      if (hub_of[i] >= 0 && hub_of[j] >= 0) {
        b.hub_entries.push_back(b.targets.size());
        b.targets.push_back({Part::hubs, -1, hub_of[i], hub_of[j]});
        continue;
      }
      if (hub_of[i] < 0 && hub_of[j] < 0)  // the same group, by construction
        b.targets.push_back({Part::group, b.group_of[i], b.local_of[i], b.local_of[j]});
      else if (hub_of[i] < 0)
        b.targets.push_back({Part::to_hubs, b.group_of[i], b.local_of[i], hub_of[j]});
      else
        b.targets.push_back({Part::from_hubs, b.group_of[j], b.local_of[j], hub_of[i]});
      ++b.entry_start[static_cast<std::size_t>(b.targets.back().group) + 1];
    }
  for (std::size_t g = 0; g < groups.size(); ++g) b.entry_start[g + 1] += b.entry_start[g];
  b.entries.resize(b.entry_start.back());
  std::vector<std::size_t> fill(b.entry_start.begin(), b.entry_start.end() - 1);
  for (std::size_t k = 0; k < b.targets.size(); ++k)
    if (b.targets[k].part != Blocks::Part::hubs)
      b.entries[fill[static_cast<std::size_t>(b.targets[k].group)]++] = k;
  b.ahh.resize(b.hubs, b.hubs);
  b.xh.assign(b.hubs, 0.0);
  b.rh.assign(b.hubs, 0.0);
  b.r.resize(b.hubs);
  return b;
}

namespace {

// FNV-1a over bit patterns.
std::uint64_t hash_bits(std::uint64_t h, const double* v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t x;
    std::memcpy(&x, &v[i], sizeof x);
    h = (h ^ x) * 0x100000001b3ull;
  }
  return h;
}

template <std::size_t N>
bool same_bits(const std::array<double, N>& a, const std::array<double, N>& b) {
  return std::memcmp(a.data(), b.data(), sizeof(double) * N) == 0;
}

std::uint64_t bits_of(double v) {
  std::uint64_t x;
  std::memcpy(&x, &v, sizeof x);
  return x;
}

}  // namespace

bool ThermalNetwork::Type::same_as(const Type& o) const {
  if (size != o.size || boundary.size() != o.boundary.size() ||
      !same_bits(c_over_dt, o.c_over_dt) || !same_bits(agg, o.agg) || !same_bits(agh, o.agh) ||
      !same_bits(ahg, o.ahg))
    return false;
  for (std::size_t i = 0; i < boundary.size(); ++i)
    if (boundary[i].local != o.boundary[i].local ||
        boundary[i].boundary != o.boundary[i].boundary ||
        bits_of(boundary[i].value) != bits_of(o.boundary[i].value))
      return false;
  return true;
}

bool ThermalNetwork::invert(Type& t) {
  Blocks& b = *blocks_;
  const int m = t.size, h = b.hubs;
  using Square =
      Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor, max_group, max_group>;
  using ToHubs =
      Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor, max_group, max_hubs>;
  Square a(m, m);
  ToHubs agh(m, h);
  for (int r = 0; r < m; ++r) {
    for (int c = 0; c < m; ++c) a(r, c) = t.agg[static_cast<std::size_t>(r * max_group + c)];
    for (int k = 0; k < h; ++k) agh(r, k) = t.agh[static_cast<std::size_t>(r * max_hubs + k)];
  }
  const Eigen::FullPivLU<Square> lu(a);
  ++b.groups_inverted;
  if (!lu.isInvertible()) return false;
  const Square inverse = lu.inverse();
  const ToHubs gg = inverse * agh;
  for (int r = 0; r < m; ++r) {
    for (int c = 0; c < m; ++c) t.inv[static_cast<std::size_t>(r * max_group + c)] = inverse(r, c);
    for (int k = 0; k < h; ++k) t.g[static_cast<std::size_t>(r * max_hubs + k)] = gg(r, k);
  }
  t.g_zero = true;
  for (int r = 0; r < m; ++r)
    for (int k = 0; k < h; ++k)
      t.g_zero = t.g_zero && t.g[static_cast<std::size_t>(r * max_hubs + k)] == 0;
  for (int k = 0; k < h; ++k)
    for (int c = 0; c < h; ++c) {
      double p = 0;
      for (int l = 0; l < m; ++l)
        p += t.ahg[static_cast<std::size_t>(l * max_hubs + k)] *
             t.g[static_cast<std::size_t>(l * max_hubs + c)];
      t.p[static_cast<std::size_t>(k * max_hubs + c)] = p;
    }
  return true;
}

void ThermalNetwork::retype(int group, int type) {
  Blocks& b = *blocks_;
  const auto g = static_cast<std::size_t>(group);
  if (b.type_of[g] >= 0) --b.types[static_cast<std::size_t>(b.type_of[g])].count;
  ++b.types[static_cast<std::size_t>(type)].count;
  b.type_of[g] = type;
  if (aggregated_) split(group, 8, static_cast<std::uint64_t>(type));
}

bool ThermalNetwork::factor_blocks() {
  Blocks& b = *blocks_;
  const double* value = matrix_.valuePtr();
  const std::size_t nnz = b.targets.size(), groups = b.group_start.size() - 1;
  // Which groups' entries changed since the last factorization (all of them before the first).
  // Bit patterns are compared: a value that changed sign of zero or to NaN counts as changed.
  const bool incremental = b.factored_values.size() == nnz && b.type_of.size() == groups;
  b.group_changed.assign(groups, incremental ? 0 : 1);
  if (incremental) {
    for (std::size_t k = 0; k < nnz; ++k)
      if (std::memcmp(&value[k], &b.factored_values[k], sizeof(double)) != 0 &&
          b.targets[k].part != Blocks::Part::hubs)
        b.group_changed[static_cast<std::size_t>(b.targets[k].group)] = 1;
    for (const int link : changed_boundary_links_) {
      const int g = b.group_of[static_cast<std::size_t>(links_[link].a)];
      if (g >= 0) b.group_changed[static_cast<std::size_t>(g)] = 1;
    }
  }
  changed_boundary_links_.clear();
  b.factored_values.clear();  // until this factorization succeeds
  b.type_pass_valid = false;  // the types may move (solve_blocks())
  if (b.type_of.size() != groups) b.type_of.assign(groups, -1);
  if (reinvert_) {
    reinvert_ = false;
    for (Type& t : b.types)
      if (t.size > 0 && !invert(t)) return false;
  }
  // Each changed group's type, looked up by its bits (racks of one design share one); a new
  // type is inverted once.
  Type& s = b.scratch;
  for (std::size_t g = 0; g < groups; ++g) {
    if (!b.group_changed[g]) continue;
    const int start = b.group_start[g];
    s.size = b.group_start[g + 1] - start;
    s.c_over_dt.fill(0.0);
    s.agg.fill(0.0);
    s.agh.fill(0.0);
    s.ahg.fill(0.0);
    s.boundary.clear();
    for (int i = 0; i < s.size; ++i)
      s.c_over_dt[static_cast<std::size_t>(i)] =
          capacitance_[static_cast<std::size_t>(b.nodes[static_cast<std::size_t>(start + i)])] /
          dt_s_;
    for (std::size_t e = b.entry_start[g]; e < b.entry_start[g + 1]; ++e) {
      const Blocks::Target& t = b.targets[b.entries[e]];
      const double v = value[b.entries[e]];
      if (t.part == Blocks::Part::group)
        s.agg[static_cast<std::size_t>(t.row * max_group + t.col)] = v;
      else if (t.part == Blocks::Part::to_hubs)
        s.agh[static_cast<std::size_t>(t.row * max_hubs + t.col)] = v;
      else
        s.ahg[static_cast<std::size_t>(t.row * max_hubs + t.col)] = v;
    }
    for (int k = b.boundary_start[g]; k < b.boundary_start[g + 1]; ++k) {
      const LinkData& l = links_[static_cast<std::size_t>(b.boundary_links[k])];
      s.boundary.push_back({b.local_of[static_cast<std::size_t>(l.a)], l.b, l.value});
    }
    std::uint64_t h = 0xcbf29ce484222325ull ^ static_cast<std::uint64_t>(s.size);
    h = hash_bits(h, s.c_over_dt.data(), s.c_over_dt.size());
    h = hash_bits(h, s.agg.data(), s.agg.size());
    h = hash_bits(h, s.agh.data(), s.agh.size());
    h = hash_bits(h, s.ahg.data(), s.ahg.size());
    for (const BoundaryTerm& t : s.boundary)
      h = hash_bits(h ^ static_cast<std::uint64_t>(t.boundary), &t.value, 1);
    s.hash = h;
    int type = -1;
    for (auto [it, last] = b.type_with.equal_range(h); it != last; ++it)
      if (b.types[static_cast<std::size_t>(it->second)].same_as(s)) {
        type = it->second;
        break;
      }
    if (type < 0) {
      if (!invert(s)) return false;
      s.count = 0;
      type = static_cast<int>(b.types.size());
      for (std::size_t t = 0; t < b.types.size(); ++t)
        if (b.types[t].size == 0) {
          type = static_cast<int>(t);
          break;
        }
      if (type == static_cast<int>(b.types.size()))
        b.types.push_back(s);
      else
        b.types[static_cast<std::size_t>(type)] = s;
      b.type_with.emplace(h, type);
    }
    if (b.type_of[g] != type) retype(static_cast<int>(g), type);
  }
  // Types left without groups are freed.
  for (std::size_t t = 0; t < b.types.size(); ++t) {
    Type& type = b.types[t];
    if (type.size == 0 || type.count > 0) continue;
    for (auto [it, last] = b.type_with.equal_range(type.hash); it != last; ++it)
      if (it->second == static_cast<int>(t)) {
        b.type_with.erase(it);
        break;
      }
    type.size = 0;
  }
  if (!factor_hubs()) return false;
  b.factored_values.assign(value, value + nnz);
  // A new type may have moved the types (push_back): each class's pointer taken again.
  for (Class& c : b.classes)
    if (c.type >= 0) c.type_at = &b.types[static_cast<std::size_t>(c.type)];
  return true;
}

// Schur complement A_hh − Σ_g A_hg G_g, summed by type: count × A_hg G of each.
bool ThermalNetwork::factor_hubs() {
  Blocks& b = *blocks_;
  const int h = b.hubs;
  if (h == 0) return true;
  const double* value = matrix_.valuePtr();
  b.ahh.setZero();
  for (const std::size_t k : b.hub_entries) b.ahh(b.targets[k].row, b.targets[k].col) += value[k];
  Eigen::MatrixXd schur = b.ahh;
  for (const Type& t : b.types) {
    if (t.count == 0) continue;
    const auto count = static_cast<double>(t.count);
    for (int k = 0; k < h; ++k)
      for (int c = 0; c < h; ++c)
        schur(k, c) -= count * t.p[static_cast<std::size_t>(k * max_hubs + c)];
  }
  if (!Eigen::FullPivLU<Eigen::MatrixXd>(schur).isInvertible()) return false;
  b.schur.compute(schur);
  return true;
}

bool ThermalNetwork::refactor_hubs() {
  if (!blocks_ || fill_dirty_) return false;
  Blocks& b = *blocks_;
  if (b.factored_values.size() != static_cast<std::size_t>(matrix_.nonZeros())) return false;
  // The sums refill() makes, for the hubs' entries only.
  const double diag_scale = 1.0 / dt_s_;
  const auto contribution = [&](int source) {
    if (source < 0) return diag_scale * capacitance_[static_cast<std::size_t>(-1 - source)];
    const double v = links_[static_cast<std::size_t>(source / 2)].value;
    return source % 2 ? -v : v;
  };
  double* value = matrix_.valuePtr();
  for (HubSlot& slot : hub_slots_) {
    if (!hub_prefix_valid_) {
      slot.fixed = 0;
      for (const int source : slot.sources) {
        if (source >= 0 && link_hub_only_[static_cast<std::size_t>(source / 2)]) break;
        ++slot.fixed;
      }
      if (slot.fixed > 0) {
        slot.prefix = contribution(slot.sources.front());
        for (std::size_t i = 1; i < slot.fixed; ++i) slot.prefix += contribution(slot.sources[i]);
      }
    }
    double& v = value[slot.slot];
    std::size_t i = slot.fixed;
    if (i > 0) {
      v = slot.prefix;
    } else {
      v = contribution(slot.sources.front());
      i = 1;
    }
    for (; i < slot.sources.size(); ++i) v += contribution(slot.sources[i]);
  }
  hub_prefix_valid_ = true;
  if (!factor_hubs()) {
    b.factored_values.clear();
    return false;
  }
  for (const std::size_t k : b.hub_entries) b.factored_values[k] = value[k];
  return true;
}

void ThermalNetwork::map_hub_entries() {
  hub_slots_.clear();
  hub_prefix_valid_ = false;
  link_hub_only_.assign(links_.size(), 0);
  if (!blocks_) return;
  Blocks& b = *blocks_;
  std::vector<int> slot_index(static_cast<std::size_t>(matrix_.nonZeros()), -1);
  for (const std::size_t k : b.hub_entries) {
    slot_index[k] = static_cast<int>(hub_slots_.size());
    hub_slots_.push_back({static_cast<int>(k), {}});
  }
  std::size_t e = 0;
  for_each_entry(0.0, [&](int, int, double, int source) {
    const int slot = entry_slot_[e++];
    const int index = slot_index[static_cast<std::size_t>(slot < 0 ? -slot - 1 : slot)];
    if (index >= 0) hub_slots_[static_cast<std::size_t>(index)].sources.push_back(source);
  });
  const auto hub = [&](int node) { return b.group_of[static_cast<std::size_t>(node)] < 0; };
  const std::size_t groups = b.group_start.size() - 1;
  b.boundary_start.assign(groups + 1, 0);
  b.hub_boundary_links.clear();
  for (std::size_t k = 0; k < links_.size(); ++k) {
    const LinkData& l = links_[k];
    switch (l.kind) {
      case Kind::conduct_nodes:
      case Kind::stream_nodes:
        link_hub_only_[k] = hub(l.a) && hub(l.b);
        break;
      case Kind::conduct_boundary:
      case Kind::stream_in:
        link_hub_only_[k] = hub(l.a);
        if (hub(l.a))
          b.hub_boundary_links.push_back(static_cast<int>(k));
        else
          ++b.boundary_start[static_cast<std::size_t>(b.group_of[static_cast<std::size_t>(l.a)]) +
                             1];
        break;
      case Kind::stream_out:
        link_hub_only_[k] = 1;
        break;
    }
  }
  for (std::size_t g = 0; g < groups; ++g) b.boundary_start[g + 1] += b.boundary_start[g];
  b.boundary_links.assign(static_cast<std::size_t>(b.boundary_start.back()), 0);
  std::vector<int> fill(b.boundary_start.begin(), b.boundary_start.end() - 1);
  for (std::size_t k = 0; k < links_.size(); ++k) {
    const LinkData& l = links_[k];
    if ((l.kind == Kind::conduct_boundary || l.kind == Kind::stream_in) && !hub(l.a))
      b.boundary_links[static_cast<std::size_t>(
          fill[static_cast<std::size_t>(b.group_of[static_cast<std::size_t>(l.a)])]++)] =
          static_cast<int>(k);
  }
}

namespace {

// A class's type and heat change only where a class is made (new_class()); a solve moves its
// temperatures alone. So the hash takes the type and heat first, kept with the class
// (Class::type_heat_hash), and a solve hashes only the temperatures onto it. (Which classes
// merge does not depend on the hash: see merge_classes().)
template <typename Class>
std::uint64_t type_heat_hash(const Class& c, int size) {
  const std::uint64_t h = 0xcbf29ce484222325ull ^ static_cast<std::uint64_t>(c.type);
  return hash_bits(h, c.q.data(), static_cast<std::size_t>(size));
}

template <typename Class>
std::uint64_t state_hash(const Class& c, int size) {
  return hash_bits(c.type_heat_hash, c.t.data(), static_cast<std::size_t>(size));
}

template <typename Class>
bool same_state(const Class& a, const Class& b) {
  return a.type == b.type && same_bits(a.t, b.t) && same_bits(a.q, b.q);
}

}  // namespace

void ThermalNetwork::resize_classes(std::size_t n) {
  Blocks& b = *blocks_;
  b.classes.resize(n);
  b.count.resize(n, 0);
  b.state_key.resize(n, 0);
  b.term.resize(n * static_cast<std::size_t>(b.hubs), 0.0);
}

namespace {

// Class `id` (its record `c`) onto the pending list, once: touch_class(), and solve_blocks() on
// the record it holds.
template <class ClassRecord, class List>
void list_once(ClassRecord& c, int id, List& pending) {
  if (c.listed) return;
  c.listed = true;
  pending.push_back(id);
}

}  // namespace

// Inlined into its callers (move_group() twice a move): with set_groups_heat() holding two
// copies of move_group(), the compiler had left it a call.
[[gnu::always_inline]] inline void ThermalNetwork::touch_class(int id) {
  list_once(blocks_->classes[static_cast<std::size_t>(id)], id, blocks_->pending);
}

int ThermalNetwork::new_class(const Class& like) {
  Blocks& b = *blocks_;
  Class c = like;  // `like` may live in b.classes
  c.count = 0;
  c.head = -1;
  c.y_valid = c.listed = false;
  c.work_mark = 0;  // not in `work` (touch_class() lists it: the step adds it)
  int id;
  if (!b.free_classes.empty()) {
    id = b.free_classes.back();
    b.free_classes.pop_back();
  } else {
    id = static_cast<int>(b.classes.size());
    resize_classes(b.classes.size() + 1);
  }
  const auto i = static_cast<std::size_t>(id);
  const int size = b.types[static_cast<std::size_t>(c.type)].size;
  c.type_heat_hash = type_heat_hash(c, size);
  b.classes[i] = c;
  b.count[i] = 0;
  b.state_key[i] = state_hash(c, size);
  b.rekeyed.push_back(id);
  touch_class(id);
  return id;
}

// Inlined into split() (and build_classes()): as a call, saving and restoring its registers
// took ~19 of its ~85 instructions.
[[gnu::always_inline]] inline void ThermalNetwork::move_group(int group, int to) {
  Blocks& b = *blocks_;
  const auto g = static_cast<std::size_t>(group);
  const int from = b.class_of[g];
  if (from >= 0) {
    Class& f = b.classes[static_cast<std::size_t>(from)];
    b.members.unlink(f, group);
    b.count[static_cast<std::size_t>(from)] = f.count;
    if (f.count == 0) b.emptied.push_back(from);
    touch_class(from);
  }
  Class& t = b.classes[static_cast<std::size_t>(to)];
  b.members.push_front(t, group);
  b.count[static_cast<std::size_t>(to)] = t.count;
  touch_class(to);
  b.class_of[g] = to;
  record_move(group);
}

// move_group() of a group of class `from` to class `to`, a move the last split() in this
// set_groups_heat() call made for the same key: `from` is a class (not −1), and both classes
// are on the pending list already (that move listed them; only the step takes classes off it).
[[gnu::always_inline]] inline void ThermalNetwork::move_again(int group, int from, int to) {
  Blocks& b = *blocks_;
  const auto g = static_cast<std::size_t>(group);
  Class& f = b.classes[static_cast<std::size_t>(from)];
  b.members.unlink(f, group);
  b.count[static_cast<std::size_t>(from)] = f.count;
  if (f.count == 0) b.emptied.push_back(from);
  Class& t = b.classes[static_cast<std::size_t>(to)];
  b.members.push_front(t, group);
  b.count[static_cast<std::size_t>(to)] = t.count;
  b.class_of[g] = to;
  record_move(group);
}

// A group whose heat (what = local node), temperature (4 + local node) or type (8) changed to
// `bits` leaves its class for the class (old class, what, bits), made at the first such change
// since the last step: the racks of a job that change together stay together.
void ThermalNetwork::split(int group, int what, std::uint64_t bits) {
  Blocks& b = *blocks_;
  const int from = b.class_of[static_cast<std::size_t>(group)];
  const auto [id, fresh] = b.splits.find_or_add(from, what, bits);
  if (fresh) {
    Class c = b.classes[static_cast<std::size_t>(from)];
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (what < max_group)
      c.q[static_cast<std::size_t>(what)] = v;
    else if (what < 2 * max_group)
      c.t[static_cast<std::size_t>(what - max_group)] = v;
    else
      c.type = static_cast<int>(bits);  // its type_at: by factor_blocks(), retype()'s one caller
    *id = new_class(c);
  }
  move_group(group, *id);
}

namespace {

// A group node's heat (`what` = 0) or temperature (`what` = max_group) set while groups are
// solved by class: the group leaves its class when the value's bits differ from the class's.
template <typename Blocks, typename Split>
void set_in_class(const Blocks& b, int node, int what, double value, Split&& split) {
  const int g = b.group_of[static_cast<std::size_t>(node)];
  if (g < 0) return;
  const auto local = static_cast<std::size_t>(b.local_of[static_cast<std::size_t>(node)]);
  const auto& c = b.classes[static_cast<std::size_t>(b.class_of[static_cast<std::size_t>(g)])];
  if (bits_of(what > 0 ? c.t[local] : c.q[local]) != bits_of(value))
    split(g, what + static_cast<int>(local), bits_of(value));
}

}  // namespace

void ThermalNetwork::set_heat(Node n, double q_w) {
  heat_w_[n.index] = q_w;
  if (aggregated_)
    set_in_class(*blocks_, n.index, 0, q_w,
                 [this](int g, int what, std::uint64_t bits) { split(g, what, bits); });
}

void ThermalNetwork::set_group_heat(Node n, int group, int local, double q_w) {
  heat_w_[n.index] = q_w;
  if (!aggregated_) return;
  const Blocks& b = *blocks_;
  const Class& c = b.classes[static_cast<std::size_t>(b.class_of[static_cast<std::size_t>(group)])];
  if (bits_of(c.q[static_cast<std::size_t>(local)]) != bits_of(q_w))
    split(group, local, bits_of(q_w));
}

// Each group's class id and list links sit in per-group arrays, so in a large network every
// group of the list is a cache miss in each (its heat is kept in its class alone: see heat()). The
// groups are taken in chunks: the lines of a chunk's groups are all asked for first, so that their
// misses overlap, then the chunk is set; a few groups ahead of the call, a group whose heat leaves
// its class's has the links of its list neighbours (which the split rewrites) asked for too.
void ThermalNetwork::set_groups_heat(std::span<const std::uint32_t> groups,
                                     std::span<const double> q_w, int first_node, int node_stride,
                                     int local) {
  const auto node = [&](std::uint32_t g) { return first_node + node_stride * static_cast<int>(g); };
  const std::size_t n = groups.size();
  if (!aggregated_) {
    for (const std::uint32_t g : groups)
      set_group_heat(Node{node(g)}, static_cast<int>(g), local, q_w[g]);
    return;
  }
  const Blocks& b = *blocks_;
  const std::size_t group_count = b.class_of.size();
  // The key (class left, heat's bits) of the last split and the class it moved the group to:
  // the key's class is the same until the step (the split index is emptied there, and no class
  // is freed before it).
  int last_from = -1, last_to = -1;
  std::uint64_t last_bits = 0;
  // A group whose heat leaves its class's, with the last split's key and class remembered: a
  // group leaving the same class for the same heat moves to the class split() found or made,
  // without a probe or a call.
  const auto leave = [&](std::uint32_t g, double q) {
    const int from = b.class_of[g];
    if (from == last_from && bits_of(q) == last_bits) {
      move_again(static_cast<int>(g), from, last_to);
      return;
    }
    last_from = from;
    last_bits = bits_of(q);
    split(static_cast<int>(g), local, bits_of(q));
    last_to = b.class_of[g];
  };
  // set_group_heat() but for its test of aggregated_ (set here, and a split leaves it).
  const auto set = [&](std::uint32_t g) {
    const double q = q_w[g];
    const Class& c = b.classes[static_cast<std::size_t>(b.class_of[g])];
    if (bits_of(c.q[static_cast<std::size_t>(local)]) != bits_of(q)) leave(g, q);
  };
  // A network of fewer groups keeps what this loop reads of them in the caches (class id, list
  // links, new heat: 6.4 KB for the 10k scenario's 320 racks, 63 KB for the 100k scenario's
  // 3,136), so its groups are set in order without asking ahead. The groups whose
  // heat keeps their class's (in 30 days of the 100k hall none: each listed rack's changed) are set
  // in a loop of their own with the arrays' addresses in registers; it stops at a group that leaves
  // its class (a move or a split, calls after which a split may have added a class record), and the
  // addresses are taken again after.
  if (group_count < ask_ahead_groups) {
    // Group g's class's heat in place `local` at class_q[class_of[g]·(the record's size in
    // doubles)]: a shift and a load.
    const int* const class_of = b.class_of.data();
    std::size_t i = 0;
    while (i < n) {
      const double* const class_q = b.classes.data()->q.data() + local;
      double q = 0;
      for (; i < n; ++i) {
        const std::uint32_t g = groups[i];
        q = q_w[g];
        const auto c = static_cast<std::size_t>(class_of[g]);
        if (bits_of(class_q[c * (sizeof(Class) / sizeof(double))]) != bits_of(q)) break;
      }
      if (i == n) break;
      leave(groups[i], q);
      ++i;
    }
    return;
  }
  constexpr std::size_t chunk = 64, near = 4;
  for (std::size_t start = 0; start < n; start += chunk) {
    const std::size_t end = std::min(n, start + chunk);
    for (std::size_t i = start; i < end; ++i) {
      const std::uint32_t g = groups[i];
      if (g >= group_count) continue;
      __builtin_prefetch(b.class_of.data() + g);
      __builtin_prefetch(b.members.link.data() + g);
      __builtin_prefetch(q_w.data() + g);
    }
    // The groups `near` places before the chunk's end look ahead; the last `near` do not.
    std::size_t i = start;
    for (; i + near < end; ++i) {
      const std::uint32_t ahead = groups[i + near];
      if (ahead < group_count) {
        const Class& c = b.classes[static_cast<std::size_t>(b.class_of[ahead])];
        if (bits_of(c.q[static_cast<std::size_t>(local)]) != bits_of(q_w[ahead])) {
          const MemberLists::Link& l = b.members.link[ahead];
          if (l.next >= 0) __builtin_prefetch(b.members.link.data() + l.next, 1);
          if (l.prev >= 0) __builtin_prefetch(b.members.link.data() + l.prev, 1);
        }
      }
      set(groups[i]);
    }
    for (; i < end; ++i) set(groups[i]);
  }
}

void ThermalNetwork::set_temperature(Node n, double temp_c) {
  temp_c_[n.index] = temp_c;
  if (aggregated_)
    set_in_class(*blocks_, n.index, max_group, temp_c,
                 [this](int g, int what, std::uint64_t bits) { split(g, what, bits); });
}

bool ThermalNetwork::take_class_moves(std::vector<int>& groups) {
  const bool valid = moves_valid_;
  if (valid)
    groups.insert(groups.end(), class_moves_.begin(),
                  class_moves_.begin() + static_cast<std::ptrdiff_t>(moves_count_));
  moves_count_ = 0;
  moves_valid_ = aggregated_;
  moves_room_ = aggregated_ ? class_moves_.size() : 0;  // the group count (build_classes())
  return valid;
}

void ThermalNetwork::build_classes() {
  clear_moves();
  Blocks& b = *blocks_;
  const std::size_t groups = b.group_start.size() - 1;
  b.classes.clear();
  b.count.clear();
  b.state_key.clear();
  b.term.clear();
  b.pending.clear();
  b.relisted = 0;
  b.all_pending = true;
  b.rekeyed.clear();
  b.index_valid = false;
  b.slots_unknown = true;
  b.emptied.clear();
  b.free_classes.clear();
  b.splits.clear();
  b.class_of.assign(groups, -1);
  class_moves_.resize(groups);  // room for a move of each group (take_class_moves())
  b.members.assign(groups);
  std::unordered_map<std::uint64_t, int> first;  // state hash → class
  for (std::size_t g = 0; g < groups; ++g) {
    Class c;
    c.type = b.type_of[g];
    c.type_at = &b.types[static_cast<std::size_t>(c.type)];
    const int start = b.group_start[g], size = b.group_start[g + 1] - start;
    for (int i = 0; i < size; ++i) {
      const auto node = static_cast<std::size_t>(b.nodes[static_cast<std::size_t>(start + i)]);
      c.t[static_cast<std::size_t>(i)] = temp_c_[node];
      c.q[static_cast<std::size_t>(i)] = heat_w_[node];
    }
    c.type_heat_hash = type_heat_hash(c, size);
    const auto [it, fresh] = first.try_emplace(state_hash(c, size), -1);
    int id = it->second;
    if (fresh || !same_state(b.classes[static_cast<std::size_t>(id)], c)) {
      id = new_class(c);
      if (fresh) it->second = id;
    }
    move_group(static_cast<int>(g), id);
  }
  aggregated_ = true;
}

void ThermalNetwork::drop_classes() {
  clear_moves();
  if (!aggregated_) return;
  Blocks& b = *blocks_;
  for (std::size_t i = 0; i < b.nodes.size(); ++i) {
    const auto node = static_cast<std::size_t>(b.nodes[i]);
    temp_c_[node] = temperature(Node{static_cast<int>(node)});
    heat_w_[node] = heat(Node{static_cast<int>(node)});
  }
  b.classes.clear();
  b.count.clear();
  b.state_key.clear();
  b.term.clear();
  b.pending.clear();
  b.relisted = 0;
  b.all_pending = true;
  b.rekeyed.clear();
  b.index_valid = false;
  b.slots_unknown = true;
  b.emptied.clear();
  b.free_classes.clear();
  b.splits.clear();
  aggregated_ = false;
}

int ThermalNetwork::group_classes() const {
  if (!aggregated_) return 0;
  int n = 0;
  for (const int c : blocks_->count) n += c > 0;
  return n;
}

// Classes whose states became bit-for-bit equal are merged (the smaller into the larger), and
// the slots left empty are kept for reuse, the lowest first. Each class's state hash is kept
// from its last change (Blocks::state_key): a probe compares hashes, and states only when they
// agree.
//
// After a merge the live classes' states are pairwise distinct, and a class's state changes
// only where its hash is set again (a solve that moved t, or a class made by a split). So two
// classes can have become equal only if one of them was rekeyed since: the step looks each
// rekeyed class up in the table kept from the last merge, and when none finds an equal live
// class there is nothing to merge (the pass over every class would have merged nothing). When
// one does, or the table is not valid or is full, every class goes through the pass, in id
// order: the same merges in the same order.
//
// At 100k GPUs nearly every pass follows a lookup that found an equal class: the pass runs at
// 366,077 of the year's 525,601 steps since classes rest (248,054 before; 274 followed a full
// table then). Merging the classes the lookup finds in one state there, in the pass's order,
// was tried twice: in 30 days of the 100k hall it looked up every rekeyed class (2.8 M lookups;
// 1.8 M with the stop at the first find) in a table rebuilt less often (3.3 M probes; 0.44 M)
// and cost 18 M instructions more than the passes it saved; timed over the 100k year, it took
// 6.2 % of the run against 5.3 % for the lookup and the pass. The pass keeps the table sparse.
void ThermalNetwork::merge_classes() {
  Blocks& b = *blocks_;
  if (!incremental_ || !merge_rekeyed()) merge_all();
  b.rekeyed.clear();
  b.splits.clear();
  free_slots();
}

bool ThermalNetwork::merge_rekeyed() {
  Blocks& b = *blocks_;
  if (!b.index_valid) return false;
  const std::size_t size = b.table_size, mask = size - 1, slots = b.classes.size();
  // An entry of this build is at least `tag`, as no later build has written the table.
  const std::uint64_t tag = std::uint64_t{b.table_build} << 32;
  // The arrays' addresses and the table's load in locals: the table's 64-bit stores may alias
  // them (the compiler loaded them again after each store).
  std::uint64_t* const table = b.table.data();
  const int* const count = b.count.data();
  const std::uint64_t* const keys = b.state_key.data();
  std::size_t entries = b.index_entries;
  const std::size_t half = size / 2;  // a power of two, 64 or more
  // Live class x into the table; false when another live class in its state is there, or the
  // table is full.
  const auto look_up_live = [&](int x) {
    const auto id = static_cast<std::size_t>(x);
    if (entries >= half) return false;  // full (2·(entries + 1) > size): built anew
    const std::uint64_t key = keys[id];
    std::size_t slot = static_cast<std::size_t>(key) & mask;
    bool present = false;
    for (std::uint64_t e; (e = table[slot]) >= tag; slot = (slot + 1) & mask) {
      const auto o = static_cast<std::size_t>(static_cast<std::uint32_t>(e));
      if (o >= slots || keys[o] != key) continue;  // nearly every other entry: another key
      if (o == id)
        present = true;
      else if (count[o] > 0 && same_state(b.classes[o], b.classes[id]))
        return false;  // these two merge
    }
    if (!present) {
      table[slot] = tag | static_cast<std::uint32_t>(x);
      ++entries;
    }
    return true;
  };
  bool none = true;  // no two live classes in one state
  for (const int x : b.rekeyed) {
    const auto id = static_cast<std::size_t>(x);
    if (id < slots && count[id] != 0 && !(none = look_up_live(x))) break;
  }
  // The classes the step's solve moved are in work[0, relisted), with those it listed for not
  // being at their fixed point yet (their keys unchanged: each is in the table already). Each
  // is live: the x loop lists only live classes, and nothing between the solve and this merge
  // moves a group (step() calls the two in turn).
  const int* const work = b.work.data();
  const std::size_t listed = none ? b.relisted : 0;
  for (std::size_t i = 0; i < listed; ++i)
    if (!(none = look_up_live(work[i]))) break;
  b.index_entries = entries;
  return none;
}

// Classes `other` and `id` in one state: the smaller's members join the larger's (`other` when
// the counts tie), which is returned. Out of line: inlined into merge_all()'s loop, its values
// took the registers of the loop over the classes, which kept its index, bound and counts on
// the stack (a merge is ~1 % of the classes the loop takes).
[[gnu::noinline]] int ThermalNetwork::merge_pair(int other, int id) {
  Blocks& b = *blocks_;
  Class& o = b.classes[static_cast<std::size_t>(other)];
  Class& c = b.classes[static_cast<std::size_t>(id)];
  const bool keep_other = o.count >= c.count;
  Class& into = keep_other ? o : c;
  Class& from = keep_other ? c : o;
  const int into_id = keep_other ? other : id;
  const int from_id = keep_other ? id : other;
  int last = -1;
  for (int g = from.head; g >= 0; g = b.members.next(g)) {
    b.class_of[static_cast<std::size_t>(g)] = into_id;
    record_move(g);
    last = g;
  }
  b.members.splice_front(into, from, last);
  b.count[static_cast<std::size_t>(into_id)] = into.count;
  b.count[static_cast<std::size_t>(from_id)] = 0;
  b.emptied.push_back(from_id);
  touch_class(into_id);
  touch_class(from_id);
  return into_id;
}

void ThermalNetwork::merge_all() {
  Blocks& b = *blocks_;
  std::size_t live = 0;
  for (const int n : b.count) live += n > 0;
  // Sparse (a sixteenth full at most when built), so that the rekeyed classes of the next
  // steps can be added before it must be built again. Which classes merge does not depend on
  // the table's size: it holds one class per state, found on its hash's probe path.
  std::size_t size = 64;
  while (size < 16 * live) size *= 2;
  // A build of another size than the last one's uses the first `size` slots of the same
  // table, grown when short: the slots past the last build's size hold earlier builds' entries
  // or zeros, all below this build's tag. Filling a new table at each change of size cost the
  // 100k-GPU year 367 M instructions of memset (11,414 fills, as the live count crossed
  // a power of two back and forth).
  if (b.table.size() < size) b.table.resize(size, 0);
  b.table_size = size;
  if (++b.table_build == 0) {
    std::fill(b.table.begin(), b.table.end(), 0);
    b.table_build = 1;
  }
  const std::uint64_t tag = std::uint64_t{b.table_build} << 32;  // entries below it: empty
  ++b.full_merges;
  b.index_entries = live;
  b.index_valid = true;
  const std::size_t mask = size - 1;
  // The arrays' addresses and the class count in locals: the table's 64-bit stores may alias
  // them, and the compiler loaded them again after each class's store (none of these arrays
  // is resized below: merge_pair() moves members, sets counts and list links, and appends only
  // to other lists, the emptied, pending and moved ones).
  Class* const classes = b.classes.data();
  const std::size_t slots = b.classes.size();
  int* const count = b.count.data();
  const std::uint64_t* const keys = b.state_key.data();
  std::uint64_t* const table = b.table.data();
  for (std::size_t id = 0; id < slots; ++id) {
    if (count[id] == 0) continue;
    const std::uint64_t key = keys[id];
    std::size_t slot = static_cast<std::size_t>(key) & mask;
    while (true) {
      const std::uint64_t e = table[slot];
      if (e < tag) {
        table[slot] = tag | id;
        break;
      }
      const auto other = static_cast<int>(static_cast<std::uint32_t>(e));
      if (keys[static_cast<std::size_t>(other)] == key &&
          same_state(classes[static_cast<std::size_t>(other)], classes[id])) {
        table[slot] = tag | static_cast<std::uint32_t>(merge_pair(other, static_cast<int>(id)));
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
}

// The empty slots below the last live class, the lowest last. The listed slots are still empty
// (only new_class() fills a slot, taking it off the list) and so are the emptied ones, so
// without `slots_unknown` the list is those two merged, each in descending order, rather than a
// pass over every slot's count (which the step without the skip still makes).
void ThermalNetwork::free_slots() {
  Blocks& b = *blocks_;
  if (!b.slots_unknown && b.emptied.empty()) return;
  std::size_t n = b.classes.size();
  while (n > 0 && b.count[n - 1] == 0) --n;
  if (n < b.classes.size()) resize_classes(n);
  if (b.slots_unknown || !incremental_) {
    b.slots_unknown = false;
    b.emptied.clear();
    b.free_classes.clear();
    for (std::size_t id = n; id-- > 0;)
      if (b.count[id] == 0) b.free_classes.push_back(static_cast<int>(id));
    return;
  }
  const auto above = [n](int id) { return static_cast<std::size_t>(id) >= n; };
  std::erase_if(b.emptied,
                [&](int id) { return above(id) || b.count[static_cast<std::size_t>(id)] != 0; });
  std::sort(b.emptied.begin(), b.emptied.end(), std::greater<>());
  b.emptied.erase(std::unique(b.emptied.begin(), b.emptied.end()), b.emptied.end());
  // The listed slots at or past n (dropped with the trailing empty slots) lead the list.
  const auto kept = std::find_if_not(b.free_classes.begin(), b.free_classes.end(), above);
  b.merged_slots.clear();
  std::set_union(kept, b.free_classes.end(), b.emptied.begin(), b.emptied.end(),
                 std::back_inserter(b.merged_slots), std::greater<>());
  b.free_classes.swap(b.merged_slots);
  b.emptied.clear();
}

// One step by classes: y_c = A_gg⁻¹ b_c, Σ_g A_hg y_g = Σ_c count_c · A_hg y_c, then
// x_c = y_c − G x_h, each for the classes whose inputs changed (header).
void ThermalNetwork::solve_blocks() {
  Blocks& b = *blocks_;
  const int h = b.hubs;
  const auto hubs = static_cast<std::size_t>(h);
  if (!incremental_) b.all_pending = true;
  // The loops below, compiled for racks (groups of 2 nodes around one hub) with the sizes
  // fixed, and for any sizes: the same operations in the same order either way. `sees_hubs`:
  // some class's x depends on x_h (G ≠ 0). Both are found in the one pass over the types.
  // The pass is made again only when a boundary's bits or the types moved since the last:
  // otherwise each type's boundary terms are the same sums of the same numbers, so the bits
  // it holds (the scale halls change their supply air a few times a month, not every step).
  if (!incremental_ || !b.type_pass_valid || boundaries_moved_) {
    bool racks = h == 1, sees_hubs = false;
    for (Type& t : b.types) {
      if (t.count == 0) continue;
      racks = racks && t.size == 2;
      sees_hubs = sees_hubs || (t.count > 0 && !t.g_zero);
      std::array<double, max_group> rhs{};
      for (const BoundaryTerm& term : t.boundary)
        rhs[static_cast<std::size_t>(term.local)] +=
            term.value * boundary_c_[static_cast<std::size_t>(term.boundary)];
      if (!same_bits(rhs, t.b)) {
        t.b = rhs;
        b.all_pending = true;
      }
    }
    b.racks = racks;
    b.sees_hubs = sees_hubs;
    b.type_pass_valid = true;
    boundaries_moved_ = false;
  }
  const bool racks = b.racks, sees_hubs = b.sees_hubs;
  int solved = 0;
  // The classes' y and terms of the hub sums, for the pending classes (or every class): y_c
  // where its inputs moved, its terms where y_c or its count moved (an empty class's terms are
  // 0). The x loop below makes them at once for a class whose t it moves, from the new t (the
  // same numbers the next step would make from it: t, q, type and boundary terms are its
  // inputs, and a change of the boundary terms or the factorization makes every class
  // pending), so that the next step takes such a class up in the x loop alone.
  // The arrays' addresses and the class count are held in locals: the loops store the classes'
  // flags (bytes, which may alias anything), after which the compiler would load them again
  // from the vectors. Nothing here resizes a vector but `work`, sized first: it holds the last
  // solve's list and each class slot at most once more (a class's mark is set as it is added).
  Class* const classes = b.classes.data();
  const std::size_t slots = b.classes.size();
  double* const terms = b.term.data();  // a class's type: through Class::type_at
  std::size_t relisted = b.relisted;
  if (b.work.size() < relisted + slots) b.work.resize(relisted + slots);
  int* const work = b.work.data();
  const std::uint8_t mark = b.work_mark, next_mark = static_cast<std::uint8_t>(mark ^ 3);
  std::size_t works = relisted;
  bool all = false;  // every class's y made: every class's x solved
  // y_c = A_gg⁻¹ b_c, b_c = boundary terms + C/Δt·t + q, and the class's terms count · A_hg y_c.
  const auto solve_y = [&](Class& c, const Type& t, int m) {
    std::array<double, max_group> rhs;
    for (int i = 0; i < m; ++i) {
      const auto u = static_cast<std::size_t>(i);
      rhs[u] = t.b[u] + (t.c_over_dt[u] * c.t[u] + c.q[u]);
    }
    for (int r = 0; r < m; ++r) {
      double y = 0;
      for (int i = 0; i < m; ++i)
        y += t.inv[static_cast<std::size_t>(r * max_group + i)] * rhs[static_cast<std::size_t>(i)];
      c.y[static_cast<std::size_t>(r)] = y;
    }
    c.y_valid = true;
  };
  const auto set_terms = [&](int id, const Class& c, const Type& t, int m, int hs) {
    double* term = terms + static_cast<std::size_t>(id) * hubs;
    const auto count = static_cast<double>(c.count);
    for (int k = 0; k < hs; ++k) {
      double s = 0;
      for (int l = 0; l < m; ++l)
        s += t.ahg[static_cast<std::size_t>(l * max_hubs + k)] * c.y[static_cast<std::size_t>(l)];
      term[k] = count * s;
    }
  };
  const auto update = [&](int id, Class& c, auto group_size, auto hub_count) {
    constexpr int fixed_m = decltype(group_size)::value, fixed_h = decltype(hub_count)::value;
    const int hs = fixed_h > 0 ? fixed_h : h;
    if (c.count == 0) {
      double* term = terms + static_cast<std::size_t>(id) * hubs;
      std::fill(term, term + hs, 0.0);
      return;
    }
    const Type& t = *c.type_at;
    const int m = fixed_m > 0 ? fixed_m : t.size;
    if (!c.y_valid) {
      ++solved;
      solve_y(c, t, m);
    }
    set_terms(id, c, t, m, hs);
  };
  const auto update_pending = [&](auto group_size, auto hub_count) {
    if (b.all_pending) {
      b.all_pending = false;
      all = true;
      for (std::size_t id = 0; id < slots; ++id) {
        Class& c = classes[id];
        c.y_valid = c.listed = false;
        update(static_cast<int>(id), c, group_size, hub_count);
      }
      return;
    }
    for (const int id : b.pending) {
      if (static_cast<std::size_t>(id) >= slots) continue;
      Class& c = classes[static_cast<std::size_t>(id)];
      if (!c.listed) continue;
      c.listed = false;
      update(id, c, group_size, hub_count);
      if (c.count > 0 && c.work_mark != mark) {
        c.work_mark = mark;
        work[works++] = id;
      }
    }
  };
  if (racks)
    update_pending(std::integral_constant<int, 2>{}, std::integral_constant<int, 1>{});
  else
    update_pending(std::integral_constant<int, 0>{}, std::integral_constant<int, 0>{});
  b.pending.clear();
  // The hub sums in class order, from every class's terms (0 for an empty slot: adding +0 to a
  // sum that starts at +0 leaves its bits as they were).
  // With one hub (racks around the room air) the sum stays in a register: a chain of additions,
  // not a load, an addition and a store per class slot; eight slots an iteration up to a
  // bound set once (GCC's loop takes 4 instructions of its own for eight additions; with four
  // slots an iteration and the room left tested, 5 for four), then four, then one by one.
  // Read through a pointer (with an index GCC carried the index in vector registers too). The
  // same additions in the same order. Its sum is `sum0`, the other sizes' in `sum` (zeroed
  // only for them).
  double sum0 = 0;
  std::array<double, max_hubs> sum;
  if (hubs == 1) {
    const double* term = b.term.data();
    const std::size_t n = b.term.size();
    const double* const end = term + n;
    const double* const eights_end = term + (n & ~std::size_t{7});
    for (; term != eights_end; term += 8) {
      sum0 += term[0];
      sum0 += term[1];
      sum0 += term[2];
      sum0 += term[3];
      sum0 += term[4];
      sum0 += term[5];
      sum0 += term[6];
      sum0 += term[7];
    }
    if (n & 4) {
      sum0 += term[0];
      sum0 += term[1];
      sum0 += term[2];
      sum0 += term[3];
      term += 4;
    }
    for (; term != end; ++term) sum0 += *term;
  } else {
    sum.fill(0.0);
    for (std::size_t id = 0; id < b.classes.size(); ++id) {
      const double* term = b.term.data() + id * hubs;
      for (std::size_t k = 0; k < hubs; ++k) sum[k] += term[k];
    }
  }
  // Hubs: (A_hh − Σ A_hg G_g) x_h = b_h − Σ A_hg y_g
  bool hubs_moved = false;
  if (h == 1) {
    // One hub: its boundary terms summed in a register (b.rh's fill was a call to memset at
    // every step; the same additions from +0 in the same order), and the solve written out (no
    // temporaries to allocate at every step).
    double rh = 0;
    for (const int k : b.hub_boundary_links) {
      const LinkData& l = links_[static_cast<std::size_t>(k)];
      rh += l.value * boundary_c_[static_cast<std::size_t>(l.b)];
    }
    const auto node = static_cast<std::size_t>(b.hub_node[0]);
    const double x =
        solve_one_by_one(b.schur, (rh + (c_over_dt_[node] * temp_c_[node] + heat_w_[node])) - sum0);
    hubs_moved = bits_of(b.xh[0]) != bits_of(x);
    b.xh[0] = x;
    temp_c_[node] = x;
  } else if (h > 0) {
    std::fill(b.rh.begin(), b.rh.end(), 0.0);
    for (const int k : b.hub_boundary_links) {
      const LinkData& l = links_[static_cast<std::size_t>(k)];
      b.rh[static_cast<std::size_t>(b.local_of[static_cast<std::size_t>(l.a)])] +=
          l.value * boundary_c_[static_cast<std::size_t>(l.b)];
    }
    for (int k = 0; k < h; ++k) {
      const auto node = static_cast<std::size_t>(b.hub_node[static_cast<std::size_t>(k)]);
      b.r[k] =
          (b.rh[static_cast<std::size_t>(k)] + (c_over_dt_[node] * temp_c_[node] + heat_w_[node])) -
          sum[static_cast<std::size_t>(k)];
    }
    const Eigen::VectorXd xh = b.schur.solve(b.r);
    for (int k = 0; k < h; ++k) {
      hubs_moved = hubs_moved || bits_of(b.xh[static_cast<std::size_t>(k)]) != bits_of(xh[k]);
      b.xh[static_cast<std::size_t>(k)] = xh[k];
      temp_c_[static_cast<std::size_t>(b.hub_node[static_cast<std::size_t>(k)])] = xh[k];
    }
  }
  // x_g = y_g − G_g x_h for the classes in `work` (or every class when every y was made, or
  // when x_h moved and some class sees it, G ≠ 0, or it is not finite: 0·x_h not 0).
  bool every = all;
  if (hubs_moved) {
    if (h == 1)
      every = every || !std::isfinite(b.xh[0]);  // one test, not a loop over the hubs
    else
      for (int k = 0; k < h; ++k)
        every = every || !std::isfinite(b.xh[static_cast<std::size_t>(k)]);
    every = every || sees_hubs;
  }
  const double* const xh = b.xh.data();
  // With one hub its x in a register: the stores to the classes' t may alias b.xh for the
  // compiler, which loaded it again for each node.
  const double xh0 = h > 0 ? xh[0] : 0.0;
  const double rest_k = rest_k_;
  std::uint64_t* const keys = b.state_key.data();
  // The classes listed for the next step end at `listed_end`; of them, `b.rested` were listed
  // with t unmoved (no y solved), so the x loop's solves are the count less those (the loop's
  // registers hold neither the count of solves nor the list's base and length). The count
  // lives in `b`, not in a register of the loop: it moves on a rare path (with it in a
  // register, GCC's loop took ~1.6 instructions more a class listed).
  int* listed_end = work;
  b.rested = 0;
  // A class is marked for the next step as it is taken up, and unmarked below if it is not
  // listed: either way a second entry of it in `work` is skipped, as its mark is no longer
  // `mark`. (Unmarked first and marked when listed, a listed class's mark was written twice.)
  const auto solve_x = [&](int id, auto group_size, auto hub_count) {
    constexpr int fixed_m = decltype(group_size)::value, fixed_h = decltype(hub_count)::value;
    Class& c = classes[static_cast<std::size_t>(id)];
    c.work_mark = next_mark;
    if (c.count == 0) {
      c.work_mark = 0;
      return;
    }
    const Type& t = *c.type_at;
    const int m = fixed_m > 0 ? fixed_m : t.size, hs = fixed_h > 0 ? fixed_h : h;
    // The class moves when a node's x has other bits than its t and differs from it by the
    // rest tolerance or more (a NaN's or an infinity's difference is no number below it);
    // otherwise it keeps its t, y and terms (see "rests" in the header).
    bool moved = false, zero = false;
    std::array<double, max_group> xs;
    for (int l = 0; l < m; ++l) {
      double x = c.y[static_cast<std::size_t>(l)];
      zero = zero || x == 0;
      for (int k = 0; k < hs; ++k)
        x -= t.g[static_cast<std::size_t>(l * max_hubs + k)] *
             (fixed_h == 1 ? xh0 : xh[static_cast<std::size_t>(k)]);
      const double was = c.t[static_cast<std::size_t>(l)];
      moved = moved || (bits_of(x) != bits_of(was) && !(std::fabs(x - was) < rest_k));
      xs[static_cast<std::size_t>(l)] = x;
    }
    if (moved) {
      for (int l = 0; l < m; ++l)
        c.t[static_cast<std::size_t>(l)] = xs[static_cast<std::size_t>(l)];
      // Its new key (merge_rekeyed() finds the class in `work`), y and terms, from the new t.
      keys[static_cast<std::size_t>(id)] = state_hash(c, m);
      solve_y(c, t, m);
      set_terms(id, c, t, m, hs);
    }
    // At its fixed point (x = t, y from this t) a class rests until an input moves. A class
    // listed here goes into `work`, over the entry it was read from or one before it (by the
    // pending list's pushes, the compiler loaded the vector's end and capacity from memory
    // for every class: the class's flags are bytes, which may alias them), marked for the
    // next step (above).
    if (moved || zero) {
      *listed_end++ = id;
      if (!moved) ++b.rested;
    } else {
      c.work_mark = 0;
    }
  };
  const auto solve_xs = [&](auto group_size, auto hub_count) {
    if (every) {
      for (std::size_t id = 0; id < slots; ++id)
        solve_x(static_cast<int>(id), group_size, hub_count);
    } else {
      // A class listed twice, or listed and made again (new_class()), is solved at its first
      // entry; a freed slot at or past the class count is skipped.
      for (std::size_t i = 0; i < works; ++i) {
        const int id = work[i];
        if (static_cast<std::size_t>(id) < slots &&
            classes[static_cast<std::size_t>(id)].work_mark == mark)
          solve_x(id, group_size, hub_count);
      }
    }
  };
  if (racks)
    solve_xs(std::integral_constant<int, 2>{}, std::integral_constant<int, 1>{});
  else
    solve_xs(std::integral_constant<int, 0>{}, std::integral_constant<int, 0>{});
  relisted = static_cast<std::size_t>(listed_end - work);
  b.relisted = relisted;
  b.work_mark = next_mark;
  b.solved = solved + static_cast<int>(relisted) - b.rested;
}

void ThermalNetwork::solve_steady() {
  drop_classes();
  Eigen::SparseMatrix<double> k;
  assemble(0.0, k);
  Eigen::SparseLU<Eigen::SparseMatrix<double>, Eigen::COLAMDOrdering<int>> lu;
  lu.compute(k);
  ++steady_factorizations_;
  if (lu.info() != Eigen::Success)
    throw std::runtime_error("thermal network: no steady state (a node has no path to a boundary)");
  Eigen::VectorXd rhs = boundary_terms();
  for (int i = 0; i < node_count(); ++i) rhs[i] += heat_w_[i];
  const Eigen::VectorXd t = lu.solve(rhs);
  for (int i = 0; i < node_count(); ++i) temp_c_[i] = t[i];
}

double ThermalNetwork::stored_energy_j() const {
  double e = 0;
  for (int i = 0; i < node_count(); ++i) e += capacitance_[i] * temperature(Node{i});
  return e;
}

double ThermalNetwork::total_heat_w() const {
  double q = 0;
  for (int i = 0; i < node_count(); ++i) q += heat(Node{i});
  return q;
}

double ThermalNetwork::boundary_heat_w() const {
  double h = 0;
  for (const auto& l : links_) {
    switch (l.kind) {
      case Kind::conduct_boundary:
        h += l.value * (boundary_c_[l.b] - temperature(Node{l.a}));
        break;
      case Kind::stream_in:
        h += l.value * boundary_c_[l.b];
        break;
      case Kind::stream_out:
        h -= l.value * temperature(Node{l.a});
        break;
      default:
        break;
    }
  }
  return h;
}

double ThermalNetwork::max_stream_imbalance() const {
  std::vector<double> net(node_count(), 0.0);
  for (const auto& l : links_) {
    switch (l.kind) {
      case Kind::stream_nodes:
        net[l.a] -= l.value;
        net[l.b] += l.value;
        break;
      case Kind::stream_in:
        net[l.a] += l.value;
        break;
      case Kind::stream_out:
        net[l.a] -= l.value;
        break;
      default:
        break;
    }
  }
  double worst = 0;
  for (double v : net) worst = std::max(worst, std::fabs(v));
  return worst;
}

}  // namespace joule::models::cooling
