// Store: engram's versioned, transactional record store on LMDB (docs/format.md).
//
// A Store is one database directory opened by one process. Every change is a commit with a new
// version; every record keeps its versions, so reads can be made "as of" any retained version,
// memories can be snapshotted, diffed and rolled back, and forgetting comes in three documented
// strengths (tombstone, PURGE, compaction).
//
// Processes: one process may open a database for writing (a second gets CONFLICT); any number
// may open it read-only at the same time.
// Threads: a Store is thread-safe. Writes are serialised inside the store; reads run in
// parallel with each other and with the writer, each on its own snapshot (ReadTxn).
// Lifetime: ReadTxns and TensorViews must not outlive the Store that made them.
//
// Errors every call may return besides those listed: CORRUPT (stored bytes failed a checksum or
// a structural check), INTERNAL (an LMDB failure that is not one of the above), READONLY (a
// write on a store opened read-only), MAPFULL (the map reached OpenOptions::max_map_bytes).
#ifndef ENGRAM_STORAGE_STORE_H_
#define ENGRAM_STORAGE_STORE_H_

#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/types.h"
#include "storage/write_batch.h"

namespace engram::storage {

struct OpenOptions {
  bool read_only = false;
  // Create the directory and an empty database when missing (never for read_only).
  bool create_if_missing = true;
  std::uint64_t initial_map_bytes = std::uint64_t{1} << 30;
  std::uint64_t max_map_bytes = std::uint64_t{1} << 40;
  unsigned max_readers = 1024;
  // Check every blob's XXH3-128 when a tensor is read (cheap next to any use of the tensor).
  bool verify_tensor_reads = true;
};

// The bytes of one tensor, read through a ReadTxn. Zero-copy (pointing into the memory map,
// 64-byte aligned) for single-blob tensors stored on overflow pages; otherwise an aligned copy
// owned by the view. Valid while the ReadTxn that made it is alive.
class TensorView {
 public:
  DType dtype() const { return dtype_; }
  const std::vector<std::uint64_t>& shape() const { return shape_; }
  std::span<const std::byte> bytes() const { return bytes_; }
  const void* data() const { return bytes_.data(); }
  std::size_t size() const { return bytes_.size(); }
  bool zero_copy() const { return owned_ == nullptr; }

 private:
  friend class ReadTxn;
  DType dtype_ = DType::kF32;
  std::vector<std::uint64_t> shape_;
  std::span<const std::byte> bytes_;
  std::shared_ptr<std::byte> owned_;
};

class Store;

// A read snapshot of the whole database at version head(). Move-only; not thread-safe (use one
// per thread). Keep it short: it pins the versions it sees, and a writer growing the map waits
// for it. Every call takes the caller's Tenant and sees only that tenant's data.
class ReadTxn {
 public:
  ReadTxn(ReadTxn&&) noexcept;
  ReadTxn& operator=(ReadTxn&&) noexcept;
  ~ReadTxn();

  // The newest version this snapshot sees.
  Version head() const { return head_; }

  // `key` as of version `as_of` (kHeadVersion: head()); nullopt when it does not exist then
  // (never written, tombstoned or purged). Errors: NOTFOUND (as_of beyond head, or older than
  // the retained history and not a snapshot).
  Result<std::optional<Record>> Get(const Tenant& tenant, const RecordKey& key,
                                    Version as_of = kHeadVersion) const;

  // Every live record of `memory` as of `as_of`, optionally of one kind, in key order.
  Result<std::vector<Record>> List(const Tenant& tenant, std::string_view memory,
                                   std::optional<RecordKind> kind = std::nullopt,
                                   Version as_of = kHeadVersion) const;

  // The largest record id of `kind` in `memory` that has any stored version (live, tombstoned or
  // of any age; purged versions are gone), or nullopt when there is none. For id allocators that
  // must never reuse an id, even after a rollback restored an older counter.
  Result<std::optional<std::uint64_t>> MaxRecordId(const Tenant& tenant, std::string_view memory,
                                                   RecordKind kind) const;

  // The names of the tenant's memories that hold a live `memory`-kind record (id 0) as of
  // `as_of`, in name order.
  Result<std::vector<std::string>> ListMemories(const Tenant& tenant,
                                                Version as_of = kHeadVersion) const;

  // The payload of a tensor of a record read through this transaction. Errors: NOTFOUND (a
  // blob is missing), CORRUPT (a checksum fails).
  Result<TensorView> Tensor(const TensorRef& tensor) const;

  // Commits that changed `memory` up to version `as_of` (kHeadVersion: the head), newest first
  // (`limit` 0: all).
  Result<std::vector<HistoryEntry>> History(const Tenant& tenant, std::string_view memory,
                                            std::size_t limit = 0,
                                            Version as_of = kHeadVersion) const;

  // One commit. NOTFOUND when there is none or it belongs to another tenant.
  Result<CommitInfo> Commit(const Tenant& tenant, Version version) const;

  // Records of `memory` added, changed or removed between versions `from` and `to`.
  Result<std::vector<DiffEntry>> Diff(const Tenant& tenant, std::string_view memory, Version from,
                                      Version to) const;

  // Snapshots. `scope` empty: the tenant-wide ones. NOTFOUND when the snapshot is unknown.
  Result<RefInfo> GetRef(const Tenant& tenant, std::string_view scope, std::string_view name) const;
  // All snapshots of the tenant (scope nullopt) or of one scope, in key order.
  Result<std::vector<RefInfo>> ListRefs(const Tenant& tenant,
                                        std::optional<std::string_view> scope) const;

  // Records of `memory` that existed at version `as_of` (live or tombstoned there) and have
  // been purged since, with the version of the purge that deleted them, in key order: what a
  // rollback to `as_of` cannot bring back. Costs a walk of the memory's commits after `as_of`;
  // a purged record that existed at `as_of` and was not first tombstoned after it (a purge of
  // a live record, or of one changed since) also costs a walk back from `as_of` to its last
  // change, as does any purged record when `as_of` is older than the retained history.
  // Errors: NOTFOUND (as_of beyond head), CORRUPT (a malformed commit log).
  Result<std::vector<PurgedRecord>> PurgedSince(const Tenant& tenant, std::string_view memory,
                                                Version as_of) const;

  // The tenant's PURGE markers, oldest first.
  Result<std::vector<AuditInfo>> Audit(const Tenant& tenant) const;

  // Whether reads as of `version` are answerable: OK, or NOTFOUND naming the retained range.
  Status CheckReadable(const Tenant& tenant, Version version) const;

 private:
  friend class Store;
  struct Impl;
  explicit ReadTxn(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  Version head_ = 0;
};

// What garbage collection removed, or would remove (dry run).
struct GcReport {
  Version cutoff = 0;
  std::uint64_t versions_deleted = 0;
  std::uint64_t blobs_deleted = 0;
  std::uint64_t blob_bytes_freed = 0;
};

struct StoreStats {
  std::string dir;
  std::uint32_t format_version = 0;
  Version head = 0;
  std::uint64_t page_size = 0;
  std::uint64_t map_bytes = 0;     // current map size
  std::uint64_t used_bytes = 0;    // pages in use (last page number + 1) × page size
  std::uint64_t file_bytes = 0;    // size of data.mdb
  std::uint64_t record_keys = 0;   // distinct records (any version)
  std::uint64_t live_records = 0;  // records not tombstoned at the head
  std::uint64_t record_versions = 0;
  std::uint64_t tombstones = 0;  // tombstone versions
  std::uint64_t blobs = 0;
  std::uint64_t blob_bytes = 0;  // payload bytes of all blobs
  std::uint64_t commits = 0;
  std::uint64_t snapshots = 0;
  std::uint64_t audit_markers = 0;
  std::uint64_t tenants = 0;
  unsigned readers = 0;  // reader slots in use, all processes
  unsigned max_readers = 0;
  std::uint64_t retain_versions = 0;  // 0: every version is kept
  Version retained_from = 0;
  GcReport prunable;  // what `engram gc` would remove now
};

struct VerifyReport {
  std::vector<std::string> problems;  // empty: clean
  std::uint64_t records_checked = 0;
  std::uint64_t blobs_checked = 0;
  std::uint64_t commits_checked = 0;
  bool clean() const { return problems.empty(); }
};

class Store {
 public:
  // Opens (or creates) the database in directory `dir`. Errors: NOTFOUND (missing and not to be
  // created), CONFLICT (another process has it open for writing), CORRUPT (not an engram
  // database, or a format version this build does not read), INTERNAL (file system errors).
  static Result<std::unique_ptr<Store>> Open(const std::string& dir,
                                             const OpenOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& dir() const;
  bool read_only() const;

  // A read snapshot at the current head. Errors: LIMIT (every reader slot is taken).
  Result<ReadTxn> BeginRead() const;

  // Applies `batch` as one commit with the next version and returns it. Errors: NOTFOUND (a
  // tombstone of a record that does not exist), CONFLICT (the batch's ExpectUnchangedSince
  // failed), INTERNAL (empty batch).
  Result<Version> Commit(const WriteBatch& batch, std::string_view statement);

  // Restores `memory` (empty: every memory of the tenant) to its state as of `version`, as a
  // new commit. Errors: NOTFOUND (version beyond the head or no longer retained).
  Result<Version> Rollback(const Tenant& tenant, std::string_view memory, Version version,
                           std::string_view statement);

  // PURGE: deletes every version of each record in `keys` (or, when `keys` is empty, of every
  // record of `memory`), the blobs only they reference, and the statement text of the commits
  // that wrote them; leaves an audit marker per record. Errors: NOTFOUND (nothing to purge).
  Result<Version> Purge(const Tenant& tenant, std::string_view memory,
                        const std::vector<RecordKey>& keys);

  // Creates snapshot `name` in `scope` (a memory, or empty for the whole tenant) at `version`
  // (kHeadVersion: the head) and returns the version it names. O(1). Errors: EXISTS, NOTFOUND
  // (version beyond the head), SYNTAX (bad name).
  Result<Version> CreateSnapshot(const Tenant& tenant, std::string_view scope,
                                 std::string_view name, Version version = kHeadVersion);
  // Errors: NOTFOUND.
  Status DeleteSnapshot(const Tenant& tenant, std::string_view scope, std::string_view name);

  // Engine metadata (meta keys `engine.<key>`), e.g. the model fingerprint.
  Result<std::optional<std::string>> GetEngineMeta(std::string_view key) const;
  Status SetEngineMeta(std::string_view key, std::string_view value);

  // Retention: keep `versions` versions of history (0: all). Takes effect at the next GC.
  Status SetRetention(std::uint64_t versions);
  // Garbage collection under the retention policy (docs/format.md §9).
  Result<GcReport> CollectGarbage(bool dry_run = false);

  // Compacting copy and swap: afterwards the file holds only live pages. Errors: CONFLICT
  // (another process has the database open).
  Status Compact();

  Result<StoreStats> Stat() const;
  // Checks every checksum, reference and count; problems are listed, not returned as errors.
  Result<VerifyReport> Verify() const;

  // The dump of docs/format.md §10, written to `out`.
  Status Dump(std::FILE* out) const;
  // Loads a dump into this store, which must be empty (head 0). Errors: EXISTS (not empty),
  // CORRUPT (a malformed dump; the store is left empty).
  Status Load(std::FILE* in);

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram::storage

#endif  // ENGRAM_STORAGE_STORE_H_
