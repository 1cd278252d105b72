// DecodeEngine: runs a model one token at a time for a batch of independent streams, each with
// its own KV cache slot. The generation loop and the batch scheduler drive it; it holds no
// notion of prompts, sampling or requests.
//
// Implementations: the fused CPU engine (cpu_decode_engine.h, default on CPU) and the LibTorch
// engine (torch_decode_engine.h, CPU or CUDA). Both produce the same tokens (tests compare them).
//
// Thread-safety: not thread-safe; one thread drives an engine (it may use workers internally).
#ifndef ENGRAM_COMPUTE_RUNTIME_DECODE_ENGINE_H_
#define ENGRAM_COMPUTE_RUNTIME_DECODE_ENGINE_H_

#include <span>
#include <string>

#include "compute/model/llama_config.h"
#include "engram/status.h"

namespace engram::compute {

class DecodeEngine {
 public:
  virtual ~DecodeEngine() = default;

  virtual const LlamaConfig& config() const = 0;
  // "cpu" or "cuda:N".
  virtual std::string device() const = 0;
  // Human-readable implementation name, e.g. "cpu-fused/avx512" or "torch".
  virtual std::string name() const = 0;
  // Number of KV cache slots, i.e. streams that can be in flight at once.
  virtual int max_slots() const = 0;

  // One decode step for a batch. Stream i feeds `tokens[i]` at position `positions[i]` of KV
  // slot `slots[i]` and receives vocab_size logits in row i of `logits` (row-major, `logits`
  // holds batch * vocab_size floats). The slot must already hold positions 0 .. positions[i]-1
  // of the same sequence; position 0 starts a new sequence in that slot. Slots within one call
  // must be distinct.
  // Errors: LIMIT (position beyond the context window, slot out of range, batch too large),
  // SYNTAX (token id out of range), COMPUTE (device failure).
  virtual Status Step(std::span<const int> slots, std::span<const int> tokens,
                      std::span<const int> positions, std::span<float> logits) = 0;

 protected:
  // Shared argument validation for implementations.
  Status ValidateStep(std::span<const int> slots, std::span<const int> tokens,
                      std::span<const int> positions, std::span<float> logits) const;
};

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_RUNTIME_DECODE_ENGINE_H_
