// Active-set bounded least squares (Lawson-Hanson NNLS generalised to two-sided bounds).
//
// Every variable is in one of three sets: held at its lower bound, held at its upper bound, or
// free. Each outer iteration computes the gradient of -1/2||Ax-b||^2, w = A^T (b - A x), and
// frees the bound variable whose w points most strongly into the feasible box (w_j > 0 at the
// lower bound, w_j < 0 at the upper). The inner loop solves the unconstrained problem on the
// free set with the others held; if that solution leaves the box, it moves from the current x
// toward it only as far as the first bound hit, pins the variables that hit, and solves again.
// The loop stops when no bound variable has a gradient pointing inward (the KKT conditions).
//
// Columns are scaled to unit norm first (op rates differ by 1e3 between FLOP/s and byte/s
// columns), which keeps the tolerance on w meaningful for every column.
#include "calib/nnls.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace joule::calib {

std::vector<double> least_squares(const Matrix& a, const std::vector<double>& b) {
  const std::size_t m = a.rows();
  const std::size_t n = a.cols();
  if (b.size() != m) throw std::invalid_argument("least_squares: b has the wrong size");
  Matrix r = a;
  std::vector<double> qtb = b;
  const std::size_t steps = std::min(m, n);
  double max_diag = 0.0;
  std::vector<double> diag(n, 0.0);
  for (std::size_t k = 0; k < steps; ++k) {
    // Householder reflection H = I - 2 v v^T / (v^T v) zeroing column k below the diagonal.
    double norm = 0.0;
    for (std::size_t i = k; i < m; ++i) norm += r(i, k) * r(i, k);
    norm = std::sqrt(norm);
    if (norm == 0.0) continue;
    const double alpha = r(k, k) > 0 ? -norm : norm;
    std::vector<double> v(m - k);
    for (std::size_t i = k; i < m; ++i) v[i - k] = r(i, k);
    v[0] -= alpha;
    double vtv = 0.0;
    for (double vi : v) vtv += vi * vi;
    if (vtv == 0.0) continue;
    for (std::size_t j = k; j < n; ++j) {
      double dot = 0.0;
      for (std::size_t i = k; i < m; ++i) dot += v[i - k] * r(i, j);
      const double f = 2.0 * dot / vtv;
      for (std::size_t i = k; i < m; ++i) r(i, j) -= f * v[i - k];
    }
    double dot = 0.0;
    for (std::size_t i = k; i < m; ++i) dot += v[i - k] * qtb[i];
    const double f = 2.0 * dot / vtv;
    for (std::size_t i = k; i < m; ++i) qtb[i] -= f * v[i - k];
  }
  for (std::size_t k = 0; k < steps; ++k) {
    diag[k] = std::abs(r(k, k));
    max_diag = std::max(max_diag, diag[k]);
  }
  // Back substitution; a tiny pivot means column k adds nothing the earlier ones do not span.
  const double rank_tol = max_diag * 1e-12 * static_cast<double>(std::max(m, n));
  std::vector<double> x(n, 0.0);
  for (std::size_t kk = steps; kk-- > 0;) {
    if (diag[kk] <= rank_tol) continue;
    double s = qtb[kk];
    for (std::size_t j = kk + 1; j < n; ++j) s -= r(kk, j) * x[j];
    x[kk] = s / r(kk, kk);
  }
  return x;
}

namespace {

enum class State { at_lower, at_upper, free };

}  // namespace

LsqResult bounded_least_squares(const Matrix& a_in, const std::vector<double>& b,
                                const std::vector<double>& lower_in,
                                const std::vector<double>& upper_in) {
  const std::size_t m = a_in.rows();
  const std::size_t n = a_in.cols();
  if (b.size() != m || lower_in.size() != n || upper_in.size() != n) {
    throw std::invalid_argument("bounded_least_squares: size mismatch");
  }
  for (std::size_t j = 0; j < n; ++j) {
    if (!std::isfinite(lower_in[j]) || lower_in[j] > upper_in[j]) {
      throw std::invalid_argument("bounded_least_squares: need finite lower <= upper");
    }
  }

  // Scale columns: A = A' S, x' = S x, bounds scale with S.
  Matrix a = a_in;
  std::vector<double> scale(n, 1.0), lower = lower_in, upper = upper_in;
  for (std::size_t j = 0; j < n; ++j) {
    double s = 0.0;
    for (std::size_t i = 0; i < m; ++i) s += a(i, j) * a(i, j);
    s = std::sqrt(s);
    // A zero column (unit not exercised) stays at its lower bound: any value fits equally.
    scale[j] = s;
    if (s > 0.0) {
      for (std::size_t i = 0; i < m; ++i) a(i, j) /= s;
      lower[j] *= s;
      upper[j] *= s;
    }
  }

  std::vector<double> x(n);
  std::vector<State> state(n, State::at_lower);
  for (std::size_t j = 0; j < n; ++j) x[j] = lower[j];

  auto residual = [&](const std::vector<double>& xv) {
    std::vector<double> res(b);
    for (std::size_t i = 0; i < m; ++i) {
      for (std::size_t j = 0; j < n; ++j) res[i] -= a(i, j) * xv[j];
    }
    return res;
  };
  double bnorm = 0.0;
  for (double bi : b) bnorm += bi * bi;
  bnorm = std::sqrt(bnorm);
  const double tol = 1e-11 * std::max(1.0, bnorm) * static_cast<double>(std::max(m, n));

  LsqResult result;
  const int max_outer = 3 * static_cast<int>(n) + 30;
  std::vector<bool> excluded(n, false);  // freed, but immediately pushed back: skip once
  int outer = 0;
  for (; outer < max_outer; ++outer) {
    const std::vector<double> res = residual(x);
    std::size_t best = n;
    double best_w = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      if (state[j] == State::free || excluded[j] || scale[j] == 0.0) continue;
      double w = 0.0;
      for (std::size_t i = 0; i < m; ++i) w += a(i, j) * res[i];
      const bool inward = (state[j] == State::at_lower && w > tol && lower[j] < upper[j]) ||
                          (state[j] == State::at_upper && w < -tol);
      if (inward && std::abs(w) > best_w) {
        best_w = std::abs(w);
        best = j;
      }
    }
    if (best == n) {
      result.converged = true;
      break;
    }
    const double x_entering = x[best];
    state[best] = State::free;

    // Inner loop: solve on the free set; step back to the box if the solution leaves it.
    for (std::size_t inner = 0; inner < 3 * n + 3; ++inner) {
      std::vector<std::size_t> fset;
      for (std::size_t j = 0; j < n; ++j) {
        if (state[j] == State::free) fset.push_back(j);
      }
      Matrix af(m, fset.size());
      std::vector<double> rhs(b);
      for (std::size_t i = 0; i < m; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
          if (state[j] != State::free) rhs[i] -= a(i, j) * x[j];
        }
        for (std::size_t f = 0; f < fset.size(); ++f) af(i, f) = a(i, fset[f]);
      }
      const std::vector<double> z = least_squares(af, rhs);

      double alpha = 1.0;
      for (std::size_t f = 0; f < fset.size(); ++f) {
        const std::size_t j = fset[f];
        if (z[f] < lower[j]) alpha = std::min(alpha, (x[j] - lower[j]) / (x[j] - z[f]));
        if (z[f] > upper[j]) alpha = std::min(alpha, (upper[j] - x[j]) / (z[f] - x[j]));
      }
      alpha = std::max(alpha, 0.0);
      for (std::size_t f = 0; f < fset.size(); ++f) {
        const std::size_t j = fset[f];
        x[j] += alpha * (z[f] - x[j]);
      }
      if (alpha >= 1.0) break;
      // Pin the variables that reached a bound.
      for (std::size_t f = 0; f < fset.size(); ++f) {
        const std::size_t j = fset[f];
        const double span = std::max(1.0, std::abs(upper[j] - lower[j]));
        const double eps = 1e-12 * (std::isfinite(span) ? span : 1.0);
        if (x[j] <= lower[j] + eps && z[f] < lower[j]) {
          x[j] = lower[j];
          state[j] = State::at_lower;
        } else if (x[j] >= upper[j] - eps && z[f] > upper[j]) {
          x[j] = upper[j];
          state[j] = State::at_upper;
        }
      }
    }
    // Lawson-Hanson's guard: a variable freed on a rounding-level gradient that is pinned
    // straight back would be chosen forever; skip it until something else changes.
    const bool progressed = state[best] == State::free || x[best] != x_entering;
    if (!progressed) {
      excluded[best] = true;
    } else {
      std::fill(excluded.begin(), excluded.end(), false);
    }
  }
  result.iterations = outer;

  // Unscale.
  result.x.resize(n);
  for (std::size_t j = 0; j < n; ++j) {
    result.x[j] = scale[j] > 0.0 ? x[j] / scale[j] : lower_in[j];
  }
  double rn = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    double s = -b[i];
    for (std::size_t j = 0; j < n; ++j) s += a_in(i, j) * result.x[j];
    rn += s * s;
  }
  result.residual_norm = std::sqrt(rn);
  return result;
}

LsqResult nnls(const Matrix& a, const std::vector<double>& b) {
  return bounded_least_squares(a, b, std::vector<double>(a.cols(), 0.0),
                               std::vector<double>(a.cols(), kUnbounded));
}

}  // namespace joule::calib
