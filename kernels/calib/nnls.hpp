// Bounded linear least squares for small dense problems: minimize ||A x - b||_2 subject to
// lower <= x <= upper. With lower = 0 and upper = +inf this is Lawson & Hanson's NNLS
// ("Solving Least Squares Problems", 1974, ch. 23); the two-sided case is the same active-set
// iteration with a second bound set, as in Stark & Parker's BVLS (Comput. Stat. 10, 1995).
//
// Written here, in plain C++, because the calibration runs on GPU machines that have the CUDA
// toolkit but no Eigen; the problems are tiny (tens of columns, a few hundred rows).
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

namespace joule::calib {

// Row-major dense matrix, just enough for the fit.
class Matrix {
 public:
  Matrix() = default;
  Matrix(std::size_t rows, std::size_t cols) : rows_(rows), cols_(cols), data_(rows * cols, 0.0) {}
  double& operator()(std::size_t r, std::size_t c) { return data_[r * cols_ + c]; }
  double operator()(std::size_t r, std::size_t c) const { return data_[r * cols_ + c]; }
  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }

 private:
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  std::vector<double> data_;
};

struct LsqResult {
  std::vector<double> x;
  double residual_norm = 0.0;  // ||A x - b||_2
  int iterations = 0;          // outer (constraint-set) iterations
  bool converged = false;      // false only if the iteration limit was hit
};

// Unconstrained least squares by Householder QR. Columns that are (numerically) linearly
// dependent on earlier ones get a zero coefficient instead of a blow-up.
std::vector<double> least_squares(const Matrix& a, const std::vector<double>& b);

// min ||A x - b|| s.t. lower <= x <= upper. `lower` must be finite; `upper` may be +inf.
// Throws std::invalid_argument on size mismatch or lower > upper.
LsqResult bounded_least_squares(const Matrix& a, const std::vector<double>& b,
                                const std::vector<double>& lower, const std::vector<double>& upper);

// Lawson-Hanson NNLS: x >= 0.
LsqResult nnls(const Matrix& a, const std::vector<double>& b);

inline constexpr double kUnbounded = std::numeric_limits<double>::infinity();

}  // namespace joule::calib
