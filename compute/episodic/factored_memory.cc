#include "compute/episodic/factored_memory.h"

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

// Σ a[j]·b[j] with eight partial sums in a fixed order: the summation order is fixed by the
// source, not by the vector width, so the clones agree bitwise (read path only).
__attribute__((target_clones("avx512f", "avx2", "default"))) double Dot(const double* a,
                                                                        const double* b,
                                                                        std::size_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    for (std::size_t l = 0; l < 8; ++l) acc[l] += a[j + l] * b[j + l];
  }
  double sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; j < n; ++j) sum += a[j] * b[j];
  return sum;
}

// Row i of the lower triangles of Q and S (columns 0..n-1 = 0..i), for a row with address w,
// a = B_old·zᵀ and s = z·z; sign = +1 writes, −1 forgets. Negation is exact, so
// q + sign·(t + sign·s·ww) is q + (t + s·ww) for a write and q − (t − s·ww) for a forget, and
// (wi·a_j + ai·w_j) has the same bits as the mirrored element's (wj·a_i + aj·w_i).
__attribute__((target_clones("avx512f", "avx2", "default"))) void RankTwoRow(
    double* q, double* s_row, const double* w, const double* a, double wi, double ai,
    double signed_s, double sign, std::size_t n) {
  for (std::size_t j = 0; j < n; ++j) {
    const double ww = wi * w[j];
    const double t = wi * a[j] + ai * w[j];
    q[j] += sign * (t + signed_s * ww);
    s_row[j] += sign * ww;
  }
}

std::int64_t Grain(std::int64_t work_per_index) {
  return std::max<std::int64_t>(1, 65536 / std::max<std::int64_t>(1, work_per_index));
}

// The full symmetric matrix of a K x K lower triangle (row-major), as a tensor.
at::Tensor MirroredTensor(const std::vector<double>& lower, std::int64_t k) {
  at::Tensor t = at::empty({k, k}, at::kDouble);
  double* d = t.data_ptr<double>();
  const auto sk = static_cast<std::size_t>(k);
  for (std::size_t i = 0; i < sk; ++i) {
    for (std::size_t j = 0; j <= i; ++j) d[i * sk + j] = d[j * sk + i] = lower[i * sk + j];
  }
  return t;
}

Matrix MirroredMatrix(const std::vector<double>& lower, std::int64_t k) {
  Matrix m = Matrix::Zeros(k, k);
  const auto sk = static_cast<std::size_t>(k);
  for (std::size_t i = 0; i < sk; ++i) {
    for (std::size_t j = 0; j <= i; ++j) {
      m.data[i * sk + j] = m.data[j * sk + i] = lower[i * sk + j];
    }
  }
  return m;
}

Status CheckCode(const SparseCode& code, std::int64_t width, const char* what) {
  if (code.index.size() != code.value.size()) {
    return SyntaxError(std::string(what) + " has " + std::to_string(code.index.size()) +
                       " indices but " + std::to_string(code.value.size()) + " values");
  }
  for (std::size_t j = 0; j < code.index.size(); ++j) {
    if (static_cast<std::int64_t>(code.index[j]) >= width) {
      return SyntaxError(std::string(what) + " has index " + std::to_string(code.index[j]) +
                         " beyond C = " + std::to_string(width));
    }
    if (j > 0 && code.index[j] <= code.index[j - 1]) {
      return SyntaxError(std::string(what) + " has indices that are not strictly ascending");
    }
    if (!std::isfinite(code.value[j])) {
      return SyntaxError(std::string(what) + " has a non-finite value");
    }
  }
  return Status::Ok();
}

Status CheckRow(const EpisodeRow& row, std::int64_t slots, std::int64_t width) {
  if (row.code == nullptr) return SyntaxError("a row has no code");
  ENGRAM_RETURN_IF_ERROR(CheckCode(*row.code, width, "a code"));
  if (static_cast<std::int64_t>(row.address.size()) != slots) {
    return SyntaxError("an address has " + std::to_string(row.address.size()) +
                       " values, the memory expects K = " + std::to_string(slots));
  }
  for (const double v : row.address) {
    if (!std::isfinite(v)) return SyntaxError("an address has a non-finite value");
  }
  return Status::Ok();
}

}  // namespace

struct FactoredMemory::Impl {
  FactoredOptions options;
  std::vector<double> bt;  // C x K
  std::vector<double> s;   // K x K, lower triangle maintained
  std::vector<double> q;   // K x K, lower triangle maintained
  std::int64_t rows = 0;
  std::uint64_t version = 0;

  // Read cache for `cache_version`: L (row-major, lower) with L Lᵀ = Q + εI, or cache_zero when
  // Q = 0 (every readout is 0).
  bool cache_valid = false;
  std::uint64_t cache_version = 0;
  bool cache_zero = false;
  double cache_eps = 0.0;
  std::vector<double> cache_factor;

  Status BuildReadCache();
  // x = (Q + εI)^{-1}·g with g = B·queryᵀ; returns g too (for the norm).
  void Solve(const SparseCode& query, std::vector<double>& g, std::vector<double>& x) const;
};

FactoredMemory::FactoredMemory(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FactoredMemory::FactoredMemory(FactoredMemory&&) noexcept = default;
FactoredMemory& FactoredMemory::operator=(FactoredMemory&&) noexcept = default;
FactoredMemory::~FactoredMemory() = default;

Result<FactoredMemory> FactoredMemory::Create(const FactoredOptions& options) {
  ENGRAM_RETURN_IF_ERROR(
      internal::CheckDimension(options.slots, options.limits.max_slots, "slot count K"));
  ENGRAM_RETURN_IF_ERROR(
      internal::CheckDimension(options.code_width, options.limits.max_code_width, "code width C"));
  if (!std::isfinite(options.ridge) || !(options.ridge > 0.0)) {
    return SyntaxError("the ridge λ must be finite and positive, got " +
                       std::to_string(options.ridge));
  }
  try {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    const auto k = static_cast<std::size_t>(options.slots);
    impl->bt.assign(static_cast<std::size_t>(options.code_width) * k, 0.0);
    impl->s.assign(k * k, 0.0);
    impl->q.assign(k * k, 0.0);
    return FactoredMemory(std::move(impl));
  } catch (const std::exception& e) {
    return internal::FromException(e, "creating the factored memory failed");
  }
}

Status FactoredMemory::Write(std::span<const EpisodeRow> rows) {
  return Update(rows, +1);
}
Status FactoredMemory::Forget(std::span<const EpisodeRow> rows) {
  return Update(rows, -1);
}

Status FactoredMemory::Update(std::span<const EpisodeRow> rows, int alpha) {
  const FactoredOptions& options = impl_->options;
  const std::int64_t k_dim = options.slots;
  ENGRAM_RETURN_IF_ERROR(internal::CheckDimension(static_cast<std::int64_t>(rows.size()),
                                                  options.limits.max_update_rows,
                                                  "episode row count N"));
  for (const EpisodeRow& row : rows) {
    ENGRAM_RETURN_IF_ERROR(CheckRow(row, k_dim, options.code_width));
  }
  try {
    const auto sk = static_cast<std::size_t>(k_dim);
    const double sign = static_cast<double>(alpha);
    double* bt = impl_->bt.data();
    double* q = impl_->q.data();
    double* s = impl_->s.data();
    std::vector<double> a(sk);
    for (const EpisodeRow& row : rows) {
      const SparseCode& z = *row.code;
      const double* w = row.address.data();
      const std::size_t nnz = z.index.size();

      // a = B_old·zᵀ: element k sums the code's non-zeros in order; threads split k.
      std::fill(a.begin(), a.end(), 0.0);
      at::parallel_for(0, k_dim, Grain(static_cast<std::int64_t>(nnz)),
                       [&](std::int64_t k0, std::int64_t k1) {
                         for (std::size_t j = 0; j < nnz; ++j) {
                           AddScaled(a.data() + k0, bt + z.index[j] * sk + k0, z.value[j],
                                     static_cast<std::size_t>(k1 - k0));
                         }
                       });
      double zz = 0.0;
      for (const double v : z.value) zz += v * v;

      // Lower triangles of Q and S. Rows p and K−1−p go together so that every index carries
      // K + 1 elements and an even split between threads is an even split of the work.
      const double signed_s = sign * zz;
      const std::int64_t pairs = (k_dim + 1) / 2;
      at::parallel_for(0, pairs, Grain(k_dim + 1), [&](std::int64_t p0, std::int64_t p1) {
        for (auto p = static_cast<std::size_t>(p0); p < static_cast<std::size_t>(p1); ++p) {
          const std::size_t mirror = sk - 1 - p;
          RankTwoRow(q + p * sk, s + p * sk, w, a.data(), w[p], a[p], signed_s, sign, p + 1);
          if (mirror != p) {
            RankTwoRow(q + mirror * sk, s + mirror * sk, w, a.data(), w[mirror], a[mirror],
                       signed_s, sign, mirror + 1);
          }
        }
      });

      // Bᵀ at the code's non-zeros (distinct rows, so threads never share an element).
      at::parallel_for(
          0, static_cast<std::int64_t>(nnz), Grain(k_dim), [&](std::int64_t j0, std::int64_t j1) {
            for (auto j = static_cast<std::size_t>(j0); j < static_cast<std::size_t>(j1); ++j) {
              AddScaled(bt + z.index[j] * sk, w, sign * z.value[j], sk);
            }
          });
    }
    impl_->rows += alpha * static_cast<std::int64_t>(rows.size());
    ++impl_->version;
    impl_->cache_valid = false;
    return Status::Ok();
  } catch (const std::exception& e) {
    return internal::FromException(e, "the factored update failed");
  }
}

Status FactoredMemory::Impl::BuildReadCache() {
  cache_valid = false;
  cache_factor.clear();
  const std::int64_t k = options.slots;
  try {
    c10::InferenceMode guard;
    at::Tensor gram = MirroredTensor(q, k);
    ENGRAM_ASSIGN_OR_RETURN(internal::RidgeFactor ridge, internal::RidgeCholesky(gram, "Q"));
    cache_zero = ridge.zero;
    if (!ridge.zero) {
      const at::Tensor l = ridge.factor.contiguous();
      cache_factor.assign(l.data_ptr<double>(), l.data_ptr<double>() + k * k);
      cache_eps = ridge.eps;
    }
  } catch (const std::exception& e) {
    return internal::FromException(e, "factoring the read cache failed");
  }
  cache_valid = true;
  cache_version = version;
  return Status::Ok();
}

Status FactoredMemory::PrepareRead() {
  if (impl_->cache_valid && impl_->cache_version == impl_->version) return Status::Ok();
  return impl_->BuildReadCache();
}

Status FactoredMemory::RebuildReadCache() {
  return impl_->BuildReadCache();
}

void FactoredMemory::Impl::Solve(const SparseCode& query, std::vector<double>& g,
                                 std::vector<double>& x) const {
  const auto sk = static_cast<std::size_t>(options.slots);
  g.assign(sk, 0.0);
  for (std::size_t j = 0; j < query.index.size(); ++j) {
    AddScaled(g.data(), bt.data() + query.index[j] * sk, query.value[j], sk);
  }
  // L y = g by rows (dots), then Lᵀ x = y by columns of Lᵀ = rows of L (axpys): both passes
  // read L contiguously.
  const double* l = cache_factor.data();
  x.assign(sk, 0.0);
  for (std::size_t i = 0; i < sk; ++i) {
    x[i] = (g[i] - Dot(l + i * sk, x.data(), i)) / l[i * sk + i];
  }
  for (std::size_t i = sk; i-- > 0;) {
    x[i] /= l[i * sk + i];
    AddScaled(x.data(), l + i * sk, -x[i], i);
  }
}

Result<ReadScores> FactoredMemory::ReadScoresDense(const SparseCode& query,
                                                   std::span<const EpisodeRow> live) {
  const std::int64_t c_dim = impl_->options.code_width;
  ENGRAM_RETURN_IF_ERROR(CheckCode(query, c_dim, "the query"));
  // The live codes are only bounds-checked, inside the dot loop: a full CheckCode of 1,000
  // codes costs as much as the dots (they were checked when written).
  for (const EpisodeRow& e : live) {
    if (e.code == nullptr || e.code->index.size() != e.code->value.size()) {
      return SyntaxError("a live entry has no code, or indices and values of unequal length");
    }
  }
  ENGRAM_RETURN_IF_ERROR(PrepareRead());
  ReadScores out;
  out.dots.assign(live.size(), 0.0);
  if (impl_->cache_zero) return out;
  try {
    const auto sk = static_cast<std::size_t>(impl_->options.slots);
    std::vector<double> g, x;
    impl_->Solve(query, g, x);
    std::vector<double> zr(static_cast<std::size_t>(c_dim));
    const double* bt = impl_->bt.data();
    at::parallel_for(0, c_dim, Grain(impl_->options.slots), [&](std::int64_t c0, std::int64_t c1) {
      for (auto c = static_cast<std::size_t>(c0); c < static_cast<std::size_t>(c1); ++c) {
        zr[c] = Dot(bt + c * sk, x.data(), sk);
      }
    });
    for (std::size_t e = 0; e < live.size(); ++e) {
      const SparseCode& z = *live[e].code;
      double dot = 0.0;
      for (std::size_t j = 0; j < z.index.size(); ++j) {
        if (z.index[j] >= zr.size()) return SyntaxError("a live code has an index beyond C");
        dot += zr[z.index[j]] * z.value[j];
      }
      out.dots[e] = dot;
    }
    out.norm = std::sqrt(Dot(zr.data(), zr.data(), zr.size()));
    return out;
  } catch (const std::exception& e) {
    return internal::FromException(e, "the factored read failed");
  }
}

Result<ReadScores> FactoredMemory::ReadScoresGram(const SparseCode& query,
                                                  std::span<const EpisodeRow> live,
                                                  const MatrixView& gram) {
  const std::int64_t k_dim = impl_->options.slots;
  ENGRAM_RETURN_IF_ERROR(CheckCode(query, impl_->options.code_width, "the query"));
  const auto n = static_cast<std::int64_t>(live.size());
  for (const EpisodeRow& e : live) {
    if (static_cast<std::int64_t>(e.address.size()) != k_dim) {
      return SyntaxError("a live address has " + std::to_string(e.address.size()) +
                         " values, the memory expects K = " + std::to_string(k_dim));
    }
  }
  if (gram.rows != n || gram.cols != n || static_cast<std::int64_t>(gram.data.size()) != n * n) {
    return SyntaxError("the Gram matrix is " + std::to_string(gram.rows) + " x " +
                       std::to_string(gram.cols) + ", expected N x N for N = " + std::to_string(n));
  }
  ENGRAM_RETURN_IF_ERROR(PrepareRead());
  ReadScores out;
  out.dots.assign(live.size(), 0.0);
  if (impl_->cache_zero || n == 0) return out;
  try {
    const auto sk = static_cast<std::size_t>(k_dim);
    const auto sn = static_cast<std::size_t>(n);
    std::vector<double> g, x;
    impl_->Solve(query, g, x);
    // y = W·x, then dots = yᵀ·Gram with threads splitting the columns (each sums f in order).
    std::vector<double> y(sn);
    at::parallel_for(0, n, Grain(k_dim), [&](std::int64_t f0, std::int64_t f1) {
      for (auto f = static_cast<std::size_t>(f0); f < static_cast<std::size_t>(f1); ++f) {
        y[f] = Dot(live[f].address.data(), x.data(), sk);
      }
    });
    const double* gd = gram.data.data();
    at::parallel_for(0, n, Grain(n), [&](std::int64_t e0, std::int64_t e1) {
      for (std::size_t f = 0; f < sn; ++f) {
        AddScaled(out.dots.data() + e0, gd + f * sn + e0, y[f], static_cast<std::size_t>(e1 - e0));
      }
    });
    // ‖z_r‖² = xᵀQx = xᵀ(Q + εI)x − ε·xᵀx = xᵀg − ε·xᵀx: O(K) instead of a pass over Q.
    const double norm2 =
        Dot(x.data(), g.data(), sk) - impl_->cache_eps * Dot(x.data(), x.data(), sk);
    out.norm = std::sqrt(std::max(0.0, norm2));
    return out;
  } catch (const std::exception& e) {
    return internal::FromException(e, "the factored read failed");
  }
}

Result<Materialized> FactoredMemory::Materialize() const {
  const FactoredOptions& options = impl_->options;
  try {
    c10::InferenceMode guard;
    at::Tensor a = MirroredTensor(impl_->s, options.slots);
    a.diagonal().add_(options.ridge);
    auto [factor, info] = at::linalg_cholesky_ex(a);
    if (info.item<int>() != 0) {
      return ComputeError(
          "λI + WᵀW is not positive definite (λ = " + std::to_string(options.ridge) + ")");
    }
    at::Tensor p = at::cholesky_inverse(factor);
    p = p.add(p.t()).mul_(0.5);
    const at::Tensor bt = at::from_blob(const_cast<double*>(impl_->bt.data()),
                                        {options.code_width, options.slots}, at::kDouble);
    const at::Tensor m = at::cholesky_solve(bt.t().contiguous(), factor);
    return Materialized{internal::ToMatrix(m), internal::ToMatrix(p)};
  } catch (const std::exception& e) {
    return internal::FromException(e, "materialising the factored memory failed");
  }
}

Matrix FactoredMemory::CodeGram(std::span<const EpisodeRow> rows, std::int64_t code_width) {
  const std::size_t n = rows.size();
  Matrix gram = Matrix::Zeros(static_cast<std::int64_t>(n), static_cast<std::int64_t>(n));
  std::vector<double> dense(static_cast<std::size_t>(code_width), 0.0);
  for (std::size_t e = 0; e < n; ++e) {
    const SparseCode& ze = *rows[e].code;
    for (std::size_t j = 0; j < ze.index.size(); ++j) dense[ze.index[j]] = ze.value[j];
    for (std::size_t f = 0; f <= e; ++f) {
      const SparseCode& zf = *rows[f].code;
      double dot = 0.0;
      for (std::size_t j = 0; j < zf.index.size(); ++j) dot += zf.value[j] * dense[zf.index[j]];
      gram.data[e * n + f] = gram.data[f * n + e] = dot;
    }
    for (const std::uint32_t i : ze.index) dense[i] = 0.0;
  }
  return gram;
}

std::int64_t FactoredMemory::slots() const {
  return impl_->options.slots;
}
std::int64_t FactoredMemory::code_width() const {
  return impl_->options.code_width;
}
std::int64_t FactoredMemory::rows() const {
  return impl_->rows;
}
std::uint64_t FactoredMemory::version() const {
  return impl_->version;
}

Matrix FactoredMemory::b_transposed() const {
  return Matrix{impl_->options.code_width, impl_->options.slots, impl_->bt};
}
Matrix FactoredMemory::address_gram() const {
  return MirroredMatrix(impl_->s, impl_->options.slots);
}
Matrix FactoredMemory::code_gram() const {
  return MirroredMatrix(impl_->q, impl_->options.slots);
}

}  // namespace engram::compute::episodic
