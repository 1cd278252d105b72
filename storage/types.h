// Value types of the record store: names, record keys, tensors, records, commits.
//
// These are plain values, safe to copy and to move between threads. The on-disk meaning of
// every enum here is frozen (docs/format.md): add values, never renumber.
#ifndef ENGRAM_STORAGE_TYPES_H_
#define ENGRAM_STORAGE_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compute/protocol/content_hash.h"
#include "engram/status.h"

namespace engram::storage {

// A version of the database: 0 is the empty database, each commit takes the next one.
using Version = std::uint64_t;
inline constexpr Version kHeadVersion = std::numeric_limits<Version>::max();

// Longest tenant, memory or snapshot name, in bytes.
inline constexpr std::size_t kMaxNameBytes = 64;
// Tensors of at most this many bytes are stored inside their record, not as blobs: one put
// instead of three (blob, reference count, record) at random hash-ordered pages, which is what
// small-tensor commit throughput is made of. They are not deduplicated.
inline constexpr std::size_t kInlineTensorMaxBytes = 4096;
// Largest tensor a record may hold (LIMIT beyond).
inline constexpr std::uint64_t kMaxTensorBytes = std::uint64_t{4} << 30;
// Largest record text or attrs (LIMIT beyond).
inline constexpr std::size_t kMaxRecordTextBytes = std::size_t{64} << 20;

// OK when `name` is a valid tenant/memory/snapshot name: 1..64 bytes of [A-Za-z0-9_], starting
// with a letter or '_'; SYNTAX naming `what` otherwise.
Status ValidateName(std::string_view name, std::string_view what);

// A validated tenant name. Every storage call that touches user data takes one, and every key
// it builds starts with it: that is what keeps tenants apart.
class Tenant {
 public:
  static Result<Tenant> Make(std::string_view name);
  // The tenant embedded use gets when it names none.
  static Tenant Default() { return Tenant("default"); }

  const std::string& name() const { return name_; }
  friend bool operator==(const Tenant&, const Tenant&) = default;

 private:
  explicit Tenant(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

// Which mechanism owns a record (docs/format.md §3, frozen values).
enum class RecordKind : std::uint8_t {
  kMemory = 1,
  kEpisodicState = 2,
  kEpisodicEntry = 3,
  kEditState = 4,
  kEditEntry = 5,
  kContextChunk = 6,
  kContextState = 7,
  kPrefix = 8,
  kEditDelta = 9,
};
std::string_view RecordKindName(RecordKind kind);

// A record's identity inside one tenant: memory, kind and id. Versions are not part of it.
struct RecordKey {
  std::string memory;
  RecordKind kind = RecordKind::kMemory;
  std::uint64_t id = 0;

  friend bool operator==(const RecordKey&, const RecordKey&) = default;
  friend auto operator<=>(const RecordKey&, const RecordKey&) = default;
};

// Element types of tensors (docs/format.md §6, frozen values).
enum class DType : std::uint8_t { kF32 = 1, kF16 = 2, kBF16 = 3, kI32 = 4, kU8 = 5, kF64 = 6 };
std::size_t DTypeSize(DType dtype);
// The byte size of a tensor of `dtype` and `shape`, or nullopt when it exceeds kMaxTensorBytes
// (computed without overflow) or the dtype is invalid.
std::optional<std::uint64_t> TensorBytes(DType dtype, const std::vector<std::uint64_t>& shape);
std::string_view DTypeName(DType dtype);

// A tensor to write: owned little-endian bytes in row-major order.
struct TensorData {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<std::uint64_t> shape;
  std::shared_ptr<const std::vector<std::byte>> bytes;
  // 0: store as one blob (read back zero-copy). N > 0: split into blobs of N bytes, so that
  // versions differing in a few places share the unchanged chunks (read back as a copy).
  // Choose N = k * 4096 - 64 (e.g. 65472): a chunk plus its 48-byte blob header and LMDB's
  // 16-byte page header then fills k pages exactly, where 65536 would need k + 1.
  std::uint64_t chunk_bytes = 0;

  // Convenience: a tensor holding a copy of `data` (size must match shape and dtype).
  static TensorData Copy(std::string name, DType dtype, std::vector<std::uint64_t> shape,
                         const void* data, std::size_t size, std::uint64_t chunk_bytes = 0);
};

// The contents of one record version to write.
struct RecordData {
  std::string text;
  std::vector<std::byte> attrs;
  std::vector<TensorData> tensors;
};

// A stored tensor's description, as read back (the bytes are fetched with ReadTxn::Tensor).
struct TensorRef {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<std::uint64_t> shape;
  std::uint64_t nbytes = 0;
  Hash128 hash;  // XXH3-128 of the whole payload
  std::uint64_t chunk_bytes = 0;
  std::vector<Hash128> blobs;  // empty when inline
  std::vector<std::byte> inline_data;
};

// One record version as read back.
struct Record {
  RecordKey key;
  Version version = 0;  // the version that wrote it
  bool tombstone = false;
  std::string text;
  std::vector<std::byte> attrs;
  std::vector<TensorRef> tensors;
};

enum class ChangeOp : std::uint8_t { kPut = 1, kTombstone = 2, kPurge = 3 };
enum class CommitKind : std::uint8_t { kWrite = 1, kRollback = 2, kPurge = 3 };

struct ChangedKey {
  RecordKey key;
  ChangeOp op = ChangeOp::kPut;
};

// A commit as read back from the log.
struct CommitInfo {
  Version version = 0;
  Version parent = 0;
  std::int64_t time_ns = 0;
  std::string tenant;
  std::string statement;
  CommitKind kind = CommitKind::kWrite;
  Version rollback_to = 0;
  std::vector<ChangedKey> changes;
};

// A named snapshot. `scope` is a memory name, or empty for all memories of the tenant.
struct RefInfo {
  std::string scope;
  std::string name;
  Version version = 0;
  std::int64_t time_ns = 0;
};

// One PURGE marker (never the purged content).
struct AuditInfo {
  Version version = 0;
  std::int64_t time_ns = 0;
  std::string tenant;
  RecordKey key;
  std::uint64_t versions_deleted = 0;
  std::uint64_t blobs_deleted = 0;
};

// A record purged after some version v, as it was at v (ReadTxn::PurgedSince).
struct PurgedRecord {
  RecordKey key;
  Version purged_at = 0;      // the first purge commit after v that deleted it
  bool live_then = false;     // live at v (else a tombstone at v)
  bool existed_then = false;  // had a version at or before v (only such records are reported)
};

// One line of a DIFF between two versions of a memory.
enum class DiffChange : std::uint8_t { kAdded = 1, kChanged = 2, kRemoved = 3 };
std::string_view DiffChangeName(DiffChange change);
struct DiffEntry {
  RecordKey key;
  DiffChange change = DiffChange::kAdded;
  Version from_version = 0;  // the version holding the record as of `from` (0: none)
  Version to_version = 0;    // the version holding the record as of `to` (0: none)
};

// One line of HISTORY: a commit that changed the memory.
struct HistoryEntry {
  Version version = 0;
  std::int64_t time_ns = 0;
  std::string statement;
  CommitKind kind = CommitKind::kWrite;
  std::uint32_t records_changed = 0;
};

}  // namespace engram::storage

#endif  // ENGRAM_STORAGE_TYPES_H_
