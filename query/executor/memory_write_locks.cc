#include "query/executor/memory_write_locks.h"

namespace engram::query {

MemoryWriteLocks::Held MemoryWriteLocks::Lock(std::string_view tenant, std::string_view memory) {
  std::shared_ptr<std::mutex> mutex;
  {
    std::lock_guard guard(mutex_);
    // Forget the mutexes of memories nobody writes now, so the map stays as small as the
    // number of memories being written at once.
    if (locks_.size() >= 64) {
      for (auto it = locks_.begin(); it != locks_.end();) {
        it = it->second.expired() ? locks_.erase(it) : std::next(it);
      }
    }
    std::string key(tenant);
    key.push_back('\0');  // names cannot hold NUL: tenant and memory stay apart
    key.append(memory);
    std::weak_ptr<std::mutex>& slot = locks_[key];
    mutex = slot.lock();
    if (!mutex) {
      mutex = std::make_shared<std::mutex>();
      slot = mutex;
    }
  }
  return Held(std::move(mutex));  // waits outside mutex_
}

}  // namespace engram::query
