// FactoredMemory: a prototype of the episodic memory's low-latency form (docs/episodic.md §8
// "Latency"). It holds the same memory as EpisodicMemory — the ridge solution M = P·B with
// P = (λI + S)^{-1}, S = WᵀW and B = WᵀZ over the rows written — but never the dense M: writes
// touch B only at the code's non-zeros, and reads never pass over M. Not wired into the engine.
//
// Why reads need no M. EpisodicMemory's readout z_q·pinv(M)·M is the orthogonal projection of
// z_q onto rowspace(M); M = P·B with P positive definite, so rowspace(M) = rowspace(B) and
//
//   z_r = z_q·Bᵀ·(B·Bᵀ)^{-1}·B = xᵀ·B,   x = (Q + εI)^{-1}·g,   g = B·z_qᵀ,   Q = B·Bᵀ (K x K)
//
// with ε = 1e-10 · max_k Q_kk as EpisodicMemory puts on M·Mᵀ (Q is singular while fewer than K
// independent rows are written; ε filters B's singular values σ²/(σ² + ε) where EpisodicMemory
// filters M's, so readouts agree to the filtering's ~1e-10, not bitwise). P does not enter.
// g needs only the rows of Bᵀ at the query's non-zeros. Scores against the live entries:
//   (1) dense:  z_r = Bᵀ·x (one pass over the C x K matrix Bᵀ), then sparse dots with each code;
//   (2) Gram:   ⟨z_r, z_e⟩ = xᵀ·B·z_eᵀ = Σ_f (w_f·x)·(z_f·z_e), i.e. (W·x)ᵀ·Gram over the live
//               set, which must then be exactly the rows written (the caller keeps the codes'
//               Gram matrix, one sparse row per write); ‖z_r‖² = xᵀQx = xᵀg − ε·xᵀx.
//
// State, float64: Bt = Bᵀ (C x K, row c = Σ_f z_f[c]·w_f), S and Q (K x K, symmetric; only the
// lower triangle is updated — the upper one is mirrored when a matrix is handed out or factored,
// so every matrix handed out is bitwise symmetric). A row (z, w), written, with a = B_old·zᵀ and
// s = z·z:  B_new = B_old + wᵀz, so
//   Q += w⊗a + a⊗w + s·w⊗w,   S += w⊗w,
// and forgotten (B_new = B_old − wᵀz; B_old·zᵀ = a gives B_new·zᵀ = a − s·w, and
// Q_new = Q_old − w⊗(a − s·w) − (a − s·w)⊗w − s·w⊗w):
//   Q −= w⊗a + a⊗w − s·w⊗w,   S −= w⊗w.
// Element (i, j) of the rank-2 term is (w_i·a_j + a_i·w_j) + s·(w_i·w_j), whose IEEE value is
// the same for (j, i) (products and a single addition commute). An episode is applied row by
// row in order. Cost per row: O(K·nnz) for a and Bt, K² for the triangles of S and Q.
//
// Determinism: the state is updated by own loops in a fixed order; at::parallel_for splits
// output elements, never a sum, and the file is compiled with -ffp-contract=off, so Bt, S and Q
// are bit-identical for every thread count and CPU. The read cache (the Cholesky factor of
// Q + εI) and Materialize use LibTorch/LAPACK, like EpisodicMemory's read path.
//
// Errors are values: SYNTAX for malformed arguments (index out of range or not ascending,
// lengths that differ, non-finite values), LIMIT beyond the configured limits, COMPUTE when
// LibTorch fails. A failed Write/Forget leaves the state unchanged. Forget does not check that
// the rows were written (the caller's live set knows; S would otherwise need a factorisation).
//
// Not thread-safe: one object is used by one thread at a time (reads fill a cache).
#ifndef ENGRAM_COMPUTE_EPISODIC_FACTORED_MEMORY_H_
#define ENGRAM_COMPUTE_EPISODIC_FACTORED_MEMORY_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "compute/episodic/matrix.h"
#include "compute/episodic/ngram_encoder.h"
#include "engram/status.h"

namespace engram::compute::episodic {

struct FactoredOptions {
  std::int64_t slots = 768;        // K
  std::int64_t code_width = 4096;  // C
  double ridge = 1e-3;             // λ
  EpisodicLimits limits;
};

// One row of an episode, or one live entry: its sparse code z and its address w (K values).
// Both are borrowed for the duration of the call.
struct EpisodeRow {
  const SparseCode* code = nullptr;
  std::span<const double> address;
};

// The readout of one query against the live entries: dots[e] = ⟨z_r, z_e⟩ in the order of the
// entries given, and norm = ‖z_r‖ (0 for an empty memory).
struct ReadScores {
  std::vector<double> dots;
  double norm = 0.0;
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

  FactoredMemory(FactoredMemory&&) noexcept;
  FactoredMemory& operator=(FactoredMemory&&) noexcept;
  ~FactoredMemory();

  // Writes / forgets the rows in order. Errors: see the header comment.
  Status Write(std::span<const EpisodeRow> rows);
  Status Forget(std::span<const EpisodeRow> rows);

  // Builds the read cache (Cholesky factor of Q + εI) when it is stale; RebuildReadCache always
  // rebuilds it (for benchmarks). Errors: COMPUTE.
  Status PrepareRead();
  Status RebuildReadCache();

  // Method (1): z_r = Bᵀ·x densely, then sparse dots with the live codes (any set of codes).
  // Errors: SYNTAX (malformed query or live code), COMPUTE.
  Result<ReadScores> ReadScoresDense(const SparseCode& query, std::span<const EpisodeRow> live);
  // Method (2): through the live entries' addresses and their codes' Gram matrix (N x N,
  // gram(f, e) = z_f·z_e, e.g. from CodeGram). `live` must be exactly the rows written.
  // Errors: SYNTAX (malformed query, address or Gram shape), COMPUTE.
  Result<ReadScores> ReadScoresGram(const SparseCode& query, std::span<const EpisodeRow> live,
                                    const MatrixView& gram);

  // P = (λI + S)^{-1} and M = P·B (LibTorch Cholesky). Errors: COMPUTE, LIMIT.
  Result<Materialized> Materialize() const;

  // Gram(f, e) = z_f·z_e of the codes of `rows` (N x N, bitwise symmetric).
  static Matrix CodeGram(std::span<const EpisodeRow> rows, std::int64_t code_width);

  std::int64_t slots() const;       // K
  std::int64_t code_width() const;  // C
  std::int64_t rows() const;        // rows written minus rows forgotten
  std::uint64_t version() const;    // successful Write/Forget calls

  Matrix b_transposed() const;  // Bᵀ, C x K
  Matrix address_gram() const;  // S = WᵀW, K x K
  Matrix code_gram() const;     // Q = B·Bᵀ, K x K

 private:
  struct Impl;
  explicit FactoredMemory(std::unique_ptr<Impl> impl);
  Status Update(std::span<const EpisodeRow> rows, int alpha);
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram::compute::episodic

#endif  // ENGRAM_COMPUTE_EPISODIC_FACTORED_MEMORY_H_
