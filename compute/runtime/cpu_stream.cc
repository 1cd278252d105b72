#include "compute/runtime/cpu_stream.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

namespace engram::compute {

Status CheckStreamStep(const LlamaConfig& c, int position, int token, std::size_t logits_size) {
  if (position >= c.seq_len) {
    return LimitError("the stream is at the model's window of " + std::to_string(c.seq_len) +
                      " positions");
  }
  if (token < 0 || token >= c.vocab_size) {
    return SyntaxError("token " + std::to_string(token) + " is out of the vocabulary");
  }
  if (logits_size < static_cast<std::size_t>(c.vocab_size)) {
    return SyntaxError("the logits buffer is smaller than the vocabulary");
  }
  return Status::Ok();
}

Status CheckKvImport(const LlamaConfig& c, int count, int use, std::size_t keys_size,
                     std::size_t values_size) {
  if (count < 0 || count > c.seq_len) {
    return LimitError("a prefix of " + std::to_string(count) +
                      " positions does not fit the window of " + std::to_string(c.seq_len));
  }
  if (use < 0 || use > count) return SyntaxError("ImportKv: use must be within 0..count");
  const std::size_t expected = static_cast<std::size_t>(c.n_layers) *
                               static_cast<std::size_t>(count) *
                               static_cast<std::size_t>(c.kv_dim());
  if (keys_size != expected || values_size != expected) {
    return SyntaxError("a prefix's keys and values must be [layers][positions][kv_dim]");
  }
  return Status::Ok();
}

Result<CpuStream> CpuStream::Create(const CpuModel& model, std::string_view isa) {
  CpuForwardFn forward = isa.empty() ? SelectCpuForward(nullptr) : CpuForwardByName(isa);
  if (forward == nullptr) {
    return ModelError("CPU kernels '" + std::string(isa) + "' are unknown or unsupported here");
  }
  if (model.config.head_size() > kCpuMaxHeadSize) {
    return ModelError("head size " + std::to_string(model.config.head_size()) +
                      " exceeds the fused CPU kernels' " + std::to_string(kCpuMaxHeadSize));
  }
  try {
    return CpuStream(model, forward);
  } catch (const std::bad_alloc&) {
    return LimitError("not enough memory for a KV cache");
  }
}

CpuStream::CpuStream(const CpuModel& model, CpuForwardFn forward)
    : model_(&model),
      forward_(forward),
      keys_(CpuKvCacheFloats(model)),
      values_(CpuKvCacheFloats(model)),
      scratch_(CpuScratchFloats(model)) {
  // Attention reads whole padded blocks, weighting positions past the current one by zero: the
  // cache must hold finite values there.
  std::memset(keys_.data(), 0, keys_.size() * sizeof(float));
  std::memset(values_.data(), 0, values_.size() * sizeof(float));
}

template <typename Visit>
void CpuStream::ForEachCached(int positions, int canonical_positions, Visit&& visit) const {
  // The cache is [layer][kv_head][position block][head_size][kCpuKvBlock] (cpu_forward.h); the
  // canonical layout is [layer][position][kv_head][head_size].
  const LlamaConfig& c = config();
  const std::size_t hs = static_cast<std::size_t>(c.head_size());
  const std::size_t kv_heads = static_cast<std::size_t>(c.n_kv_heads);
  const std::size_t head_floats = hs * static_cast<std::size_t>(model_->seq_stride);
  const std::size_t kv_dim = kv_heads * hs;
  for (std::size_t l = 0; l < static_cast<std::size_t>(c.n_layers); ++l) {
    for (std::size_t p = 0; p < static_cast<std::size_t>(positions); ++p) {
      const std::size_t canonical =
          (l * static_cast<std::size_t>(canonical_positions) + p) * kv_dim;
      const std::size_t block = (p / kCpuKvBlock) * hs * kCpuKvBlock + p % kCpuKvBlock;
      for (std::size_t g = 0; g < kv_heads; ++g) {
        const std::size_t cached = (l * kv_heads + g) * head_floats + block;
        for (std::size_t i = 0; i < hs; ++i) {
          visit(cached + i * kCpuKvBlock, canonical + g * hs + i);
        }
      }
    }
  }
}

Status CpuStream::Step(int token, std::span<float> logits) {
  ENGRAM_RETURN_IF_ERROR(CheckStreamStep(config(), position_, token, logits.size()));
  const LlamaConfig& c = config();
  const KvCacheView cache{keys_.data(), values_.data()};
  CpuForwardArgs args;
  args.model = model_;
  args.rows = 1;
  args.tokens = &token;
  args.positions = &position_;
  args.caches = &cache;
  args.logits = logits.data();
  args.logits_stride = c.vocab_size;
  args.scratch = scratch_.data();
  forward_(args);
  ++position_;
  return Status::Ok();
}

void CpuStream::ExportKv(std::vector<float>& keys, std::vector<float>& values) const {
  const LlamaConfig& c = config();
  keys.resize(static_cast<std::size_t>(c.n_layers) * static_cast<std::size_t>(position_) *
              static_cast<std::size_t>(c.kv_dim()));
  values.resize(keys.size());
  ForEachCached(position_, position_, [&](std::size_t cached, std::size_t canonical) {
    keys[canonical] = keys_.data()[cached];
    values[canonical] = values_.data()[cached];
  });
}

Status CpuStream::ImportKv(int count, int use, std::span<const float> keys,
                           std::span<const float> values) {
  ENGRAM_RETURN_IF_ERROR(CheckKvImport(config(), count, use, keys.size(), values.size()));
  if (position_ > 0) {  // a used stream starts clean, as a new one does
    std::memset(keys_.data(), 0, keys_.size() * sizeof(float));
    std::memset(values_.data(), 0, values_.size() * sizeof(float));
  }
  ForEachCached(use, count, [&](std::size_t cached, std::size_t canonical) {
    keys_.data()[cached] = keys[canonical];
    values_.data()[cached] = values[canonical];
  });
  position_ = use;
  return Status::Ok();
}

}  // namespace engram::compute
