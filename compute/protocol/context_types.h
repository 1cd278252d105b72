// Plain values of the context memory operations (docs/protocol.md §5.9; frame.fbs Context*),
// shared by the engine's compute client and the co-process's handler. No behaviour here.
#ifndef ENGRAM_COMPUTE_PROTOCOL_CONTEXT_TYPES_H_
#define ENGRAM_COMPUTE_PROTOCOL_CONTEXT_TYPES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "compute/protocol/content_hash.h"

namespace engram::protocol {

// How a memory's context is encoded and searched (fixed at its first write; heads and head
// size are the model's).
struct ContextSettings {
  std::uint32_t layer = 2;
  std::uint32_t chunk_tokens = 1;  // csz
  std::uint32_t window = 256;      // positions per encoding segment, BOS included
  bool cosine = true;
  friend bool operator==(const ContextSettings&, const ContextSettings&) = default;
};

// One block (docs/format.md §12): its tensors' blobs in the order keys, values, chunk_keys,
// tokens, next.
inline constexpr std::size_t kContextBlockTensors = 5;
struct ContextBlockRef {
  std::uint64_t id = 0;     // record id (0 in an encode reply: not stored yet)
  std::uint64_t write = 0;  // the write it belongs to
  std::uint64_t token_offset = 0;
  std::uint32_t tokens = 0;
  std::array<Hash128, kContextBlockTensors> tensors{};
};

// A memory's context as a request names it: its live blocks, oldest first.
struct ContextState {
  std::string memory_uid;
  ContextSettings settings;
  std::vector<ContextBlockRef> blocks;
};

// A stored prefix (docs/context.md §6): its tokens (BOS first) and the blobs of its keys and
// values, float32 [layers][tokens][kv_dim] each (keys after RoPE).
struct PrefixRef {
  std::vector<int> tokens;
  Hash128 keys;
  Hash128 values;
};

struct ContextEncodeResult {
  std::uint64_t tokens = 0;
  std::vector<ContextBlockRef> blocks;  // ids 0; their tensors are in the blob cache
};

// One retrieved chunk: its block (record id), its index in the block, its score (the mean
// cosine over heads of the probe and its chunk key), a text window around it (the chunk's
// tokens with up to 16 neighbours on each side, inside its write), and `match`: how many tokens
// at the end of the query the memory holds in the same order, ending inside the chunk (0 when
// the chunk does not hold the query's last token). Hits rank by match, then score.
struct ContextHit {
  std::uint64_t block = 0;
  std::uint32_t chunk = 0;
  double score = 0;
  std::string text;
  std::uint32_t match = 0;
};

// ContextRead's answer. need = 2: blobs of `missing` are not in the blob cache (BlobPut them
// and ask again); nothing was read.
struct ContextReadResult {
  std::uint8_t need = 0;
  std::vector<Hash128> missing;
  std::vector<ContextHit> hits;
};

}  // namespace engram::protocol

#endif  // ENGRAM_COMPUTE_PROTOCOL_CONTEXT_TYPES_H_
