// Content hashes: XXH3-128 of a byte string. Blobs are named by their content hash on the
// wire and in the co-process cache, and models by a hash of their contents (the fingerprint).
//
// Thread-safety: free functions are reentrant; a HashBuilder is single-threaded.
#ifndef ENGRAM_COMPUTE_PROTOCOL_CONTENT_HASH_H_
#define ENGRAM_COMPUTE_PROTOCOL_CONTENT_HASH_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace engram {

struct Hash128 {
  std::uint64_t high = 0;
  std::uint64_t low = 0;

  // 32 lower-case hex digits, high half first (the canonical XXH128 text form).
  std::string ToHex() const;
  static std::optional<Hash128> FromHex(std::string_view hex);

  friend bool operator==(const Hash128&, const Hash128&) = default;
};

struct Hash128Hasher {
  std::size_t operator()(const Hash128& h) const { return static_cast<std::size_t>(h.low); }
};

// XXH3-128 of `data`.
Hash128 ContentHash(std::string_view data);
Hash128 ContentHash(const void* data, std::size_t size);

// Incremental XXH3-128 over several pieces; Finish() equals ContentHash of their concatenation.
class HashBuilder {
 public:
  HashBuilder();
  ~HashBuilder();
  HashBuilder(const HashBuilder&) = delete;
  HashBuilder& operator=(const HashBuilder&) = delete;

  void Add(const void* data, std::size_t size);
  void Add(std::string_view data) { Add(data.data(), data.size()); }
  Hash128 Finish() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace engram

#endif  // ENGRAM_COMPUTE_PROTOCOL_CONTENT_HASH_H_
