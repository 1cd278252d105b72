#include "compute/context/context_memory.h"

#include <algorithm>
#include <string>

namespace engram::compute::context {
namespace {

std::uint64_t TrigramKey(int a, int b, int c) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 42) ^
         (static_cast<std::uint64_t>(static_cast<std::uint32_t>(b)) << 21) ^
         static_cast<std::uint64_t>(static_cast<std::uint32_t>(c));
}

}  // namespace

Result<ContextMemory> ContextMemory::Create(const ContextSettings& settings) {
  if (settings.heads < 1 || settings.head_size < 1 || settings.chunk_tokens < 1) {
    return SyntaxError("a context memory needs heads, head_size and chunk_tokens >= 1");
  }
  ContextMemory memory(settings);
  memory.keys_.resize(settings.heads);
  memory.values_.resize(settings.heads);
  memory.chunk_keys_.resize(settings.heads);
  return memory;
}

Status ContextMemory::AppendBlock(const ContextBlock& block, std::int64_t block_id) {
  const auto n = static_cast<std::size_t>(block.token_count());
  const auto hs = static_cast<std::size_t>(settings_.head_size);
  const auto heads = static_cast<std::size_t>(settings_.heads);
  const int chunks = block.ChunkCount(settings_.chunk_tokens);
  if (n == 0 || block.next.size() != n || block.keys.size() != heads * n * hs ||
      block.values.size() != heads * n * hs ||
      block.chunk_keys.size() != heads * static_cast<std::size_t>(chunks) * hs) {
    return SyntaxError("a context block's arrays do not fit its " + std::to_string(n) +
                       " tokens and the memory's settings");
  }
  const auto first_token = static_cast<std::int64_t>(tokens_.size());
  tokens_.insert(tokens_.end(), block.tokens.begin(), block.tokens.end());
  for (std::int64_t i = std::max<std::int64_t>(first_token, 2); i < token_count(); ++i) {
    trigrams_[TrigramKey(tokens_[Index(i - 2)], tokens_[Index(i - 1)], tokens_[Index(i)])]
        .push_back(i);
  }
  next_.insert(next_.end(), block.next.begin(), block.next.end());
  for (std::size_t h = 0; h < heads; ++h) {
    keys_[h].insert(keys_[h].end(), block.keys.begin() + h * n * hs,
                    block.keys.begin() + (h + 1) * n * hs);
    values_[h].insert(values_[h].end(), block.values.begin() + h * n * hs,
                      block.values.begin() + (h + 1) * n * hs);
    chunk_keys_[h].insert(chunk_keys_[h].end(), block.chunk_keys.begin() + h * chunks * hs,
                          block.chunk_keys.begin() + (h + 1) * chunks * hs);
  }
  for (int c = 0; c < chunks; ++c) {
    const std::int64_t begin = first_token + static_cast<std::int64_t>(c) * settings_.chunk_tokens;
    chunk_begin_.push_back(begin);
    chunk_end_.push_back(std::min<std::int64_t>(begin + settings_.chunk_tokens,
                                                first_token + static_cast<std::int64_t>(n)));
    chunk_in_block_.push_back(c);
    token_chunk_.insert(token_chunk_.end(),
                        static_cast<std::size_t>(chunk_end_.back() - chunk_begin_.back()),
                        chunk_count() - 1);
    chunk_block_.push_back(block_ids_.size());
  }
  block_ids_.push_back(block_id);
  block_begin_.push_back(first_token);
  block_end_.push_back(first_token + static_cast<std::int64_t>(n));
  return Status::Ok();
}

std::size_t ContextMemory::Bytes() const {
  std::size_t floats = 0;
  for (int h = 0; h < settings_.heads; ++h) {
    floats += keys_[h].size() + values_[h].size() + chunk_keys_[h].size();
  }
  return floats * sizeof(float) + tokens_.size() * (2 * sizeof(int) + 2 * sizeof(std::int64_t)) +
         chunk_begin_.size() * (3 * sizeof(std::int64_t) + sizeof(std::size_t)) + 256;
}

const float* ContextMemory::TokenKey(int head, std::int64_t index) const {
  return keys_[head].data() + index * settings_.head_size;
}
const float* ContextMemory::TokenValue(int head, std::int64_t index) const {
  return values_[head].data() + index * settings_.head_size;
}
const float* ContextMemory::ChunkKey(int head, std::int64_t chunk) const {
  return chunk_keys_[head].data() + chunk * settings_.head_size;
}

std::span<const std::int64_t> ContextMemory::Trigram(int a, int b, int c) const {
  auto it = trigrams_.find(TrigramKey(a, b, c));
  if (it == trigrams_.end()) return {};
  return it->second;
}

std::vector<ChunkHit> ContextMemory::Search(int head, std::span<const float> probe, int k) const {
  std::vector<ChunkHit> hits;
  const std::int64_t n = chunk_count();
  hits.reserve(static_cast<std::size_t>(n));
  const int hs = settings_.head_size;
  const float* keys = chunk_keys_[head].data();
  for (std::int64_t c = 0; c < n; ++c) {
    float score = 0.0f;
    for (int d = 0; d < hs; ++d) score += probe[d] * keys[c * hs + d];
    hits.push_back({score, c});
  }
  const auto top = static_cast<std::ptrdiff_t>(std::min<std::int64_t>(std::max(k, 0), n));
  std::partial_sort(hits.begin(), hits.begin() + top, hits.end(),
                    [](const ChunkHit& a, const ChunkHit& b) {
                      return a.score != b.score ? a.score > b.score : a.chunk < b.chunk;
                    });
  hits.resize(static_cast<std::size_t>(top));
  return hits;
}

}  // namespace engram::compute::context
