// The bounded per-query lists of the scan kernels, aligned buffers and the kernel choice.
// Compiled for the baseline instruction set: the kernels call Offer out of line (it runs only
// for the few candidates that beat a threshold).
#include <algorithm>
#include <atomic>
#include <limits>
#include <new>

#include "compute/context/chunk_search_kernels.h"

namespace engram::compute::context::internal {

void AlignedDelete::operator()(float* p) const {
  ::operator delete[](p, std::align_val_t{64});
}

AlignedFloats AllocateFloats(std::int64_t count) {
  const auto n = static_cast<std::size_t>(std::max<std::int64_t>(count, 1));
  return AlignedFloats(
      static_cast<float*>(::operator new[](n * sizeof(float), std::align_val_t{64})));
}

TopKLists::TopKLists(std::int64_t queries, std::int64_t k)
    : k_(k),
      entries_(static_cast<std::size_t>(queries * k)),
      sizes_(static_cast<std::size_t>(queries), 0) {
  const std::int64_t padded = (queries + kTileLanes - 1) / kTileLanes * kTileLanes;
  thresholds_ = AllocateFloats(padded);
  std::fill_n(thresholds_.get(), queries, -std::numeric_limits<float>::infinity());
  std::fill(thresholds_.get() + queries, thresholds_.get() + padded,
            std::numeric_limits<float>::infinity());
}

namespace {

// Heap order: the worst entry on top, so a node is never better than its children.
bool Worse(const ChunkHit& a, const ChunkHit& b) {
  return Better(b, a);
}

}  // namespace

void TopKLists::Offer(std::int64_t query, float score, std::int64_t chunk) {
  ChunkHit* heap = entries_.data() + query * k_;
  std::int64_t& size = sizes_[static_cast<std::size_t>(query)];
  const ChunkHit hit{score, chunk};
  if (size < k_) {
    // Sift up from the new leaf.
    std::int64_t i = size++;
    while (i > 0) {
      const std::int64_t parent = (i - 1) / 2;
      if (!Worse(hit, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = hit;
    if (size == k_) thresholds_[query] = heap[0].score;
    return;
  }
  // Candidates arrive in ascending chunk order, so only a strictly higher score is better.
  if (!(score > heap[0].score)) return;
  // Replace the top and sift down.
  std::int64_t i = 0;
  for (;;) {
    const std::int64_t left = 2 * i + 1;
    if (left >= k_) break;
    std::int64_t child = left;
    if (left + 1 < k_ && Worse(heap[left + 1], heap[left])) child = left + 1;
    if (!Worse(heap[child], hit)) break;
    heap[i] = heap[child];
    i = child;
  }
  heap[i] = hit;
  thresholds_[query] = heap[0].score;
}

void TopKLists::AppendTo(std::int64_t query, std::vector<ChunkHit>& out) const {
  const ChunkHit* heap = entries_.data() + query * k_;
  out.insert(out.end(), heap, heap + sizes_[static_cast<std::size_t>(query)]);
}

namespace {

std::atomic<ScanIsa> forced_isa{ScanIsa::kAuto};

bool CpuHasAvx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("fma");
}

ScanIsa ResolvedIsa() {
  const ScanIsa forced = forced_isa.load(std::memory_order_relaxed);
  if (forced != ScanIsa::kAuto) return forced;
  static const ScanIsa detected = CpuHasAvx512() ? ScanIsa::kAvx512 : ScanIsa::kPortable;
  return detected;
}

}  // namespace

void ForceScanIsaForTesting(ScanIsa isa) {
  // Never force a kernel the CPU cannot run.
  if (isa == ScanIsa::kAvx512 && !CpuHasAvx512()) isa = ScanIsa::kPortable;
  forced_isa.store(isa, std::memory_order_relaxed);
}

ScanFn SelectScan() {
  return ResolvedIsa() == ScanIsa::kAvx512 ? &ScanAvx512 : &ScanPortable;
}

const char* SelectedScanIsaName() {
  return ResolvedIsa() == ScanIsa::kAvx512 ? "avx512" : "portable";
}

}  // namespace engram::compute::context::internal
