// WriteBatch: the record changes of one commit, collected in memory and applied atomically by
// Store::Commit. Tensor payloads are hashed when they are added, outside the store's write lock.
//
// A batch belongs to one tenant and is single-threaded. It may be committed once; a failed
// commit leaves the store unchanged and the batch intact, so it can be retried.
#ifndef ENGRAM_STORAGE_WRITE_BATCH_H_
#define ENGRAM_STORAGE_WRITE_BATCH_H_

#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/types.h"

namespace engram::storage {

class WriteBatch {
 public:
  // One pending change. `record` has its tensors described (hashes, blobs); `pieces` are the
  // blob payloads still to be stored, viewing bytes owned by `payloads`.
  struct Pending {
    bool tombstone = false;
    Record record;
    std::vector<std::pair<Hash128, std::string_view>> pieces;
    std::vector<std::shared_ptr<const std::vector<std::byte>>> payloads;
  };

  explicit WriteBatch(Tenant tenant) : tenant_(std::move(tenant)) {}

  const Tenant& tenant() const { return tenant_; }

  // Writes a new version of `key` holding `data`. A later Put/Tombstone of the same key in this
  // batch replaces this one. Errors: SYNTAX (bad memory name or kind 0), LIMIT (tensor over
  // 4 GiB, text or attrs over 64 MiB), INTERNAL (a tensor whose bytes do not match its shape).
  Status Put(const RecordKey& key, RecordData data);

  // Deletes `key` as of the new version (the commit fails with NOTFOUND if the record does not
  // exist at the head). Errors: SYNTAX (bad memory name).
  Status Tombstone(const RecordKey& key);

  // Optimistic concurrency: the commit fails with CONFLICT if any memory this batch touches
  // changed after version `base` (first committer wins).
  void ExpectUnchangedSince(Version base) { expect_unchanged_since_ = base; }
  std::optional<Version> expect_unchanged_since() const { return expect_unchanged_since_; }

  // Drops the pending change of `key` (no-op without one), as if it had never been added.
  void Erase(const RecordKey& key) { pending_.erase(key); }

  // The pending change of `key`, if the batch has one (read-your-writes for BEGIN ... COMMIT).
  const Pending* Find(const RecordKey& key) const;

  bool empty() const { return pending_.empty(); }
  std::size_t size() const { return pending_.size(); }
  const std::map<RecordKey, Pending>& pending() const { return pending_; }

 private:
  Tenant tenant_;
  std::map<RecordKey, Pending> pending_;
  std::optional<Version> expect_unchanged_since_;
};

}  // namespace engram::storage

#endif  // ENGRAM_STORAGE_WRITE_BATCH_H_
