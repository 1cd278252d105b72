#include "compute/context/context_memory.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace engram::compute::context {

Result<ContextMemory> ContextMemory::Create(const ContextMemoryOptions& options) {
  if (options.heads < 1 || options.head_size < 1 || options.chunk_tokens < 1 ||
      options.max_chunks < 0) {
    return SyntaxError(
        "a context memory needs heads, head_size and chunk_tokens >= 1 and "
        "max_chunks >= 0");
  }
  ContextMemory memory(options);
  memory.keys_.resize(options.heads);
  memory.values_.resize(options.heads);
  memory.chunk_keys_.resize(options.heads);
  return memory;
}

std::int64_t ContextMemory::tail_tokens() const {
  return token_base_ + static_cast<std::int64_t>(tokens_.size()) - open_begin_;
}

Status ContextMemory::Append(int token, std::int64_t source, std::span<const float> keys,
                             std::span<const float> values) {
  const auto width = static_cast<std::size_t>(options_.heads) * options_.head_size;
  if (keys.size() != width || values.size() != width) {
    return SyntaxError("a token's keys and values must have heads x head_size values");
  }
  const std::int64_t index = token_base_ + static_cast<std::int64_t>(tokens_.size());
  if (tail_tokens() > 0 && sources_.back() != source) Seal();
  // The previous token of the same source now knows what followed it.
  if (!tokens_.empty() && sources_.back() == source) continuations_.back() = token;
  tokens_.push_back(token);
  continuations_.push_back(-1);
  sources_.push_back(source);
  const auto hs = static_cast<std::size_t>(options_.head_size);
  for (int h = 0; h < options_.heads; ++h) {
    keys_[h].insert(keys_[h].end(), keys.begin() + h * hs, keys.begin() + (h + 1) * hs);
    values_[h].insert(values_[h].end(), values.begin() + h * hs, values.begin() + (h + 1) * hs);
  }
  if (tail_tokens() == options_.chunk_tokens) CloseChunk(index + 1);
  return Status::Ok();
}

void ContextMemory::Seal() {
  if (tail_tokens() > 0) CloseChunk(token_base_ + static_cast<std::int64_t>(tokens_.size()));
}

void ContextMemory::CloseChunk(std::int64_t end) {
  const auto hs = static_cast<std::size_t>(options_.head_size);
  const std::int64_t begin = open_begin_;
  for (int h = 0; h < options_.heads; ++h) {
    std::vector<float> mean(hs, 0.0f);
    for (std::int64_t i = begin; i < end; ++i) {
      const float* key = TokenKey(h, i);
      float scale = 1.0f;
      if (options_.normalize_keys) {
        float norm = 0.0f;
        for (std::size_t d = 0; d < hs; ++d) norm += key[d] * key[d];
        scale = norm > 0.0f ? 1.0f / std::sqrt(norm) : 0.0f;
      }
      for (std::size_t d = 0; d < hs; ++d) mean[d] += scale * key[d];
    }
    float norm = 0.0f;
    for (const float v : mean) norm += v * v;
    const float divisor = options_.normalize_keys ? (norm > 0.0f ? std::sqrt(norm) : 1.0f)
                                                  : static_cast<float>(end - begin);
    for (float& v : mean) v /= divisor;
    chunk_keys_[h].insert(chunk_keys_[h].end(), mean.begin(), mean.end());
  }
  chunk_begin_.push_back(begin);
  chunk_end_.push_back(end);
  chunk_source_.push_back(sources_[static_cast<std::size_t>(begin - token_base_)]);
  open_begin_ = end;
  Evict();
}

void ContextMemory::Evict() {
  if (options_.max_chunks == 0 || chunk_count() <= options_.max_chunks) return;
  const std::int64_t drop = chunk_count() - options_.max_chunks;
  const std::int64_t new_base = chunk_begin_[static_cast<std::size_t>(drop)];
  const auto tokens = static_cast<std::ptrdiff_t>(new_base - token_base_);
  const auto hs = static_cast<std::ptrdiff_t>(options_.head_size);
  tokens_.erase(tokens_.begin(), tokens_.begin() + tokens);
  continuations_.erase(continuations_.begin(), continuations_.begin() + tokens);
  sources_.erase(sources_.begin(), sources_.begin() + tokens);
  for (int h = 0; h < options_.heads; ++h) {
    keys_[h].erase(keys_[h].begin(), keys_[h].begin() + tokens * hs);
    values_[h].erase(values_[h].begin(), values_[h].begin() + tokens * hs);
    chunk_keys_[h].erase(chunk_keys_[h].begin(), chunk_keys_[h].begin() + drop * hs);
  }
  chunk_begin_.erase(chunk_begin_.begin(), chunk_begin_.begin() + drop);
  chunk_end_.erase(chunk_end_.begin(), chunk_end_.begin() + drop);
  chunk_source_.erase(chunk_source_.begin(), chunk_source_.begin() + drop);
  token_base_ = new_base;
  first_chunk_ += drop;
  evicted_ += drop;
}

std::int64_t ContextMemory::ChunkBegin(std::int64_t chunk) const {
  return chunk_begin_[static_cast<std::size_t>(chunk - first_chunk_)];
}
std::int64_t ContextMemory::ChunkEnd(std::int64_t chunk) const {
  return chunk_end_[static_cast<std::size_t>(chunk - first_chunk_)];
}
std::int64_t ContextMemory::ChunkSource(std::int64_t chunk) const {
  return chunk_source_[static_cast<std::size_t>(chunk - first_chunk_)];
}
int ContextMemory::Token(std::int64_t index) const {
  return tokens_[static_cast<std::size_t>(index - token_base_)];
}
int ContextMemory::Continuation(std::int64_t index) const {
  return continuations_[static_cast<std::size_t>(index - token_base_)];
}
const float* ContextMemory::TokenKey(int head, std::int64_t index) const {
  return keys_[head].data() + (index - token_base_) * options_.head_size;
}
const float* ContextMemory::TokenValue(int head, std::int64_t index) const {
  return values_[head].data() + (index - token_base_) * options_.head_size;
}
const float* ContextMemory::ChunkKey(int head, std::int64_t chunk) const {
  return chunk_keys_[head].data() + (chunk - first_chunk_) * options_.head_size;
}

std::vector<ChunkHit> ContextMemory::Search(int head, std::span<const float> probe, int k) const {
  std::vector<ChunkHit> hits;
  const std::int64_t n = chunk_count();
  hits.reserve(static_cast<std::size_t>(n));
  const int hs = options_.head_size;
  const float* keys = chunk_keys_[head].data();
  for (std::int64_t c = 0; c < n; ++c) {
    float score = 0.0f;
    for (int d = 0; d < hs; ++d) score += probe[d] * keys[c * hs + d];
    hits.push_back({score, first_chunk_ + c});
  }
  const auto top = static_cast<std::ptrdiff_t>(std::min<std::int64_t>(k, n));
  std::partial_sort(hits.begin(), hits.begin() + top, hits.end(),
                    [](const ChunkHit& a, const ChunkHit& b) {
                      return a.score != b.score ? a.score > b.score : a.chunk < b.chunk;
                    });
  hits.resize(static_cast<std::size_t>(top));
  return hits;
}

}  // namespace engram::compute::context
