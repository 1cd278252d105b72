#include "compute/context/context_encoder.h"

#include <algorithm>
#include <string>

#include "compute/context/context_model.h"

namespace engram::compute::context {
namespace {

constexpr int kBos = 1;

// Records the memory layer's key and value rows of every step.
class Capture final : public MemoryLayerHook {
 public:
  void AtMemoryLayer(const LayerVectors& vectors, MemoryTokens&) override {
    keys.insert(keys.end(), vectors.keys.begin(), vectors.keys.end());
    values.insert(values.end(), vectors.values.begin(), vectors.values.end());
  }
  std::vector<float> keys, values;
};

}  // namespace

Result<ContextSettings> SettingsFor(const LlamaConfig& config, int layer, int chunk_tokens,
                                    int window, bool cosine) {
  if (layer < 0 || layer >= config.n_layers) {
    return SyntaxError("the memory layer must be within 0.." + std::to_string(config.n_layers - 1) +
                       ", got " + std::to_string(layer));
  }
  if (chunk_tokens < 1 || chunk_tokens > 256) {
    return SyntaxError("chunk_tokens must be within 1..256, got " + std::to_string(chunk_tokens));
  }
  if (window < 2 || window > config.seq_len) {
    return SyntaxError("the window must be within 2.." + std::to_string(config.seq_len) + ", got " +
                       std::to_string(window));
  }
  ContextSettings s;
  s.layer = layer;
  s.chunk_tokens = chunk_tokens;
  s.window = window;
  s.heads = config.n_kv_heads;
  s.head_size = config.head_size();
  s.cosine = cosine;
  return s;
}

ContextBlock MakeBlock(const ContextSettings& settings, std::uint64_t token_offset,
                       std::span<const int> tokens, std::span<const int> next,
                       std::span<const float> keys, std::span<const float> values) {
  const auto n = tokens.size();
  const auto hs = static_cast<std::size_t>(settings.head_size);
  const auto heads = static_cast<std::size_t>(settings.heads);
  ContextBlock block;
  block.token_offset = token_offset;
  block.tokens.assign(tokens.begin(), tokens.end());
  block.next.assign(next.begin(), next.end());
  block.keys.resize(heads * n * hs);
  block.values.resize(heads * n * hs);
  for (std::size_t t = 0; t < n; ++t) {
    for (std::size_t h = 0; h < heads; ++h) {
      std::copy_n(keys.begin() + (t * heads + h) * hs, hs, block.keys.begin() + (h * n + t) * hs);
      std::copy_n(values.begin() + (t * heads + h) * hs, hs,
                  block.values.begin() + (h * n + t) * hs);
    }
  }
  block.chunk_keys = ChunkKeysOf(settings, block.keys, static_cast<int>(n));
  return block;
}

Result<std::vector<ContextBlock>> EncodeContext(
    const LlamaWeights& weights, const ContextSettings& settings, std::span<const int> tokens,
    const std::function<bool(std::size_t encoded)>& progress) {
  const LlamaConfig& config = weights.config();
  if (tokens.empty()) return SyntaxError("there is no text to encode");
  if (settings.heads != config.n_kv_heads || settings.head_size != config.head_size()) {
    return SyntaxError("the context settings do not fit the model");
  }
  for (const int t : tokens) {
    if (t < 0 || t >= config.vocab_size) {
      return SyntaxError("token " + std::to_string(t) + " is outside the vocabulary");
    }
  }
  ENGRAM_ASSIGN_OR_RETURN(ContextModel model, ContextModel::Create(weights, settings.layer));
  std::vector<float> logits(static_cast<std::size_t>(config.vocab_size));
  std::vector<ContextBlock> blocks;
  const std::size_t per_block = static_cast<std::size_t>(settings.window) - 1;
  std::vector<int> next;
  for (std::size_t begin = 0; begin < tokens.size(); begin += per_block) {
    const std::size_t end = std::min(tokens.size(), begin + per_block);
    model.Reset();
    Capture capture;
    ENGRAM_RETURN_IF_ERROR(model.Step(kBos, nullptr, logits));
    for (std::size_t i = begin; i < end; ++i) {
      ENGRAM_RETURN_IF_ERROR(model.Step(tokens[i], &capture, logits));
    }
    next.assign(tokens.begin() + static_cast<std::ptrdiff_t>(begin) + 1,
                tokens.begin() + static_cast<std::ptrdiff_t>(end));
    next.push_back(end < tokens.size() ? tokens[end] : -1);
    blocks.push_back(MakeBlock(settings, begin, tokens.subspan(begin, end - begin), next,
                               capture.keys, capture.values));
    if (progress && !progress(end)) return ComputeError("the encoding was cancelled");
  }
  return blocks;
}

}  // namespace engram::compute::context
