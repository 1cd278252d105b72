#include "compute/server/blob_cache.h"

#include <cstring>
#include <new>

namespace engram::compute {

BlobCache::BlobCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}

Result<Hash128> BlobCache::Put(std::span<const std::uint8_t> data,
                               std::optional<Hash128> expected) {
  const Hash128 hash = ContentHash(data.data(), data.size());
  if (expected && !(*expected == hash)) {
    return CorruptError("blob content hash " + hash.ToHex() + " differs from the expected " +
                        expected->ToHex());
  }
  if (data.size() > capacity_) {
    return LimitError("blob of " + std::to_string(data.size()) + " bytes exceeds the cache of " +
                      std::to_string(capacity_) + " bytes");
  }
  std::shared_ptr<protocol::FrameBuffer> copy;
  try {
    copy = std::make_shared<protocol::FrameBuffer>(data.size());
  } catch (const std::bad_alloc&) {
    return LimitError("no memory for a blob of " + std::to_string(data.size()) + " bytes");
  }
  if (!data.empty()) std::memcpy(copy->data(), data.data(), data.size());

  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(hash); it != entries_.end()) {
    Touch(it->second);
    return hash;
  }
  while (bytes_ + data.size() > capacity_ && !lru_.empty()) {
    auto victim = entries_.find(lru_.back());
    bytes_ -= victim->second.bytes->size();
    entries_.erase(victim);
    lru_.pop_back();
    ++evictions_;
  }
  lru_.push_front(hash);
  entries_.emplace(hash, Entry{std::move(copy), lru_.begin()});
  bytes_ += data.size();
  return hash;
}

bool BlobCache::Has(const Hash128& hash) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(hash);
  if (it == entries_.end()) return false;
  Touch(it->second);
  return true;
}

BlobBytes BlobCache::Get(const Hash128& hash) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(hash);
  if (it == entries_.end()) return nullptr;
  Touch(it->second);
  return it->second.bytes;
}

BlobCacheStats BlobCache::Stats() const {
  std::lock_guard lock(mutex_);
  return {entries_.size(), bytes_, capacity_, evictions_};
}

void BlobCache::Touch(Entry& entry) {
  lru_.splice(lru_.begin(), lru_, entry.lru);
}

}  // namespace engram::compute
