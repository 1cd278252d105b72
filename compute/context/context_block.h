// One block of a context memory (docs/format.md §12): the memory-layer keys and values of up to
// window − 1 consecutive tokens of one context write, their chunk keys, token ids and
// continuations — and the bytes of its five tensors, as they travel as blobs and are stored.
//
// Thread-safety: plain values.
#ifndef ENGRAM_COMPUTE_CONTEXT_CONTEXT_BLOCK_H_
#define ENGRAM_COMPUTE_CONTEXT_CONTEXT_BLOCK_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engram/status.h"

namespace engram::compute::context {

// How a memory's context is encoded and searched; fixed when its first write happens.
struct ContextSettings {
  int layer = 2;         // the memory layer
  int chunk_tokens = 1;  // csz
  int window = 256;      // positions per encoding segment, BOS included
  int heads = 0;         // key/value heads of the model
  int head_size = 0;
  bool cosine = true;  // chunk keys normalised (cosine search)
  friend bool operator==(const ContextSettings&, const ContextSettings&) = default;
};

struct ContextBlock {
  std::uint64_t token_offset = 0;  // its first token's index in its write
  std::vector<int> tokens;         // n
  std::vector<int> next;           // n: continuations, −1 for the write's last token
  std::vector<float> keys;         // [heads][n][head_size], pre-RoPE
  std::vector<float> values;       // [heads][n][head_size]
  std::vector<float> chunk_keys;   // [heads][chunks][head_size]

  int token_count() const { return static_cast<int>(tokens.size()); }
  int ChunkCount(int chunk_tokens) const {
    return (token_count() + chunk_tokens - 1) / chunk_tokens;
  }
};

// The tensors of a block, in their stored order (format.md §12).
inline constexpr std::size_t kBlockTensors = 5;
inline constexpr std::array<const char*, kBlockTensors> kBlockTensorNames = {
    "keys", "values", "chunk_keys", "tokens", "next"};

// The little-endian bytes of each tensor, in kBlockTensorNames order.
std::array<std::vector<std::uint8_t>, kBlockTensors> BlockBytes(const ContextBlock& block);

// A block from its tensors' bytes, checked against `settings`: sizes consistent with n tokens
// and their chunks, finite floats, token ids in [0, vocab_size), continuations in
// [-1, vocab_size). Errors: CORRUPT naming what does not fit.
Result<ContextBlock> BlockFromBytes(
    const ContextSettings& settings, int vocab_size, std::uint64_t token_offset,
    const std::array<std::span<const std::uint8_t>, kBlockTensors>& bytes);

// The chunk keys of a block's tokens: per head, for each chunk of `chunk_tokens` tokens, the
// mean of its token keys (normalised keys, the mean normalised, when `cosine`).
std::vector<float> ChunkKeysOf(const ContextSettings& settings, std::span<const float> keys,
                               int tokens);

}  // namespace engram::compute::context

#endif  // ENGRAM_COMPUTE_CONTEXT_CONTEXT_BLOCK_H_
