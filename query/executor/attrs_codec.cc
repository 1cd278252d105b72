#include "query/executor/attrs_codec.h"

#include <xxhash.h>

#include <utility>

namespace engram::query::internal {

std::vector<std::byte> ByteWriter::FinishWithChecksum() {
  Put<std::uint64_t>(XXH3_64bits(bytes_.data(), bytes_.size()));
  return std::move(bytes_);
}

bool ChecksumHolds(std::span<const std::byte> bytes) {
  if (bytes.size() < 8) return false;
  std::uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  return XXH3_64bits(bytes.data(), bytes.size() - 8) == stored;
}

}  // namespace engram::query::internal
