#include "compute/protocol/content_hash.h"

#include <xxhash.h>

namespace engram {
namespace {

Hash128 FromXxh(XXH128_hash_t h) {
  return Hash128{h.high64, h.low64};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Hash128::ToHex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[static_cast<std::size_t>(i)] = kDigits[(high >> (60 - 4 * i)) & 0xF];
    out[static_cast<std::size_t>(16 + i)] = kDigits[(low >> (60 - 4 * i)) & 0xF];
  }
  return out;
}

std::optional<Hash128> Hash128::FromHex(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  Hash128 h;
  for (std::size_t i = 0; i < 32; ++i) {
    const int v = HexValue(hex[i]);
    if (v < 0) return std::nullopt;
    std::uint64_t& half = i < 16 ? h.high : h.low;
    half = (half << 4) | static_cast<std::uint64_t>(v);
  }
  return h;
}

Hash128 ContentHash(const void* data, std::size_t size) {
  return FromXxh(XXH3_128bits(data, size));
}

Hash128 ContentHash(std::string_view data) {
  return ContentHash(data.data(), data.size());
}

struct HashBuilder::State {
  XXH3_state_t* xxh = XXH3_createState();
  ~State() { XXH3_freeState(xxh); }
};

HashBuilder::HashBuilder() : state_(std::make_unique<State>()) {
  XXH3_128bits_reset(state_->xxh);
}

HashBuilder::~HashBuilder() = default;

void HashBuilder::Add(const void* data, std::size_t size) {
  XXH3_128bits_update(state_->xxh, data, size);
}

Hash128 HashBuilder::Finish() const {
  return FromXxh(XXH3_128bits_digest(state_->xxh));
}

}  // namespace engram
