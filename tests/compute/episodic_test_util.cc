#include "tests/compute/episodic_test_util.h"

#include <cmath>
#include <cstring>

#include <gtest/gtest.h>

#include "compute/episodic/reference_memory.h"

namespace engram::compute::episodic::testing {

// n unit-norm random codes of width c (from the deterministic generator, so runs repeat).
Matrix RandomCodes(std::int64_t n, std::int64_t c, std::uint64_t seed) {
  Matrix z = Matrix::Zeros(n, c);
  GaussianDeviates(seed, z.data);
  for (std::int64_t r = 0; r < n; ++r) {
    double norm = 0.0;
    for (std::int64_t j = 0; j < c; ++j) norm += z(r, j) * z(r, j);
    norm = std::sqrt(norm);
    for (std::int64_t j = 0; j < c; ++j) z(r, j) /= norm;
  }
  return z;
}

Matrix RowsOf(const Matrix& m, std::int64_t begin, std::int64_t end) {
  Matrix out = Matrix::Zeros(end - begin, m.cols);
  std::copy(m.data.begin() + begin * m.cols, m.data.begin() + end * m.cols, out.data.begin());
  return out;
}

Matrix Stack(const Matrix& a, const Matrix& b) {
  Matrix out{a.rows + b.rows, a.cols, a.data};
  out.data.insert(out.data.end(), b.data.begin(), b.data.end());
  return out;
}

double Frobenius(const Matrix& a) {
  double s = 0.0;
  for (double v : a.data) s += v * v;
  return std::sqrt(s);
}

// ||a − b||_F / ||b||_F.
double RelativeError(const Matrix& a, const Matrix& b) {
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.cols, b.cols);
  double d = 0.0;
  for (std::size_t i = 0; i < a.data.size(); ++i)
    d += (a.data[i] - b.data[i]) * (a.data[i] - b.data[i]);
  return std::sqrt(d) / Frobenius(b);
}

double Cosine(std::span<const double> a, std::span<const double> b) {
  double ab = 0.0, aa = 0.0, bb = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return (aa == 0.0 || bb == 0.0) ? 0.0 : ab / std::sqrt(aa * bb);
}

bool BitwiseEqual(const Matrix& a, const Matrix& b) {
  return a.rows == b.rows && a.cols == b.cols &&
         std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(double)) == 0;
}

std::uint64_t Fnv1a(const std::vector<double>& values) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (double v : values) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 8; ++i) {
      h ^= (bits >> (8 * i)) & 0xffu;
      h *= 0x100000001b3ull;
    }
  }
  return h;
}

}  // namespace engram::compute::episodic::testing
