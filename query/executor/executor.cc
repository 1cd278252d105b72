#include "query/executor/executor.h"

#include <map>
#include <set>
#include <type_traits>
#include <utility>

#include "query/executor/statement_helpers.h"
#include "query/language/parser.h"

namespace engram::query {
namespace {

using internal::MemoryKey;
using internal::Pos;

using storage::RecordKey;
using storage::RecordKind;

StatementResult Empty(const StatementBody& body) {
  StatementResult result;
  result.statement = std::string(StatementKindName(body));
  return result;
}

// A failed statement's text as the reader skipped it: without surrounding space and the ';'.
std::string_view TrimStatement(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  if (!text.empty() && text.back() == ';') text.remove_suffix(1);
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

}  // namespace

Executor::Executor(storage::Store& store, ExecutorOptions options)
    : store_(store), options_(std::move(options)) {}

std::vector<Result<StatementResult>> Executor::Execute(std::string_view script, bool stop_on_error,
                                                       const StatementHooks& hooks) {
  std::vector<Result<StatementResult>> results;
  StatementReader reader(script);
  while (true) {
    const std::size_t start = reader.offset();
    Result<std::optional<Statement>> next = reader.Next();
    if (next.ok() && !next->has_value()) break;
    std::string_view text;
    if (next.ok()) {
      text = (*next)->SourceText(script);
      results.push_back(ExecuteStatement(**next, script, hooks));
    } else {
      text = TrimStatement(script.substr(start, reader.offset() - start));
      results.emplace_back(next.status());
    }
    if (hooks.on_result) hooks.on_result(text, results.back());
    if (stop_on_error && !results.back().ok()) break;
  }
  return results;
}

Result<StatementResult> Executor::ExecuteStatement(const Statement& statement,
                                                   std::string_view source,
                                                   const StatementHooks& hooks) {
  const std::string_view text = statement.SourceText(source);
  const StatementBody& body = statement.body;
  if (const auto* s = std::get_if<CreateMemoryStatement>(&body)) {
    return Serialized(s->memory, [&] { return CreateMemory(*s, text); });
  }
  if (const auto* s = std::get_if<DropMemoryStatement>(&body)) {
    return Serialized(s->memory, [&] { return DropMemory(*s, text); });
  }
  if (std::holds_alternative<ShowMemoriesStatement>(body)) return ShowMemories();
  if (const auto* s = std::get_if<ShowSnapshotsStatement>(&body)) return ShowSnapshots(*s);
  if (std::holds_alternative<ShowStatsStatement>(body)) return ShowStats();
  if (const auto* s = std::get_if<SnapshotStatement>(&body)) return Snapshot(*s, statement.begin);
  if (const auto* s = std::get_if<RollbackStatement>(&body)) {
    ENGRAM_RETURN_IF_ERROR(ForbidInTransaction("ROLLBACK ... TO", statement.begin));
    return Rollback(*s, text);
  }
  if (const auto* s = std::get_if<HistoryStatement>(&body)) return History(*s);
  if (const auto* s = std::get_if<DiffStatement>(&body)) return Diff(*s);
  if (std::holds_alternative<BeginStatement>(body)) return Begin(statement);
  if (std::holds_alternative<CommitStatement>(body)) return Commit(statement);
  if (std::holds_alternative<AbortStatement>(body)) return Abort(statement);
  if (const auto* s = std::get_if<GenerateStatement>(&body)) {
    return Generate(*s, statement.begin, hooks);
  }
  if (const auto* s = std::get_if<WriteFactsStatement>(&body)) {
    return Serialized(s->memory, [&] { return WriteFacts(*s, text, statement.begin); });
  }
  if (const auto* s = std::get_if<ReadFactsStatement>(&body)) return ReadFacts(*s, statement.begin);
  if (const auto* s = std::get_if<WriteContextStatement>(&body)) {
    return Serialized(s->memory, [&] { return WriteContext(*s, text, hooks, statement.begin); });
  }
  if (const auto* s = std::get_if<ReadContextStatement>(&body)) {
    return ReadContext(*s, statement.begin);
  }
  if (const auto* s = std::get_if<ForgetContextStatement>(&body)) {
    return Serialized(
        s->memory, [&] { return ForgetContext(s->memory, s->id, std::nullopt, s->purge, text); });
  }
  if (const auto* s = std::get_if<ForgetContextSourceStatement>(&body)) {
    return Serialized(
        s->memory, [&] { return ForgetContext(s->memory, std::nullopt, s->path, s->purge, text); });
  }
  if (const auto* s = std::get_if<WritePrefixStatement>(&body)) {
    return Serialized(s->memory, [&] { return WritePrefix(*s, text, statement.begin); });
  }
  if (const auto* s = std::get_if<ForgetPrefixStatement>(&body)) {
    return Serialized(s->memory, [&] { return ForgetPrefix(*s, text); });
  }
  if (const auto* s = std::get_if<WriteEditStatement>(&body)) {
    return Serialized(s->memory, [&] { return WriteEdit(*s, text, statement.begin); });
  }
  if (const auto* s = std::get_if<ReadEditsStatement>(&body)) {
    return ReadEdits(*s, statement.begin);
  }
  if (const auto* s = std::get_if<ForgetEditStatement>(&body)) {
    return Serialized(s->memory, [&] { return ForgetEdit(*s, text, statement.begin); });
  }
  if (const auto* s = std::get_if<ForgetFactStatement>(&body)) {
    return Serialized(s->memory, [&] {
      return ForgetFacts(ForgetTarget{s->memory, s->fact, std::nullopt, s->purge}, text,
                         statement.begin);
    });
  }
  if (const auto* s = std::get_if<ForgetFactIdStatement>(&body)) {
    return Serialized(s->memory, [&] {
      return ForgetFacts(ForgetTarget{s->memory, std::nullopt, s->id, s->purge}, text,
                         statement.begin);
    });
  }
  return Unhandled(statement);
}

Result<StatementResult> Executor::Unhandled(const Statement& statement) const {
  return Status::Error(
      ErrorCode::kInternal,
      "the executor has no case for " + std::string(StatementKindName(statement.body)),
      Pos(statement.begin));
}

// --- transactions ---

Result<StatementResult> Executor::Begin(const Statement& statement) {
  if (txn_) {
    return Status::Error(ErrorCode::kConflict,
                         "BEGIN inside a transaction: COMMIT or ABORT the open one first",
                         Pos(statement.begin));
  }
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  storage::WriteBatch batch(options_.tenant);
  batch.ExpectUnchangedSince(read.head());
  txn_.emplace(Transaction{read.head(), std::move(batch), {}});
  return Empty(statement.body);
}

Result<StatementResult> Executor::Commit(const Statement& statement) {
  if (!txn_) {
    return Status::Error(ErrorCode::kConflict, "COMMIT without a transaction (no BEGIN)",
                         Pos(statement.begin));
  }
  Transaction txn = std::move(*txn_);
  txn_.reset();  // the transaction ends whatever the commit's outcome
  StatementResult result = Empty(statement.body);
  if (txn.batch.empty()) {
    ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
    result.Add("version", read.head());
    return result;
  }
  std::string text;
  for (const std::string& part : txn.statements) {
    if (!text.empty()) text += ";\n";
    text += part;
  }
  Result<storage::Version> version = store_.Commit(txn.batch, text);
  if (!version.ok()) {
    Status status = version.status();
    return Status::Error(status.code(),
                         "COMMIT failed, the transaction was discarded: " + status.message(),
                         Pos(statement.begin));
  }
  result.Add("version", *version);
  return result;
}

Result<StatementResult> Executor::Abort(const Statement& statement) {
  if (!txn_) {
    return Status::Error(ErrorCode::kConflict, "ABORT without a transaction (no BEGIN)",
                         Pos(statement.begin));
  }
  txn_.reset();
  return Empty(statement.body);
}

Status Executor::ForbidInTransaction(std::string_view what, std::size_t position) const {
  if (!txn_) return Status::Ok();
  return Status::Error(ErrorCode::kConflict,
                       std::string(what) +
                           " is not allowed inside a transaction (it is a store operation of "
                           "its own); COMMIT or ABORT first",
                       Pos(position));
}

// --- shared helpers ---

Result<storage::ReadTxn> Executor::Read() const {
  return store_.BeginRead();
}

storage::Version Executor::StateVersion() const {
  return txn_ ? txn_->base : storage::kHeadVersion;
}

Result<bool> Executor::MemoryExists(const storage::ReadTxn& read, const std::string& memory) const {
  const RecordKey key = MemoryKey(memory);
  if (txn_) {
    if (const auto* pending = txn_->batch.Find(key)) return !pending->tombstone;
  }
  ENGRAM_ASSIGN_OR_RETURN(auto record, read.Get(options_.tenant, key, StateVersion()));
  return record.has_value();
}

Status Executor::RequireMemory(const storage::ReadTxn& read, const Name& memory) const {
  ENGRAM_ASSIGN_OR_RETURN(bool exists, MemoryExists(read, memory.value));
  if (exists) return Status::Ok();
  return Status::Error(ErrorCode::kNotFound, "memory '" + memory.value + "' does not exist",
                       Pos(memory.position));
}

Result<std::vector<Executor::LiveKey>> Executor::LiveKeys(const storage::ReadTxn& read,
                                                          const std::string& memory) const {
  ENGRAM_ASSIGN_OR_RETURN(std::vector<storage::Record> records,
                          read.List(options_.tenant, memory, std::nullopt, StateVersion()));
  std::map<RecordKey, bool> live;  // key -> stored
  for (const storage::Record& record : records) live[record.key] = true;
  if (txn_) {
    for (const auto& [key, pending] : txn_->batch.pending()) {
      if (key.memory != memory) continue;
      if (pending.tombstone) {
        live.erase(key);
      } else {
        live.emplace(key, false);  // keeps `stored` of a stored record rewritten in the batch
      }
    }
  }
  std::vector<LiveKey> keys;
  for (const auto& [key, stored] : live) keys.push_back(LiveKey{key, stored});
  return keys;
}

storage::WriteBatch Executor::StartBatch(storage::Version snapshot) const {
  if (txn_) return txn_->batch;
  storage::WriteBatch batch(options_.tenant);
  batch.ExpectUnchangedSince(snapshot);
  return batch;
}

Result<StatementResult> Executor::Serialized(
    const Name& memory, const std::function<Result<StatementResult>()>& statement) {
  if (txn_) return statement();
  constexpr int kMaxAttempts = 16;
  std::optional<MemoryWriteLocks::Held> held;
  if (options_.write_locks != nullptr) {
    held.emplace(options_.write_locks->Lock(options_.tenant.name(), memory.value));
  }
  for (int attempt = 1;; ++attempt) {
    commit_conflicted_ = false;
    Result<StatementResult> result = statement();
    if (result.ok() || !commit_conflicted_ || attempt == kMaxAttempts) return result;
  }
}

Status Executor::FinishBatch(storage::WriteBatch batch, std::string_view text,
                             StatementResult& result) {
  if (txn_) {
    txn_->batch = std::move(batch);
    txn_->statements.emplace_back(text);
    result.Add("version", std::monostate{}).Add("pending", true);
    return Status::Ok();
  }
  Result<storage::Version> version = store_.Commit(batch, text);
  if (!version.ok()) {
    commit_conflicted_ = version.status().code() == ErrorCode::kConflict;
    return version.status();
  }
  result.Add("version", *version);
  return Status::Ok();
}

}  // namespace engram::query
