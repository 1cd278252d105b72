// Internal to compute/context: the scan kernels behind ChunkKeyStore::Search and the bounded
// per-query lists they fill. Torch-free; included by the kernel files before their
// `#pragma GCC target`, so nothing defined here is compiled for a wider instruction set.
#ifndef ENGRAM_COMPUTE_CONTEXT_CHUNK_SEARCH_KERNELS_H_
#define ENGRAM_COMPUTE_CONTEXT_CHUNK_SEARCH_KERNELS_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "compute/context/chunk_search.h"

namespace engram::compute::context::internal {

// Vector tiles are 16 floats (one AVX-512 register); query blocks are padded to this.
inline constexpr std::int64_t kTileLanes = 16;

// Floats aligned to 64 bytes (one cache line, one AVX-512 register). Throws std::bad_alloc.
struct AlignedDelete {
  void operator()(float* p) const;
};
using AlignedFloats = std::unique_ptr<float[], AlignedDelete>;
AlignedFloats AllocateFloats(std::int64_t count);

// Keys of consecutive chunks, contiguous in memory: `count` rows of head_dim floats, the first
// being chunk `first_chunk`.
struct KeySegment {
  const float* keys = nullptr;
  std::int64_t count = 0;
  std::int64_t first_chunk = 0;
};

// From this many queries on, a scan puts queries (not keys) in vector lanes.
inline constexpr std::int64_t kBatchQueries = 16;

// The queries of one head: row-major [count x head_dim], and when count >= kBatchQueries their
// transpose [head_dim x padded] (padded = count rounded up to kTileLanes, zeros beyond count).
struct QueryBlock {
  const float* rows = nullptr;
  const float* transposed = nullptr;
  std::int64_t count = 0;
  std::int64_t padded = 0;
};

// One worker's k best chunks per query: a binary heap per query with the worst entry on top
// (lowest score; of equal scores, the higher chunk number). Offer expects each query's
// candidates in ascending chunk order, so a candidate that only ties the worst entry loses and
// the kernels may filter with a strict `score > threshold(query)`.
class TopKLists {
 public:
  // Throws std::bad_alloc.
  TopKLists(std::int64_t queries, std::int64_t k);

  // Per query (padded to a multiple of kTileLanes), the score a candidate must exceed: -inf
  // until k entries are held, then the worst held score; +inf for the padding.
  const float* thresholds() const { return thresholds_.get(); }

  // Keeps (score, chunk) for `query` when it is among the k best offered so far.
  void Offer(std::int64_t query, float score, std::int64_t chunk);

  // Appends the entries held for `query` (in heap order) to `out`.
  void AppendTo(std::int64_t query, std::vector<ChunkHit>& out) const;

 private:
  std::int64_t k_;
  std::vector<ChunkHit> entries_;  // [queries x k]
  std::vector<std::int64_t> sizes_;
  AlignedFloats thresholds_;
};

// The total order of results: a before b when a scores higher, or equal and has the lower chunk.
inline bool Better(const ChunkHit& a, const ChunkHit& b) {
  return a.score > b.score || (a.score == b.score && a.chunk < b.chunk);
}

// Scratch floats a scan needs (64-byte aligned), for keys of head_dim values.
inline std::int64_t ScanScratchFloats(std::int64_t head_dim) {
  return 64 * head_dim + 64;
}

// Scores every key of `segment` against every query of `queries` in the fixed fma order of
// chunk_search.h and offers the candidates to `lists`, in ascending chunk order per query.
using ScanFn = void (*)(const KeySegment& segment, std::int64_t head_dim, const QueryBlock& queries,
                        float* scratch, TopKLists& lists);

void ScanAvx512(const KeySegment& segment, std::int64_t head_dim, const QueryBlock& queries,
                float* scratch, TopKLists& lists);
void ScanPortable(const KeySegment& segment, std::int64_t head_dim, const QueryBlock& queries,
                  float* scratch, TopKLists& lists);

// Which kernel Search uses: the widest this CPU supports, unless a test forces one. Every
// kernel gives the same bits; forcing exists so tests can prove that.
enum class ScanIsa { kAuto, kAvx512, kPortable };
void ForceScanIsaForTesting(ScanIsa isa);
ScanFn SelectScan();
const char* SelectedScanIsaName();

}  // namespace engram::compute::context::internal

#endif  // ENGRAM_COMPUTE_CONTEXT_CHUNK_SEARCH_KERNELS_H_
