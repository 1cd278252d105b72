// The fixed reference memory M_ref of the episodic memory (Larimar): the K x C matrix that turns
// a code z (1 x C) into its address w = z · pinv(M_ref) (1 x K). Addresses must be reproducible
// (a FORGET must present the same (z, w) as the WRITE), so M_ref is a pure function of
// (K, C, seed):
//
//   entry (k, c) = g_{k*C + c} / sqrt(C),   g_0, g_1, ... standard normal deviates from
//   splitmix64(seed) -> uniform doubles in (0, 1) -> Marsaglia's polar method, whose logarithm
//   is our own (frexp + an atanh series), so only IEEE-exact operations (+, -, *, /, sqrt and
//   bit manipulation) touch the bits: M_ref is bit-identical on every machine, compiler flag
//   set (contraction is switched off for these files) and LibTorch version. Torch's RNG is not
//   used.
//
// pinv(M_ref) (C x K) is computed in float64 as M_refᵀ (M_ref M_refᵀ)^{-1} with a Cholesky
// factorisation of the K x K Gram matrix, not an SVD: for K <= C the rows of a Gaussian M_ref
// are independent with probability 1 and M_ref M_refᵀ ≈ I with eigenvalues in the
// Marchenko–Pastur range [(1 - sqrt(K/C))², (1 + sqrt(K/C))²] — condition number ~34 for
// K = C/2, ~3 for K = C/8 — so squaring the condition number costs nothing measurable
// (relative error ~1e-14), and K³/3 + K²C flops beat an SVD's ~4K²C + 8K³ by about 5x. K > C is
// refused (the addresses would not be unique). pinv(M_ref) depends on the BLAS/LAPACK build, so
// the episode journal keeps each episode's w rather than recomputing it.
//
// Not thread-safe for concurrent mutation; the const accessors may be used from many threads.
#ifndef ENGRAM_COMPUTE_EPISODIC_REFERENCE_MEMORY_H_
#define ENGRAM_COMPUTE_EPISODIC_REFERENCE_MEMORY_H_

#include <cstdint>
#include <memory>
#include <span>

#include "compute/episodic/matrix.h"
#include "engram/status.h"

namespace engram::compute::episodic {

// Writes `out.size()` standard normal deviates of the generator described above (before the
// 1/sqrt(C) scaling). Pure C++, deterministic, exposed for tests.
void GaussianDeviates(std::uint64_t seed, std::span<double> out);

class ReferenceMemory {
 public:
  // Errors: SYNTAX (slots or code_width < 1, slots > code_width), LIMIT (beyond `limits` or
  // out of memory), COMPUTE (LibTorch failed, e.g. the Gram matrix was not positive definite).
  static Result<ReferenceMemory> Create(std::int64_t slots, std::int64_t code_width,
                                        std::uint64_t seed, const EpisodicLimits& limits = {});

  ReferenceMemory(ReferenceMemory&&) noexcept;
  ReferenceMemory& operator=(ReferenceMemory&&) noexcept;
  ~ReferenceMemory();

  std::int64_t slots() const;       // K
  std::int64_t code_width() const;  // C
  std::uint64_t seed() const;

  Matrix Values() const;         // M_ref, K x C
  Matrix PseudoInverse() const;  // pinv(M_ref), C x K

  // W = Z · pinv(M_ref) (N x K) for codes Z (N x C).
  // Errors: SYNTAX (malformed Z, wrong width), LIMIT (N beyond limits), COMPUTE.
  Result<Matrix> Addresses(const MatrixView& z) const;

 private:
  struct Impl;
  explicit ReferenceMemory(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram::compute::episodic

#endif  // ENGRAM_COMPUTE_EPISODIC_REFERENCE_MEMORY_H_
