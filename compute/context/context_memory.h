// ContextMemory: the searchable long-term context memory of one memory layer (LongMem,
// mechanisms.md §3; docs/context.md), made of blocks (context_block.h) appended in order: the
// pre-RoPE keys and the values of past tokens per key/value head, in chunks of csz tokens, each
// chunk searchable by its chunk key, and every token's id and continuation (the token that
// followed it in its text, for memory-conditioned decoding).
//
// Layout: per head, contiguous arrays over all blocks — chunk keys [chunks][head_size], token
// keys and values [tokens][head_size] — so a search scans one head's keys as one stream.
// Chunks are numbered 0.. in order; a chunk never spans blocks (a block's last chunk may be
// short). The live set of blocks is decided by the store (eviction and forgetting are whole
// blocks, docs/format.md §12): a changed set is a new ContextMemory.
//
// Search: exact, by inner product of a probe with every chunk key of one head (with cosine
// settings the chunk keys are normalised, so a normalised probe ranks by cosine); the best k,
// best first, equal scores by lower chunk number (deterministic).
//
// Thread-safety: const methods may be called from several threads; AppendBlock is exclusive.
#ifndef ENGRAM_COMPUTE_CONTEXT_CONTEXT_MEMORY_H_
#define ENGRAM_COMPUTE_CONTEXT_CONTEXT_MEMORY_H_

#include <cstdint>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "compute/context/chunk_search.h"
#include "compute/context/context_block.h"
#include "engram/status.h"

namespace engram::compute::context {

class ContextMemory {
 public:
  // Errors: SYNTAX (heads, head_size or chunk_tokens < 1).
  static Result<ContextMemory> Create(const ContextSettings& settings);

  const ContextSettings& settings() const { return settings_; }

  // Appends a block (its chunk keys included) under the caller's `block_id`, from write `write`
  // (consecutive blocks of one write hold consecutive tokens of its text).
  // Errors: SYNTAX when its arrays do not fit the settings.
  Status AppendBlock(const ContextBlock& block, std::int64_t block_id, std::int64_t write = 0);

  std::int64_t chunk_count() const { return static_cast<std::int64_t>(chunk_begin_.size()); }
  std::int64_t token_count() const { return static_cast<std::int64_t>(tokens_.size()); }
  std::int64_t block_count() const { return static_cast<std::int64_t>(block_ids_.size()); }
  std::size_t Bytes() const;

  // A chunk's tokens [begin, end), its block (the caller's id) and its index in that block.
  std::int64_t ChunkBegin(std::int64_t chunk) const { return chunk_begin_[Index(chunk)]; }
  std::int64_t ChunkEnd(std::int64_t chunk) const { return chunk_end_[Index(chunk)]; }
  std::int64_t ChunkBlock(std::int64_t chunk) const {
    return block_ids_[chunk_block_[Index(chunk)]];
  }
  std::int64_t ChunkInBlock(std::int64_t chunk) const { return chunk_in_block_[Index(chunk)]; }
  // The tokens [begin, end) of the run of consecutive blocks of the chunk's write around it,
  // clipped to `radius` tokens on each side of the chunk: its text in context.
  std::pair<std::int64_t, std::int64_t> TextAround(std::int64_t chunk, std::int64_t radius) const;

  // The chunk holding token `index`.
  std::int64_t ChunkOf(std::int64_t index) const { return token_chunk_[Index(index)]; }
  int Token(std::int64_t index) const { return tokens_[Index(index)]; }
  int Continuation(std::int64_t index) const { return next_[Index(index)]; }
  const float* TokenKey(int head, std::int64_t index) const;
  const float* TokenValue(int head, std::int64_t index) const;
  std::span<const float> ChunkKey(int head, std::int64_t chunk) const;

  // The top `k` chunks of `head` by probe·chunk key (probe: head_size values), through the
  // exact search of chunk_search.h (empty for a malformed probe or k < 1).
  std::vector<ChunkHit> Search(int head, std::span<const float> probe, int k) const;

  // The token indices i where tokens i-2, i-1, i are `a`, `b`, `c`, oldest first: an exact
  // index of the memory's trigrams, so that a repeat of stored text is found however large the
  // memory grows (key similarity alone ranks thousands of occurrences of a common token by
  // little more than chance).
  std::span<const std::int64_t> Trigram(int a, int b, int c) const;

 private:
  ContextMemory(const ContextSettings& settings, ChunkKeyStore chunk_keys)
      : settings_(settings), chunk_keys_(std::move(chunk_keys)) {}
  static std::size_t Index(std::int64_t i) { return static_cast<std::size_t>(i); }

  ContextSettings settings_;
  std::vector<int> tokens_, next_;
  std::vector<std::vector<float>> keys_, values_;  // per head
  ChunkKeyStore chunk_keys_;
  std::vector<std::int64_t> chunk_begin_, chunk_end_, chunk_in_block_, token_chunk_;
  std::vector<std::size_t> chunk_block_;  // index into block_ids_
  std::vector<std::int64_t> block_ids_, block_begin_, block_end_, block_write_;
  std::unordered_map<std::uint64_t, std::vector<std::int64_t>> trigrams_;
};

}  // namespace engram::compute::context

#endif  // ENGRAM_COMPUTE_CONTEXT_CONTEXT_MEMORY_H_
