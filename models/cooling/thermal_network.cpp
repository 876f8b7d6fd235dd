#include "models/cooling/thermal_network.hpp"

#include <cmath>
#include <stdexcept>

namespace joule::models::cooling {

ThermalNetwork::Node ThermalNetwork::add_node(double capacitance_j_per_k, double initial_c) {
  if (!(capacitance_j_per_k > 0)) throw std::invalid_argument("node capacitance must be > 0");
  capacitance_.push_back(capacitance_j_per_k);
  temp_c_.push_back(initial_c);
  heat_w_.push_back(0.0);
  pattern_dirty_ = dirty_ = true;
  return Node{node_count() - 1};
}

ThermalNetwork::Boundary ThermalNetwork::add_boundary(double temp_c) {
  boundary_c_.push_back(temp_c);
  return Boundary{static_cast<int>(boundary_c_.size()) - 1};
}

ThermalNetwork::Link ThermalNetwork::add_link(LinkData d) {
  if (!(d.value >= 0)) throw std::invalid_argument("conductance/stream rate must be >= 0");
  links_.push_back(d);
  pattern_dirty_ = dirty_ = true;
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
  if (l.kind != Kind::stream_out) dirty_ = true;
}

double ThermalNetwork::link_value(Link link) const {
  return links_.at(link.index).value;
}

// m = diag(diag_scale · C) + K
void ThermalNetwork::assemble(double diag_scale, Eigen::SparseMatrix<double>& m) const {
  const int n = node_count();
  std::vector<Eigen::Triplet<double>> t;
  t.reserve(n + 4 * links_.size());
  for (int i = 0; i < n; ++i) t.emplace_back(i, i, diag_scale * capacitance_[i]);
  for (const auto& l : links_) {
    switch (l.kind) {
      case Kind::conduct_nodes:
        t.emplace_back(l.a, l.a, l.value);
        t.emplace_back(l.b, l.b, l.value);
        t.emplace_back(l.a, l.b, -l.value);
        t.emplace_back(l.b, l.a, -l.value);
        break;
      case Kind::conduct_boundary:
      case Kind::stream_in:
        t.emplace_back(l.a, l.a, l.value);
        break;
      case Kind::stream_nodes:  // row `to` (= b): +W on the diagonal, −W at `from` (= a)
        t.emplace_back(l.b, l.b, l.value);
        t.emplace_back(l.b, l.a, -l.value);
        break;
      case Kind::stream_out:
        break;
    }
  }
  m.resize(n, n);
  m.setFromTriplets(t.begin(), t.end());
  m.makeCompressed();
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
    dirty_ = true;
  }
  if (dirty_) {
    assemble(1.0 / dt_s_, matrix_);
    if (pattern_dirty_ || !lu_) {
      lu_ = std::make_unique<
          Eigen::SparseLU<Eigen::SparseMatrix<double>, Eigen::COLAMDOrdering<int>>>();
      lu_->analyzePattern(matrix_);
      pattern_dirty_ = false;
    }
    lu_->factorize(matrix_);
    if (lu_->info() != Eigen::Success) throw std::runtime_error("thermal network: singular matrix");
    ++factorizations_;
    dirty_ = false;
  }
  // rhs = boundary terms + C/Δt·T + q, built in place (the same sums as boundary_terms()).
  rhs_.setZero(n);
  for (const auto& l : links_)
    if (l.kind == Kind::conduct_boundary || l.kind == Kind::stream_in)
      rhs_[l.a] += l.value * boundary_c_[l.b];
  for (int i = 0; i < n; ++i) rhs_[i] += capacitance_[i] / dt_s_ * temp_c_[i] + heat_w_[i];
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
