#include "compute/context/context_block.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <string>

namespace engram::compute::context {
namespace {

static_assert(std::endian::native == std::endian::little,
              "block tensors are little-endian and copied as host memory");

template <typename T>
std::vector<std::uint8_t> Bytes(const std::vector<T>& values) {
  std::vector<std::uint8_t> out(values.size() * sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

template <typename T>
Result<std::vector<T>> Values(std::span<const std::uint8_t> bytes, std::size_t count,
                              const char* what) {
  if (bytes.size() != count * sizeof(T)) {
    return CorruptError(std::string("context block tensor ") + what + " holds " +
                        std::to_string(bytes.size()) + " bytes, expected " +
                        std::to_string(count * sizeof(T)));
  }
  std::vector<T> out(count);
  if (count > 0) std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

}  // namespace

std::array<std::vector<std::uint8_t>, kBlockTensors> BlockBytes(const ContextBlock& block) {
  return {Bytes(block.keys), Bytes(block.values), Bytes(block.chunk_keys), Bytes(block.tokens),
          Bytes(block.next)};
}

Result<ContextBlock> BlockFromBytes(
    const ContextSettings& settings, int vocab_size, std::uint64_t token_offset,
    const std::array<std::span<const std::uint8_t>, kBlockTensors>& bytes) {
  ContextBlock block;
  block.token_offset = token_offset;
  const std::size_t n = bytes[3].size() / sizeof(int);
  if (n == 0) return CorruptError("a context block holds no tokens");
  const auto per_head = static_cast<std::size_t>(settings.heads) * settings.head_size;
  ENGRAM_ASSIGN_OR_RETURN(block.tokens, Values<int>(bytes[3], n, "tokens"));
  ENGRAM_ASSIGN_OR_RETURN(block.next, Values<int>(bytes[4], n, "next"));
  ENGRAM_ASSIGN_OR_RETURN(block.keys, Values<float>(bytes[0], per_head * n, "keys"));
  ENGRAM_ASSIGN_OR_RETURN(block.values, Values<float>(bytes[1], per_head * n, "values"));
  const auto chunks = static_cast<std::size_t>(block.ChunkCount(settings.chunk_tokens));
  ENGRAM_ASSIGN_OR_RETURN(block.chunk_keys,
                          Values<float>(bytes[2], per_head * chunks, "chunk_keys"));
  for (std::size_t i = 0; i < n; ++i) {
    if (block.tokens[i] < 0 || block.tokens[i] >= vocab_size || block.next[i] < -1 ||
        block.next[i] >= vocab_size) {
      return CorruptError("a context block holds a token id outside the vocabulary");
    }
  }
  for (const auto* floats : {&block.keys, &block.values, &block.chunk_keys}) {
    for (const float v : *floats) {
      if (!std::isfinite(v)) return CorruptError("a context block holds a non-finite value");
    }
  }
  return block;
}

std::vector<float> ChunkKeysOf(const ContextSettings& settings, std::span<const float> keys,
                               int tokens) {
  const int hs = settings.head_size, csz = settings.chunk_tokens;
  const int chunks = (tokens + csz - 1) / csz;
  std::vector<float> out(static_cast<std::size_t>(settings.heads) * chunks * hs, 0.0f);
  for (int h = 0; h < settings.heads; ++h) {
    const float* head_keys = keys.data() + static_cast<std::size_t>(h) * tokens * hs;
    for (int c = 0; c < chunks; ++c) {
      float* mean = out.data() + (static_cast<std::size_t>(h) * chunks + c) * hs;
      const int begin = c * csz, end = std::min(tokens, begin + csz);
      for (int t = begin; t < end; ++t) {
        const float* key = head_keys + static_cast<std::size_t>(t) * hs;
        float scale = 1.0f;
        if (settings.cosine) {
          float norm = 0.0f;
          for (int d = 0; d < hs; ++d) norm += key[d] * key[d];
          scale = norm > 0.0f ? 1.0f / std::sqrt(norm) : 0.0f;
        }
        for (int d = 0; d < hs; ++d) mean[d] += scale * key[d];
      }
      float divisor = static_cast<float>(end - begin);
      if (settings.cosine) {
        float norm = 0.0f;
        for (int d = 0; d < hs; ++d) norm += mean[d] * mean[d];
        divisor = norm > 0.0f ? std::sqrt(norm) : 1.0f;
      }
      for (int d = 0; d < hs; ++d) mean[d] /= divisor;
    }
  }
  return out;
}

}  // namespace engram::compute::context
