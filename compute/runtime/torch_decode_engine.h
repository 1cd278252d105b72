// The LibTorch implementation of the Llama model: RMSNorm, RoPE, SwiGLU, grouped-query attention,
// shared or separate classifier, a per-slot KV cache — on CPU or CUDA. The fused CPU engine is
// faster on CPU for small models (framework dispatch dominates there); this engine is the one
// that runs on GPUs, and the reference the CPU kernels are tested against.
//
// This header is torch-free; only torch_decode_engine.cc includes LibTorch.
#ifndef ENGRAM_COMPUTE_RUNTIME_TORCH_DECODE_ENGINE_H_
#define ENGRAM_COMPUTE_RUNTIME_TORCH_DECODE_ENGINE_H_

#include <memory>
#include <span>
#include <string>

#include "compute/model/llama_weights.h"
#include "compute/runtime/decode_engine.h"

namespace engram::compute {

struct TorchEngineOptions {
  std::string device = "cpu";  // "cpu", "cuda" or "cuda:N"
  int max_slots = 64;
};

class TorchDecodeEngine : public DecodeEngine {
 public:
  // Errors: COMPUTE (device unavailable, e.g. CUDA asked of a CPU-only LibTorch), LIMIT (no
  // memory for weights or caches).
  static Result<std::unique_ptr<TorchDecodeEngine>> Create(const LlamaWeights& weights,
                                                           const TorchEngineOptions& options);

  // Full causal forward of one sequence (positions 0 .. n-1) without touching any KV slot;
  // writes n * vocab_size logits. Used for scoring text and as the reference for the cache.
  // Errors: as Step.
  virtual Status ForwardSequence(std::span<const int> tokens, std::span<float> logits) = 0;
};

// True when this LibTorch build can use a CUDA device.
bool TorchCudaAvailable();

// The LibTorch version string, e.g. "1.13.1".
std::string TorchVersion();

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_RUNTIME_TORCH_DECODE_ENGINE_H_
