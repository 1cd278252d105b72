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
  ChunkStoreOptions options;
  options.heads = settings.heads;
  options.head_dim = settings.head_size;
  options.capacity = options.limits.max_chunks;  // eviction is the store's (whole blocks)
  ENGRAM_ASSIGN_OR_RETURN(ChunkKeyStore chunk_keys, ChunkKeyStore::Create(options));
  ContextMemory memory(settings, std::move(chunk_keys));
  memory.keys_.resize(settings.heads);
  memory.values_.resize(settings.heads);
  return memory;
}

Status ContextMemory::AppendBlock(const ContextBlock& block, std::int64_t block_id,
                                  std::int64_t write) {
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
  // The chunk keys chunk-major, [chunks][heads][head_size], as the search store takes them.
  std::vector<float> chunk_major(heads * static_cast<std::size_t>(chunks) * hs);
  for (std::size_t h = 0; h < heads; ++h) {
    for (std::size_t c = 0; c < static_cast<std::size_t>(chunks); ++c) {
      std::copy_n(block.chunk_keys.begin() + (h * chunks + c) * hs, hs,
                  chunk_major.begin() + (c * heads + h) * hs);
    }
  }
  ENGRAM_RETURN_IF_ERROR(chunk_keys_.Append(chunk_major).status());
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
  block_write_.push_back(write);
  return Status::Ok();
}

std::pair<std::int64_t, std::int64_t> ContextMemory::TextAround(std::int64_t chunk,
                                                                std::int64_t radius) const {
  const std::size_t block = chunk_block_[Index(chunk)];
  const std::int64_t want_begin = ChunkBegin(chunk) - radius, want_end = ChunkEnd(chunk) + radius;
  std::size_t first = block, last = block;
  while (first > 0 && block_write_[first - 1] == block_write_[block] &&
         block_end_[first - 1] > want_begin) {
    --first;
  }
  while (last + 1 < block_ids_.size() && block_write_[last + 1] == block_write_[block] &&
         block_begin_[last + 1] < want_end) {
    ++last;
  }
  return {std::max(block_begin_[first], want_begin), std::min(block_end_[last], want_end)};
}

std::size_t ContextMemory::Bytes() const {
  std::size_t floats = 0;
  for (int h = 0; h < settings_.heads; ++h) {
    floats += keys_[h].size() + values_[h].size();
  }
  floats += static_cast<std::size_t>(chunk_count()) * settings_.heads * settings_.head_size;
  return floats * sizeof(float) + tokens_.size() * (2 * sizeof(int) + 2 * sizeof(std::int64_t)) +
         chunk_begin_.size() * (3 * sizeof(std::int64_t) + sizeof(std::size_t)) + 256;
}

const float* ContextMemory::TokenKey(int head, std::int64_t index) const {
  return keys_[head].data() + index * settings_.head_size;
}
const float* ContextMemory::TokenValue(int head, std::int64_t index) const {
  return values_[head].data() + index * settings_.head_size;
}
std::span<const float> ContextMemory::ChunkKey(int head, std::int64_t chunk) const {
  Result<std::span<const float>> key = chunk_keys_.Key(head, chunk);
  return key.ok() ? *key : std::span<const float>();
}

std::span<const std::int64_t> ContextMemory::Trigram(int a, int b, int c) const {
  auto it = trigrams_.find(TrigramKey(a, b, c));
  if (it == trigrams_.end()) return {};
  return it->second;
}

std::vector<ChunkHit> ContextMemory::Search(int head, std::span<const float> probe, int k) const {
  if (chunk_count() == 0 || k < 1) return {};
  Result<ChunkSearchResult> found = chunk_keys_.Search(head, probe, k);
  if (!found.ok()) return {};
  return std::move(found->hits);
}

}  // namespace engram::compute::context
