#include "compute/episodic/factored_memory.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "compute/episodic/torch_support.h"

namespace engram::compute::episodic {
namespace {

using internal::AddScaled;

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
  // Bᵀ rounded to float32 for the read's one pass over it (z_r = Bᵀ·x): half the bytes of the
  // pass that dominates a read; rows are refreshed whenever Bᵀ's change.
  std::vector<float> bt_read;
  std::vector<double> s;  // K x K, lower triangle maintained
  std::vector<double> q;  // K x K, lower triangle maintained
  std::int64_t rows = 0;
  std::uint64_t version = 0;
  // The read factor while rows > K (see the header), and the row updates since it was computed.
  std::optional<ReadFactor> factor;
  std::uint32_t factor_updates = 0;
  // While rows <= K: a factor computed for Readout at `on_demand_version` (not part of the
  // state: the regular read path never uses it).
  std::optional<ReadFactor> on_demand;
  std::uint64_t on_demand_version = 0;

  bool NeedsFactor() const { return rows > options.slots; }
  // z_r = Bᵀ·(Q + εI)^{-1}·B·z_qᵀ through `f`, into `out` (C values).
  void ProjectThrough(const ReadFactor& f, const SparseCode& query, std::vector<double>& out) const;
  void RefreshReadRow(std::size_t c) {
    const auto sk = static_cast<std::size_t>(options.slots);
    std::copy(bt.begin() + static_cast<std::ptrdiff_t>(c * sk),
              bt.begin() + static_cast<std::ptrdiff_t>((c + 1) * sk),
              bt_read.begin() + static_cast<std::ptrdiff_t>(c * sk));
  }
  Status ComputeFactor();
};

Status FactoredMemory::Impl::ComputeFactor() {
  factor.reset();
  factor_updates = 0;
  if (!NeedsFactor()) return Status::Ok();
  ENGRAM_ASSIGN_OR_RETURN(ReadFactor computed, ReadFactor::Factor(q, options.slots));
  factor.emplace(std::move(computed));
  return Status::Ok();
}

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
    impl->bt_read.assign(impl->bt.size(), 0.0f);
    impl->s.assign(k * k, 0.0);
    impl->q.assign(k * k, 0.0);
    return FactoredMemory(std::move(impl));
  } catch (const std::exception& e) {
    return internal::FromException(e, "creating the factored memory failed");
  }
}

Result<FactoredMemory> FactoredMemory::Restore(const FactoredOptions& options, const MatrixView& bt,
                                               const MatrixView& s, const MatrixView& q,
                                               std::int64_t rows) {
  const std::int64_t k = options.slots, c = options.code_width;
  if (bt.rows != c || bt.cols != k || s.rows != k || s.cols != k || q.rows != k || q.cols != k) {
    return SyntaxError("a checkpoint of Bᵀ " + std::to_string(bt.rows) + " x " +
                       std::to_string(bt.cols) + ", S " + std::to_string(s.rows) + " x " +
                       std::to_string(s.cols) + " and Q " + std::to_string(q.rows) + " x " +
                       std::to_string(q.cols) + " does not fit K = " + std::to_string(k) +
                       ", C = " + std::to_string(c));
  }
  if (rows < 0) return SyntaxError("a checkpoint's row count must be >= 0");
  ENGRAM_RETURN_IF_ERROR(CheckMatrix(bt, "the checkpoint's Bᵀ"));
  ENGRAM_RETURN_IF_ERROR(CheckMatrix(s, "the checkpoint's S"));
  ENGRAM_RETURN_IF_ERROR(CheckMatrix(q, "the checkpoint's Q"));
  const auto sk = static_cast<std::size_t>(k);
  for (const auto& [view, name] : {std::pair{&s, "S"}, std::pair{&q, "Q"}}) {
    for (std::size_t i = 0; i < sk; ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (std::bit_cast<std::uint64_t>(view->data[i * sk + j]) !=
            std::bit_cast<std::uint64_t>(view->data[j * sk + i])) {
          return SyntaxError(std::string("the checkpoint's ") + name + " is not symmetric");
        }
      }
    }
  }
  ENGRAM_ASSIGN_OR_RETURN(FactoredMemory memory, Create(options));
  Impl& impl = *memory.impl_;
  std::copy(bt.data.begin(), bt.data.end(), impl.bt.begin());
  std::copy(bt.data.begin(), bt.data.end(), impl.bt_read.begin());
  std::copy(s.data.begin(), s.data.end(), impl.s.begin());
  std::copy(q.data.begin(), q.data.end(), impl.q.begin());
  impl.rows = rows;
  ENGRAM_RETURN_IF_ERROR(impl.ComputeFactor());
  return memory;
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
    std::vector<double> a(sk), p(sk);
    // The factor follows row by row when it exists and the update is small; otherwise it is
    // recomputed once at the end (when the memory then holds more than K rows).
    bool incremental = impl_->factor.has_value() && impl_->NeedsFactor() &&
                       rows.size() <= options.max_incremental_rows;
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
        for (auto i = static_cast<std::size_t>(p0); i < static_cast<std::size_t>(p1); ++i) {
          const std::size_t mirror = sk - 1 - i;
          RankTwoRow(q + i * sk, s + i * sk, w, a.data(), w[i], a[i], signed_s, sign, i + 1);
          if (mirror != i) {
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
              impl_->RefreshReadRow(z.index[j]);
            }
          });

      // The same change of Q, w⊗p + p⊗w with p = ±a + (s/2)·w, on the read factor.
      if (incremental) {
        const double half_s = 0.5 * zz;
        for (std::size_t i = 0; i < sk; ++i) p[i] = sign * a[i] + half_s * w[i];
        incremental = impl_->factor->RankTwo(row.address, p);
        ++impl_->factor_updates;
      }
    }
    impl_->rows += alpha * static_cast<std::int64_t>(rows.size());
    ++impl_->version;
    if (!impl_->NeedsFactor()) {
      impl_->factor.reset();
      impl_->factor_updates = 0;
    } else if (!incremental || impl_->factor_updates >= options.refactor_every) {
      // Q is already updated: a failed factorisation leaves the memory without a read factor
      // (Read reports COMPUTE; the next update tries again); the update itself stands.
      (void)impl_->ComputeFactor();
    }
    return Status::Ok();
  } catch (const std::exception& e) {
    return internal::FromException(e, "the factored update failed");
  }
}

Status FactoredMemory::Refactor() {
  return impl_->ComputeFactor();
}

Result<ReadProbe> FactoredMemory::Read(const SparseCode& query) const {
  const FactoredOptions& options = impl_->options;
  ENGRAM_RETURN_IF_ERROR(CheckCode(query, options.code_width, "the query"));
  ReadProbe probe;
  if (!impl_->NeedsFactor()) {
    probe.is_query = true;
    return probe;
  }
  if (!impl_->factor) return ComputeError("the memory has no read factor (a factorisation failed)");
  try {
    impl_->ProjectThrough(*impl_->factor, query, probe.values);
    return probe;
  } catch (const std::exception& e) {
    return internal::FromException(e, "the factored read failed");
  }
}

void FactoredMemory::Impl::ProjectThrough(const ReadFactor& f, const SparseCode& query,
                                          std::vector<double>& out) const {
  const auto sk = static_cast<std::size_t>(options.slots);
  // g = B·z_qᵀ from the rows of Bᵀ at the query's non-zeros; x = (Q + εI)^{-1}·g.
  std::vector<double> g(sk, 0.0), x(sk);
  for (std::size_t j = 0; j < query.index.size(); ++j) {
    AddScaled(g.data(), bt.data() + query.index[j] * sk, query.value[j], sk);
  }
  f.Solve(g, x);
  // z_r = Bᵀ·x: one pass over the float32 copy of Bᵀ (products and sums in float64; the
  // rounding of B costs ~1e-7 relative in a score), threads splitting its rows.
  const float* read_copy = bt_read.data();
  out.resize(static_cast<std::size_t>(options.code_width));
  at::parallel_for(
      0, options.code_width, Grain(options.slots), [&](std::int64_t c0, std::int64_t c1) {
        for (auto c = static_cast<std::size_t>(c0); c < static_cast<std::size_t>(c1); ++c) {
          out[c] = internal::DotProduct(read_copy + c * sk, x.data(), sk);
        }
      });
}

Result<std::vector<double>> FactoredMemory::Readout(const SparseCode& query) const {
  const FactoredOptions& options = impl_->options;
  ENGRAM_RETURN_IF_ERROR(CheckCode(query, options.code_width, "the query"));
  std::vector<double> out(static_cast<std::size_t>(options.code_width), 0.0);
  if (impl_->rows == 0) return out;
  const ReadFactor* f = nullptr;
  if (impl_->NeedsFactor()) {
    if (!impl_->factor) {
      return ComputeError("the memory has no read factor (a factorisation failed)");
    }
    f = &*impl_->factor;
  } else {
    if (!impl_->on_demand || impl_->on_demand_version != impl_->version) {
      impl_->on_demand.reset();
      ENGRAM_ASSIGN_OR_RETURN(ReadFactor computed, ReadFactor::Factor(impl_->q, options.slots));
      impl_->on_demand.emplace(std::move(computed));
      impl_->on_demand_version = impl_->version;
    }
    f = &*impl_->on_demand;
  }
  try {
    impl_->ProjectThrough(*f, query, out);
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

std::int64_t FactoredMemory::slots() const {
  return impl_->options.slots;
}
std::int64_t FactoredMemory::code_width() const {
  return impl_->options.code_width;
}
double FactoredMemory::ridge() const {
  return impl_->options.ridge;
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
const ReadFactor* FactoredMemory::read_factor() const {
  return impl_->factor ? &*impl_->factor : nullptr;
}
std::uint32_t FactoredMemory::factor_updates() const {
  return impl_->factor_updates;
}

}  // namespace engram::compute::episodic
