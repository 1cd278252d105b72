// Store internals shared by the files that implement Store and ReadTxn. Internal to storage/.
#ifndef ENGRAM_STORAGE_STORE_IMPL_H_
#define ENGRAM_STORAGE_STORE_IMPL_H_

#include <lmdb.h>

#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/lmdb.h"
#include "storage/store.h"

namespace engram::storage {

inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::string_view kMagic = "engram.store";

struct Dbis {
  MDB_dbi meta = 0;
  MDB_dbi records = 0;
  MDB_dbi blobs = 0;
  MDB_dbi blob_refs = 0;
  MDB_dbi commits = 0;
  MDB_dbi memory_log = 0;
  MDB_dbi refs = 0;
  MDB_dbi audit = 0;

  // In dump order (docs/format.md §10).
  std::vector<std::pair<std::string_view, MDB_dbi>> All() const {
    return {{"meta", meta},           {"records", records}, {"blobs", blobs},
            {"blob_refs", blob_refs}, {"commits", commits}, {"memory_log", memory_log},
            {"refs", refs},           {"audit", audit}};
  }
};

struct Store::Impl {
  std::string dir;
  OpenOptions options;
  MDB_env* env = nullptr;
  Dbis dbi;
  int writer_lock_fd = -1;
  // A shared flock on open.lock held by every open Store of any process; Compact converts it
  // to exclusive, so it runs only when no other process has the database open.
  int open_lock_fd = -1;

  // Held shared by every live transaction, exclusively to resize or swap the map.
  mutable std::shared_timed_mutex env_mutex;
  // Held by Grow and Compact while they wait for env_mutex, and passed through by BeginRead
  // before it takes its shared lock: a stream of short readers cannot starve a map resize
  // (the rwlock under shared_timed_mutex prefers readers).
  mutable std::timed_mutex resize_gate;
  // Serialises this process's writers (LMDB would too, but we must not block holding env_mutex).
  std::mutex write_mutex;
  // Reset read transactions kept for renewal (MDB_NOTLS: their reader slots stay reserved).
  mutable std::mutex pool_mutex;
  mutable std::vector<MDB_txn*> pool;

  ~Impl();
  Status OpenEnv();
  void CloseEnv();

  // A read transaction (pooled) and the shared lock that keeps the map in place for it.
  Result<lmdb::Txn> BeginRead(std::shared_lock<std::shared_timed_mutex>* lock) const;
  void ReturnRead(lmdb::Txn txn) const;

  // Runs `fn` in a write transaction and commits it. On MAPFULL the map grows and `fn` runs
  // again from the start in a fresh transaction, so `fn` must only act through the txn.
  Status RunWrite(const std::function<Status(lmdb::Txn&)>& fn);
  Status Grow();
  // The compacting copy and swap, once Compact holds open.lock exclusively.
  Status CompactAlone();
};

// Checks meta's magic and format version (docs/format.md §4); with `fresh`, initialises an
// empty meta instead. (store.cc)
Status InitialiseOrCheckMeta(lmdb::Txn& txn, const Dbis& dbi, bool fresh);
Status CheckStoreMeta(lmdb::Txn& txn, const Dbis& dbi);

// ---- Transaction-level operations shared by reads and writes (store_ops.cc) ----

std::int64_t NowNs();
Result<Version> ReadMetaU64(const lmdb::Txn& txn, const Dbis& dbi, std::string_view key);
Status PutMetaU64(lmdb::Txn& txn, const Dbis& dbi, std::string_view key, std::uint64_t value);
Status PutU64(lmdb::Txn& txn, MDB_dbi dbi, std::string_view key, std::uint64_t value);

// The newest version <= as_of of the record with `prefix` (a keys::RecordPrefix): its version
// and raw value, or nullopt.
Result<std::optional<std::pair<Version, std::string>>> FindAsOf(const lmdb::Txn& txn,
                                                                const Dbis& dbi,
                                                                std::string_view prefix,
                                                                Version as_of);
// The same, decoded; nullopt also when the version found is a tombstone.
Result<std::optional<Record>> GetAsOf(const lmdb::Txn& txn, const Dbis& dbi, const Tenant& tenant,
                                      const RecordKey& key, Version as_of);

// OK when reads as of `version` are answerable (<= head, and retained or a snapshot's version).
Status CheckReadable(const lmdb::Txn& txn, const Dbis& dbi, const Tenant& tenant, Version version,
                     Version head);

// Calls fn(version, commit) for the commits in memory_log of `memory` with versions in
// [from, to], ascending, or descending with `backwards`; fn returns false to stop. Errors:
// CORRUPT (memory_log names a missing commit), those of the reads.
Status WalkMemoryLog(const lmdb::Txn& txn, const Dbis& dbi, const Tenant& tenant,
                     std::string_view memory, Version from, Version to, bool backwards,
                     const std::function<bool(Version, const CommitInfo&)>& fn);
// Records of `memory` changed by commits in (from, to], from memory_log and the commits.
Result<std::set<RecordKey>> ChangedBetween(const lmdb::Txn& txn, const Dbis& dbi,
                                           const Tenant& tenant, std::string_view memory,
                                           Version from, Version to);
// Records of `memory` that existed at `version` (live or tombstoned) and were purged by a
// commit in (version, head], from the commit log. (purge_trace.cc)
Result<std::vector<PurgedRecord>> PurgedSince(const lmdb::Txn& txn, const Dbis& dbi,
                                              const Tenant& tenant, std::string_view memory,
                                              Version version, Version head);
// Names of the tenant's memories that have any history.
Result<std::vector<std::string>> MemoriesWithHistory(const lmdb::Txn& txn, const Dbis& dbi,
                                                     const Tenant& tenant);

// Blob reference counting (docs/format.md §7).
Status AddBlobRef(lmdb::Txn& txn, const Dbis& dbi, const Hash128& hash,
                  std::optional<std::string_view> payload);
// Decrements; deletes the blob at zero and adds its payload size to *freed_bytes.
Result<bool> DropBlobRef(lmdb::Txn& txn, const Dbis& dbi, const Hash128& hash,
                         std::uint64_t* freed_bytes);
// Every blob hash a record names (one entry per naming).
std::vector<Hash128> BlobsOf(const Record& record);

// Names of the valid scopes for CheckReadable: the tenant's snapshot versions.
Result<std::set<Version>> SnapshotVersions(const lmdb::Txn& txn, const Dbis& dbi,
                                           const Tenant* tenant);

}  // namespace engram::storage

#endif  // ENGRAM_STORAGE_STORE_IMPL_H_
