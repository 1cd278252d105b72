// The numerical core of the episodic memory (Larimar, arXiv 2403.11901; shared/docs/
// mechanisms.md §1): a memory matrix M (K x C) written and forgotten exactly, and read by
// projection. No protocol, storage or executor here; this is the math, in float64.
//
// State. Over the episodes currently written, (Z_e, W_e) with codes Z_e (N_e x C) and addresses
// W_e = Z_e · pinv(M_ref) (N_e x K), with Z_all, W_all their row-wise concatenation:
//
//   P = (λI + W_allᵀ W_all)^{-1}                       (K x K, symmetric positive definite)
//   M = P W_allᵀ Z_all = argmin_M ||Z_all − W_all M||²_F + λ||M||²_F   (ridge least squares)
//
// with M_0 = 0, P_0 = I/λ for the empty memory. λ > 0 keeps P defined while fewer than K
// independent address rows are written (plain least squares would need (WᵀW)^{-1}); as λ -> 0
// M tends to the paper's pinv(W_all) Z_all.
//
// Update(Z, W, α), α = +1 writes the episode, α = −1 forgets the SAME (Z, W) exactly. With
// P'^{-1} = P^{-1} + α WᵀW, Woodbury gives (α^{-1} = α for α = ±1)
//
//   S  = αI_N + W P Wᵀ                  (N x N; α S = I + α W P Wᵀ is positive definite
//                                         exactly when P' is, checked by its Cholesky)
//   G  = P Wᵀ S^{-1}                    (K x N, the gain; uses the OLD P)
//   P' = P − G (P Wᵀ)ᵀ  = P − α V Vᵀ,  V = P Wᵀ L^{-T}, α S = L Lᵀ
//   M' = M + G (Z − W M)
//
// and M' is again the ridge solution: M' = P'(P^{-1} M + α WᵀZ) = P'(P'^{-1} − α WᵀW) M +
// α P' WᵀZ = M + α P' Wᵀ (Z − W M), and α P' Wᵀ = α(P Wᵀ − G W P Wᵀ) = α G (S − W P Wᵀ) = G.
// (This is the paper's Eq. 3–6 in covariance / Kalman form; the paper's C_i is P^{-1}.)
//
// The update is written as plain loops over the tensors' float64 storage, partitioned over
// output rows/columns with at::parallel_for: every output element is computed by one thread in
// a fixed order (no reduction is split), so M and P are bit-identical for every thread count,
// on every x86-64 CPU and with every BLAS — the journal can be replayed anywhere. These files
// are compiled with -ffp-contract=off.
//
// Read(Zq): W_q = Zq · pinv(M), readout Z_r = W_q · M, i.e. the orthogonal projection of Zq onto
// the row space of M (= span of the written codes while their addresses are independent).
// pinv(M) is the minimum-norm solve through the K x K Gram matrix with a tiny ridge,
//   pinv_ε(M) = Mᵀ (M Mᵀ + εI)^{-1},   ε = 1e-10 · max_k (M Mᵀ)_kk,
// i.e. Tikhonov filtering σ²/(σ² + ε) of M's singular values (σ_max²/K <= max diag <= σ_max²):
// singular values above 1e-3 σ_max pass unchanged to 1e-4, those at or below ~1e-5 σ_max
// (rounding noise of the zero singular values of a rank-deficient M) are suppressed, and ε keeps
// the Cholesky factorisation of M Mᵀ + εI positive definite even though M Mᵀ is singular
// whenever fewer than K rows are written (measured: readout vs the exact projection 9e-11). This
// costs K²C + K³/3 flops once per memory version (the Cholesky factor is cached until the next
// update) against an SVD's ~4K²C + 8K³, and unlike linalg_pinv's hard rcond cut it is
// continuous in M. A read after an update pays the rebuild; cached reads cost ~2 N_q K C.
// Iterative reading (iterations > 1) feeds Z_r back as the query.
//
// The read path uses LibTorch (BLAS) and is not bit-identical across OpenBLAS thread counts or
// CPU kernels (measured: it is across at::set_num_threads, which OpenBLAS ignores); it never
// feeds back into M or P.
//
// Errors are values: SYNTAX for malformed arguments (shape mismatch, non-finite values, α not
// ±1), LIMIT for shapes beyond the configured limits or exhausted memory, COMPUTE when LibTorch
// throws, INTERNAL when a forget would leave P indefinite (the episode was not written, or not
// with these bits). A failed call leaves the state unchanged.
//
// Not thread-safe: one object is used by one thread at a time (Read fills a cache).
#ifndef ENGRAM_COMPUTE_EPISODIC_EPISODIC_MEMORY_H_
#define ENGRAM_COMPUTE_EPISODIC_EPISODIC_MEMORY_H_

#include <cstdint>
#include <memory>

#include "compute/episodic/matrix.h"
#include "engram/status.h"

namespace engram::compute::episodic {

struct EpisodicOptions {
  std::int64_t slots = 512;       // K
  std::int64_t code_width = 768;  // C
  double ridge = 1e-3;            // λ
  EpisodicLimits limits;
};

// The result of a read: the addresses W_q (N_q x K) and the readout Z_r (N_q x C) of the last
// iteration.
struct Readout {
  Matrix addresses;
  Matrix codes;
};

class EpisodicMemory {
 public:
  // The empty memory: M = 0, P = I/λ.
  // Errors: SYNTAX (slots or code_width < 1, ridge not finite and > 0), LIMIT (beyond limits
  // or out of memory), COMPUTE.
  static Result<EpisodicMemory> Create(const EpisodicOptions& options);

  // The batch ridge solution over all rows at once (for tests and as a baseline):
  // P = (λI + WᵀW)^{-1}, M = P WᵀZ via a Cholesky factorisation of λI + WᵀW (LibTorch).
  // Errors: as Create, plus SYNTAX for malformed Z/W and LIMIT beyond max_batch_rows.
  static Result<EpisodicMemory> FromEpisodes(const EpisodicOptions& options, const MatrixView& z,
                                             const MatrixView& w);

  // A memory restored from a checkpoint: M (K x C), P (K x K) and the row count of the memory
  // they were taken from (memory() and covariance() of that memory, and its rows()). The
  // restored memory holds the same bits, so its next Update and Read give the same bits as the
  // original's would (the read cache is rebuilt from M).
  // Errors: as Create, plus SYNTAX for shapes other than K x C and K x K, non-finite values, a
  // P that is not bitwise symmetric, or rows < 0.
  static Result<EpisodicMemory> Restore(const EpisodicOptions& options, const MatrixView& m,
                                        const MatrixView& p, std::int64_t rows);

  EpisodicMemory(EpisodicMemory&&) noexcept;
  EpisodicMemory& operator=(EpisodicMemory&&) noexcept;
  ~EpisodicMemory();

  // A deep copy (M, P and counters; not the read cache).
  Result<EpisodicMemory> Clone() const;

  // Writes (alpha = +1) or forgets (alpha = -1) the episode Z (N x C) with addresses W (N x K).
  // Errors: see the header comment; the state is unchanged on error.
  Status Update(const MatrixView& z, const MatrixView& w, int alpha);
  Status Write(const MatrixView& z, const MatrixView& w) { return Update(z, w, +1); }
  Status Forget(const MatrixView& z, const MatrixView& w) { return Update(z, w, -1); }

  // Reads the queries Zq (N_q x C); `iterations` >= 1.
  // Errors: SYNTAX (malformed Zq, iterations < 1), LIMIT (N_q or iterations beyond limits),
  // COMPUTE.
  Result<Readout> Read(const MatrixView& zq, int iterations = 1);

  std::int64_t slots() const;       // K
  std::int64_t code_width() const;  // C
  double ridge() const;             // λ
  // Rows written minus rows forgotten.
  std::int64_t rows() const;
  // Number of successful updates since creation; a read cache is valid for one version.
  std::uint64_t version() const;

  Matrix memory() const;      // M, K x C
  Matrix covariance() const;  // P, K x K

 private:
  struct Impl;
  explicit EpisodicMemory(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram::compute::episodic

#endif  // ENGRAM_COMPUTE_EPISODIC_EPISODIC_MEMORY_H_
