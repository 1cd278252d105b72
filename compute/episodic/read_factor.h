// ReadFactor: the read cache of the factored episodic memory (factored_memory.h) — the Cholesky
// factor of Q + εI, where Q = B·Bᵀ (K x K) spans the memory's row space. A read solves
// (Q + εI)·x = g with it; the factor follows every written or forgotten row by a rank-2
// modification in O(K²) instead of a new O(K³) factorisation.
//
// Layout: R = Lᵀ, upper triangular, row-major K x K (RᵀR = Q + εI). Row k of R is column k of
// L, so the column sweeps of the updates and both triangular solves read memory contiguously.
//
// ε = 1e-9 · max_k Q_kk is fixed when the factor is computed and kept by the updates (they
// modify Q, never ε). Q is singular while fewer than K independent rows are written; ε filters
// B's singular values σ²/(σ² + ε) — those above ~1e-3 σ_max pass unchanged to 1e-3 — and keeps
// every pivot positive. A factorisation that still meets a non-positive pivot is retried with ε
// × 100, twice.
//
// A row's change Q' = Q + w·pᵀ + p·wᵀ (factored_memory.h gives w and p) is indefinite; it is
// applied as one update and one downdate, Q' = Q + u·uᵀ − v·vᵀ with u, v = (t·w ± p/t)/√2 and
// t² = ‖p‖/‖w‖ (balanced, so neither vector dwarfs the other), in a single sweep over R: for
// each column the update rotation, then the downdate's hyperbolic rotation in its mixed
// (stable) form. The downdate fails — RankTwo returns false and the factor must be recomputed —
// when a pivot would not stay positive, which rounding can cause when Q + εI is very
// ill-conditioned. Rounding also accumulates over many updates; the owner recomputes the factor
// periodically (factored_memory.h says when).
//
// Determinism: everything is own loops over doubles in a fixed order (the factorisation is
// blocked and splits rows between threads, but every element subtracts its terms in ascending
// order, exactly as the unblocked algorithm would), compiled with -ffp-contract=off on the
// kernels of kernels.h: the factor, and so every read, is bit-identical for every thread count
// and x86-64 CPU.
//
// Thread-safety: none; the owner serialises. Factor and RankTwo are not const; Solve is.
#ifndef ENGRAM_COMPUTE_EPISODIC_READ_FACTOR_H_
#define ENGRAM_COMPUTE_EPISODIC_READ_FACTOR_H_

#include <cstdint>
#include <span>
#include <vector>

#include "engram/status.h"

namespace engram::compute::episodic {

class ReadFactor {
 public:
  // Factors Q + εI for the symmetric K x K matrix Q given by its lower triangle (row-major;
  // the upper triangle of `q_lower` is not read). A Q that is zero gives the zero factor
  // (zero() is true; every solve gives x = 0).
  // Errors: COMPUTE when no ε makes a pivot positive (Q not positive semi-definite), LIMIT out
  // of memory.
  static Result<ReadFactor> Factor(std::span<const double> q_lower, std::int64_t k);

  // Applies Q' = Q + w·pᵀ + p·wᵀ (K values each). Returns false when a downdate pivot would not
  // stay positive: the factor is then unusable and must be recomputed with Factor.
  bool RankTwo(std::span<const double> w, std::span<const double> p);

  // x = (Q + εI)^{-1}·g (K values each; x may not alias g).
  void Solve(std::span<const double> g, std::span<double> x) const;

  bool zero() const { return zero_; }
  double eps() const { return eps_; }
  std::int64_t slots() const { return k_; }
  // R, K x K row-major (upper triangle; the strictly lower part is 0). For tests.
  const std::vector<double>& upper() const { return r_; }

 private:
  std::int64_t k_ = 0;
  bool zero_ = true;
  double eps_ = 0.0;
  std::vector<double> r_;
};

}  // namespace engram::compute::episodic

#endif  // ENGRAM_COMPUTE_EPISODIC_READ_FACTOR_H_
