// The float32 weights of a Llama-family model, in host memory, in one canonical layout that
// does not depend on the checkpoint format they were read from.
//
// Every matrix is row-major [out_features, in_features] as in PyTorch's nn.Linear, stacked
// over layers: wq is [n_layers, dim, dim], w2 is [n_layers, dim, hidden_dim], and so on.
// Engines (the LibTorch model, the fused CPU decoder) build their own device copies from this.
#ifndef ENGRAM_COMPUTE_MODEL_LLAMA_WEIGHTS_H_
#define ENGRAM_COMPUTE_MODEL_LLAMA_WEIGHTS_H_

#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string_view>

#include "compute/model/llama_config.h"

namespace engram::compute {

// The tensors of a model, in canonical order. The order is frozen: the model fingerprint hashes
// the tensors in this order.
enum class WeightId : int {
  kTokenEmbedding = 0,  // [vocab, dim]
  kRmsAttention,        // [layers, dim]
  kWq,                  // [layers, dim, dim]
  kWk,                  // [layers, kv_dim, dim]
  kWv,                  // [layers, kv_dim, dim]
  kWo,                  // [layers, dim, dim]
  kRmsFfn,              // [layers, dim]
  kW1,                  // [layers, hidden, dim]   gate
  kW2,                  // [layers, dim, hidden]   down
  kW3,                  // [layers, hidden, dim]   up
  kRmsFinal,            // [dim]
  kClassifier,          // [vocab, dim]; aliases kTokenEmbedding when the classifier is shared
  kCount,
};

constexpr int kWeightCount = static_cast<int>(WeightId::kCount);

std::string_view WeightName(WeightId id);

// Number of floats of one weight tensor for `config` (the classifier counts even when shared).
std::int64_t WeightNumel(const LlamaConfig& config, WeightId id);

// Owns the weights. Movable, not copyable. Immutable after construction by the loader, so a
// const LlamaWeights may be read from any number of threads.
class LlamaWeights {
 public:
  // Allocates zeroed, 64-byte aligned storage for every tensor of `config` (which must have
  // passed Validate()). LIMIT error when the memory cannot be allocated.
  static Result<LlamaWeights> Allocate(const LlamaConfig& config);

  const LlamaConfig& config() const { return config_; }

  std::span<const float> Tensor(WeightId id) const;
  std::span<float> MutableTensor(WeightId id);

 private:
  explicit LlamaWeights(const LlamaConfig& config) : config_(config) {}

  struct FreeDeleter {
    void operator()(float* p) const { std::free(p); }
  };

  LlamaConfig config_;
  std::unique_ptr<float[], FreeDeleter> storage_;
  std::array<std::int64_t, kWeightCount> offsets_{};
};

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_MODEL_LLAMA_WEIGHTS_H_
