// The prefix record's attrs (docs/format.md §13) and the prefix key. Internal to the executor.
//
// Thread-safety: pure functions on values.
#ifndef ENGRAM_QUERY_EXECUTOR_PREFIX_HEADER_H_
#define ENGRAM_QUERY_EXECUTOR_PREFIX_HEADER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "compute/protocol/content_hash.h"
#include "engram/status.h"

namespace engram::query {

struct PrefixHeader {
  std::uint32_t tokens = 0;
  std::uint32_t layers = 0;
  std::uint32_t kv_dim = 0;
  Hash128 key;
  friend bool operator==(const PrefixHeader&, const PrefixHeader&) = default;
};

std::vector<std::byte> EncodePrefixHeader(const PrefixHeader& header);
// Errors: CORRUPT (bad magic, format, size or checksum; zero sizes).
Result<PrefixHeader> DecodePrefixHeader(std::span<const std::byte> bytes);

// The prefix key of `tokens` for the model with `fingerprint` (32 hex digits; format.md §13).
// Errors: CORRUPT when the fingerprint is not 32 hex digits.
Result<Hash128> PrefixKey(std::string_view fingerprint, std::span<const int> tokens);

}  // namespace engram::query

#endif  // ENGRAM_QUERY_EXECUTOR_PREFIX_HEADER_H_
