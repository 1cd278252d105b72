// FactoredMemory: the episodic memory (Larimar, arXiv 2403.11901; shared/docs/mechanisms.md §1)
// in information form — the co-process's memory core. It holds the same memory as
// EpisodicMemory (the dense reference implementation, kept for tests and benchmarks): the ridge
// solution M = P·B over the rows written, with
//
//   S = WᵀW (K x K),  B = WᵀZ (K x C),  P = (λI + S)^{-1},  M = P·B,
//
// but keeps S and B — the sufficient statistics the paper's recursive update maintains as
// (C_i, C_i·M_i) — instead of M and P. A write adds a row's contribution and a forget subtracts
// the same bits, so forgetting is exact by construction (up to the summation order of the
// remaining rows: ~1e-16 relative), and a write touches B only at the code's non-zeros:
// O(K·nnz + K²) per row instead of EpisodicMemory's passes over the dense K x C matrix M.
// Materialize gives M and P when they are wanted (tests, export).
//
// Reading. The readout z_q·pinv(M)·M is the orthogonal projection of z_q onto rowspace(M);
// M = P·B with P positive definite, so rowspace(M) = rowspace(B). Two regimes:
//   rows <= K: for codes in general position (and for any codes with a generic reference
//     memory) rowspace(B) is the span of the written codes — the paper's "N <= K: a read is the
//     orthogonal projection of the query onto span{z_1..z_N}". The readout's inner product with
//     every written code then equals the query's own, ⟨z_r, z_e⟩ = ⟨z_q, z_e⟩: no linear algebra
//     is needed for the scores.
//   rows > K: rowspace(B) is a K-dimensional subspace of the codes' span (the memory is full and
//     compresses). z_r = xᵀ·B with (Q + εI)·x = g, g = B·z_qᵀ, Q = B·Bᵀ (K x K), ε as in
//     read_factor.h — the pseudo-inverse through the cached Cholesky factor of Q + εI.
// ReadProbe returns, for either regime, a dense vector whose inner product with any written
// code equals the readout's.
//
// The read factor (read_factor.h) is part of the state while rows > K: computed when rows first
// exceed K, by Refactor, by Restore, and after every `refactor_every` row updates; in between,
// each written or forgotten row modifies it in O(K²) (an update of more than
// `max_incremental_rows` rows, or a downdate that fails, recomputes it instead). Whether and how
// it is recomputed depends only on the sequence of updates since the last Restore/Refactor, so
// a state replayed from a checkpoint through the same updates has the same bits (the engine
// calls Refactor when it writes a checkpoint, and Restore factors). Dropped when rows <= K.
//
// State, float64: Bt = Bᵀ (C x K, row c = Σ_f z_f[c]·w_f), S and Q (K x K, symmetric; only the
// lower triangle is updated — the upper one is mirrored when a matrix is handed out, so every
// matrix handed out is bitwise symmetric). A row (z, w), written, with a = B_old·zᵀ and
// s = z·z:  B_new = B_old + wᵀz, so
//   Q += w⊗a + a⊗w + s·w⊗w,   S += w⊗w,
// and forgotten (B_new = B_old − wᵀz; B_old·zᵀ = a gives B_new·zᵀ = a − s·w):
//   Q −= w⊗a + a⊗w − s·w⊗w,   S −= w⊗w.
// Both are Q += w⊗p + p⊗w with p = ±a + (s/2)·w, the form the read factor takes.
// Element (i, j) of the rank-2 term is (w_i·a_j + a_i·w_j) + s·(w_i·w_j), whose IEEE value is
// the same for (j, i) (products and a single addition commute). An episode is applied row by
// row in order.
//
// Determinism: own loops in a fixed order (kernels.h); at::parallel_for splits output elements,
// never a sum, and the files are compiled with -ffp-contract=off, so Bt, S, Q, the read factor
// and every read are bit-identical for every thread count and x86-64 CPU. Materialize uses
// LibTorch/LAPACK (not bit-reproducible across BLAS builds; never fed back).
//
// Errors are values: SYNTAX for malformed arguments (index out of range or not ascending,
// lengths that differ, non-finite values, a checkpoint of the wrong shape or not symmetric),
// LIMIT beyond the configured limits or out of memory, COMPUTE when a factorisation fails. A
// failed Write/Forget leaves the state unchanged. Forget does not check that the rows were
// written (the caller's live set knows).
//
// Not thread-safe: one object is used by one thread at a time.
#ifndef ENGRAM_COMPUTE_EPISODIC_FACTORED_MEMORY_H_
#define ENGRAM_COMPUTE_EPISODIC_FACTORED_MEMORY_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "compute/episodic/matrix.h"
#include "compute/episodic/ngram_encoder.h"
#include "compute/episodic/read_factor.h"
#include "engram/status.h"

namespace engram::compute::episodic {

struct FactoredOptions {
  std::int64_t slots = 768;        // K
  std::int64_t code_width = 4096;  // C
  double ridge = 1e-3;             // λ (enters M and P only)
  // Row updates of the read factor between two factorisations: bounds accumulated rounding.
  std::uint32_t refactor_every = 128;
  // An update of more rows than this recomputes the read factor once instead of row by row.
  std::uint32_t max_incremental_rows = 32;
  EpisodicLimits limits;
};

// One row of an episode, or one live entry: its sparse code z and its address w (K values).
// Both are borrowed for the duration of the call.
struct EpisodeRow {
  const SparseCode* code = nullptr;
  std::span<const double> address;
};

// What a read gives: ⟨z_r, z⟩ = Σ_c z[c]·probe[c] for every written code z.
struct ReadProbe {
  // rows <= K: the probe is the query itself (`values` is empty; use the query's own values).
  bool is_query = false;
  std::vector<double> values;  // rows > K: the readout z_r (C values)
};

// M and P as EpisodicMemory's memory() and covariance() would hold them (to rounding).
struct Materialized {
  Matrix memory;      // M, K x C
  Matrix covariance;  // P, K x K
};

class FactoredMemory {
 public:
  // The empty memory. Errors: SYNTAX (slots or code_width < 1, ridge not finite and > 0),
  // LIMIT (beyond limits or out of memory).
  static Result<FactoredMemory> Create(const FactoredOptions& options);

  // A memory restored from a checkpoint: Bᵀ (C x K), S and Q (K x K, bitwise symmetric) as
  // b_transposed(), address_gram() and code_gram() of the memory they were taken from, and its
  // rows(). The restored memory holds the same bits; its read factor is computed afresh (as
  // Refactor does). Errors: as Create, plus SYNTAX for other shapes, non-finite values, an S or
  // Q that is not bitwise symmetric, rows < 0; COMPUTE when the factorisation fails.
  static Result<FactoredMemory> Restore(const FactoredOptions& options, const MatrixView& bt,
                                        const MatrixView& s, const MatrixView& q,
                                        std::int64_t rows);

  FactoredMemory(FactoredMemory&&) noexcept;
  FactoredMemory& operator=(FactoredMemory&&) noexcept;
  ~FactoredMemory();

  // Writes / forgets the rows in order. Errors: see the header comment.
  Status Write(std::span<const EpisodeRow> rows);
  Status Forget(std::span<const EpisodeRow> rows);

  // Recomputes the read factor now when rows > K (a checkpoint's state must be the one Restore
  // makes). Errors: COMPUTE, LIMIT.
  Status Refactor();

  // The readout's probe for `query` (see ReadProbe). Errors: SYNTAX (malformed query), LIMIT,
  // COMPUTE (no read factor: its factorisation failed).
  Result<ReadProbe> Read(const SparseCode& query) const;

  // The readout z_r = z_q·pinv(M)·M itself (C values; zeros for an empty memory), whatever the
  // regime. While rows <= K this needs a read factor too: it is computed on first use from Q
  // (bit-deterministic, like every factor) and kept until the next update. The hierarchical
  // read of several memories, which combines their readouts, uses it. Errors: as Read.
  Result<std::vector<double>> Readout(const SparseCode& query) const;

  // P = (λI + S)^{-1} and M = P·B (LibTorch Cholesky). Errors: COMPUTE, LIMIT.
  Result<Materialized> Materialize() const;

  std::int64_t slots() const;       // K
  std::int64_t code_width() const;  // C
  double ridge() const;             // λ
  std::int64_t rows() const;        // rows written minus rows forgotten
  std::uint64_t version() const;    // successful Write/Forget calls

  Matrix b_transposed() const;  // Bᵀ, C x K
  Matrix address_gram() const;  // S = WᵀW, K x K
  Matrix code_gram() const;     // Q = B·Bᵀ, K x K
  // The read factor (nullptr while rows <= K) and the row updates it took since it was last
  // computed. For tests and statistics.
  const ReadFactor* read_factor() const;
  std::uint32_t factor_updates() const;

 private:
  struct Impl;
  explicit FactoredMemory(std::unique_ptr<Impl> impl);
  Status Update(std::span<const EpisodeRow> rows, int alpha);
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram::compute::episodic

#endif  // ENGRAM_COMPUTE_EPISODIC_FACTORED_MEMORY_H_
