// PurgedSince: which records a rollback to an older version can no longer restore. A purge
// deletes every version of a record, so what the record was at version v is read from the
// commit log (each commit lists the keys it changed and how), not from the records.
#include <map>
#include <optional>

#include "storage/codec.h"
#include "storage/keys.h"
#include "storage/store_impl.h"

namespace engram::storage {
namespace {

// How many versions of `key` the purge commit `version` deleted (its audit marker), or
// nullopt when it has none for the key.
Result<std::optional<std::uint64_t>> VersionsPurged(const lmdb::Txn& txn, const Dbis& dbi,
                                                    const Tenant& tenant, const RecordKey& key,
                                                    Version version) {
  ENGRAM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn, dbi.audit));
  const std::string prefix = keys::AuditKey(version, 0).substr(0, 8);
  ENGRAM_ASSIGN_OR_RETURN(bool more, cursor.Seek(prefix));
  while (more && cursor.key().substr(0, 8) == prefix) {
    ENGRAM_ASSIGN_OR_RETURN(AuditInfo audit, codec::DecodeAudit(cursor.value()));
    if (audit.tenant == tenant.name() && audit.key == key) {
      return std::optional<std::uint64_t>(audit.versions_deleted);
    }
    ENGRAM_ASSIGN_OR_RETURN(more, cursor.Next());
  }
  return std::optional<std::uint64_t>();
}

}  // namespace

Result<std::vector<PurgedRecord>> PurgedSince(const lmdb::Txn& txn, const Dbis& dbi,
                                              const Tenant& tenant, std::string_view memory,
                                              Version version, Version head) {
  // Forwards through (version, head]: each key's first change after `version`, and the first
  // purge of it.
  struct Trace {
    ChangeOp first = ChangeOp::kPut;
    Version purged_at = 0;
    std::uint64_t written = 0;  // versions written after `version`, before the purge
  };
  std::map<RecordKey, Trace> traces;
  auto trace_forwards = [&](Version at, const CommitInfo& commit) {
    for (const ChangedKey& change : commit.changes) {
      if (change.key.memory != memory) continue;
      Trace& trace = traces.try_emplace(change.key, Trace{change.op, 0, 0}).first->second;
      if (trace.purged_at != 0) continue;
      if (change.op == ChangeOp::kPurge) {
        trace.purged_at = at;
      } else {
        ++trace.written;  // each put or tombstone is one version
      }
    }
    return true;
  };
  ENGRAM_RETURN_IF_ERROR(WalkMemoryLog(txn, dbi, tenant, memory, version + 1, head,
                                       /*backwards=*/false, trace_forwards));
  // What each purged key was at `version`. A tombstone first means it was live (tombstoning a
  // record that is not live is refused). A purge that deleted no more versions than were
  // written since means the record was born after `version`. Otherwise the last change at or
  // before `version` says, found walking the log backwards.
  // Garbage collection deletes no version newer than retained_from, so the count is exact
  // from there on; before it (a snapshot's version), only the walk is.
  ENGRAM_ASSIGN_OR_RETURN(Version retained_from, ReadMetaU64(txn, dbi, "retained_from"));
  const bool counts_exact = version >= retained_from;
  std::map<RecordKey, PurgedRecord> purged;
  std::map<RecordKey, bool> unresolved;  // key -> seen
  for (const auto& [key, trace] : traces) {
    if (trace.purged_at == 0) continue;
    purged[key] = PurgedRecord{key, trace.purged_at, false, false};
    if (trace.first == ChangeOp::kTombstone) {
      purged[key].live_then = purged[key].existed_then = true;
      continue;
    }
    if (counts_exact) {
      ENGRAM_ASSIGN_OR_RETURN(std::optional<std::uint64_t> deleted,
                              VersionsPurged(txn, dbi, tenant, key, trace.purged_at));
      if (deleted && *deleted <= trace.written) continue;  // born after `version`
    }
    unresolved[key] = false;
  }
  std::size_t left = unresolved.size();
  auto trace_backwards = [&](Version, const CommitInfo& commit) {
    for (const ChangedKey& change : commit.changes) {
      auto it = unresolved.find(change.key);
      if (it == unresolved.end() || it->second) continue;
      it->second = true;
      --left;
      PurgedRecord& record = purged[change.key];
      // An earlier purge means it did not exist at `version`.
      record.existed_then = change.op != ChangeOp::kPurge;
      record.live_then = change.op == ChangeOp::kPut;
    }
    return left > 0;
  };
  if (left > 0) {
    ENGRAM_RETURN_IF_ERROR(WalkMemoryLog(txn, dbi, tenant, memory, 0, version,
                                         /*backwards=*/true, trace_backwards));
  }
  std::vector<PurgedRecord> out;
  for (auto& [key, record] : purged) {
    if (record.existed_then) out.push_back(std::move(record));
  }
  return out;
}

}  // namespace engram::storage
