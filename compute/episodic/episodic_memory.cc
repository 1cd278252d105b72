#include "compute/episodic/episodic_memory.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "compute/episodic/torch_support.h"

namespace engram::compute::episodic {
namespace {

using internal::AddScaled;

// Aim for at least ~64K multiply-adds per at::parallel_for chunk.
std::int64_t Grain(std::int64_t work_per_index) {
  return std::max<std::int64_t>(1, 65536 / std::max<std::int64_t>(1, work_per_index));
}

// out (N x X, row-major) += sign · W (N x K) · B (K x X). Element (r, x) sums over k in order,
// whatever the thread count: threads split the columns, never a sum. sign = ±1 is exact, so
// sign −1 gives the same bits as subtracting.
void AccumulateProduct(const double* w, const double* b, std::size_t n, std::size_t k,
                       std::size_t x, double sign, double* out) {
  const auto cols = static_cast<std::int64_t>(x);
  at::parallel_for(0, cols, Grain(static_cast<std::int64_t>(k * n)),
                   [&](std::int64_t x0, std::int64_t x1) {
                     for (std::size_t i = 0; i < k; ++i) {
                       const double* brow = b + i * x;
                       for (std::size_t r = 0; r < n; ++r) {
                         const double f = sign * w[r * k + i];
                         double* orow = out + r * x;
                         AddScaled(orow + x0, brow + x0, f, static_cast<std::size_t>(x1 - x0));
                       }
                     }
                   });
}

Status CheckShapes(const EpisodicOptions& options, const MatrixView& z, const MatrixView& w,
                   std::int64_t row_limit, const char* row_limit_name) {
  ENGRAM_RETURN_IF_ERROR(CheckMatrix(z, "Z"));
  ENGRAM_RETURN_IF_ERROR(CheckMatrix(w, "W"));
  if (z.rows != w.rows) {
    return SyntaxError("Z has " + std::to_string(z.rows) + " rows but W has " +
                       std::to_string(w.rows));
  }
  if (z.cols != options.code_width) {
    return SyntaxError("codes have width " + std::to_string(z.cols) +
                       ", the memory expects C = " + std::to_string(options.code_width));
  }
  if (w.cols != options.slots) {
    return SyntaxError("addresses have width " + std::to_string(w.cols) +
                       ", the memory expects K = " + std::to_string(options.slots));
  }
  return internal::CheckDimension(z.rows, row_limit, row_limit_name);
}

Status CheckOptions(const EpisodicOptions& options) {
  ENGRAM_RETURN_IF_ERROR(
      internal::CheckDimension(options.slots, options.limits.max_slots, "slot count K"));
  ENGRAM_RETURN_IF_ERROR(
      internal::CheckDimension(options.code_width, options.limits.max_code_width, "code width C"));
  if (!std::isfinite(options.ridge) || !(options.ridge > 0.0)) {
    return SyntaxError("the ridge λ must be finite and positive, got " +
                       std::to_string(options.ridge));
  }
  return Status::Ok();
}

}  // namespace

struct EpisodicMemory::Impl {
  EpisodicOptions options;
  at::Tensor m;  // K x C, float64, contiguous
  at::Tensor p;  // K x K, float64, contiguous, bitwise symmetric
  std::int64_t rows = 0;
  std::uint64_t version = 0;

  // Read cache, valid for `cache_version`: the lower Cholesky factor of M Mᵀ + εI, or
  // `cache_zero` when M = 0 (every readout is then 0).
  bool cache_valid = false;
  std::uint64_t cache_version = 0;
  bool cache_zero = false;
  at::Tensor cache_factor;

  Status EnsureReadCache();
};

EpisodicMemory::EpisodicMemory(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EpisodicMemory::EpisodicMemory(EpisodicMemory&&) noexcept = default;
EpisodicMemory& EpisodicMemory::operator=(EpisodicMemory&&) noexcept = default;
EpisodicMemory::~EpisodicMemory() = default;

Result<EpisodicMemory> EpisodicMemory::Create(const EpisodicOptions& options) {
  ENGRAM_RETURN_IF_ERROR(CheckOptions(options));
  try {
    c10::InferenceMode guard;
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->m = at::zeros({options.slots, options.code_width}, at::kDouble);
    impl->p = at::eye(options.slots, at::kDouble).mul_(1.0 / options.ridge);
    return EpisodicMemory(std::move(impl));
  } catch (const std::exception& e) {
    return internal::FromException(e, "creating the episodic memory failed");
  }
}

Result<EpisodicMemory> EpisodicMemory::FromEpisodes(const EpisodicOptions& options,
                                                    const MatrixView& z, const MatrixView& w) {
  ENGRAM_RETURN_IF_ERROR(CheckOptions(options));
  ENGRAM_RETURN_IF_ERROR(
      CheckShapes(options, z, w, options.limits.max_batch_rows, "episode row count"));
  try {
    c10::InferenceMode guard;
    const at::Tensor zt = internal::ToTensor(z);
    const at::Tensor wt = internal::ToTensor(w);
    at::Tensor a = wt.t().mm(wt);
    a.diagonal().add_(options.ridge);
    auto [factor, info] = at::linalg_cholesky_ex(a);
    if (info.item<int>() != 0) {
      return ComputeError(
          "λI + WᵀW is not positive definite (λ = " + std::to_string(options.ridge) + ")");
    }
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    at::Tensor p = at::cholesky_inverse(factor);
    impl->p = p.add(p.t()).mul_(0.5).contiguous();
    impl->m = at::cholesky_solve(wt.t().mm(zt), factor).contiguous();
    impl->rows = z.rows;
    return EpisodicMemory(std::move(impl));
  } catch (const std::exception& e) {
    return internal::FromException(e, "the batch episodic solution failed");
  }
}

Result<EpisodicMemory> EpisodicMemory::Restore(const EpisodicOptions& options, const MatrixView& m,
                                               const MatrixView& p, std::int64_t rows) {
  ENGRAM_RETURN_IF_ERROR(CheckOptions(options));
  ENGRAM_RETURN_IF_ERROR(CheckMatrix(m, "M"));
  ENGRAM_RETURN_IF_ERROR(CheckMatrix(p, "P"));
  if (m.rows != options.slots || m.cols != options.code_width) {
    return SyntaxError("M is " + std::to_string(m.rows) + " x " + std::to_string(m.cols) +
                       ", the memory expects K x C = " + std::to_string(options.slots) + " x " +
                       std::to_string(options.code_width));
  }
  if (p.rows != options.slots || p.cols != options.slots) {
    return SyntaxError("P is " + std::to_string(p.rows) + " x " + std::to_string(p.cols) +
                       ", the memory expects K x K = " + std::to_string(options.slots) + " x " +
                       std::to_string(options.slots));
  }
  // Every update keeps P bitwise symmetric (step 7 of Update); a P that is not was not taken
  // from a memory.
  const auto k = static_cast<std::size_t>(options.slots);
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = i + 1; j < k; ++j) {
      if (p.data[i * k + j] != p.data[j * k + i]) return SyntaxError("P is not symmetric");
    }
  }
  if (rows < 0) return SyntaxError("the row count must not be negative");
  try {
    c10::InferenceMode guard;
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->m = internal::ToTensor(m);
    impl->p = internal::ToTensor(p);
    impl->rows = rows;
    return EpisodicMemory(std::move(impl));
  } catch (const std::exception& e) {
    return internal::FromException(e, "restoring the episodic memory failed");
  }
}

Result<EpisodicMemory> EpisodicMemory::Clone() const {
  try {
    c10::InferenceMode guard;
    auto impl = std::make_unique<Impl>();
    impl->options = impl_->options;
    impl->m = impl_->m.clone();
    impl->p = impl_->p.clone();
    impl->rows = impl_->rows;
    impl->version = impl_->version;
    return EpisodicMemory(std::move(impl));
  } catch (const std::exception& e) {
    return internal::FromException(e, "copying the episodic memory failed");
  }
}

Status EpisodicMemory::Update(const MatrixView& z, const MatrixView& w, int alpha) {
  if (alpha != 1 && alpha != -1) {
    return SyntaxError("alpha must be +1 (write) or -1 (forget), got " + std::to_string(alpha));
  }
  const EpisodicOptions& options = impl_->options;
  ENGRAM_RETURN_IF_ERROR(
      CheckShapes(options, z, w, options.limits.max_update_rows, "episode row count N"));
  try {
    const std::int64_t n = z.rows, k_dim = options.slots, c_dim = options.code_width;
    const auto sn = static_cast<std::size_t>(n), sk = static_cast<std::size_t>(k_dim),
               sc = static_cast<std::size_t>(c_dim);
    const double a = static_cast<double>(alpha);
    const double* zd = z.data.data();
    const double* wd = w.data.data();
    double* md = impl_->m.data_ptr<double>();
    double* pd = impl_->p.data_ptr<double>();

    // 1. Uᵀ = W P (N x K); P is symmetric, so this is (P Wᵀ)ᵀ. Element (r, j) sums over i in
    //    order; columns are split between threads.
    std::vector<double> ut(sn * sk, 0.0);
    AccumulateProduct(wd, pd, sn, sk, sk, 1.0, ut.data());

    // 2. T = α S = I + α W P Wᵀ (N x N), the upper triangle computed, mirrored.
    std::vector<double> t(sn * sn, 0.0);
    for (std::size_t r = 0; r < sn; ++r) {
      for (std::size_t q = r; q < sn; ++q) {
        double dot = 0.0;
        for (std::size_t i = 0; i < sk; ++i) dot += wd[r * sk + i] * ut[q * sk + i];
        t[r * sn + q] = t[q * sn + r] = (r == q ? 1.0 : 0.0) + a * dot;
      }
    }

    // 3. T = L Lᵀ. A non-positive pivot means P' would not be positive definite: for a forget,
    //    the episode is not in the memory (or not with these bits).
    std::vector<double> l(sn * sn, 0.0);
    for (std::size_t r = 0; r < sn; ++r) {
      for (std::size_t q = 0; q <= r; ++q) {
        double v = t[r * sn + q];
        for (std::size_t s = 0; s < q; ++s) v -= l[r * sn + s] * l[q * sn + s];
        if (r == q) {
          if (!(v > 0.0) || !std::isfinite(v)) {
            return InternalError(
                alpha < 0
                    ? "forgetting this episode would leave the covariance indefinite: it "
                      "is not in the memory, or not with these bits"
                    : "the write would leave the covariance indefinite (numerical breakdown)");
          }
          l[r * sn + r] = std::sqrt(v);
        } else {
          l[r * sn + q] = v / l[q * sn + q];
        }
      }
    }

    // 4. Vᵀ = L^{-1} Uᵀ (forward substitution), so that U S^{-1} Uᵀ = α V Vᵀ.
    std::vector<double> vt(ut);
    for (std::size_t r = 0; r < sn; ++r) {
      double* row = vt.data() + r * sk;
      for (std::size_t s = 0; s < r; ++s) {
        const double f = l[r * sn + s];
        const double* prev = vt.data() + s * sk;
        for (std::size_t j = 0; j < sk; ++j) row[j] -= f * prev[j];
      }
      const double d = l[r * sn + r];
      for (std::size_t j = 0; j < sk; ++j) row[j] /= d;
    }

    // 5. Gᵀ = S^{-1} Uᵀ = α L^{-T} Vᵀ (back substitution): the gain G = P Wᵀ S^{-1} (K x N).
    std::vector<double> gt(vt);
    for (std::size_t r = sn; r-- > 0;) {
      double* row = gt.data() + r * sk;
      for (std::size_t s = r + 1; s < sn; ++s) {
        const double f = l[s * sn + r];
        const double* next = gt.data() + s * sk;
        for (std::size_t j = 0; j < sk; ++j) row[j] -= f * next[j];
      }
      const double d = l[r * sn + r];
      for (std::size_t j = 0; j < sk; ++j) row[j] /= d;
    }
    for (double& g : gt) g *= a;

    // 6. The residual R = Z − W M (N x C), each element summing over k in order; columns split.
    std::vector<double> res(zd, zd + sn * sc);
    AccumulateProduct(wd, md, sn, sk, sc, -1.0, res.data());

    for (const double v : gt) {
      if (!std::isfinite(v)) return ComputeError("the episodic update overflowed (gain)");
    }
    for (const double v : res) {
      if (!std::isfinite(v)) return ComputeError("the episodic update overflowed (residual)");
    }

    // Nothing below can fail: commit.
    // 7. P' = P − α V Vᵀ, row by row. Element (i, j) subtracts (α v_ri)·v_rj for r in order and
    //    element (j, i) subtracts (α v_rj)·v_ri, the same products (α = ±1 is exact), so P'
    //    stays bitwise symmetric.
    at::parallel_for(0, k_dim, Grain(k_dim * n), [&](std::int64_t i0, std::int64_t i1) {
      for (auto i = static_cast<std::size_t>(i0); i < static_cast<std::size_t>(i1); ++i) {
        double* prow = pd + i * sk;
        for (std::size_t r = 0; r < sn; ++r) {
          const double f = a * vt[r * sk + i];
          const double* v = vt.data() + r * sk;
          AddScaled(prow, v, -f, sk);  // a − f·v and a + (−f)·v are the same IEEE result
        }
      }
    });

    // 8. M' = M + G R, row by row.
    at::parallel_for(0, k_dim, Grain(c_dim * n), [&](std::int64_t k0, std::int64_t k1) {
      for (auto k = static_cast<std::size_t>(k0); k < static_cast<std::size_t>(k1); ++k) {
        double* mrow = md + k * sc;
        for (std::size_t r = 0; r < sn; ++r) {
          const double g = gt[r * sk + k];
          const double* rr = res.data() + r * sc;
          AddScaled(mrow, rr, g, sc);
        }
      }
    });

    impl_->rows += alpha * n;
    ++impl_->version;
    impl_->cache_valid = false;
    return Status::Ok();
  } catch (const std::exception& e) {
    return internal::FromException(e, "the episodic update failed");
  }
}

Status EpisodicMemory::Impl::EnsureReadCache() {
  if (cache_valid && cache_version == version) return Status::Ok();
  cache_valid = false;
  cache_factor = at::Tensor();
  at::Tensor gram = m.mm(m.t());
  ENGRAM_ASSIGN_OR_RETURN(internal::RidgeFactor ridge, internal::RidgeCholesky(gram, "M Mᵀ"));
  cache_zero = ridge.zero;
  cache_factor = ridge.factor;
  cache_valid = true;
  cache_version = version;
  return Status::Ok();
}

Result<Readout> EpisodicMemory::Read(const MatrixView& zq, int iterations) {
  const EpisodicOptions& options = impl_->options;
  ENGRAM_RETURN_IF_ERROR(CheckMatrix(zq, "query"));
  if (zq.cols != options.code_width) {
    return SyntaxError("queries have width " + std::to_string(zq.cols) +
                       ", the memory expects C = " + std::to_string(options.code_width));
  }
  ENGRAM_RETURN_IF_ERROR(
      internal::CheckDimension(zq.rows, options.limits.max_update_rows, "query row count"));
  ENGRAM_RETURN_IF_ERROR(internal::CheckDimension(iterations, options.limits.max_read_iterations,
                                                  "read iteration count"));
  try {
    c10::InferenceMode guard;
    ENGRAM_RETURN_IF_ERROR(impl_->EnsureReadCache());
    if (impl_->cache_zero) {
      return Readout{Matrix::Zeros(zq.rows, options.slots),
                     Matrix::Zeros(zq.rows, options.code_width)};
    }
    at::Tensor query = internal::ToTensor(zq);
    at::Tensor addresses, codes;
    for (int it = 0; it < iterations; ++it) {
      // W_q = Zq Mᵀ (M Mᵀ + εI)^{-1}: solve (M Mᵀ + εI) Xᵀ = (Zq Mᵀ)ᵀ.
      const at::Tensor b = internal::MatMul(query, impl_->m.t());
      // Two triangular solves rather than cholesky_solve, which copies the K x K factor into
      // column-major order on every call; linalg_solve_triangular uses L (row-major) and Lᵀ
      // through BLAS transposition flags.
      const at::Tensor& l = impl_->cache_factor;
      const at::Tensor y = at::linalg_solve_triangular(l, b.t(), /*upper=*/false);
      addresses = at::linalg_solve_triangular(l.t(), y, /*upper=*/true).t();
      codes = internal::MatMul(addresses, impl_->m);
      query = codes;
    }
    return Readout{internal::ToMatrix(addresses), internal::ToMatrix(codes)};
  } catch (const std::exception& e) {
    return internal::FromException(e, "the episodic read failed");
  }
}

std::int64_t EpisodicMemory::slots() const {
  return impl_->options.slots;
}
std::int64_t EpisodicMemory::code_width() const {
  return impl_->options.code_width;
}
double EpisodicMemory::ridge() const {
  return impl_->options.ridge;
}
std::int64_t EpisodicMemory::rows() const {
  return impl_->rows;
}
std::uint64_t EpisodicMemory::version() const {
  return impl_->version;
}

Matrix EpisodicMemory::memory() const {
  return internal::ToMatrix(impl_->m);
}
Matrix EpisodicMemory::covariance() const {
  return internal::ToMatrix(impl_->p);
}

}  // namespace engram::compute::episodic
