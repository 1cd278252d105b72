// CREATE MEMORY, DROP MEMORY and SHOW (docs/query-language.md §5.1, §5.2, §5.14).
#include <algorithm>
#include <map>
#include <set>

#include "query/executor/context_header.h"
#include "query/executor/executor.h"
#include "query/executor/memory_options.h"
#include "query/executor/statement_helpers.h"

namespace engram::query {
namespace {

using internal::Named;
using internal::Pos;

using storage::RecordKey;
using storage::RecordKind;

}  // namespace

Result<StatementResult> Executor::CreateMemory(const CreateMemoryStatement& create,
                                               std::string_view text) {
  ENGRAM_ASSIGN_OR_RETURN(std::vector<ResolvedOption> options,
                          ResolveMemoryOptions(create.options));
  storage::Version snapshot = 0;
  auto exists_now = [&]() -> Result<bool> {
    ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
    snapshot = read.head();
    return MemoryExists(read, create.memory.value);
  };
  ENGRAM_ASSIGN_OR_RETURN(bool exists, exists_now());
  if (exists) {
    return Status::Error(ErrorCode::kExists, "memory '" + create.memory.value + "' exists",
                         Pos(create.memory.position));
  }
  const std::string fingerprint =
      options_.model_fingerprint ? options_.model_fingerprint() : std::string();
  const std::string attrs = EncodeMemoryAttrs(options, fingerprint);
  storage::RecordData data;
  data.attrs.resize(attrs.size());
  std::transform(attrs.begin(), attrs.end(), data.attrs.begin(),
                 [](char c) { return static_cast<std::byte>(c); });
  storage::WriteBatch batch = StartBatch(snapshot);
  ENGRAM_RETURN_IF_ERROR(
      batch.Put(RecordKey{create.memory.value, RecordKind::kMemory, 0}, std::move(data)));
  StatementResult result = Named("CREATE MEMORY");
  ENGRAM_RETURN_IF_ERROR(FinishBatch(std::move(batch), text, result));
  return result;
}

Result<StatementResult> Executor::DropMemory(const DropMemoryStatement& drop,
                                             std::string_view text) {
  const Name& memory = drop.memory;
  StatementResult result = Named("DROP MEMORY");
  if (drop.purge.value) {
    ENGRAM_RETURN_IF_ERROR(ForbidInTransaction("DROP MEMORY ... PURGE", drop.purge.position));
    std::vector<LiveKey> live;
    std::vector<storage::RefInfo> refs;
    auto collect = [&]() -> Status {  // the read snapshot ends before the write
      ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
      ENGRAM_ASSIGN_OR_RETURN(live, LiveKeys(read, memory.value));
      ENGRAM_ASSIGN_OR_RETURN(refs, read.ListRefs(options_.tenant, memory.value));
      return Status::Ok();
    };
    ENGRAM_RETURN_IF_ERROR(collect());
    Result<storage::Version> version = store_.Purge(options_.tenant, memory.value, {});
    if (!version.ok()) {
      if (version.status().code() != ErrorCode::kNotFound) return version.status();
      return Status::Error(ErrorCode::kNotFound, "memory '" + memory.value + "' does not exist",
                           Pos(memory.position));
    }
    for (const storage::RefInfo& ref : refs) {
      ENGRAM_RETURN_IF_ERROR(store_.DeleteSnapshot(options_.tenant, ref.scope, ref.name));
    }
    result.Add("version", *version).Add("records", std::uint64_t{live.size()});
    return result;
  }
  storage::Version snapshot = 0;
  auto collect = [&]() -> Result<std::vector<LiveKey>> {  // the snapshot ends before the write
    ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
    snapshot = read.head();
    ENGRAM_RETURN_IF_ERROR(RequireMemory(read, memory));
    return LiveKeys(read, memory.value);
  };
  ENGRAM_ASSIGN_OR_RETURN(std::vector<LiveKey> live, collect());
  std::set<RecordKey> pending_only;
  for (const LiveKey& key : live) {
    if (!key.stored) pending_only.insert(key.key);
  }
  storage::WriteBatch batch = StartBatch(snapshot);
  if (!pending_only.empty()) {
    for (const RecordKey& key : pending_only) batch.Erase(key);
  }
  for (const LiveKey& key : live) {
    if (key.stored) ENGRAM_RETURN_IF_ERROR(batch.Tombstone(key.key));
  }
  // Inside a transaction the batch may now be empty (it only held this memory): fine.
  ENGRAM_RETURN_IF_ERROR(FinishBatch(std::move(batch), text, result));
  result.Add("records", std::uint64_t{live.size()});
  return result;
}

Result<StatementResult> Executor::ShowMemories() {
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  ENGRAM_ASSIGN_OR_RETURN(std::vector<std::string> stored,
                          read.ListMemories(options_.tenant, StateVersion()));
  std::set<std::string> names(stored.begin(), stored.end());
  if (txn_) {
    for (const auto& [key, pending] : txn_->batch.pending()) {
      if (key.kind != RecordKind::kMemory || key.id != 0) continue;
      if (pending.tombstone) {
        names.erase(key.memory);
      } else {
        names.insert(key.memory);
      }
    }
  }
  StatementResult result = Named("SHOW MEMORIES");
  result.has_rows = true;
  result.columns = {"name", "version", "created"};
  for (const std::string& name : names) {
    const RecordKey key{name, RecordKind::kMemory, 0};
    Value version;
    Value created;
    if (txn_ == std::nullopt || txn_->batch.Find(key) == nullptr) {
      ENGRAM_ASSIGN_OR_RETURN(auto history, read.History(options_.tenant, name, 1, StateVersion()));
      if (!history.empty()) version = history.front().version;
      ENGRAM_ASSIGN_OR_RETURN(auto record, read.Get(options_.tenant, key, StateVersion()));
      if (record) created = record->version;
    }
    result.rows.push_back({name, version, created});
  }
  return result;
}

Result<StatementResult> Executor::ShowSnapshots(const ShowSnapshotsStatement& show) {
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  std::optional<std::string_view> scope;
  if (show.memory) scope = show.memory->value;
  ENGRAM_ASSIGN_OR_RETURN(std::vector<storage::RefInfo> refs,
                          read.ListRefs(options_.tenant, scope));
  StatementResult result = Named("SHOW SNAPSHOTS");
  result.has_rows = true;
  result.columns = {"name", "memory", "version", "time"};
  for (const storage::RefInfo& ref : refs) {
    Value memory;
    if (!ref.scope.empty()) memory = ref.scope;
    result.rows.push_back({ref.name, memory, ref.version, FormatTime(ref.time_ns)});
  }
  return result;
}

Result<StatementResult> Executor::ShowStats() {
  storage::StoreStats stats;
  if (!options_.tenant_scoped_stats) {
    ENGRAM_ASSIGN_OR_RETURN(stats, store_.Stat());
  }
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  ENGRAM_ASSIGN_OR_RETURN(std::vector<std::string> memories, read.ListMemories(options_.tenant));
  std::uint64_t memory_records = 0;
  // The context memories' sizes, from their live blocks (a header restored by a rollback past
  // a purge still counts the purged blocks), and evictions, from their headers
  // (docs/context.md §3).
  std::uint64_t context_chunks = 0, context_tokens = 0, context_evicted = 0;
  for (const std::string& memory : memories) {
    ENGRAM_ASSIGN_OR_RETURN(auto records, read.List(options_.tenant, memory));
    memory_records += records.size();
    ENGRAM_ASSIGN_OR_RETURN(
        auto blocks, read.List(options_.tenant, memory, RecordKind::kContextChunk, StateVersion()));
    for (const storage::Record& record : blocks) {
      ENGRAM_ASSIGN_OR_RETURN(ContextBlockInfo block, DecodeContextBlock(record.attrs));
      context_chunks += block.chunks;
      context_tokens += block.tokens;
    }
    ENGRAM_ASSIGN_OR_RETURN(
        std::optional<storage::Record> header,
        read.Get(options_.tenant, RecordKey{memory, RecordKind::kContextState, kContextHeaderId},
                 StateVersion()));
    if (!header) continue;
    ENGRAM_ASSIGN_OR_RETURN(ContextHeader decoded, DecodeContextHeader(header->attrs));
    context_evicted += decoded.evicted_chunks;
  }
  StatementResult result = Named("SHOW STATS");
  result.has_rows = true;
  std::vector<std::pair<std::string, Value>> row = {
      {"tenant", options_.tenant.name()}, {"memories", std::uint64_t{memories.size()}},
      {"memory_records", memory_records}, {"context_chunks", context_chunks},
      {"context_tokens", context_tokens}, {"context_evicted_chunks", context_evicted},
  };
  if (!options_.tenant_scoped_stats) {
    row = {
        {"tenant", options_.tenant.name()},
        {"head", stats.head},
        {"memories", std::uint64_t{memories.size()}},
        {"memory_records", memory_records},
        {"context_chunks", context_chunks},
        {"context_tokens", context_tokens},
        {"context_evicted_chunks", context_evicted},
        {"live_records", stats.live_records},
        {"record_versions", stats.record_versions},
        {"tombstones", stats.tombstones},
        {"blobs", stats.blobs},
        {"blob_bytes", stats.blob_bytes},
        {"file_bytes", stats.file_bytes},
        {"used_bytes", stats.used_bytes},
        {"map_bytes", stats.map_bytes},
        {"commits", stats.commits},
        {"snapshots", stats.snapshots},
        {"audit_markers", stats.audit_markers},
        {"tenants", stats.tenants},
        {"readers", std::uint64_t{stats.readers}},
        {"retain_versions", stats.retain_versions},
    };
  }
  result.rows.emplace_back();
  for (auto& [column, value] : row) {
    result.columns.push_back(column);
    result.rows.back().push_back(std::move(value));
  }
  return result;
}

}  // namespace engram::query
