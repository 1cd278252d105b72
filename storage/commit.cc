// The write operations that make commits: Commit (a batch), Rollback, Purge; and snapshots.
#include <map>

#include "storage/codec.h"
#include "storage/keys.h"
#include "storage/store_impl.h"

namespace engram::storage {
namespace {

// Collects what one commit changes and writes the commit entry, memory_log entries and head.
class CommitWriter {
 public:
  CommitWriter(lmdb::Txn& txn, const Dbis& dbi, const Tenant& tenant, Version head)
      : txn_(txn), dbi_(dbi), tenant_(tenant), head_(head) {}

  Version version() const { return head_ + 1; }

  // Writes a record version from its framed value; increments its blobs' counts, storing the
  // payloads from `pieces` for blobs not stored yet.
  Status PutRecord(const RecordKey& key, const std::string& framed, const Record& record,
                   const std::vector<std::pair<Hash128, std::string_view>>* pieces, ChangeOp op) {
    ENGRAM_RETURN_IF_ERROR(codec::CheckFrameSize(framed, "record"));
    // WriteBatch::Put lists a record's pieces in the order of its blobs.
    const std::vector<Hash128> blobs = BlobsOf(record);
    if (pieces != nullptr && pieces->size() != blobs.size()) {
      return Status::Error(ErrorCode::kInternal, "batch pieces do not match the record's blobs");
    }
    for (std::size_t i = 0; i < blobs.size(); ++i) {
      std::optional<std::string_view> payload;
      if (pieces != nullptr) payload = (*pieces)[i].second;
      ENGRAM_RETURN_IF_ERROR(AddBlobRef(txn_, dbi_, blobs[i], payload));
    }
    ENGRAM_RETURN_IF_ERROR(
        txn_.Put(dbi_.records, keys::RecordVersionKey(tenant_, key, version()), framed));
    Touch(key, op);
    return Status::Ok();
  }

  void Touch(const RecordKey& key, ChangeOp op) {
    changes_.push_back(ChangedKey{key, op});
    ++per_memory_[key.memory];
  }
  void TouchMemory(const std::string& memory) { per_memory_.try_emplace(memory, 0); }

  Status Finish(std::string_view statement, CommitKind kind, Version rollback_to) {
    CommitInfo commit;
    commit.version = version();
    commit.parent = head_;
    commit.time_ns = NowNs();
    commit.tenant = tenant_.name();
    commit.statement = std::string(statement);
    commit.kind = kind;
    commit.rollback_to = rollback_to;
    commit.changes = std::move(changes_);
    const std::string framed = codec::EncodeCommit(commit);
    ENGRAM_RETURN_IF_ERROR(codec::CheckFrameSize(framed, "commit (too many changed records)"));
    ENGRAM_RETURN_IF_ERROR(txn_.Put(dbi_.commits, keys::CommitKey(version()), framed, MDB_APPEND));
    for (const auto& [memory, count] : per_memory_) {
      std::string value;
      for (int i = 0; i < 4; ++i) value.push_back(static_cast<char>(count >> (8 * i)));
      ENGRAM_RETURN_IF_ERROR(
          txn_.Put(dbi_.memory_log, keys::MemoryLogKey(tenant_, memory, version()), value));
    }
    return PutMetaU64(txn_, dbi_, "head", version());
  }

 private:
  lmdb::Txn& txn_;
  const Dbis& dbi_;
  const Tenant& tenant_;
  Version head_;
  std::vector<ChangedKey> changes_;
  std::map<std::string, std::uint32_t> per_memory_;
};

Result<Version> LastChange(const lmdb::Txn& txn, const Dbis& dbi, const Tenant& tenant,
                           const std::string& memory) {
  ENGRAM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn, dbi.memory_log));
  std::string prefix = keys::MemoryPrefix(tenant, memory);
  std::string past = prefix + std::string(8, '\xff') + '\0';
  ENGRAM_ASSIGN_OR_RETURN(bool found, cursor.Seek(past));
  bool positioned = false;
  if (found) {
    ENGRAM_ASSIGN_OR_RETURN(positioned, cursor.Prev());
  } else {
    ENGRAM_ASSIGN_OR_RETURN(positioned, cursor.Last());
  }
  if (!positioned || cursor.key().size() != prefix.size() + 8 ||
      cursor.key().substr(0, prefix.size()) != prefix) {
    return Version{0};
  }
  return keys::ReadU64Be(cursor.key().substr(prefix.size()));
}

std::string Describe(const Tenant& tenant, const RecordKey& key) {
  return std::string(RecordKindName(key.kind)) + " " + std::to_string(key.id) + " of memory " +
         tenant.name() + "." + key.memory;
}

}  // namespace

Result<Version> Store::Commit(const WriteBatch& batch, std::string_view statement) {
  if (batch.empty()) return Status::Error(ErrorCode::kInternal, "commit of an empty batch");
  Version committed = 0;
  const Dbis& dbi = impl_->dbi;
  Status status = impl_->RunWrite([&](lmdb::Txn& txn) -> Status {
    ENGRAM_ASSIGN_OR_RETURN(Version head, ReadMetaU64(txn, dbi, "head"));
    const Tenant& tenant = batch.tenant();
    if (auto base = batch.expect_unchanged_since()) {
      std::set<std::string> memories;
      for (const auto& [key, pending] : batch.pending()) memories.insert(key.memory);
      for (const std::string& memory : memories) {
        ENGRAM_ASSIGN_OR_RETURN(Version last, LastChange(txn, dbi, tenant, memory));
        if (last > *base) {
          return Status::Error(ErrorCode::kConflict,
                               "memory " + memory + " changed at version " + std::to_string(last) +
                                   " after this transaction began at " + std::to_string(*base));
        }
      }
    }
    CommitWriter writer(txn, dbi, tenant, head);
    for (const auto& [key, pending] : batch.pending()) {
      if (pending.tombstone) {
        ENGRAM_ASSIGN_OR_RETURN(auto current, GetAsOf(txn, dbi, tenant, key, head));
        if (!current) {
          return Status::Error(ErrorCode::kNotFound, "no " + Describe(tenant, key));
        }
      }
      ENGRAM_RETURN_IF_ERROR(writer.PutRecord(
          key, codec::EncodeRecord(pending.record), pending.record, &pending.pieces,
          pending.tombstone ? ChangeOp::kTombstone : ChangeOp::kPut));
    }
    ENGRAM_RETURN_IF_ERROR(writer.Finish(statement, CommitKind::kWrite, 0));
    committed = writer.version();
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return committed;
}

Result<Version> Store::Rollback(const Tenant& tenant, std::string_view memory, Version version,
                                std::string_view statement) {
  if (!memory.empty()) ENGRAM_RETURN_IF_ERROR(ValidateName(memory, "memory"));
  Version committed = 0;
  const Dbis& dbi = impl_->dbi;
  Status status = impl_->RunWrite([&](lmdb::Txn& txn) -> Status {
    ENGRAM_ASSIGN_OR_RETURN(Version head, ReadMetaU64(txn, dbi, "head"));
    if (version == kHeadVersion) version = head;
    ENGRAM_RETURN_IF_ERROR(CheckReadable(txn, dbi, tenant, version, head));
    std::vector<std::string> memories;
    if (memory.empty()) {
      ENGRAM_ASSIGN_OR_RETURN(memories, MemoriesWithHistory(txn, dbi, tenant));
    } else {
      memories.emplace_back(memory);
    }
    CommitWriter writer(txn, dbi, tenant, head);
    for (const std::string& name : memories) {
      if (!memory.empty()) writer.TouchMemory(name);
      ENGRAM_ASSIGN_OR_RETURN(std::set<RecordKey> changed,
                              ChangedBetween(txn, dbi, tenant, name, version, head));
      for (const RecordKey& key : changed) {
        std::string prefix = keys::RecordPrefix(tenant, key);
        ENGRAM_ASSIGN_OR_RETURN(auto then, FindAsOf(txn, dbi, prefix, version));
        ENGRAM_ASSIGN_OR_RETURN(auto now, FindAsOf(txn, dbi, prefix, head));
        // Identical bytes then and now (live or tombstone alike): nothing to restore.
        if (then && now && now->second == then->second) continue;
        std::optional<Record> then_record;
        if (then) {
          ENGRAM_ASSIGN_OR_RETURN(Record r, codec::DecodeRecord(then->second));
          if (!r.tombstone) then_record = std::move(r);
        }
        bool live_now = false;
        if (now && !then_record) {
          ENGRAM_ASSIGN_OR_RETURN(Record r, codec::DecodeRecord(now->second));
          live_now = !r.tombstone;
        }
        if (then_record) {
          // The same framed bytes: the same blobs, so the restored state is bit-identical.
          ENGRAM_RETURN_IF_ERROR(
              writer.PutRecord(key, then->second, *then_record, nullptr, ChangeOp::kPut));
        } else if (live_now) {
          Record tombstone;
          tombstone.tombstone = true;
          ENGRAM_RETURN_IF_ERROR(writer.PutRecord(key, codec::EncodeRecord(tombstone), tombstone,
                                                  nullptr, ChangeOp::kTombstone));
        }
      }
    }
    ENGRAM_RETURN_IF_ERROR(writer.Finish(statement, CommitKind::kRollback, version));
    committed = writer.version();
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return committed;
}

Result<Version> Store::Purge(const Tenant& tenant, std::string_view memory,
                             const std::vector<RecordKey>& keys_to_purge) {
  ENGRAM_RETURN_IF_ERROR(ValidateName(memory, "memory"));
  for (const RecordKey& key : keys_to_purge) {
    if (key.memory != memory) {
      return Status::Error(ErrorCode::kInternal,
                           "purge keys must belong to memory " + std::string(memory));
    }
  }
  Version committed = 0;
  const Dbis& dbi = impl_->dbi;
  Status status = impl_->RunWrite([&](lmdb::Txn& txn) -> Status {
    ENGRAM_ASSIGN_OR_RETURN(Version head, ReadMetaU64(txn, dbi, "head"));
    CommitWriter writer(txn, dbi, tenant, head);
    const Version version = writer.version();
    const std::string redacted = "[redacted by PURGE at version " + std::to_string(version) + "]";
    // Every version of each record to purge, grouped by record: prefix -> [(key, value)].
    std::map<RecordKey, std::vector<std::pair<std::string, std::string>>> victims;
    std::string prefix = keys::MemoryPrefix(tenant, memory);
    std::set<RecordKey> wanted(keys_to_purge.begin(), keys_to_purge.end());
    {
      ENGRAM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn, dbi.records));
      ENGRAM_ASSIGN_OR_RETURN(bool more, cursor.Seek(prefix));
      while (more && cursor.key().substr(0, prefix.size()) == prefix) {
        auto decoded = keys::DecodeRecordKey(cursor.key());
        if (!decoded) return Status::Error(ErrorCode::kCorrupt, "malformed record key");
        if (wanted.empty() || wanted.count(decoded->key) != 0) {
          victims[decoded->key].emplace_back(std::string(cursor.key()),
                                             std::string(cursor.value()));
        }
        ENGRAM_ASSIGN_OR_RETURN(more, cursor.Next());
      }
    }
    if (victims.empty()) {
      return Status::Error(ErrorCode::kNotFound,
                           "nothing to purge in memory " + std::string(memory));
    }
    std::set<Version> redact;
    std::uint32_t seq = 0;
    for (const auto& [key, versions] : victims) {
      AuditInfo audit{version, NowNs(), tenant.name(), key, versions.size(), 0};
      std::uint64_t freed = 0;
      for (const auto& [raw_key, value] : versions) {
        ENGRAM_ASSIGN_OR_RETURN(Record record, codec::DecodeRecord(value));
        for (const Hash128& hash : BlobsOf(record)) {
          ENGRAM_ASSIGN_OR_RETURN(bool deleted, DropBlobRef(txn, dbi, hash, &freed));
          audit.blobs_deleted += deleted ? 1 : 0;
        }
        ENGRAM_RETURN_IF_ERROR(txn.Delete(dbi.records, raw_key).status());
        redact.insert(keys::ReadU64Be(std::string_view(raw_key).substr(raw_key.size() - 8)));
      }
      ENGRAM_RETURN_IF_ERROR(
          txn.Put(dbi.audit, keys::AuditKey(version, seq++), codec::EncodeAudit(audit)));
      writer.Touch(key, ChangeOp::kPurge);
    }
    // The statements that wrote purged versions may quote the purged content: redact them.
    for (Version v : redact) {
      std::string_view value;
      ENGRAM_ASSIGN_OR_RETURN(bool found, txn.Get(dbi.commits, keys::CommitKey(v), &value));
      if (!found) continue;
      ENGRAM_ASSIGN_OR_RETURN(CommitInfo commit, codec::DecodeCommit(value));
      if (commit.statement.rfind("[redacted by PURGE", 0) == 0) continue;
      commit.statement = redacted;
      ENGRAM_RETURN_IF_ERROR(txn.Put(dbi.commits, keys::CommitKey(v), codec::EncodeCommit(commit)));
    }
    // The purge's own statement is generated: the caller's text may quote the content too.
    std::string statement =
        "PURGE " + std::string(memory) + ": " + std::to_string(victims.size()) + " record(s)";
    ENGRAM_RETURN_IF_ERROR(writer.Finish(statement, CommitKind::kPurge, 0));
    committed = version;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return committed;
}

Result<Version> Store::CreateSnapshot(const Tenant& tenant, std::string_view scope,
                                      std::string_view name, Version version) {
  ENGRAM_RETURN_IF_ERROR(ValidateName(name, "snapshot"));
  if (!scope.empty()) ENGRAM_RETURN_IF_ERROR(ValidateName(scope, "memory"));
  Version resolved = 0;
  const Dbis& dbi = impl_->dbi;
  Status status = impl_->RunWrite([&](lmdb::Txn& txn) -> Status {
    ENGRAM_ASSIGN_OR_RETURN(Version head, ReadMetaU64(txn, dbi, "head"));
    resolved = version == kHeadVersion ? head : version;
    ENGRAM_RETURN_IF_ERROR(CheckReadable(txn, dbi, tenant, resolved, head));
    RefInfo ref{std::string(scope), std::string(name), resolved, NowNs()};
    Status put = txn.Put(dbi.refs, keys::RefKey(tenant, scope, name), codec::EncodeRef(ref),
                         MDB_NOOVERWRITE);
    if (put.code() == ErrorCode::kExists) {
      return Status::Error(ErrorCode::kExists, "snapshot '" + std::string(name) + "' exists");
    }
    return put;
  });
  if (!status.ok()) return status;
  return resolved;
}

Status Store::DeleteSnapshot(const Tenant& tenant, std::string_view scope, std::string_view name) {
  return impl_->RunWrite([&](lmdb::Txn& txn) -> Status {
    ENGRAM_ASSIGN_OR_RETURN(bool deleted,
                            txn.Delete(impl_->dbi.refs, keys::RefKey(tenant, scope, name)));
    if (!deleted) {
      return Status::Error(ErrorCode::kNotFound, "no snapshot '" + std::string(name) + "'");
    }
    return Status::Ok();
  });
}

}  // namespace engram::storage
