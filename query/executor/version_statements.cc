// SNAPSHOT, ROLLBACK, HISTORY and DIFF (docs/query-language.md §5.10-§5.13).
#include <algorithm>
#include <optional>

#include "query/executor/executor.h"
#include "query/executor/rollback_guard.h"
#include "query/executor/statement_helpers.h"

namespace engram::query {
namespace {

using internal::Named;
using internal::Pos;

std::string_view CommitKindName(storage::CommitKind kind) {
  switch (kind) {
    case storage::CommitKind::kWrite:
      return "write";
    case storage::CommitKind::kRollback:
      return "rollback";
    case storage::CommitKind::kPurge:
      return "purge";
  }
  return "unknown";
}

// `status` with its position set to `position` (store errors carry none).
Status At(const Status& status, std::size_t position) {
  return Status::Error(status.code(), status.message(), Pos(position));
}

}  // namespace

Status Executor::RequireHistory(const storage::ReadTxn& read, const Name& memory) const {
  ENGRAM_ASSIGN_OR_RETURN(auto history, read.History(options_.tenant, memory.value, 1));
  if (!history.empty()) return Status::Ok();
  return Status::Error(ErrorCode::kNotFound, "memory '" + memory.value + "' has no history",
                       Pos(memory.position));
}

Result<storage::Version> Executor::ResolveSnapshot(const storage::ReadTxn& read,
                                                   const std::string& memory,
                                                   const std::string& name,
                                                   std::size_t position) const {
  if (!memory.empty()) {
    Result<storage::RefInfo> ref = read.GetRef(options_.tenant, memory, name);
    if (ref.ok()) return ref->version;
    if (ref.status().code() != ErrorCode::kNotFound) return ref.status();
  }
  Result<storage::RefInfo> ref = read.GetRef(options_.tenant, "", name);
  if (ref.ok()) return ref->version;
  if (ref.status().code() != ErrorCode::kNotFound) return ref.status();
  const std::string where =
      memory.empty() ? "of the tenant" : "of memory '" + memory + "' or of the tenant";
  return Status::Error(ErrorCode::kNotFound, "no snapshot '" + name + "' " + where, Pos(position));
}

Result<storage::Version> Executor::ResolvePoint(const storage::ReadTxn& read,
                                                const std::string& memory,
                                                const VersionRef& point) const {
  switch (point.kind) {
    case VersionRef::Kind::kHead:
      return read.head();
    case VersionRef::Kind::kSnapshot:
      return ResolveSnapshot(read, memory, point.snapshot, point.position);
    case VersionRef::Kind::kVersion:
      break;
  }
  if (point.version > read.head()) {
    return Status::Error(ErrorCode::kNotFound,
                         "version " + std::to_string(point.version) + " is beyond the head (" +
                             std::to_string(read.head()) + ")",
                         Pos(point.position));
  }
  Status readable = read.CheckReadable(options_.tenant, point.version);
  if (!readable.ok()) return At(readable, point.position);
  return point.version;
}

Result<StatementResult> Executor::Snapshot(const SnapshotStatement& snapshot,
                                           std::size_t position) {
  ENGRAM_RETURN_IF_ERROR(ForbidInTransaction("SNAPSHOT", position));
  std::string scope;
  if (snapshot.memory) {
    auto check = [&]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
      return RequireMemory(read, *snapshot.memory);
    };
    ENGRAM_RETURN_IF_ERROR(check());
    scope = snapshot.memory->value;
  }
  Result<storage::Version> version =
      store_.CreateSnapshot(options_.tenant, scope, snapshot.name.value);
  if (!version.ok()) {
    if (version.status().code() != ErrorCode::kExists) return version.status();
    const std::string where = scope.empty() ? "of the tenant" : "of memory '" + scope + "'";
    return Status::Error(ErrorCode::kExists,
                         "snapshot '" + snapshot.name.value + "' " + where + " exists",
                         Pos(snapshot.name.position));
  }
  StatementResult result = Named("SNAPSHOT");
  result.Add("version", *version);
  return result;
}

Result<StatementResult> Executor::Rollback(const RollbackStatement& rollback,
                                           std::string_view text) {
  const std::string memory = rollback.memory ? rollback.memory->value : std::string();
  // One memory's rollback takes turns with the writes to it, so that no FORGET … PURGE commits
  // between the check below and the rollback.
  std::optional<MemoryWriteLocks::Held> held;
  if (rollback.memory && options_.write_locks != nullptr) {
    held.emplace(options_.write_locks->Lock(options_.tenant.name(), memory));
  }
  // The read snapshot ends before the write (a writer growing the map waits for readers).
  auto resolve = [&]() -> Result<storage::Version> {
    ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
    if (rollback.memory) ENGRAM_RETURN_IF_ERROR(RequireHistory(read, *rollback.memory));
    ENGRAM_ASSIGN_OR_RETURN(storage::Version target, ResolvePoint(read, memory, rollback.target));
    // Refused, changing nothing, when a purge since left a state that cannot be rebuilt. (For a
    // tenant-wide rollback, a purge committed between this check and the rollback is not
    // caught: that memory then fails with NOTFOUND when used.)
    std::vector<std::string> scope{memory};
    if (memory.empty()) {
      ENGRAM_ASSIGN_OR_RETURN(scope, read.ListMemories(options_.tenant, target));
    }
    for (const std::string& name : scope) {
      Status restorable = internal::CheckRollbackRestorable(read, options_.tenant, name, target);
      if (!restorable.ok()) return At(restorable, rollback.target.position);
    }
    return target;
  };
  ENGRAM_ASSIGN_OR_RETURN(storage::Version target, resolve());
  ENGRAM_ASSIGN_OR_RETURN(storage::Version version,
                          store_.Rollback(options_.tenant, memory, target, text));
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn after, Read());
  ENGRAM_ASSIGN_OR_RETURN(storage::CommitInfo commit, after.Commit(options_.tenant, version));
  StatementResult result = Named("ROLLBACK");
  result.Add("version", version)
      .Add("restored_to", target)
      .Add("records", std::uint64_t{commit.changes.size()});
  return result;
}

Result<StatementResult> Executor::History(const HistoryStatement& history) {
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  const std::size_t limit = history.limit ? static_cast<std::size_t>(history.limit->value) : 0;
  ENGRAM_ASSIGN_OR_RETURN(auto entries, read.History(options_.tenant, history.memory.value, limit));
  if (entries.empty()) {
    return Status::Error(ErrorCode::kNotFound,
                         "memory '" + history.memory.value + "' has no history",
                         Pos(history.memory.position));
  }
  StatementResult result = Named("HISTORY");
  result.has_rows = true;
  result.columns = {"version", "statement", "time", "kind", "records"};
  for (const storage::HistoryEntry& entry : entries) {
    result.rows.push_back({entry.version, entry.statement, FormatTime(entry.time_ns),
                           std::string(CommitKindName(entry.kind)),
                           std::uint64_t{entry.records_changed}});
  }
  return result;
}

Result<StatementResult> Executor::Diff(const DiffStatement& diff) {
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  const std::string& memory = diff.memory.value;
  ENGRAM_RETURN_IF_ERROR(RequireHistory(read, diff.memory));
  ENGRAM_ASSIGN_OR_RETURN(storage::Version from, ResolvePoint(read, memory, diff.from));
  ENGRAM_ASSIGN_OR_RETURN(storage::Version to, ResolvePoint(read, memory, diff.to));
  ENGRAM_ASSIGN_OR_RETURN(std::vector<storage::DiffEntry> entries,
                          read.Diff(options_.tenant, memory, from, to));
  std::sort(entries.begin(), entries.end(),
            [](const storage::DiffEntry& a, const storage::DiffEntry& b) { return a.key < b.key; });
  StatementResult result = Named("DIFF");
  result.has_rows = true;
  result.columns = {"kind", "id", "change"};
  for (const storage::DiffEntry& entry : entries) {
    result.rows.push_back({std::string(storage::RecordKindName(entry.key.kind)), entry.key.id,
                           std::string(storage::DiffChangeName(entry.change))});
  }
  return result;
}

}  // namespace engram::query
