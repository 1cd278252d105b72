// Encoding a context write (docs/context.md): its tokens are read by the model in segments of
// window − 1 tokens, each after a BOS at positions 0.. (the model's window holds one segment),
// and every token's key (before RoPE) and value at the memory layer become a block
// (context_block.h) — one block per segment, its chunk keys computed from the keys.
//
// Deterministic: the same tokens and settings give the same blocks, bit for bit (plain float
// loops in a fixed order, ContextModel).
//
// Thread-safety: free functions; the weights are only read.
#ifndef ENGRAM_COMPUTE_CONTEXT_CONTEXT_ENCODER_H_
#define ENGRAM_COMPUTE_CONTEXT_CONTEXT_ENCODER_H_

#include <functional>
#include <span>
#include <vector>

#include "compute/context/context_block.h"
#include "compute/model/llama_weights.h"
#include "engram/status.h"

namespace engram::compute::context {

// `settings` for `config` with the given layer, csz and window (heads and head size from the
// model). Errors: SYNTAX for a layer outside the model, csz < 1, a window outside 2..seq_len.
Result<ContextSettings> SettingsFor(const LlamaConfig& config, int layer, int chunk_tokens,
                                    int window, bool cosine = true);

// A block from captured rows: `keys` and `values` are [n][heads·head_size] as the model's
// memory layer gives them (one row per token); the block lays them out per head.
ContextBlock MakeBlock(const ContextSettings& settings, std::uint64_t token_offset,
                       std::span<const int> tokens, std::span<const int> next,
                       std::span<const float> keys, std::span<const float> values);

// The blocks of one write. `progress`, when set, is told the tokens encoded so far after each
// block; returning false stops the encoding (CANCELLED is not a code: COMPUTE "cancelled").
// Errors: SYNTAX (no tokens, a token outside the vocabulary, bad settings).
Result<std::vector<ContextBlock>> EncodeContext(
    const LlamaWeights& weights, const ContextSettings& settings, std::span<const int> tokens,
    const std::function<bool(std::size_t encoded)>& progress = {});

}  // namespace engram::compute::context

#endif  // ENGRAM_COMPUTE_CONTEXT_CONTEXT_ENCODER_H_
