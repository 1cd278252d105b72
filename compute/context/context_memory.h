// ContextMemory: the long-term context memory of one memory layer (LongMem, mechanisms.md §3;
// docs/context.md) — the pre-RoPE keys and the values of past tokens at that layer, per
// key/value head, in chunks of `chunk_tokens` (csz) tokens, each chunk searchable by its key:
// the mean of its tokens' keys.
//
// Tokens arrive in order (Append). A chunk is complete when it holds csz tokens; the tokens
// after the last complete chunk form the tail, which is kept (never lost) and becomes a chunk
// when it fills — or is flushed as a short chunk by Seal at the end of a write. Every token
// also records the token that followed it in its text (its continuation, for memory-conditioned
// decoding), known once the next token arrives; the last token of a write has none (-1).
//
// Layout: per head, contiguous arrays — chunk keys [chunks][head_size], token keys and values
// [tokens][head_size] — so a search scans one head's keys as one stream. FIFO eviction drops the
// oldest chunks when `max_chunks` is set; chunk numbers are sequence numbers that stay valid
// (the first live one is first_chunk()).
//
// Search: exact inner product of a probe with every live chunk key of one head; the best k,
// best first, equal scores by lower chunk number (deterministic).
//
// Thread-safety: none; one owner at a time.
#ifndef ENGRAM_COMPUTE_CONTEXT_CONTEXT_MEMORY_H_
#define ENGRAM_COMPUTE_CONTEXT_CONTEXT_MEMORY_H_

#include <cstdint>
#include <span>
#include <vector>

#include "engram/status.h"

namespace engram::compute::context {

struct ContextMemoryOptions {
  int heads = 0;  // key/value heads
  int head_size = 0;
  int chunk_tokens = 4;         // csz
  std::int64_t max_chunks = 0;  // 0: no eviction
  // Chunk keys as the normalised mean of the normalised token keys: a search then ranks by
  // cosine (with a normalised probe) instead of inner product.
  bool normalize_keys = false;
};

struct ChunkHit {
  float score = 0;
  std::int64_t chunk = 0;  // sequence number
};

class ContextMemory {
 public:
  // Errors: SYNTAX (heads, head_size or chunk_tokens < 1, max_chunks < 0).
  static Result<ContextMemory> Create(const ContextMemoryOptions& options);

  const ContextMemoryOptions& options() const { return options_; }

  // Appends one token: its id, and its key and value per head ([heads][head_size] each).
  // `source` names the write it came from (a chunk never mixes sources: a new source seals the
  // tail first). Errors: SYNTAX (sizes).
  Status Append(int token, std::int64_t source, std::span<const float> keys,
                std::span<const float> values);
  // Turns the tail into a (short) chunk; the last token's continuation stays -1.
  void Seal();

  std::int64_t first_chunk() const { return first_chunk_; }
  std::int64_t end_chunk() const { return first_chunk_ + chunk_count(); }
  std::int64_t chunk_count() const { return static_cast<std::int64_t>(chunk_begin_.size()); }
  std::int64_t tail_tokens() const;
  // The index of the oldest token still held.
  std::int64_t TokenBase() const { return token_base_; }
  std::int64_t evicted_chunks() const { return evicted_; }

  // The chunk's tokens: [begin, end) indices into the token arrays below, and its source.
  std::int64_t ChunkBegin(std::int64_t chunk) const;
  std::int64_t ChunkEnd(std::int64_t chunk) const;
  std::int64_t ChunkSource(std::int64_t chunk) const;

  // Token arrays (indices from ChunkBegin/End; valid until the next Append or eviction).
  int Token(std::int64_t index) const;
  int Continuation(std::int64_t index) const;  // the next token in its text, or -1
  const float* TokenKey(int head, std::int64_t index) const;
  const float* TokenValue(int head, std::int64_t index) const;
  const float* ChunkKey(int head, std::int64_t chunk) const;

  // The top `k` live chunks of `head` by probe·chunk key (probe: head_size values).
  std::vector<ChunkHit> Search(int head, std::span<const float> probe, int k) const;

 private:
  explicit ContextMemory(const ContextMemoryOptions& options) : options_(options) {}
  void CloseChunk(std::int64_t end);
  void Evict();

  ContextMemoryOptions options_;
  // Tokens from the oldest live chunk on; token index i is at position i - token_base_.
  std::int64_t token_base_ = 0;
  std::vector<int> tokens_, continuations_;
  std::vector<std::int64_t> sources_;
  std::vector<std::vector<float>> keys_, values_, chunk_keys_;        // per head
  std::vector<std::int64_t> chunk_begin_, chunk_end_, chunk_source_;  // per live chunk
  std::int64_t first_chunk_ = 0;
  std::int64_t open_begin_ = 0;  // first token of the tail
  std::int64_t evicted_ = 0;
};

}  // namespace engram::compute::context

#endif  // ENGRAM_COMPUTE_CONTEXT_CONTEXT_MEMORY_H_
