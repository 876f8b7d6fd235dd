#include "models/cooling/thermal_network.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace joule::models::cooling {

ThermalNetwork::Node ThermalNetwork::add_node(double capacitance_j_per_k, double initial_c) {
  if (!(capacitance_j_per_k > 0)) throw std::invalid_argument("node capacitance must be > 0");
  capacitance_.push_back(capacitance_j_per_k);
  temp_c_.push_back(initial_c);
  heat_w_.push_back(0.0);
  pattern_dirty_ = block_pattern_dirty_ = fill_dirty_ = dirty_ = refill_all_ = true;
  link_hub_only_.clear();
  return Node{node_count() - 1};
}

ThermalNetwork::Boundary ThermalNetwork::add_boundary(double temp_c) {
  boundary_c_.push_back(temp_c);
  return Boundary{static_cast<int>(boundary_c_.size()) - 1};
}

ThermalNetwork::Link ThermalNetwork::add_link(LinkData d) {
  if (!(d.value >= 0)) throw std::invalid_argument("conductance/stream rate must be >= 0");
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
  }
  if (dirty_ && !refill_all_ && use_blocks_ && refactor_hubs()) {
    ++factorizations_;
    dirty_ = false;
  }
  if (dirty_) {
    refill(1.0 / dt_s_);
    if (block_pattern_dirty_) {
      blocks_ = block_pattern(matrix_);
      block_pattern_dirty_ = false;
      map_hub_entries();
    }
    refill_all_ = false;
    use_blocks_ = !general_only_ && blocks_ && factor_blocks(matrix_, *blocks_);
    if (!use_blocks_) {
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
  // rhs = boundary terms + C/Δt·T + q, built in place (the same sums as boundary_terms()).
  rhs_.setZero(n);
  for (const int k : boundary_links_) {
    const auto& l = links_[k];
    rhs_[l.a] += l.value * boundary_c_[l.b];
  }
  for (int i = 0; i < n; ++i) rhs_[i] += c_over_dt_[i] * temp_c_[i] + heat_w_[i];
  if (use_blocks_) {
    solve_blocks(rhs_);
    return;
  }
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
  constexpr int max_group = Blocks::max_group, max_hubs = Blocks::max_hubs, hub_degree = 8;
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
  std::vector<int> group_of_root(n, -1), group(n, -1), local(n, -1);
  std::vector<std::vector<int>> groups;
  for (int i = 0; i < n; ++i) {
    if (hub_of[i] >= 0) continue;
    int& g = group_of_root[find(i)];
    if (g < 0) {
      g = static_cast<int>(groups.size());
      groups.emplace_back();
    }
    if (static_cast<int>(groups[g].size()) == max_group) return std::nullopt;
    group[i] = g;
    local[i] = static_cast<int>(groups[g].size());
    groups[g].push_back(i);
  }
  const int h = b.hubs;
  b.position.assign(n, -1);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto size = static_cast<Eigen::Index>(groups[g].size());
    b.agg.emplace_back(size, size);
    b.agh.emplace_back(size, h);
    b.group_start.push_back(static_cast<int>(b.order.size()));
    b.inv_offset.push_back(b.inv.size());
    b.inv.resize(b.inv.size() + static_cast<std::size_t>(size * size));
    for (const int node : groups[g]) {
      b.position[node] = static_cast<int>(b.order.size());
      b.order.push_back(node);
    }
  }
  b.group_start.push_back(static_cast<int>(b.order.size()));
  b.g.resize(b.order.size() * static_cast<std::size_t>(h));
  // Where each stored entry goes; A_hg entries sorted by hub, stably (in storage order).
  std::vector<std::size_t> hg_entries;  // indices into targets
  for (int col = 0; col < m.outerSize(); ++col)
    for (It it(m, col); it; ++it) {
      const int i = static_cast<int>(it.row()), j = col;
      if (hub_of[i] >= 0 && hub_of[j] >= 0) {
        b.hub_entries.push_back(b.targets.size());
        b.targets.push_back({-1, hub_of[i], hub_of[j], false});
      } else if (hub_of[i] < 0 && hub_of[j] < 0)
        b.targets.push_back({group[i], local[i], local[j], false});  // same group, by construction
      else if (hub_of[i] < 0)
        b.targets.push_back({group[i], local[i], hub_of[j], true});
      else {
        hg_entries.push_back(b.targets.size());
        b.targets.push_back({-2, 0, 0, false});
        b.hub_rows.push_back({hub_of[i], j, 0.0});
      }
    }
  std::vector<std::size_t> sorted(hg_entries.size());
  for (std::size_t k = 0; k < sorted.size(); ++k) sorted[k] = k;
  std::stable_sort(sorted.begin(), sorted.end(), [&](std::size_t x, std::size_t y) {
    return b.hub_rows[x].hub < b.hub_rows[y].hub;
  });
  std::vector<Blocks::Entry> rows(b.hub_rows.size());
  for (std::size_t k = 0; k < sorted.size(); ++k) {
    rows[k] = b.hub_rows[sorted[k]];
    b.targets[hg_entries[sorted[k]]].row = static_cast<int>(k);
  }
  b.hub_rows = std::move(rows);
  b.hub_row_start.assign(h + 1, 0);
  for (const auto& e : b.hub_rows) ++b.hub_row_start[e.hub + 1];
  for (int k = 0; k < h; ++k) b.hub_row_start[k + 1] += b.hub_row_start[k];
  b.ahh.resize(h, h);
  for (int size = 0; size <= max_group; ++size) b.lu_by_size.emplace_back(size, size);
  b.y.assign(n, 0.0);
  b.xh.assign(h, 0.0);
  return b;
}

bool ThermalNetwork::factor_blocks(const Eigen::SparseMatrix<double>& m, Blocks& b) {
  const int h = b.hubs;
  const double* value = m.valuePtr();
  const std::size_t nnz = b.targets.size();
  // Which groups' entries changed since the last factorization (all of them before the first).
  // Bit patterns are compared: a value that changed sign of zero or to NaN counts as changed.
  const bool incremental = b.factored_values.size() == nnz;
  b.group_changed.assign(b.agg.size(), incremental ? 0 : 1);
  if (incremental) {
    for (std::size_t k = 0; k < nnz; ++k)
      if (std::memcmp(&value[k], &b.factored_values[k], sizeof(double)) != 0 &&
          b.targets[k].block >= 0)
        b.group_changed[static_cast<std::size_t>(b.targets[k].block)] = 1;
  }
  b.factored_values.clear();  // until this factorization succeeds
  // Dense blocks A_gg, A_gh (of the changed groups) and the entries of A_hg (each stored entry
  // lands on its own element); A_hh in factor_hubs().
  for (std::size_t g = 0; g < b.agg.size(); ++g)
    if (b.group_changed[g]) {
      b.agg[g].setZero();
      b.agh[g].setZero();
    }
  for (std::size_t k = 0; k < nnz; ++k) {
    const Blocks::Target& t = b.targets[k];
    if (t.block == -1)
      continue;  // factor_hubs()
    else if (t.block == -2)
      b.hub_rows[static_cast<std::size_t>(t.row)].value = value[k];
    else if (!b.group_changed[static_cast<std::size_t>(t.block)])
      continue;
    else if (t.to_hubs)
      b.agh[static_cast<std::size_t>(t.block)](t.row, t.col) += value[k];
    else
      b.agg[static_cast<std::size_t>(t.block)](t.row, t.col) += value[k];
  }
  // Group inverses, G rows, and the Schur complement of the hubs. Groups with the same blocks
  // (racks of one design at the same position in their rows) share one inverse: the first
  // such group's is copied, which is what computing it again would give.
  const auto bits = [](std::uint64_t h, const double* v, Eigen::Index n) {
    for (Eigen::Index i = 0; i < n; ++i) {
      std::uint64_t x;
      std::memcpy(&x, &v[i], sizeof x);
      h = (h ^ x) * 0x100000001b3ull;  // FNV-1a over the bit patterns
    }
    return h;
  };
  b.first_with.clear();
  for (std::size_t g = 0; g < b.agg.size(); ++g) {
    if (!b.group_changed[g]) continue;  // its inverse and G rows stand
    const Eigen::Index size = b.agg[g].rows();
    const std::uint64_t key = bits(bits(0xcbf29ce484222325ull ^ static_cast<std::uint64_t>(size),
                                        b.agg[g].data(), b.agg[g].size()),
                                   b.agh[g].data(), b.agh[g].size());
    const auto [first, fresh] = b.first_with.try_emplace(key, g);
    const std::size_t f = first->second;
    if (!fresh && b.agg[f].rows() == size &&
        std::memcmp(b.agg[f].data(), b.agg[g].data(), sizeof(double) * b.agg[g].size()) == 0 &&
        std::memcmp(b.agh[f].data(), b.agh[g].data(), sizeof(double) * b.agh[g].size()) == 0) {
      std::copy_n(&b.inv[b.inv_offset[f]], size * size, &b.inv[b.inv_offset[g]]);
      const auto row = [&](std::size_t group) {
        return b.g.begin() +
               static_cast<std::ptrdiff_t>(static_cast<std::size_t>(b.group_start[group]) * h);
      };
      std::copy_n(row(f), size * h, row(g));
      continue;
    }
    Eigen::FullPivLU<Blocks::Square>& lu = b.lu_by_size[static_cast<std::size_t>(size)];
    lu.compute(b.agg[g]);
    ++b.groups_inverted;
    if (!lu.isInvertible()) return false;
    b.inverse = lu.inverse();
    b.gg = b.inverse * b.agh[g];
    double* inv = &b.inv[b.inv_offset[g]];
    for (Eigen::Index r = 0; r < size; ++r)
      for (Eigen::Index c = 0; c < size; ++c) *inv++ = b.inverse(r, c);
    const auto start = static_cast<std::size_t>(b.group_start[g]);
    for (Eigen::Index k = 0; k < size; ++k)
      for (int c = 0; c < h; ++c)
        b.g[(start + static_cast<std::size_t>(k)) * static_cast<std::size_t>(h) +
            static_cast<std::size_t>(c)] = b.gg(k, c);
  }
  if (!factor_hubs(m, b)) return false;
  b.factored_values.assign(value, value + nnz);
  return true;
}

bool ThermalNetwork::factor_hubs(const Eigen::SparseMatrix<double>& m, Blocks& b) {
  const int h = b.hubs;
  if (h == 0) return true;
  const double* value = m.valuePtr();
  b.ahh.setZero();
  for (const std::size_t k : b.hub_entries) b.ahh(b.targets[k].row, b.targets[k].col) += value[k];
  Eigen::MatrixXd schur = b.ahh;
  for (const auto& e : b.hub_rows)
    for (int c = 0; c < h; ++c)
      schur(e.hub, c) -= e.value * b.g[static_cast<std::size_t>(b.position[e.node]) * h + c];
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
  for (const HubSlot& slot : hub_slots_) {
    double& v = value[slot.slot];
    v = contribution(slot.sources.front());
    for (std::size_t i = 1; i < slot.sources.size(); ++i) v += contribution(slot.sources[i]);
  }
  if (!factor_hubs(matrix_, b)) {
    b.factored_values.clear();
    return false;
  }
  for (const std::size_t k : b.hub_entries) b.factored_values[k] = value[k];
  return true;
}

void ThermalNetwork::map_hub_entries() {
  hub_slots_.clear();
  link_hub_only_.assign(links_.size(), 0);
  if (!blocks_) return;
  const Blocks& b = *blocks_;
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
  const auto hub = [&](int node) { return b.position[static_cast<std::size_t>(node)] < 0; };
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
        break;
      case Kind::stream_out:
        link_hub_only_[k] = 1;
        break;
    }
  }
}

void ThermalNetwork::solve_blocks(const Eigen::VectorXd& rhs) {
  Blocks& b = *blocks_;
  const int h = b.hubs;
  // y_g = A_gg⁻¹ b_g
  for (std::size_t g = 0; g + 1 < b.group_start.size(); ++g) {
    const int start = b.group_start[g], size = b.group_start[g + 1] - start;
    const double* inv = &b.inv[b.inv_offset[g]];
    for (int r = 0; r < size; ++r) {
      double y = 0;
      for (int c = 0; c < size; ++c) y += inv[r * size + c] * rhs[b.order[start + c]];
      b.y[b.order[start + r]] = y;
    }
  }
  // Hubs: (A_hh − Σ A_hg G_g) x_h = b_h − Σ A_hg y_g
  if (h > 0) {
    Eigen::VectorXd r(h);
    for (int k = 0; k < h; ++k) {
      // Σ A_hg y_g over thousands of entries: four partial sums, not one serial chain.
      double acc[4] = {0, 0, 0, 0};
      const std::size_t first = b.hub_row_start[k], last = b.hub_row_start[k + 1];
      std::size_t i = first;
      for (; i + 4 <= last; i += 4)
        for (std::size_t u = 0; u < 4; ++u)
          acc[u] += b.hub_rows[i + u].value * b.y[b.hub_rows[i + u].node];
      for (; i < last; ++i) acc[0] += b.hub_rows[i].value * b.y[b.hub_rows[i].node];
      r[k] = rhs[b.hub_node[k]] - ((acc[0] + acc[1]) + (acc[2] + acc[3]));
    }
    const Eigen::VectorXd xh = b.schur.solve(r);
    for (int k = 0; k < h; ++k) {
      b.xh[k] = xh[k];
      temp_c_[b.hub_node[k]] = xh[k];
    }
  }
  // x_g = y_g − G_g x_h
  for (std::size_t p = 0; p < b.order.size(); ++p) {
    const int node = b.order[p];
    double x = b.y[node];
    for (int c = 0; c < h; ++c) x -= b.g[p * h + c] * b.xh[c];
    temp_c_[node] = x;
  }
}

void ThermalNetwork::solve_steady() {
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
  for (int i = 0; i < node_count(); ++i) e += capacitance_[i] * temp_c_[i];
  return e;
}

double ThermalNetwork::total_heat_w() const {
  double q = 0;
  for (double h : heat_w_) q += h;
  return q;
}

double ThermalNetwork::boundary_heat_w() const {
  double h = 0;
  for (const auto& l : links_) {
    switch (l.kind) {
      case Kind::conduct_boundary:
        h += l.value * (boundary_c_[l.b] - temp_c_[l.a]);
        break;
      case Kind::stream_in:
        h += l.value * boundary_c_[l.b];
        break;
      case Kind::stream_out:
        h -= l.value * temp_c_[l.a];
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
