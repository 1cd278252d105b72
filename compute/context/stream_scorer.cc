#include "compute/context/stream_scorer.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "compute/context/context_encoder.h"
#include "compute/context/context_memory.h"
#include "compute/context/context_model.h"

namespace engram::compute::context {
namespace {

constexpr int kBos = 1;
const std::vector<std::pair<int, float>> kNoProposals;

// Records the memory layer's key and value of every step (besides reading the memory).
class CapturingReader final : public MemoryLayerHook {
 public:
  CapturingReader(MemoryReader* reader, int kv_width) : reader_(reader), kv_width_(kv_width) {}
  void AtMemoryLayer(const LayerVectors& vectors, MemoryTokens& fuse) override {
    keys.insert(keys.end(), vectors.keys.begin(), vectors.keys.end());
    values.insert(values.end(), vectors.values.begin(), vectors.values.end());
    if (reader_ != nullptr) reader_->AtMemoryLayer(vectors, fuse);
  }
  const float* Key(std::size_t step) const { return keys.data() + step * kv_width_; }
  const float* Value(std::size_t step) const { return values.data() + step * kv_width_; }
  std::vector<float> keys, values;

 private:
  MemoryReader* reader_;
  std::size_t kv_width_;
};

}  // namespace

Result<std::vector<double>> ScoreStream(const LlamaWeights& weights, std::span<const int> stream,
                                        const ScorerOptions& options) {
  const LlamaConfig& config = weights.config();
  if (options.window < 2 || options.window > config.seq_len) {
    return SyntaxError("the window must be within 2.." + std::to_string(config.seq_len));
  }
  ENGRAM_ASSIGN_OR_RETURN(ContextModel model, ContextModel::Create(weights, options.memory_layer));
  ENGRAM_ASSIGN_OR_RETURN(ContextSettings settings,
                          SettingsFor(config, options.memory_layer, options.chunk_tokens,
                                      options.window, options.cosine));
  ENGRAM_ASSIGN_OR_RETURN(ContextMemory memory, ContextMemory::Create(settings));
  MemoryReader reader(memory, config.n_heads, options.reader);

  std::vector<double> nll;
  nll.reserve(stream.size());
  std::vector<float> logits(static_cast<std::size_t>(config.vocab_size)), probs;
  const std::size_t per_segment = static_cast<std::size_t>(options.window) - 1;
  for (std::size_t begin = 0; begin < stream.size(); begin += per_segment) {
    const std::size_t end = std::min(stream.size(), begin + per_segment);
    model.Reset();
    CapturingReader hook(options.use_memory ? &reader : nullptr, config.kv_dim());
    // BOS, then the segment's tokens; step i predicts stream[begin + i].
    for (std::size_t i = begin; i < end; ++i) {
      const int fed = i == begin ? kBos : stream[i - 1];
      // The stream read so far within this segment, the fed token last (BOS: nothing).
      reader.SetRecent(i == begin ? std::span<const int>() : stream.subspan(0, i));
      ENGRAM_RETURN_IF_ERROR(model.Step(fed, &hook, logits));
      MixProposals(logits, options.use_memory ? reader.proposals() : kNoProposals,
                   options.lambda * reader.confidence(), probs);
      const int target = stream[i];
      if (target < 0 || target >= config.vocab_size) {
        return SyntaxError("token " + std::to_string(target) + " is out of the vocabulary");
      }
      nll.push_back(-std::log(std::max(probs[static_cast<std::size_t>(target)], 1e-30f)));
    }
    if (!options.use_memory) continue;
    // The segment's last token: its key and value (its prediction is not scored). The segment
    // used window - 1 positions, so this one is still inside the model's window.
    ENGRAM_RETURN_IF_ERROR(model.Step(stream[end - 1], &hook, logits));
    // Write after read: the segment's tokens as one block (steps 1.. of the hook; step 0 was
    // BOS), as EncodeContext makes it.
    const auto kv = static_cast<std::size_t>(config.kv_dim());
    std::vector<int> next(stream.begin() + static_cast<std::ptrdiff_t>(begin) + 1,
                          stream.begin() + static_cast<std::ptrdiff_t>(end));
    next.push_back(end < stream.size() ? stream[end] : -1);
    const ContextBlock block = MakeBlock(settings, begin, stream.subspan(begin, end - begin), next,
                                         std::span<const float>(hook.keys).subspan(kv),
                                         std::span<const float>(hook.values).subspan(kv));
    ENGRAM_RETURN_IF_ERROR(memory.AppendBlock(block, memory.block_count() + 1));
  }
  return nll;
}

}  // namespace engram::compute::context
