#include "compute/episodic/read_factor.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <new>
#include <string>

#include "compute/episodic/kernels.h"

namespace engram::compute::episodic {
namespace {

using internal::AddScaled;
using internal::DotProduct;

constexpr double kRelativeRidge = 1e-9;
constexpr int kRidgeRetries = 2;
// Rows of one panel of the blocked factorisation: the panel (64 x K doubles, 384 KiB at
// K = 768) stays in L2 while every trailing row is updated by it.
constexpr std::size_t kPanelRows = 64;

// Factors the upper triangle of `a` (n x n row-major, holding Q + εI there) in place into R.
// False at a pivot that is not positive and finite.
bool FactorUpperInPlace(double* a, std::size_t n) {
  for (std::size_t k0 = 0; k0 < n; k0 += kPanelRows) {
    const std::size_t k1 = std::min(n, k0 + kPanelRows);
    for (std::size_t k = k0; k < k1; ++k) {
      double* rk = a + k * n;
      const double d = rk[k];
      if (!(d > 0.0) || !std::isfinite(d)) return false;
      const double r = std::sqrt(d);
      rk[k] = r;
      const double inv = 1.0 / r;
      for (std::size_t j = k + 1; j < n; ++j) rk[j] *= inv;
      for (std::size_t i = k + 1; i < k1; ++i) AddScaled(a + i * n + i, rk + i, -rk[i], n - i);
    }
    // The trailing rows, by the panel's rows in ascending order. Row i is n − i long, so index
    // p takes rows k1 + p and n − 1 − p: every index carries about the same work.
    const std::size_t rows = n - k1;
    const auto pairs = static_cast<std::int64_t>((rows + 1) / 2);
    at::parallel_for(0, pairs, 4, [&](std::int64_t p0, std::int64_t p1) {
      auto update = [&](std::size_t i) {
        for (std::size_t p = k0; p < k1; ++p) {
          AddScaled(a + i * n + i, a + p * n + i, -a[p * n + i], n - i);
        }
      };
      for (auto p = static_cast<std::size_t>(p0); p < static_cast<std::size_t>(p1); ++p) {
        const std::size_t first = k1 + p, last = n - 1 - p;
        update(first);
        if (last != first) update(last);
      }
    });
  }
  return true;
}

// One column of the rank-2 sweep (see the header): the update rotation (c1, s1) with u, then
// the downdate's (c2, s2) with v, on column entries r[j] = L(k+1+j, k).
__attribute__((target_clones("avx512f", "avx2", "default"))) void RotateColumn(
    double* r, double* u, double* v, std::size_t n, double inv_c1, double c1, double s1,
    double inv_c2, double c2, double s2) {
  for (std::size_t j = 0; j < n; ++j) {
    const double l1 = (r[j] + s1 * u[j]) * inv_c1;
    u[j] = c1 * u[j] - s1 * l1;
    const double l2 = (l1 - s2 * v[j]) * inv_c2;
    v[j] = c2 * v[j] - s2 * l2;
    r[j] = l2;
  }
}

}  // namespace

Result<ReadFactor> ReadFactor::Factor(std::span<const double> q_lower, std::int64_t k) {
  const auto n = static_cast<std::size_t>(k);
  if (k < 1 || q_lower.size() != n * n) {
    return SyntaxError("the read factor needs a K x K matrix, got " +
                       std::to_string(q_lower.size()) + " values for K = " + std::to_string(k));
  }
  ReadFactor out;
  out.k_ = k;
  double max_diag = 0.0;
  for (std::size_t i = 0; i < n; ++i) max_diag = std::max(max_diag, q_lower[i * n + i]);
  if (!(max_diag > 0.0)) {
    if (!std::isfinite(max_diag)) return ComputeError("Q holds a non-finite diagonal entry");
    return out;  // Q = 0 (or no positive diagonal): every readout is 0
  }
  try {
    out.r_.assign(n * n, 0.0);
    double eps = kRelativeRidge * max_diag;
    for (int attempt = 0; attempt <= kRidgeRetries; ++attempt, eps *= 100.0) {
      for (std::size_t i = 0; i < n; ++i) {
        double* row = out.r_.data() + i * n;
        std::fill(row, row + i, 0.0);
        for (std::size_t j = i; j < n; ++j) row[j] = q_lower[j * n + i];
        row[i] += eps;
      }
      if (FactorUpperInPlace(out.r_.data(), n)) {
        out.zero_ = false;
        out.eps_ = eps;
        return out;
      }
    }
  } catch (const std::bad_alloc&) {
    return LimitError("out of memory for the read factor (K = " + std::to_string(k) + ")");
  }
  return ComputeError(
      "Q + εI has a non-positive pivot even with ε = " + std::to_string(kRelativeRidge * 1e4) +
      " · max diag: Q is not positive semi-definite");
}

bool ReadFactor::RankTwo(std::span<const double> w, std::span<const double> p) {
  const auto n = static_cast<std::size_t>(k_);
  if (zero_) return false;
  const double ww = DotProduct(w.data(), w.data(), n);
  const double pp = DotProduct(p.data(), p.data(), n);
  if (ww == 0.0 || pp == 0.0) return true;  // w·pᵀ + p·wᵀ = 0
  const double t = std::sqrt(std::sqrt(pp) / std::sqrt(ww));
  const double inv_t = 1.0 / t;
  const double inv_sqrt2 = 1.0 / std::sqrt(2.0);
  std::vector<double> u(n), v(n);
  for (std::size_t i = 0; i < n; ++i) {
    u[i] = (t * w[i] + inv_t * p[i]) * inv_sqrt2;
    v[i] = (t * w[i] - inv_t * p[i]) * inv_sqrt2;
  }
  for (std::size_t k = 0; k < n; ++k) {
    double* rk = r_.data() + k * n;
    const double rkk = rk[k];
    const double r1 = std::sqrt(rkk * rkk + u[k] * u[k]);
    const double c1 = r1 / rkk, s1 = u[k] / rkk;
    const double d2 = (r1 - v[k]) * (r1 + v[k]);
    if (!(d2 > 0.0) || !std::isfinite(d2)) return false;
    const double r2 = std::sqrt(d2);
    const double c2 = r2 / r1, s2 = v[k] / r1;
    rk[k] = r2;
    RotateColumn(rk + k + 1, u.data() + k + 1, v.data() + k + 1, n - k - 1, 1.0 / c1, c1, s1,
                 1.0 / c2, c2, s2);
  }
  return true;
}

void ReadFactor::Solve(std::span<const double> g, std::span<double> x) const {
  const auto n = static_cast<std::size_t>(k_);
  if (zero_) {
    std::fill(x.begin(), x.end(), 0.0);
    return;
  }
  const double* r = r_.data();
  // Rᵀ·y = g by columns of Rᵀ (rows of R), then R·x = y by rows: both read R contiguously.
  std::copy(g.begin(), g.end(), x.begin());
  for (std::size_t k = 0; k < n; ++k) {
    x[k] /= r[k * n + k];
    AddScaled(x.data() + k + 1, r + k * n + k + 1, -x[k], n - k - 1);
  }
  for (std::size_t k = n; k-- > 0;) {
    x[k] = (x[k] - DotProduct(r + k * n + k + 1, x.data() + k + 1, n - k - 1)) / r[k * n + k];
  }
}

}  // namespace engram::compute::episodic
