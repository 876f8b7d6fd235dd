// Bounded least squares (kernels/calib/nnls.hpp): hand-solved cases, bounds, and agreement with
// brute-force enumeration of active sets on random problems.
#include "calib/nnls.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <stdexcept>

using joule::calib::bounded_least_squares;
using joule::calib::kUnbounded;
using joule::calib::least_squares;
using joule::calib::Matrix;
using joule::calib::nnls;

namespace {

Matrix make(std::size_t rows, std::size_t cols, std::initializer_list<double> v) {
  Matrix m(rows, cols);
  auto it = v.begin();
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) m(i, j) = *it++;
  return m;
}

double residual(const Matrix& a, const std::vector<double>& x, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.rows(); ++i) {
    double r = -b[i];
    for (std::size_t j = 0; j < a.cols(); ++j) r += a(i, j) * x[j];
    s += r * r;
  }
  return std::sqrt(s);
}

}  // namespace

TEST_CASE("least_squares solves an overdetermined line fit") {
  // y = 2 + 3 t at t = 0, 1, 2, 3 exactly.
  const Matrix a = make(4, 2, {1, 0, 1, 1, 1, 2, 1, 3});
  const auto x = least_squares(a, {2, 5, 8, 11});
  CHECK(x[0] == doctest::Approx(2.0));
  CHECK(x[1] == doctest::Approx(3.0));
}

TEST_CASE("least_squares gives a zero coefficient to a duplicated column") {
  const Matrix a = make(3, 2, {1, 1, 2, 2, 3, 3});
  const auto x = least_squares(a, {1, 2, 3});
  CHECK(x[0] + x[1] == doctest::Approx(1.0));
  CHECK(std::isfinite(x[0]));
}

TEST_CASE("nnls clamps a coefficient that unconstrained LS makes negative") {
  // A = [[1,0],[0,1],[1,1]], b = [1,-1,0]. Unconstrained: (A^T A)^-1 A^T b =
  // 1/3 [[2,-1],[-1,2]] [1,-1] = [1,-1]. With x >= 0: x2 = 0, then min (x1-1)^2 + 1 + x1^2
  // gives x1 = 1/2, residual^2 = 1/4 + 1 + 1/4 = 1.5.
  const Matrix a = make(3, 2, {1, 0, 0, 1, 1, 1});
  const auto u = least_squares(a, {1, -1, 0});
  CHECK(u[0] == doctest::Approx(1.0));
  CHECK(u[1] == doctest::Approx(-1.0));
  const auto r = nnls(a, {1, -1, 0});
  CHECK(r.converged);
  CHECK(r.x[0] == doctest::Approx(0.5));
  CHECK(r.x[1] == 0.0);
  CHECK(r.residual_norm == doctest::Approx(std::sqrt(1.5)));
}

TEST_CASE("bounded least squares respects upper and lower bounds") {
  // Identity design: each x_j = clamp(b_j, lo_j, hi_j).
  const Matrix a = make(3, 3, {1, 0, 0, 0, 1, 0, 0, 0, 1});
  const auto r = bounded_least_squares(a, {3, -1, 0.5}, {0, 0, 1}, {2, 5, kUnbounded});
  CHECK(r.converged);
  CHECK(r.x[0] == doctest::Approx(2.0));
  CHECK(r.x[1] == doctest::Approx(0.0));
  CHECK(r.x[2] == doctest::Approx(1.0));
}

TEST_CASE("nnls matches brute force over all active sets on random problems") {
  // For x >= 0 the optimum is the unconstrained LS on some subset S with x_S > 0; enumerate
  // all 2^n subsets, keep the feasible ones and take the least residual.
  std::mt19937 rng(7);
  std::normal_distribution<double> g(0.0, 1.0);
  for (int trial = 0; trial < 30; ++trial) {
    const std::size_t m = 8, n = 4;
    Matrix a(m, n);
    std::vector<double> b(m);
    for (std::size_t i = 0; i < m; ++i) {
      for (std::size_t j = 0; j < n; ++j) a(i, j) = g(rng);
      b[i] = g(rng);
    }
    double best = 1e300;
    for (unsigned mask = 0; mask < (1u << n); ++mask) {
      std::vector<std::size_t> cols;
      for (std::size_t j = 0; j < n; ++j)
        if (mask & (1u << j)) cols.push_back(j);
      std::vector<double> x(n, 0.0);
      if (!cols.empty()) {
        Matrix s(m, cols.size());
        for (std::size_t i = 0; i < m; ++i)
          for (std::size_t c = 0; c < cols.size(); ++c) s(i, c) = a(i, cols[c]);
        const auto z = least_squares(s, b);
        bool feasible = true;
        for (std::size_t c = 0; c < cols.size(); ++c) {
          if (z[c] < 0) feasible = false;
          x[cols[c]] = z[c];
        }
        if (!feasible) continue;
      }
      best = std::min(best, residual(a, x, b));
    }
    const auto r = nnls(a, b);
    CHECK(r.converged);
    for (double xi : r.x) CHECK(xi >= 0.0);
    CHECK(r.residual_norm == doctest::Approx(best).epsilon(1e-9));
  }
}

TEST_CASE("nnls handles badly scaled columns (FLOP/s next to byte/s)") {
  // Two columns 1e3 apart in scale, exact data: x = [0.9, 60].
  Matrix a(4, 2);
  std::vector<double> b(4);
  const double flops[] = {100, 300, 600, 900}, bytes[] = {3, 0.5, 2, 1};
  for (int i = 0; i < 4; ++i) {
    a(i, 0) = flops[i];
    a(i, 1) = bytes[i];
    b[i] = 0.9 * flops[i] + 60 * bytes[i];
  }
  const auto r = nnls(a, b);
  CHECK(r.x[0] == doctest::Approx(0.9));
  CHECK(r.x[1] == doctest::Approx(60.0));
}

TEST_CASE("bounded least squares rejects inconsistent input") {
  const Matrix a(2, 2);
  CHECK_THROWS_AS(bounded_least_squares(a, {1, 2}, {1, 0}, {0, 1}), std::invalid_argument);
  CHECK_THROWS_AS(nnls(a, {1, 2, 3}), std::invalid_argument);
}
