// Internal to compute/editing: the mapping of LibTorch exceptions to Status values and the
// tensor conversions the editing .cc files share. Includes ATen; only compute/editing/*.cc
// include this header (the public editing headers name no ATen type).
#ifndef ENGRAM_COMPUTE_EDITING_TORCH_SUPPORT_H_
#define ENGRAM_COMPUTE_EDITING_TORCH_SUPPORT_H_

#include <ATen/ATen.h>

#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <vector>

#include "engram/status.h"

namespace engram::compute::editing::internal {

// LIMIT for exhausted memory (std::bad_alloc, "out of memory" / "can't allocate" messages),
// COMPUTE otherwise; the message starts with `what`.
Status FromException(const std::exception& e, const std::string& what);

// Keeps the edit loop's allocations resident (once per process): the loop allocates and frees
// the same few hundred KiB tensors every step, which glibc by default returns to the system
// (mmap'ed chunks, heap trimming) and faults back in — measured 4x slower steps on this VM
// (docs/editing.md §4). Raises glibc's mmap and trim thresholds (M_MMAP_THRESHOLD 64 MiB,
// M_TRIM_THRESHOLD 256 MiB) for the whole process; a no-op elsewhere than glibc.
void KeepAllocationsResident();

// Runs LibTorch's intra-op parallel regions of the calling thread on one thread while alive, and
// restores the previous count after. With the OpenMP backend the count is the calling thread's
// (omp_set_num_threads sets a per-thread ICV), so other threads keep theirs. The edit loop and
// the routing activations run under it: a parallel reduction that splits its inputs by thread
// count changes the bits of a trained delta (measured: 1 vs 2 threads differ without it;
// docs/editing.md §5).
class SingleThreadScope {
 public:
  SingleThreadScope();
  ~SingleThreadScope();
  SingleThreadScope(const SingleThreadScope&) = delete;
  SingleThreadScope& operator=(const SingleThreadScope&) = delete;

 private:
  int previous_;
};

// An owned float32 CPU tensor of `shape` holding a copy of `data` (numel must match).
at::Tensor FloatTensor(std::span<const float> data, at::IntArrayRef shape);

// A contiguous float32 copy of `tensor`'s values, row-major.
std::vector<float> ToFloats(const at::Tensor& tensor);

}  // namespace engram::compute::editing::internal

#endif  // ENGRAM_COMPUTE_EDITING_TORCH_SUPPORT_H_
