// Reading and writing llama2.c checkpoints.
//
// Two formats are understood (both float32, little-endian):
//  - legacy (llama2.c "v0"): a 7 x int32 header {dim, hidden_dim, n_layers, n_heads, n_kv_heads,
//    vocab_size, seq_len}, a negative vocab_size meaning "separate classifier", then the weights
//    (embedding, per-layer tensors grouped by kind, final norm, two RoPE tables, classifier).
//  - v1 ("ak42"): a 256-byte header {magic 0x616b3432, version 1, the 7 ints, shared flag byte},
//    then the norms first, the embedding, the per-layer matrices, the classifier if separate.
// The file size must match the header exactly; anything else is a MODEL error.
#ifndef ENGRAM_COMPUTE_MODEL_CHECKPOINT_H_
#define ENGRAM_COMPUTE_MODEL_CHECKPOINT_H_

#include <string>

#include "compute/model/llama_weights.h"
#include "engram/status.h"

namespace engram::compute {

enum class CheckpointFormat { kLegacy, kV1 };

std::string_view CheckpointFormatName(CheckpointFormat format);

struct Checkpoint {
  LlamaWeights weights;
  CheckpointFormat format;
};

// Reads and validates the checkpoint at `path`. Errors: NOTFOUND (no such file), MODEL (bad
// magic, unsupported version, invalid header, size mismatch, non-finite weights), LIMIT (no
// memory for the weights).
Result<Checkpoint> ReadCheckpoint(const std::string& path);

// Writes `weights` to `path` in `format` (used by `engram-compute convert` and tests).
// Errors: INTERNAL when the file cannot be written.
Status WriteCheckpoint(const LlamaWeights& weights, CheckpointFormat format,
                       const std::string& path);

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_MODEL_CHECKPOINT_H_
