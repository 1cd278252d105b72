// Internal to compute/episodic: conversions between the torch-free Matrix types and float64 CPU
// tensors, and the mapping of LibTorch exceptions to Status values. Includes ATen; only the
// episodic .cc files include this header.
#ifndef ENGRAM_COMPUTE_EPISODIC_TORCH_SUPPORT_H_
#define ENGRAM_COMPUTE_EPISODIC_TORCH_SUPPORT_H_

#include <ATen/ATen.h>

#include <exception>
#include <string>

#include "compute/episodic/kernels.h"
#include "compute/episodic/matrix.h"
#include "engram/status.h"

namespace engram::compute::episodic::internal {

// An owned float64 CPU tensor (rows x cols) holding a copy of `view`.
at::Tensor ToTensor(const MatrixView& view);

// A row-major copy of a 2-D tensor (converted to contiguous float64 on the CPU first).
Matrix ToMatrix(const at::Tensor& tensor);

// a · b for 2-D tensors; when a has few rows, one matrix-vector product per row (BLAS gemm with
// m = 1 packs all of b, which costs several passes over a 64 MiB memory matrix).
at::Tensor MatMul(const at::Tensor& a, const at::Tensor& b);

// The read path's factorisation of a singular-or-nearly Gram matrix G (K x K, symmetric positive
// semi-definite): the lower Cholesky factor of G + εI with ε = 1e-10 · max_k G_kk, retried with
// ε × 100 up to twice when a pivot is still not positive. `zero` when G = 0 (every readout is
// then 0; no factor). Modifies `gram` (adds ε to its diagonal). Errors: COMPUTE (`what` names
// the matrix) when no retry helps.
struct RidgeFactor {
  bool zero = false;
  at::Tensor factor;
  double eps = 0;
};
Result<RidgeFactor> RidgeCholesky(at::Tensor& gram, const char* what);

// LIMIT for exhausted memory (std::bad_alloc, "out of memory" / "can't allocate" messages),
// COMPUTE otherwise.
Status FromException(const std::exception& e, const std::string& what);

// LIMIT / SYNTAX checks of a dimension against a configured limit.
Status CheckDimension(std::int64_t value, std::int64_t limit, const char* what);

}  // namespace engram::compute::episodic::internal

#endif  // ENGRAM_COMPUTE_EPISODIC_TORCH_SUPPORT_H_
