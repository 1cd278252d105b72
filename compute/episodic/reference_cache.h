// The pseudo-inverses of the reference memories the co-process serves (one per (K, C, seed);
// creating one costs a Gaussian matrix, a Gram product and a Cholesky factorisation), and the
// addresses of sparse codes through them.
//
// Addresses are computed from the sparse code, not by a dense BLAS product: an n-gram code has
// a few hundred non-zeros out of C = 4096, so w = Σ_j z_j · pinv(M_ref)[j, :] costs ~1 % of
// Z · pinv(M_ref), and its bits depend on the code and pinv alone (fixed summation order, no
// contraction: this file is compiled with -ffp-contract=off), not on the batch it is part of.
//
// Not thread-safe: the episodic engine calls it under its own mutex.
#ifndef ENGRAM_COMPUTE_EPISODIC_REFERENCE_CACHE_H_
#define ENGRAM_COMPUTE_EPISODIC_REFERENCE_CACHE_H_

#include <cstdint>
#include <list>
#include <memory>
#include <vector>

#include "compute/episodic/matrix.h"
#include "compute/episodic/ngram_encoder.h"
#include "engram/status.h"

namespace engram::compute::episodic {

// w (K values) = code · pinv, pinv C x K. Every index of `code` must be < pinv.rows.
std::vector<double> SparseAddress(const Matrix& pinv, const SparseCode& code);

class ReferenceCache {
 public:
  explicit ReferenceCache(std::size_t max_entries) : max_entries_(max_entries) {}

  // pinv(M_ref) (C x K) for (slots, code_width, seed), created on first use.
  // Errors: those of ReferenceMemory::Create.
  Result<std::shared_ptr<const Matrix>> PseudoInverse(std::int64_t slots, std::int64_t code_width,
                                                      std::uint64_t seed);

 private:
  struct Entry {
    std::int64_t slots;
    std::int64_t code_width;
    std::uint64_t seed;
    std::shared_ptr<const Matrix> pinv;
  };
  std::size_t max_entries_;
  std::list<Entry> entries_;  // front = most recently used
};

}  // namespace engram::compute::episodic

#endif  // ENGRAM_COMPUTE_EPISODIC_REFERENCE_CACHE_H_
