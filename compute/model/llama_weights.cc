#include "compute/model/llama_weights.h"

#include <cstring>
#include <string>

namespace engram::compute {
namespace {

constexpr std::int64_t kAlignFloats = 16;  // 64 bytes

std::int64_t RoundUp(std::int64_t n) {
  return (n + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
}

}  // namespace

std::string_view WeightName(WeightId id) {
  switch (id) {
    case WeightId::kTokenEmbedding:
      return "token_embedding";
    case WeightId::kRmsAttention:
      return "rms_attention";
    case WeightId::kWq:
      return "wq";
    case WeightId::kWk:
      return "wk";
    case WeightId::kWv:
      return "wv";
    case WeightId::kWo:
      return "wo";
    case WeightId::kRmsFfn:
      return "rms_ffn";
    case WeightId::kW1:
      return "w1";
    case WeightId::kW2:
      return "w2";
    case WeightId::kW3:
      return "w3";
    case WeightId::kRmsFinal:
      return "rms_final";
    case WeightId::kClassifier:
      return "classifier";
    case WeightId::kCount:
      break;
  }
  return "?";
}

std::int64_t WeightNumel(const LlamaConfig& c, WeightId id) {
  const std::int64_t d = c.dim, f = c.hidden_dim, l = c.n_layers, v = c.vocab_size;
  const std::int64_t kv = c.kv_dim();
  switch (id) {
    case WeightId::kTokenEmbedding:
      return v * d;
    case WeightId::kRmsAttention:
      return l * d;
    case WeightId::kWq:
      return l * d * d;
    case WeightId::kWk:
      return l * kv * d;
    case WeightId::kWv:
      return l * kv * d;
    case WeightId::kWo:
      return l * d * d;
    case WeightId::kRmsFfn:
      return l * d;
    case WeightId::kW1:
      return l * f * d;
    case WeightId::kW2:
      return l * d * f;
    case WeightId::kW3:
      return l * f * d;
    case WeightId::kRmsFinal:
      return d;
    case WeightId::kClassifier:
      return v * d;
    case WeightId::kCount:
      break;
  }
  return 0;
}

Result<LlamaWeights> LlamaWeights::Allocate(const LlamaConfig& config) {
  LlamaWeights weights(config);
  auto& offsets = weights.offsets_;
  std::int64_t total = 0;
  for (int i = 0; i < kWeightCount; ++i) {
    auto id = static_cast<WeightId>(i);
    if (id == WeightId::kClassifier && config.shared_classifier) {
      offsets[i] = offsets[static_cast<int>(WeightId::kTokenEmbedding)];
      continue;
    }
    offsets[i] = total;
    total += RoundUp(WeightNumel(config, id));
  }
  const std::size_t bytes = static_cast<std::size_t>(total) * sizeof(float);
  auto* raw = static_cast<float*>(std::aligned_alloc(64, bytes == 0 ? 64 : bytes));
  if (raw == nullptr) {
    return LimitError("cannot allocate " + std::to_string(bytes) + " bytes of model weights");
  }
  std::memset(raw, 0, bytes);
  weights.storage_.reset(raw);
  return weights;
}

std::span<const float> LlamaWeights::Tensor(WeightId id) const {
  const int i = static_cast<int>(id);
  return {storage_.get() + offsets_[i], static_cast<std::size_t>(WeightNumel(config_, id))};
}

std::span<float> LlamaWeights::MutableTensor(WeightId id) {
  const int i = static_cast<int>(id);
  return {storage_.get() + offsets_[i], static_cast<std::size_t>(WeightNumel(config_, id))};
}

}  // namespace engram::compute
