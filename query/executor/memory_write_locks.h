// Per-memory serialisation of autocommit writes (docs/query-language.md §6): the sessions of one
// database that write the same memory of the same tenant take turns from their first read to
// their commit, while writes to other memories go on beside them (a long WRITE … CONTEXT holds
// up only writers of its own memory). Internal to the executor.
//
// Thread-safety: Lock may be called from any thread; a Held is used by the thread that took it.
#ifndef ENGRAM_QUERY_EXECUTOR_MEMORY_WRITE_LOCKS_H_
#define ENGRAM_QUERY_EXECUTOR_MEMORY_WRITE_LOCKS_H_

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace engram::query {

class MemoryWriteLocks {
 public:
  // The lock of one memory, held until destroyed.
  class Held {
   public:
    explicit Held(std::shared_ptr<std::mutex> mutex) : mutex_(std::move(mutex)), lock_(*mutex_) {}
    Held(Held&&) = default;
    // Not assignable: replacing mutex_ first could destroy the mutex lock_ still holds.
    Held& operator=(Held&&) = delete;

   private:
    std::shared_ptr<std::mutex> mutex_;  // declared first: outlives the lock
    std::unique_lock<std::mutex> lock_;
  };

  // Blocks until no other Held of (tenant, memory) exists, then returns one.
  Held Lock(std::string_view tenant, std::string_view memory);

 private:
  std::mutex mutex_;
  // A memory's mutex lives while some session holds or waits for it.
  std::unordered_map<std::string, std::weak_ptr<std::mutex>> locks_;
};

}  // namespace engram::query

#endif  // ENGRAM_QUERY_EXECUTOR_MEMORY_WRITE_LOCKS_H_
