// Internal to query/executor: the little-endian byte writer and reader of the mechanisms' record
// attrs (docs/format.md §11, §12), and their trailing XXH3-64 checksum.
//
// Thread-safety: plain values.
#ifndef ENGRAM_QUERY_EXECUTOR_ATTRS_CODEC_H_
#define ENGRAM_QUERY_EXECUTOR_ATTRS_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "engram/status.h"

namespace engram::query::internal {

class ByteWriter {
 public:
  template <typename T>
  void Put(T value) {
    std::byte raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T));  // little-endian hosts only (x86-64, aarch64)
    bytes_.insert(bytes_.end(), raw, raw + sizeof(T));
  }
  void PutBytes(const void* data, std::size_t size) {
    const auto* p = static_cast<const std::byte*>(data);
    bytes_.insert(bytes_.end(), p, p + size);
  }
  // Appends the XXH3-64 of everything written so far and hands the bytes out.
  std::vector<std::byte> FinishWithChecksum();
  std::vector<std::byte>& bytes() { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::byte> bytes) : bytes_(bytes) {}
  template <typename T>
  bool Get(T* value) {
    if (bytes_.size() - offset_ < sizeof(T)) return false;
    std::memcpy(value, bytes_.data() + offset_, sizeof(T));
    offset_ += sizeof(T);
    return true;
  }
  bool GetBytes(void* out, std::size_t size) {
    if (bytes_.size() - offset_ < size) return false;
    std::memcpy(out, bytes_.data() + offset_, size);
    offset_ += size;
    return true;
  }
  std::size_t remaining() const { return bytes_.size() - offset_; }

 private:
  std::span<const std::byte> bytes_;
  std::size_t offset_ = 0;
};

// Whether `bytes` ends with the XXH3-64 of what precedes it (false when shorter than 8 bytes).
bool ChecksumHolds(std::span<const std::byte> bytes);

// The preamble every header record's attrs share (format.md §11–§14): the trailing checksum,
// then a 4-byte magic and a u32 format. Returns a reader over the bytes between the format and
// the checksum. Errors: CORRUPT with the bare reason ("checksum mismatch", "bad magic",
// "format 3 (this build reads format 1)"), which the caller prefixes with the record's name.
Result<ByteReader> OpenAttrs(std::span<const std::byte> bytes, const char (&magic)[4],
                             std::uint32_t format);

}  // namespace engram::query::internal

#endif  // ENGRAM_QUERY_EXECUTOR_ATTRS_CODEC_H_
