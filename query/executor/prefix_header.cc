#include "query/executor/prefix_header.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "query/executor/attrs_codec.h"

namespace engram::query {
namespace {

constexpr char kMagic[4] = {'P', 'X', 'H', 'D'};
constexpr std::uint32_t kPrefixFormat = 1;
constexpr std::size_t kBytes = 44;
constexpr std::size_t kKeyRun = 256;

Status Corrupt(const std::string& what) {
  return Status::Error(ErrorCode::kCorrupt, "prefix record: " + what);
}

}  // namespace

std::vector<std::byte> EncodePrefixHeader(const PrefixHeader& h) {
  internal::ByteWriter w;
  w.PutBytes(kMagic, sizeof(kMagic));
  w.Put<std::uint32_t>(kPrefixFormat);
  w.Put<std::uint32_t>(h.tokens);
  w.Put<std::uint32_t>(h.layers);
  w.Put<std::uint32_t>(h.kv_dim);
  w.Put<std::uint64_t>(h.key.high);
  w.Put<std::uint64_t>(h.key.low);
  return w.FinishWithChecksum();
}

Result<PrefixHeader> DecodePrefixHeader(std::span<const std::byte> bytes) {
  if (bytes.size() != kBytes) return Corrupt("wrong size");
  Result<internal::ByteReader> opened = internal::OpenAttrs(bytes, kMagic, kPrefixFormat);
  if (!opened.ok()) return Corrupt(opened.status().message());
  internal::ByteReader& r = *opened;
  PrefixHeader h;
  r.Get(&h.tokens);
  r.Get(&h.layers);
  r.Get(&h.kv_dim);
  r.Get(&h.key.high);
  r.Get(&h.key.low);
  if (h.tokens == 0 || h.layers == 0 || h.kv_dim == 0) return Corrupt("invalid sizes");
  return h;
}

Result<Hash128> PrefixKey(std::string_view fingerprint, std::span<const int> tokens) {
  if (fingerprint.size() != 32) return Corrupt("a model fingerprint of 32 hex digits is needed");
  std::uint8_t bytes[16];
  for (std::size_t i = 0; i < 16; ++i) {
    const auto digit = [&](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int hi = digit(fingerprint[2 * i]), lo = digit(fingerprint[2 * i + 1]);
    if (hi < 0 || lo < 0) return Corrupt("a model fingerprint of 32 hex digits is needed");
    bytes[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  Hash128 key;
  {
    HashBuilder h;
    h.Add(std::string_view("engram-prefix-v1"));
    h.Add(bytes, sizeof(bytes));
    key = h.Finish();
  }
  for (std::size_t at = 0; at < tokens.size(); at += kKeyRun) {
    const std::size_t n = std::min(kKeyRun, tokens.size() - at);
    HashBuilder h;
    h.Add(&key.high, sizeof(key.high));
    h.Add(&key.low, sizeof(key.low));
    h.Add(tokens.data() + at, n * sizeof(int));
    key = h.Finish();
  }
  return key;
}

}  // namespace engram::query
