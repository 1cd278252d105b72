#include "query/executor/rollback_guard.h"

#include <algorithm>
#include <optional>
#include <set>
#include <vector>

#include "query/executor/episodic_header.h"

namespace engram::query::internal {
namespace {

using storage::PurgedRecord;
using storage::RecordKind;

// The entries of the episodic header as of `version` that its forget operations name: their
// texts are read as of the forget (format.md §11), so they are needed even when tombstoned.
Result<std::set<std::uint64_t>> ForgottenInJournal(const storage::ReadTxn& read,
                                                   const storage::Tenant& tenant,
                                                   const std::string& memory,
                                                   storage::Version version) {
  std::set<std::uint64_t> ids;
  ENGRAM_ASSIGN_OR_RETURN(
      std::optional<storage::Record> record,
      read.Get(tenant, storage::RecordKey{memory, RecordKind::kEpisodicState, kEpisodicHeaderId},
               version));
  if (!record) return ids;
  ENGRAM_ASSIGN_OR_RETURN(EpisodicHeader header, DecodeEpisodicHeader(record->attrs));
  for (const EpisodicJournalOp& op : header.ops) {
    if (op.forget) ids.insert(op.ids.begin(), op.ids.end());
  }
  return ids;
}

// What the purged record is to a user, or empty when the state as of the version does not
// need it.
std::string NeededPiece(const PurgedRecord& purged, const std::set<std::uint64_t>& journal) {
  const std::string id = std::to_string(purged.key.id);
  switch (purged.key.kind) {
    case RecordKind::kEpisodicEntry:
      if (purged.live_then || journal.count(purged.key.id) != 0) return "fact " + id;
      return {};
    case RecordKind::kEditEntry:
      return purged.live_then ? "edit " + id : std::string();
    case RecordKind::kEditDelta:
      return purged.live_then ? "edit delta " + id : std::string();
    default:
      return {};
  }
}

}  // namespace

Status CheckRollbackRestorable(const storage::ReadTxn& read, const storage::Tenant& tenant,
                               const std::string& memory, storage::Version version) {
  // A memory that did not exist then (or was purged whole since) comes back as nothing.
  ENGRAM_ASSIGN_OR_RETURN(
      std::optional<storage::Record> then,
      read.Get(tenant, storage::RecordKey{memory, RecordKind::kMemory, 0}, version));
  if (!then) return Status::Ok();
  ENGRAM_ASSIGN_OR_RETURN(std::vector<PurgedRecord> purged,
                          read.PurgedSince(tenant, memory, version));
  if (purged.empty()) return Status::Ok();
  std::set<std::uint64_t> journal;
  const bool episodic = std::any_of(purged.begin(), purged.end(), [](const PurgedRecord& p) {
    return p.key.kind == RecordKind::kEpisodicEntry && !p.live_then;
  });
  if (episodic) {
    ENGRAM_ASSIGN_OR_RETURN(journal, ForgottenInJournal(read, tenant, memory, version));
  }
  std::string first;
  storage::Version first_purge = 0;
  std::size_t more = 0;
  for (const PurgedRecord& p : purged) {
    std::string piece = NeededPiece(p, journal);
    if (piece.empty()) continue;
    if (!first.empty()) {
      ++more;
      continue;
    }
    first = std::move(piece);
    first_purge = p.purged_at;
  }
  if (first.empty()) return Status::Ok();
  const std::string others =
      more == 0 ? std::string() : " and " + std::to_string(more) + " more purged record(s)";
  return Status::Error(ErrorCode::kNotFound,
                       "memory '" + memory + "' cannot be rolled back to version " +
                           std::to_string(version) + ": its state then needs " + first +
                           " (purged at version " + std::to_string(first_purge) + ")" + others +
                           "; a rollback cannot bring purged records back");
}

}  // namespace engram::query::internal
