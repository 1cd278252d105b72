// Exact top-k chunk retrieval for the long-term context memory (LongMem, shared/docs/
// mechanisms.md §3; docs/context.md "Retrieval").
//
// What. A ChunkKeyStore holds the search keys of stored text chunks: one float32 key of
// head_dim values per attention head per chunk (the mean of the chunk's token keys). Chunks are
// numbered by an absolute sequence number (0, 1, 2, … in append order) that never changes:
// evicting the oldest chunks does not renumber the others. Per head the keys are contiguous
// row-major arrays [chunks x head_dim] (a ring of rows, so FIFO eviction moves nothing).
//
// Search scores each query by its inner product with every key of the head (or of a range of
// chunk numbers) and returns, per query, the k best (score, chunk) pairs: highest score first,
// equal scores by lower chunk number. The result is exact and reproducible: every score is the
// chain s = fma(q[d-1], k[d-1], … fma(q[1], k[1], fma(q[0], k[0], +0)) …) in float32 with one
// rounding per step, on every code path (one query, a batch, AVX-512 or portable, any thread
// count), so it equals a brute-force scan with std::fma bit for bit and the order is total.
// Keys and queries must be finite with |x| <= kMaxAbsValue, which keeps every score finite
// (no overflow, no NaN) for head_dim up to kMaxHeadDim.
//
// Ownership. The store owns copies of its keys; Search copies nothing it is given beyond the
// call. Results are plain values.
//
// Thread-safety. Const member functions (Search, the accessors) may run concurrently with each
// other; Append and EvictOldest need exclusive access (like a std container). A search runs on
// the calling thread plus up to `threads` - 1 tasks of LibTorch's inter-op pool and returns
// when it is done; it never waits for a helper task that has not started.
//
// Errors are values: SYNTAX for malformed arguments (sizes that do not match the shape, k < 1,
// a head or a chunk range outside the store, non-finite or out-of-range values), LIMIT for
// shapes beyond the configured limits and for exhausted memory. A failed call changes nothing.
#ifndef ENGRAM_COMPUTE_CONTEXT_CHUNK_SEARCH_H_
#define ENGRAM_COMPUTE_CONTEXT_CHUNK_SEARCH_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "engram/status.h"

namespace engram::compute::context {

// The largest magnitude a key or query value may have, and the largest head_dim whatever the
// configured limits: 1e32 per product, times at most 4,096 terms, stays far below FLT_MAX
// (3.4e38), so no score overflows.
inline constexpr float kMaxAbsValue = 1e16f;
inline constexpr std::int64_t kMaxHeadDim = 4096;

// Configured ceilings; arguments beyond them are LIMIT errors.
struct ChunkSearchLimits {
  std::int64_t max_heads = 256;
  std::int64_t max_head_dim = kMaxHeadDim;  // at most kMaxHeadDim
  std::int64_t max_chunks = 1LL << 26;      // the largest capacity a store may be given
  std::int64_t max_k = 4096;
  std::int64_t max_queries = 65536;  // per head per search
  // Queries x k of one search, all heads together: bounds the result and the per-thread lists.
  std::int64_t max_hits = 1LL << 24;
};

struct ChunkStoreOptions {
  std::int64_t heads = 1;
  std::int64_t head_dim = 64;
  // The most chunks kept: appending beyond it evicts the oldest (FIFO). Memory grows with the
  // chunks actually stored, up to capacity x heads x head_dim floats.
  std::int64_t capacity = 1 << 20;
  // Threads a search may use: 0 = LibTorch's intra-op thread count (at::get_num_threads()).
  int threads = 0;
  ChunkSearchLimits limits;
};

// A half-open range [begin, end) of absolute chunk numbers.
struct ChunkRange {
  std::int64_t begin = 0;
  std::int64_t end = 0;
};

struct ChunkHit {
  float score = 0;
  std::int64_t chunk = 0;  // absolute chunk number
  friend bool operator==(const ChunkHit&, const ChunkHit&) = default;
};

// Per query, the best hits_per_query chunks, best first; hits_per_query = min(k, chunks
// searched), so 0 for an empty store or range.
struct ChunkSearchResult {
  std::int64_t queries = 0;
  std::int64_t hits_per_query = 0;
  std::vector<ChunkHit> hits;  // [queries x hits_per_query]

  std::span<const ChunkHit> Query(std::int64_t q) const {
    return std::span<const ChunkHit>(hits).subspan(static_cast<std::size_t>(q * hits_per_query),
                                                   static_cast<std::size_t>(hits_per_query));
  }
};

class ChunkKeyStore {
 public:
  // SYNTAX for heads, head_dim or capacity < 1 or threads < 0; LIMIT beyond `limits` or
  // head_dim beyond kMaxHeadDim.
  static Result<ChunkKeyStore> Create(const ChunkStoreOptions& options);

  ChunkKeyStore(ChunkKeyStore&&) noexcept;
  ChunkKeyStore& operator=(ChunkKeyStore&&) noexcept;
  ~ChunkKeyStore();

  // Appends n chunks given chunk-major, [n x heads x head_dim] (as an attention layer's keys
  // come out); n = keys.size() / (heads x head_dim), 0 is a no-op. The new chunks are numbered
  // end_chunk(), end_chunk() + 1, …; the oldest chunks beyond capacity are evicted. Returns the
  // number of the first appended chunk. SYNTAX when the size is not a whole number of chunks or
  // a value is non-finite or beyond kMaxAbsValue; LIMIT when n > capacity or memory runs out.
  Result<std::int64_t> Append(std::span<const float> keys);

  // Drops the `count` oldest chunks. SYNTAX when count < 0 or count > size().
  Status EvictOldest(std::int64_t count);

  // The live chunks are [first_chunk(), end_chunk()).
  std::int64_t first_chunk() const;
  std::int64_t end_chunk() const;
  std::int64_t size() const { return end_chunk() - first_chunk(); }
  std::int64_t heads() const;
  std::int64_t head_dim() const;
  std::int64_t capacity() const;

  // A view of one stored key (head_dim values), valid until the next Append or EvictOldest.
  // SYNTAX when the head or chunk is not live.
  Result<std::span<const float>> Key(std::int64_t head, std::int64_t chunk) const;

  // Top-k of each query of `queries` ([n x head_dim] row-major, n >= 1) against head `head`'s
  // keys of the chunks in `range` (default: all live chunks; it must lie within them). SYNTAX
  // for a bad head, range, k < 1, a size that is not a whole number of queries or a bad value;
  // LIMIT for k, n or n x k beyond the limits, or exhausted memory.
  Result<ChunkSearchResult> Search(std::int64_t head, std::span<const float> queries,
                                   std::int64_t k,
                                   std::optional<ChunkRange> range = std::nullopt) const;

  // Search for every head at once (one parallel pass): `queries` is [heads x n x head_dim], the
  // result holds one ChunkSearchResult per head. Same errors as Search; LIMIT also when
  // heads x n x k exceeds max_hits.
  Result<std::vector<ChunkSearchResult>> SearchHeads(
      std::span<const float> queries, std::int64_t k,
      std::optional<ChunkRange> range = std::nullopt) const;

 private:
  struct State;
  explicit ChunkKeyStore(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace engram::compute::context

#endif  // ENGRAM_COMPUTE_CONTEXT_CHUNK_SEARCH_H_
