// An LRU cache of shared values bounded by bytes, where one value may be named by several keys
// (aliases): the co-process's cache of episodic memory states (docs/protocol.md §5.8), in
// which a state is named by the key of (checkpoint, ops) that produced it and, after a
// checkpoint, also by the key of (new checkpoint, no ops).
//
// Take() removes a value with all its names so that its owner can change it in place and
// Insert() it again under a new key: an episodic state holds ~20 MiB that a write must not copy.
//
// Not thread-safe: the episodic engine calls it under its own mutex.
#ifndef ENGRAM_COMPUTE_EPISODIC_STATE_CACHE_H_
#define ENGRAM_COMPUTE_EPISODIC_STATE_CACHE_H_

#include <algorithm>
#include <cstdint>
#include <list>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "compute/protocol/content_hash.h"

namespace engram::compute::episodic {

struct StateCacheStats {
  std::size_t entries = 0;  // values, not keys
  std::size_t keys = 0;
  std::size_t bytes = 0;
  std::size_t capacity = 0;
  std::uint64_t evictions = 0;
};

template <typename T>
class StateCache {
 public:
  explicit StateCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}

  // The value named `key` (marked as recently used), or nullptr.
  std::shared_ptr<T> Find(const Hash128& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->value;
  }

  // Removes the value named `key` and all its other names; nullptr when absent.
  std::shared_ptr<T> Take(const Hash128& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    const auto node = it->second;
    std::shared_ptr<T> value = std::move(node->value);
    Remove(node);
    return value;
  }

  // Stores `value` (of `bytes` bytes) under `key`, which stops naming any value it named before.
  // Evicts least recently used values to make room. A value larger than the capacity is not
  // stored (false).
  bool Insert(const Hash128& key, std::shared_ptr<T> value, std::size_t bytes) {
    Unname(key);
    if (bytes > capacity_) return false;
    while (bytes_ + bytes > capacity_ && !lru_.empty()) {
      Remove(std::prev(lru_.end()));
      ++evictions_;
    }
    lru_.push_front(Node{std::move(value), bytes, {key}});
    index_[key] = lru_.begin();
    bytes_ += bytes;
    return true;
  }

  // Makes `alias` another name of the value named `key` (false when `key` names nothing).
  bool Alias(const Hash128& key, const Hash128& alias) {
    if (key == alias) return index_.count(key) != 0;
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    const auto node = it->second;
    Unname(alias);
    node->keys.push_back(alias);
    index_[alias] = node;
    return true;
  }

  StateCacheStats Stats() const {
    return StateCacheStats{lru_.size(), index_.size(), bytes_, capacity_, evictions_};
  }

 private:
  struct Node {
    std::shared_ptr<T> value;
    std::size_t bytes = 0;
    std::vector<Hash128> keys;
  };
  using NodeIt = typename std::list<Node>::iterator;

  void Remove(NodeIt node) {
    for (const Hash128& k : node->keys) index_.erase(k);
    bytes_ -= node->bytes;
    lru_.erase(node);
  }

  // `key` stops naming its value; a value left without names is dropped.
  void Unname(const Hash128& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return;
    const auto node = it->second;
    index_.erase(it);
    node->keys.erase(std::find(node->keys.begin(), node->keys.end(), key));
    if (node->keys.empty()) Remove(node);
  }

  std::size_t capacity_;
  std::size_t bytes_ = 0;
  std::uint64_t evictions_ = 0;
  std::list<Node> lru_;  // front = most recently used
  std::unordered_map<Hash128, NodeIt, Hash128Hasher> index_;
};

}  // namespace engram::compute::episodic

#endif  // ENGRAM_COMPUTE_EPISODIC_STATE_CACHE_H_
