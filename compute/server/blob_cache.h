// The co-process's cache of blobs by content hash, so bulk tensors cross the socket once:
// the engine asks which hashes are present (BlobHas) and sends only the missing ones.
//
// Bounded by bytes; least recently used blobs are evicted first. A blob larger than the whole
// budget is refused (LIMIT). Thread-safe.
#ifndef ENGRAM_COMPUTE_SERVER_BLOB_CACHE_H_
#define ENGRAM_COMPUTE_SERVER_BLOB_CACHE_H_

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>

#include "compute/protocol/content_hash.h"
#include "compute/protocol/frame_codec.h"
#include "engram/status.h"

namespace engram::compute {

// An immutable cached blob; shared so a reader keeps it alive across an eviction.
using BlobBytes = std::shared_ptr<const protocol::FrameBuffer>;

struct BlobCacheStats {
  std::size_t blobs = 0;
  std::size_t bytes = 0;
  std::size_t capacity = 0;
  std::uint64_t evictions = 0;
};

class BlobCache {
 public:
  explicit BlobCache(std::size_t capacity_bytes);

  // Stores `data` under its content hash (verifying `expected` when given) and returns the hash.
  // Errors: CORRUPT (hash mismatch), LIMIT (larger than the cache).
  Result<Hash128> Put(std::span<const std::uint8_t> data, std::optional<Hash128> expected);

  bool Has(const Hash128& hash);
  // nullptr when absent.
  BlobBytes Get(const Hash128& hash);

  BlobCacheStats Stats() const;

 private:
  struct Entry {
    BlobBytes bytes;
    std::list<Hash128>::iterator lru;
  };
  void Touch(Entry& entry);

  mutable std::mutex mutex_;
  std::size_t capacity_;
  std::size_t bytes_ = 0;
  std::uint64_t evictions_ = 0;
  std::list<Hash128> lru_;  // front = most recent
  std::unordered_map<Hash128, Entry, Hash128Hasher> entries_;
};

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_SERVER_BLOB_CACHE_H_
