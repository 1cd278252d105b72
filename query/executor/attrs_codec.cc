#include "query/executor/attrs_codec.h"

#include <xxhash.h>

#include <string>
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

Result<ByteReader> OpenAttrs(std::span<const std::byte> bytes, const char (&magic)[4],
                             std::uint32_t format) {
  if (!ChecksumHolds(bytes)) return CorruptError("checksum mismatch");
  ByteReader r(bytes.first(bytes.size() - 8));
  char found[4];
  std::uint32_t found_format = 0;
  if (!r.GetBytes(found, 4) || std::memcmp(found, magic, 4) != 0) {
    return CorruptError("bad magic");
  }
  if (!r.Get(&found_format) || found_format != format) {
    return CorruptError("format " + std::to_string(found_format) + " (this build reads format " +
                        std::to_string(format) + ")");
  }
  return r;
}

}  // namespace engram::query::internal
