// Executor: runs parsed statements of the query language against a storage::Store for one
// tenant (docs/query-language.md §4-§6). This build executes CREATE/DROP MEMORY, SHOW,
// SNAPSHOT, ROLLBACK, HISTORY, DIFF, transactions, and GENERATE without memories (through the
// compute link of ExecutorOptions::compute). Every WRITE, READ and FORGET, and GENERATE with
// USING or AFTER PREFIX, fails with COMPUTE at the statement's first byte and a message naming
// the mechanism it needs, without touching the store.
//
// Commits: outside a transaction every statement that changes something is one commit
// recording its source text. Between BEGIN and COMMIT the changes accumulate in one
// WriteBatch (later statements see earlier ones through WriteBatch::Find) whose commit records
// the texts of the statements that changed it, joined by ";\n"; the batch expects the memories
// it touches unchanged since the head at BEGIN (CONFLICT at COMMIT otherwise). Inside a
// transaction, existence checks and SHOW MEMORIES read the state as of BEGIN plus the
// transaction's writes; HISTORY, DIFF, SHOW SNAPSHOTS and SHOW STATS read committed history at
// the current head. Writing statements inside a transaction return `"version": null` and
// `"pending": true`; COMMIT returns the version.
//
// Errors carry the byte position (in the text the statement was parsed from) of the argument
// they concern: the memory name for an unknown memory, the snapshot name for an unknown or
// existing snapshot, VERSION for a version out of range, PURGE for PURGE inside a transaction,
// the statement's first byte otherwise.
//
// Ownership: the store must outlive the executor. An executor destroyed with a transaction
// open aborts it (nothing is written).
// Thread-safety: one executor is used by one thread at a time; several executors (one per
// session or tenant) may share a store.
#ifndef ENGRAM_QUERY_EXECUTOR_EXECUTOR_H_
#define ENGRAM_QUERY_EXECUTOR_EXECUTOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/statement_result.h"
#include "engram/status.h"
#include "query/compute_client/compute_link.h"
#include "query/executor/context_state.h"
#include "query/executor/edit_records.h"
#include "query/executor/episodic_header.h"
#include "query/executor/episodic_state.h"
#include "query/executor/memory_options.h"
#include "query/executor/memory_write_locks.h"
#include "query/language/ast.h"
#include "storage/store.h"
#include "storage/write_batch.h"

namespace engram::query {

struct ExecutorOptions {
  // The session's tenant (embedded use: "default").
  storage::Tenant tenant = storage::Tenant::Default();
  // The database's model fingerprint as of now (it is bound at the model's first use, possibly
  // by another session), recorded in each new memory's attrs; unset or empty: null.
  std::function<std::string()> model_fingerprint;
  // Gives a ready link to the model co-process (starting it on first use and checking that it
  // serves the database's model), or the error why there is none (COMPUTE, MODEL). Called only
  // by statements that need the model. Unset: those statements fail with COMPUTE.
  std::function<Result<ComputeLink*>()> compute;
  // SHOW STATS: only the tenant's own counts (tenant, memories, memory_records), without the
  // store-wide ones (a multi-tenant server must not reveal other tenants' activity).
  bool tenant_scoped_stats = false;
  // Serialises per memory, across the sessions that share it, the span from the first read to
  // the commit of autocommit statements that read the store before writing it (WRITE, FORGET,
  // CREATE and DROP MEMORY): two sessions writing one memory then never race (the second reads
  // what the first committed), and writes to other memories are not held up. Unset: optimistic
  // only — such a statement's commit expects its memory unchanged since its read, and a
  // statement that loses the race runs again (up to 16 times) before it reports CONFLICT.
  // Transactions are optimistic either way (COMMIT may report CONFLICT). Must outlive the
  // executor.
  MemoryWriteLocks* write_locks = nullptr;
};

// Per-call observers of a statement's progress. Both are optional.
struct StatementHooks {
  // GENERATE: each piece of the continuation's text as the model produces it (the result's
  // `text` is their concatenation). Called on the executing thread.
  std::function<void(std::string_view text)> on_text;
  // WRITE … CONTEXT: (tokens encoded, tokens in all) now and then while the co-process
  // encodes the text (a CLI's progress bar). Called on the executing thread.
  std::function<void(std::uint64_t tokens, std::uint64_t total)> on_progress;
  // Polled while a GENERATE runs; when it becomes true the generation stops early and the
  // result reports `"finish": "cancelled"` (a REPL sets it on Ctrl-C).
  const std::atomic<bool>* cancel = nullptr;
  // Execute: after each statement, its source text (without the ';'; for a statement that
  // failed to parse, the text the reader skipped) and its result.
  std::function<void(std::string_view text, const Result<StatementResult>& result)> on_result;
};
class Executor {
 public:
  explicit Executor(storage::Store& store, ExecutorOptions options = {});
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Parses `script` statement by statement (StatementReader) and runs each, returning one
  // result per statement, parse errors included (SYNTAX/LIMIT from the parser), and passing
  // each to hooks.on_result as it completes. With `stop_on_error`, stops after the first
  // failure. A transaction left open at the end of the
  // script stays open (a REPL runs one input at a time); see AbortTransaction.
  std::vector<Result<StatementResult>> Execute(std::string_view script, bool stop_on_error = false,
                                               const StatementHooks& hooks = {});

  // Runs one parsed statement; `source` is the text it was parsed from (positions and the
  // statement text a commit records refer to it). Never half-writes: a failure leaves the
  // store, and an open transaction's batch, as they were.
  Result<StatementResult> ExecuteStatement(const Statement& statement, std::string_view source,
                                           const StatementHooks& hooks = {});

  bool in_transaction() const { return txn_.has_value(); }
  // Discards an open transaction's writes (no-op without one). For a session that ends.
  void AbortTransaction() { txn_.reset(); }

  const storage::Tenant& tenant() const { return options_.tenant; }

 private:
  struct Transaction {
    storage::Version base = 0;  // the head at BEGIN
    storage::WriteBatch batch;
    std::vector<std::string> statements;  // texts of the statements that changed the batch
  };
  // A live record key of a memory, and whether it exists in the store (else only pending).
  struct LiveKey {
    storage::RecordKey key;
    bool stored = false;
  };

  // --- shared helpers (executor.cc) ---
  Result<storage::ReadTxn> Read() const;
  // The version reads of the transaction state use: the head at BEGIN, or the head.
  storage::Version StateVersion() const;
  // Whether `memory` is live: its memory record exists (in the transaction's batch first).
  Result<bool> MemoryExists(const storage::ReadTxn& read, const std::string& memory) const;
  // NOTFOUND at the name unless the memory is live.
  Status RequireMemory(const storage::ReadTxn& read, const Name& memory) const;
  // Every live record of `memory` (the store's as of StateVersion(), with the batch applied).
  Result<std::vector<LiveKey>> LiveKeys(const storage::ReadTxn& read,
                                        const std::string& memory) const;
  // The batch a statement extends: a copy of the transaction's, or an empty one.
  // The batch a statement writes: the open transaction's, or a new one whose commit expects
  // the memories it touches unchanged since `snapshot` (the version the statement read).
  storage::WriteBatch StartBatch(storage::Version snapshot) const;
  // Runs an autocommit read-then-write statement of `memory` under its lock in
  // options_.write_locks, again when its commit lost a race (see ExecutorOptions::write_locks).
  Result<StatementResult> Serialized(const Name& memory,
                                     const std::function<Result<StatementResult>()>& statement);
  // Commits `batch` (outside a transaction) or makes it the transaction's batch; adds
  // "version" (null and "pending": true inside a transaction) to `result`.
  Status FinishBatch(storage::WriteBatch batch, std::string_view text, StatementResult& result);
  // Set by FinishBatch when an autocommit commit failed with CONFLICT (another session changed
  // the memory after this statement read it).
  bool commit_conflicted_ = false;
  // CONFLICT at `position` when a transaction is open.
  Status ForbidInTransaction(std::string_view what, std::size_t position) const;

  // --- statements ---
  Result<StatementResult> Begin(const Statement& statement);
  Result<StatementResult> Commit(const Statement& statement);
  Result<StatementResult> Abort(const Statement& statement);
  Result<StatementResult> Unhandled(const Statement& statement) const;
  // memory_statements.cc
  Result<StatementResult> CreateMemory(const CreateMemoryStatement& create, std::string_view text);
  Result<StatementResult> DropMemory(const DropMemoryStatement& drop, std::string_view text);
  Result<StatementResult> ShowMemories();
  Result<StatementResult> ShowSnapshots(const ShowSnapshotsStatement& show);
  Result<StatementResult> ShowStats();
  // episodic_statements.cc
  // The co-process link, or COMPUTE/MODEL at `position`.
  Result<ComputeLink*> Link(std::size_t position) const;
  // The live memory's settings; NOTFOUND at the name unless it is live, MODEL when it was built
  // with another model than the co-process serves.
  Result<MemorySettings> BoundMemory(const storage::ReadTxn& read, const Name& memory,
                                     ComputeLink& link) const;
  Result<StatementResult> WriteFacts(const WriteFactsStatement& write, std::string_view text,
                                     std::size_t position);
  // Rewrites the memory record in `batch` with "model" set to the co-process's fingerprint.
  Status BindMemoryToModel(const storage::ReadTxn& read, const std::string& memory,
                           ComputeLink& link, storage::WriteBatch& batch) const;
  // The memory's episodic records as this statement sees them (transaction included).
  Result<internal::EpisodicView> LoadEpisodic(const storage::ReadTxn& read,
                                              const std::string& memory) const;
  // Adds the statement's journal entry `op` to `header` (or, with `checkpoint`, the checkpoint
  // record of `applied` and an empty journal) and puts the header into `batch`.
  Status AddEpisodicState(ComputeLink& link, const EpisodicApplyResult& applied, bool checkpoint,
                          EpisodicJournalOp op, EpisodicHeader& header, const std::string& memory,
                          storage::WriteBatch& batch) const;
  // Adds the checkpoint record of `applied` to `batch` and empties `header`'s journal.
  Status WriteCheckpoint(ComputeLink& link, const EpisodicApplyResult& applied,
                         EpisodicHeader& header, const std::string& memory,
                         storage::WriteBatch& batch) const;
  Result<StatementResult> ReadFacts(const ReadFactsStatement& read, std::size_t position);
  struct ForgetTarget {
    Name memory;
    std::optional<Text> fact;  // FORGET m 'fact'
    std::optional<Count> id;   // FORGET m ID n
    Located<bool> purge;
  };
  Result<StatementResult> ForgetFacts(const ForgetTarget& target, std::string_view text,
                                      std::size_t position);
  // GENERATE … USING: the recalled facts that guide decoding.
  struct Recall {
    bool in_scope = false;  // some memory found the prompt in its scope
    std::vector<GuideText> guides;
  };
  Result<Recall> RecallGuides(ComputeLink& link, const std::vector<Name>& memories,
                              const std::string& prompt) const;
  // context_statements.cc
  Result<internal::ContextView> LoadContext(const storage::ReadTxn& read,
                                            const std::string& memory) const;
  Result<StatementResult> WriteContext(const WriteContextStatement& write, std::string_view text,
                                       const StatementHooks& hooks, std::size_t position);
  Result<StatementResult> ReadContext(const ReadContextStatement& statement, std::size_t position);
  // FORGET m CONTEXT ID n (write_id) or SOURCE 'path' (source) [PURGE].
  Result<StatementResult> ForgetContext(const Name& memory, std::optional<Count> write_id,
                                        std::optional<Text> source, Located<bool> purge,
                                        std::string_view text);
  // The context memories among GENERATE's USING, loaded in the co-process, and their weight.
  struct ContextRecall {
    std::vector<protocol::ContextState> states;
    float weight = 0.0f;
  };
  Result<ContextRecall> RecallContext(ComputeLink& link, const std::vector<Name>& memories) const;
  // prefix_statements.cc
  // A prefix record as this statement sees it; `pending` is the open transaction's change that
  // holds it, if any (its tensors' bytes are there, not in the store).
  struct PrefixEntry {
    storage::Record record;
    const storage::WriteBatch::Pending* pending = nullptr;
  };
  // Prefix `id` of `memory`, or its newest without an id. NOTFOUND when there is none.
  Result<PrefixEntry> LoadPrefix(const storage::ReadTxn& read, const Name& memory,
                                 std::optional<Count> id) const;
  Result<StatementResult> WritePrefix(const WritePrefixStatement& write, std::string_view text,
                                      std::size_t position);
  Result<StatementResult> ForgetPrefix(const ForgetPrefixStatement& forget, std::string_view text);
  // GENERATE … AFTER PREFIX: the stored prefix, checked against `model` (MODEL when it was
  // computed by another) and with its keys and values in the co-process's blob cache.
  Result<protocol::PrefixRef> RecallPrefix(ComputeLink& link, const Name& memory,
                                           std::optional<Count> id, const ModelInfo& model) const;
  // edit_statements.cc
  Result<internal::EditView> LoadEdits(const storage::ReadTxn& read, const std::string& memory,
                                       bool with_pieces = true) const;
  Result<StatementResult> WriteEdit(const WriteEditStatement& write, std::string_view text,
                                    std::size_t position);
  Result<StatementResult> ReadEdits(const ReadEditsStatement& statement, std::size_t position);
  Result<StatementResult> ForgetEdit(const ForgetEditStatement& forget, std::string_view text,
                                     std::size_t position);
  // Puts into `batch` the records of the co-process's new `state` that differ from `view`'s
  // (new_edit's text is `new_prompt`), tombstones the stored records it no longer has (and
  // drops those that exist only in the open transaction), and returns the tombstoned keys.
  Result<std::vector<storage::RecordKey>> PutEditState(
      ComputeLink& link, const internal::EditView& view, const protocol::EditStateSpec& state,
      std::uint64_t new_edit, const std::string& new_prompt, storage::WriteBatch& batch) const;
  // GENERATE … USING: the routed side memory among the memories' edits, if any.
  struct EditRecall {
    bool any = false;  // some memory has edits
    std::optional<protocol::GenerateEditRef> edit;
    std::uint64_t routed_edit = 0;  // the routed memory's first edit
  };
  Result<EditRecall> RecallEdits(ComputeLink& link, const std::vector<Name>& memories,
                                 const std::string& prompt) const;
  // generate_statement.cc
  Result<StatementResult> Generate(const GenerateStatement& generate, std::size_t position,
                                   const StatementHooks& hooks);
  // version_statements.cc
  Result<StatementResult> Snapshot(const SnapshotStatement& snapshot, std::size_t position);
  Result<StatementResult> Rollback(const RollbackStatement& rollback, std::string_view text);
  Result<StatementResult> History(const HistoryStatement& history);
  Result<StatementResult> Diff(const DiffStatement& diff);
  // A snapshot of `memory`'s scope, else a tenant-wide one (memory empty: tenant-wide only).
  Result<storage::Version> ResolveSnapshot(const storage::ReadTxn& read, const std::string& memory,
                                           const std::string& name, std::size_t position) const;
  // A VERSION, snapshot or HEAD point, checked against the head and the retained history.
  Result<storage::Version> ResolvePoint(const storage::ReadTxn& read, const std::string& memory,
                                        const VersionRef& point) const;
  // NOTFOUND at the name unless some commit ever touched a memory of that name.
  Status RequireHistory(const storage::ReadTxn& read, const Name& memory) const;

  storage::Store& store_;
  ExecutorOptions options_;
  std::optional<Transaction> txn_;
};

}  // namespace engram::query

#endif  // ENGRAM_QUERY_EXECUTOR_EXECUTOR_H_
