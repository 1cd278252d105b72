// Transaction-level operations shared by the read and write paths.
#include <chrono>
#include <cstring>

#include "storage/codec.h"
#include "storage/keys.h"
#include "storage/store_impl.h"

namespace engram::storage {

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<Version> ReadMetaU64(const lmdb::Txn& txn, const Dbis& dbi, std::string_view key) {
  std::string_view value;
  ENGRAM_ASSIGN_OR_RETURN(bool found, txn.Get(dbi.meta, key, &value));
  if (!found) return Version{0};
  if (value.size() != 8) {
    return Status::Error(ErrorCode::kCorrupt, "meta '" + std::string(key) + "' has a bad size");
  }
  return keys::ReadU64Le(value);
}

Status PutU64(lmdb::Txn& txn, MDB_dbi dbi, std::string_view key, std::uint64_t value) {
  std::string bytes;
  keys::AppendU64Le(&bytes, value);
  return txn.Put(dbi, key, bytes);
}

Status PutMetaU64(lmdb::Txn& txn, const Dbis& dbi, std::string_view key, std::uint64_t value) {
  return PutU64(txn, dbi.meta, key, value);
}

Result<std::optional<std::pair<Version, std::string>>> FindAsOf(const lmdb::Txn& txn,
                                                                const Dbis& dbi,
                                                                std::string_view prefix,
                                                                Version as_of) {
  ENGRAM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn, dbi.records));
  std::string probe(prefix);
  bool positioned = false;
  if (as_of != kHeadVersion) {
    keys::AppendU64Be(&probe, as_of + 1);
    ENGRAM_ASSIGN_OR_RETURN(bool found, cursor.Seek(probe));
    if (found) {
      ENGRAM_ASSIGN_OR_RETURN(positioned, cursor.Prev());
    } else {
      ENGRAM_ASSIGN_OR_RETURN(positioned, cursor.Last());
    }
  } else {
    // The greatest key with this prefix: seek past the prefix, step back.
    std::string past(prefix);
    past.append(8, '\xff');
    ENGRAM_ASSIGN_OR_RETURN(bool found, cursor.Seek(past));
    if (found && cursor.key() == past) {
      positioned = true;
    } else if (found) {
      ENGRAM_ASSIGN_OR_RETURN(positioned, cursor.Prev());
    } else {
      ENGRAM_ASSIGN_OR_RETURN(positioned, cursor.Last());
    }
  }
  if (!positioned) return std::optional<std::pair<Version, std::string>>();
  std::string_view key = cursor.key();
  if (key.size() != prefix.size() + 8 || key.substr(0, prefix.size()) != prefix) {
    return std::optional<std::pair<Version, std::string>>();
  }
  return std::optional<std::pair<Version, std::string>>(
      std::in_place, keys::ReadU64Be(key.substr(prefix.size())), std::string(cursor.value()));
}

Result<std::optional<Record>> GetAsOf(const lmdb::Txn& txn, const Dbis& dbi, const Tenant& tenant,
                                      const RecordKey& key, Version as_of) {
  ENGRAM_ASSIGN_OR_RETURN(auto found, FindAsOf(txn, dbi, keys::RecordPrefix(tenant, key), as_of));
  if (!found) return std::optional<Record>();
  ENGRAM_ASSIGN_OR_RETURN(Record record, codec::DecodeRecord(found->second));
  if (record.tombstone) return std::optional<Record>();
  record.key = key;
  record.version = found->first;
  return std::optional<Record>(std::move(record));
}

Result<std::set<Version>> SnapshotVersions(const lmdb::Txn& txn, const Dbis& dbi,
                                           const Tenant* tenant) {
  std::set<Version> versions;
  ENGRAM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn, dbi.refs));
  std::string prefix = tenant != nullptr ? keys::TenantPrefix(*tenant) : std::string();
  ENGRAM_ASSIGN_OR_RETURN(bool more, cursor.Seek(prefix));
  for (; more && cursor.key().substr(0, prefix.size()) == prefix;) {
    ENGRAM_ASSIGN_OR_RETURN(RefInfo ref, codec::DecodeRef(cursor.value()));
    versions.insert(ref.version);
    ENGRAM_ASSIGN_OR_RETURN(more, cursor.Next());
  }
  return versions;
}

Status CheckReadable(const lmdb::Txn& txn, const Dbis& dbi, const Tenant& tenant, Version version,
                     Version head) {
  if (version == kHeadVersion) return Status::Ok();
  if (version > head) {
    return Status::Error(ErrorCode::kNotFound, "version " + std::to_string(version) +
                                                   " does not exist yet (head is " +
                                                   std::to_string(head) + ")");
  }
  ENGRAM_ASSIGN_OR_RETURN(Version retained_from, ReadMetaU64(txn, dbi, "retained_from"));
  if (version >= retained_from) return Status::Ok();
  ENGRAM_ASSIGN_OR_RETURN(std::set<Version> snapshots, SnapshotVersions(txn, dbi, &tenant));
  if (snapshots.count(version) != 0) return Status::Ok();
  return Status::Error(ErrorCode::kNotFound, "version " + std::to_string(version) +
                                                 " is older than the retained history (versions " +
                                                 std::to_string(retained_from) + ".." +
                                                 std::to_string(head) + " and snapshots are kept)");
}

Status WalkMemoryLog(const lmdb::Txn& txn, const Dbis& dbi, const Tenant& tenant,
                     std::string_view memory, Version from, Version to, bool backwards,
                     const std::function<bool(Version, const CommitInfo&)>& fn) {
  if (to < from) return Status::Ok();
  ENGRAM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn, dbi.memory_log));
  const std::string prefix = keys::MemoryPrefix(tenant, memory);
  bool more = false;
  if (backwards) {
    // The last entry <= to: seek past it, then step back.
    ENGRAM_ASSIGN_OR_RETURN(bool after, cursor.Seek(keys::MemoryLogKey(tenant, memory, to + 1)));
    ENGRAM_ASSIGN_OR_RETURN(more, after ? cursor.Prev() : cursor.Last());
  } else {
    ENGRAM_ASSIGN_OR_RETURN(more, cursor.Seek(keys::MemoryLogKey(tenant, memory, from)));
  }
  while (more && cursor.key().size() == prefix.size() + 8 &&
         cursor.key().substr(0, prefix.size()) == prefix) {
    const Version version = keys::ReadU64Be(cursor.key().substr(prefix.size()));
    if (version < from || version > to) break;
    std::string_view value;
    ENGRAM_ASSIGN_OR_RETURN(bool found, txn.Get(dbi.commits, keys::CommitKey(version), &value));
    if (!found) {
      return Status::Error(ErrorCode::kCorrupt,
                           "memory_log names commit " + std::to_string(version) + " (missing)");
    }
    ENGRAM_ASSIGN_OR_RETURN(CommitInfo commit, codec::DecodeCommit(value));
    if (!fn(version, commit)) break;
    ENGRAM_ASSIGN_OR_RETURN(more, backwards ? cursor.Prev() : cursor.Next());
  }
  return Status::Ok();
}

Result<std::set<RecordKey>> ChangedBetween(const lmdb::Txn& txn, const Dbis& dbi,
                                           const Tenant& tenant, std::string_view memory,
                                           Version from, Version to) {
  std::set<RecordKey> changed;
  if (to <= from) return changed;
  auto collect = [&](Version, const CommitInfo& commit) {
    for (const ChangedKey& change : commit.changes) {
      if (change.key.memory == memory) changed.insert(change.key);
    }
    return true;
  };
  ENGRAM_RETURN_IF_ERROR(
      WalkMemoryLog(txn, dbi, tenant, memory, from + 1, to, /*backwards=*/false, collect));
  return changed;
}

Result<std::vector<std::string>> MemoriesWithHistory(const lmdb::Txn& txn, const Dbis& dbi,
                                                     const Tenant& tenant) {
  std::vector<std::string> memories;
  ENGRAM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn, dbi.memory_log));
  std::string prefix = keys::TenantPrefix(tenant);
  ENGRAM_ASSIGN_OR_RETURN(bool more, cursor.Seek(prefix));
  while (more && cursor.key().substr(0, prefix.size()) == prefix) {
    auto decoded = keys::DecodeMemoryLogKey(cursor.key());
    if (!decoded) return Status::Error(ErrorCode::kCorrupt, "malformed memory_log key");
    memories.push_back(decoded->memory);
    // Skip the rest of this memory: seek to the first key after "tenant 0 memory 0 ff..".
    std::string next = keys::MemoryPrefix(tenant, decoded->memory);
    next.append(8, '\xff');
    next.push_back('\0');
    ENGRAM_ASSIGN_OR_RETURN(more, cursor.Seek(next));
  }
  return memories;
}

Status AddBlobRef(lmdb::Txn& txn, const Dbis& dbi, const Hash128& hash,
                  std::optional<std::string_view> payload) {
  std::string key = keys::BlobKey(hash);
  std::string_view count_bytes;
  ENGRAM_ASSIGN_OR_RETURN(bool found, txn.Get(dbi.blob_refs, key, &count_bytes));
  std::uint64_t count = 0;
  if (found) {
    if (count_bytes.size() != 8) {
      return Status::Error(ErrorCode::kCorrupt, "blob_refs entry of " + hash.ToHex());
    }
    count = keys::ReadU64Le(count_bytes);
  }
  if (count == 0) {
    if (!payload) {
      return Status::Error(ErrorCode::kNotFound,
                           "blob " + hash.ToHex() + " is referenced but not stored");
    }
    ENGRAM_ASSIGN_OR_RETURN(char* out,
                            txn.Reserve(dbi.blobs, key, codec::kBlobHeaderBytes + payload->size()));
    codec::EncodeBlobHeader(hash, payload->size(), out);
    std::memcpy(out + codec::kBlobHeaderBytes, payload->data(), payload->size());
  }
  return PutU64(txn, dbi.blob_refs, key, count + 1);
}

Result<bool> DropBlobRef(lmdb::Txn& txn, const Dbis& dbi, const Hash128& hash,
                         std::uint64_t* freed_bytes) {
  std::string key = keys::BlobKey(hash);
  std::string_view count_bytes;
  ENGRAM_ASSIGN_OR_RETURN(bool found, txn.Get(dbi.blob_refs, key, &count_bytes));
  if (!found || count_bytes.size() != 8 || keys::ReadU64Le(count_bytes) == 0) {
    return Status::Error(ErrorCode::kCorrupt,
                         "blob " + hash.ToHex() + " is referenced but has no reference count");
  }
  std::uint64_t count = keys::ReadU64Le(count_bytes);
  if (count > 1) {
    ENGRAM_RETURN_IF_ERROR(PutU64(txn, dbi.blob_refs, key, count - 1));
    return false;
  }
  std::string_view blob;
  ENGRAM_ASSIGN_OR_RETURN(bool stored, txn.Get(dbi.blobs, key, &blob));
  if (stored && blob.size() >= codec::kBlobHeaderBytes) {
    *freed_bytes += blob.size() - codec::kBlobHeaderBytes;
  }
  ENGRAM_RETURN_IF_ERROR(txn.Delete(dbi.blob_refs, key).status());
  ENGRAM_RETURN_IF_ERROR(txn.Delete(dbi.blobs, key).status());
  return true;
}

std::vector<Hash128> BlobsOf(const Record& record) {
  std::vector<Hash128> blobs;
  for (const TensorRef& t : record.tensors)
    blobs.insert(blobs.end(), t.blobs.begin(), t.blobs.end());
  return blobs;
}

}  // namespace engram::storage
