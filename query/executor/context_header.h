// The context memory's records (docs/format.md §12): the header, one record per write and one
// per block — their attrs bytes. Encoding and decoding only. Internal to the executor.
//
// Thread-safety: pure functions on values.
#ifndef ENGRAM_QUERY_EXECUTOR_CONTEXT_HEADER_H_
#define ENGRAM_QUERY_EXECUTOR_CONTEXT_HEADER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engram/status.h"

namespace engram::query {

inline constexpr std::uint32_t kContextHeaderFormat = 1;
inline constexpr std::uint64_t kContextHeaderId = 0;  // context_state record 0; writes are 1..

struct ContextHeader {
  std::uint32_t layer = 0;
  std::uint32_t chunk_tokens = 1;
  std::uint32_t window = 256;
  std::uint32_t heads = 0;
  std::uint32_t head_size = 0;
  bool cosine = true;
  std::uint64_t max_chunks = 0;
  std::uint64_t next_write = 1;
  std::uint64_t next_block = 1;
  std::uint64_t live_chunks = 0;
  std::uint64_t live_tokens = 0;
  std::uint64_t evicted_chunks = 0;
  std::array<std::uint8_t, 16> uid{};
  friend bool operator==(const ContextHeader&, const ContextHeader&) = default;
};

struct ContextWriteInfo {
  std::uint64_t tokens = 0;
  std::uint64_t first_block = 0;
  std::uint64_t blocks = 0;
  std::uint64_t chunks = 0;
  friend bool operator==(const ContextWriteInfo&, const ContextWriteInfo&) = default;
};

struct ContextBlockInfo {
  std::uint64_t write = 0;
  std::uint64_t token_offset = 0;  // its first token's index in the write
  std::uint64_t chunk_offset = 0;  // its first chunk's index in the write
  std::uint32_t tokens = 0;
  std::uint32_t chunks = 0;
  friend bool operator==(const ContextBlockInfo&, const ContextBlockInfo&) = default;
};

std::vector<std::byte> EncodeContextHeader(const ContextHeader& header);
std::vector<std::byte> EncodeContextWrite(const ContextWriteInfo& write);
std::vector<std::byte> EncodeContextBlock(const ContextBlockInfo& block);

// Errors: CORRUPT (bad magic, unknown format, truncated, checksum mismatch, invalid values).
Result<ContextHeader> DecodeContextHeader(std::span<const std::byte> bytes);
Result<ContextWriteInfo> DecodeContextWrite(std::span<const std::byte> bytes);
Result<ContextBlockInfo> DecodeContextBlock(std::span<const std::byte> bytes);

}  // namespace engram::query

#endif  // ENGRAM_QUERY_EXECUTOR_CONTEXT_HEADER_H_
