// The executor on a real LMDB store: every statement it runs, its JSON, errors with codes and
// positions, transactions (atomicity, ABORT, CONFLICT), tenants, and the statements that need
// the model failing cleanly, without touching the store, when there is no co-process.
#include "query/executor/executor.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "engram/statement_result.h"
#include "query/executor/memory_options.h"
#include "tests/storage/test_store.h"

namespace engram::query {
namespace {

using storage::RecordKey;
using storage::RecordKind;
using storage::Tenant;
using storage::testing::OpenOrDie;
using storage::testing::TempDir;

class ExecutorTest : public ::testing::Test {
 protected:
  ExecutorTest() : store_(OpenOrDie(dir_.Sub("db"))), exec_(*store_) {}

  // Runs a script of exactly one statement and returns its result.
  Result<StatementResult> Run(Executor& exec, const std::string& sql) {
    auto results = exec.Execute(sql);
    EXPECT_EQ(results.size(), 1u) << sql;
    if (results.empty()) return InternalError("no result");
    return results.front();
  }
  Result<StatementResult> Run(const std::string& sql) { return Run(exec_, sql); }
  StatementResult Ok(Executor& exec, const std::string& sql) {
    auto result = Run(exec, sql);
    EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
    return result.ok() ? *result : StatementResult{};
  }
  StatementResult Ok(const std::string& sql) { return Ok(exec_, sql); }
  Status Err(Executor& exec, const std::string& sql) {
    auto result = Run(exec, sql);
    EXPECT_FALSE(result.ok()) << sql << " succeeded: " << (result.ok() ? ToJson(*result) : "");
    return result.status();
  }
  Status Err(const std::string& sql) { return Err(exec_, sql); }
  std::string Json(const std::string& sql) { return ToJson(Run(sql)); }

  storage::Version Head() {
    auto read = store_->BeginRead();
    EXPECT_TRUE(read.ok());
    return read.ok() ? read->head() : 0;
  }
  std::string MemoryAttrs(const std::string& memory, const Tenant& tenant = Tenant::Default()) {
    auto read = store_->BeginRead();
    auto record = read->Get(tenant, RecordKey{memory, RecordKind::kMemory, 0});
    EXPECT_TRUE(record.ok() && record->has_value()) << memory;
    if (!record.ok() || !record->has_value()) return "";
    const auto& attrs = (*record)->attrs;
    return std::string(reinterpret_cast<const char*>(attrs.data()), attrs.size());
  }

  TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  Executor exec_;
};

void ExpectError(const Status& status, ErrorCode code, std::int64_t position) {
  EXPECT_EQ(status.code(), code) << status.ToString();
  EXPECT_EQ(status.position(), position) << status.ToString();
}

TEST_F(ExecutorTest, CreateMemoryCommitsOneVersionWithDefaultOptions) {
  EXPECT_EQ(Json("CREATE MEMORY agent"), R"({"ok": true, "version": 1})");
  EXPECT_EQ(Head(), 1u);
  EXPECT_EQ(
      MemoryAttrs("agent"),
      R"({"format": 1, "options": {"slots": 768, "ridge": 0.001, "scope_threshold": 0.3, "guide_weight": 0.9, "checkpoint_every": 256, "context_layer": 2, "chunk_tokens": 1, "context_window": 256, "max_chunks": 0, "context_weight": 0.9, "edit_layer": 4, "edit_steps": 70, "edit_lr": 1.0, "edit_mask_ratio": 1.0, "edit_save_freq": 1, "edit_merge_freq": 0, "edit_act_ratio": 0.75, "edit_gate_threshold": 0.3}, "model": null})");
  EXPECT_EQ(Json("create memory \"Agent\" with (SLOTS = 8)"), R"({"ok": true, "version": 2})");
  EXPECT_EQ(
      MemoryAttrs("Agent"),
      R"({"format": 1, "options": {"slots": 8, "ridge": 0.001, "scope_threshold": 0.3, "guide_weight": 0.9, "checkpoint_every": 256, "context_layer": 2, "chunk_tokens": 1, "context_window": 256, "max_chunks": 0, "context_weight": 0.9, "edit_layer": 4, "edit_steps": 70, "edit_lr": 1.0, "edit_mask_ratio": 1.0, "edit_save_freq": 1, "edit_merge_freq": 0, "edit_act_ratio": 0.75, "edit_gate_threshold": 0.3}, "model": null})");
}

TEST_F(ExecutorTest, CreateMemoryRecordsTheModelFingerprint) {
  Executor exec(*store_, ExecutorOptions{Tenant::Default(), [] { return std::string("00ff"); }});
  Ok(exec, "CREATE MEMORY m");
  EXPECT_EQ(
      MemoryAttrs("m"),
      R"({"format": 1, "options": {"slots": 768, "ridge": 0.001, "scope_threshold": 0.3, "guide_weight": 0.9, "checkpoint_every": 256, "context_layer": 2, "chunk_tokens": 1, "context_window": 256, "max_chunks": 0, "context_weight": 0.9, "edit_layer": 4, "edit_steps": 70, "edit_lr": 1.0, "edit_mask_ratio": 1.0, "edit_save_freq": 1, "edit_merge_freq": 0, "edit_act_ratio": 0.75, "edit_gate_threshold": 0.3}, "model": "00ff"})");
}

TEST_F(ExecutorTest, CreateMemoryErrors) {
  Ok("CREATE MEMORY agent");
  Status exists = Err("CREATE MEMORY agent");
  ExpectError(exists, ErrorCode::kExists, 14);
  EXPECT_EQ(exists.message(), "memory 'agent' exists");
  ExpectError(Err("CREATE MEMORY m WITH (size = 3)"), ErrorCode::kSyntax, 22);
  ExpectError(Err("CREATE MEMORY m WITH (slots = 0)"), ErrorCode::kSyntax, 30);
  ExpectError(Err("CREATE MEMORY m WITH (slots = 'x')"), ErrorCode::kSyntax, 30);
  ExpectError(Err("CREATE MEMORY m WITH (slots = 1.5)"), ErrorCode::kSyntax, 30);
  EXPECT_EQ(
      Json("CREATE MEMORY m WITH (nope = TRUE)"),
      R"({"ok": false, "error": {"code": "SYNTAX", "message": "unknown option 'nope' for )"
      R"j(CREATE MEMORY (known: slots, ridge, scope_threshold, guide_weight, )j"
      R"j(checkpoint_every, context_layer, chunk_tokens, context_window, max_chunks, )j"
      R"j(context_weight, edit_layer, edit_steps, edit_lr, edit_mask_ratio, edit_save_freq, )j"
      R"j(edit_merge_freq, edit_act_ratio, edit_gate_threshold)", "position": 22}})j");
  EXPECT_EQ(Head(), 1u);
}

TEST_F(ExecutorTest, DropMemoryTombstonesAndCanBeRecreated) {
  Ok("CREATE MEMORY agent");
  EXPECT_EQ(Json("DROP MEMORY agent"), R"({"ok": true, "version": 2, "records": 1})");
  EXPECT_EQ(Json("SHOW MEMORIES"), R"({"ok": true, "rows": []})");
  EXPECT_EQ(Json("DROP MEMORY agent"), R"({"ok": false, "error": {"code": "NOTFOUND", "message": )"
                                       R"("memory 'agent' does not exist", "position": 12}})");
  ExpectError(Err("DROP MEMORY ghost PURGE"), ErrorCode::kNotFound, 12);
  EXPECT_EQ(Ok("CREATE MEMORY agent").U64("version"), 3u);
  auto history = Ok("HISTORY agent");
  ASSERT_EQ(history.rows.size(), 3u);  // the old memory's commits too
  EXPECT_EQ(ValueToText(*history.Cell(1, "statement")), "DROP MEMORY agent");
}

TEST_F(ExecutorTest, DropMemoryPurgeDeletesEverythingAndItsSnapshots) {
  Ok("CREATE MEMORY agent");
  Ok("SNAPSHOT agent AS s1");
  Ok("SNAPSHOT AS everything");
  EXPECT_EQ(Json("DROP MEMORY agent PURGE"), R"({"ok": true, "version": 2, "records": 1})");
  EXPECT_EQ(Ok("SHOW SNAPSHOTS agent").rows.size(), 0u);
  EXPECT_EQ(Ok("SHOW SNAPSHOTS").rows.size(), 1u);  // the tenant-wide one stays
  auto history = Ok("HISTORY agent");
  ASSERT_EQ(history.rows.size(), 2u);
  EXPECT_EQ(ValueToText(*history.Cell(0, "kind")), "purge");
  EXPECT_EQ(ValueToText(*history.Cell(1, "statement")), "[redacted by PURGE at version 2]");
  ExpectError(Err("DROP MEMORY agent PURGE"), ErrorCode::kNotFound, 12);
  // A memory dropped without PURGE can still be purged (its history is what goes).
  Ok("CREATE MEMORY old");
  Ok("DROP MEMORY old");
  EXPECT_EQ(Json("DROP MEMORY old PURGE"), R"({"ok": true, "version": 5, "records": 0})");
  EXPECT_EQ(ValueToText(*Ok("HISTORY old").Cell(1, "statement")),
            "[redacted by PURGE at version 5]");
}

TEST_F(ExecutorTest, ShowMemoriesInNameOrderWithVersions) {
  Ok("CREATE MEMORY b");
  Ok("CREATE MEMORY a");
  EXPECT_EQ(Json("SHOW MEMORIES"),
            R"({"ok": true, "rows": [{"name": "a", "version": 2, "created": 2}, )"
            R"({"name": "b", "version": 1, "created": 1}]})");
  EXPECT_EQ(ToTable(Ok("SHOW MEMORIES")),
            "+------+---------+---------+\n"
            "| name | version | created |\n"
            "+------+---------+---------+\n"
            "| a    | 2       | 2       |\n"
            "| b    | 1       | 1       |\n"
            "+------+---------+---------+\n");
  EXPECT_EQ(ToTable(Ok("CREATE MEMORY c")), "version: 3\n");
}

TEST_F(ExecutorTest, SnapshotsAreListedPerScope) {
  Ok("CREATE MEMORY a");
  EXPECT_EQ(Json("SNAPSHOT a AS s1"), R"({"ok": true, "version": 1})");
  Ok("CREATE MEMORY b");
  EXPECT_EQ(Json("SNAPSHOT AS s1"), R"({"ok": true, "version": 2})");  // another scope
  auto all = Ok("SHOW SNAPSHOTS");
  ASSERT_EQ(all.rows.size(), 2u);
  EXPECT_EQ(all.columns, (std::vector<std::string>{"name", "memory", "version", "time"}));
  const std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z)");
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(std::regex_match(ValueToText(*all.Cell(i, "time")), rfc3339));
  }
  auto only_a = Ok("SHOW SNAPSHOTS a");
  ASSERT_EQ(only_a.rows.size(), 1u);
  EXPECT_EQ(ValueToText(*only_a.Cell(0, "memory")), "a");
  EXPECT_EQ(ValueToJson(*only_a.Cell(0, "version")), "1");
  bool saw_null = false;
  for (std::size_t i = 0; i < 2; ++i) saw_null |= ValueToJson(*all.Cell(i, "memory")) == "null";
  EXPECT_TRUE(saw_null);
  ExpectError(Err("SNAPSHOT a AS s1"), ErrorCode::kExists, 14);
  ExpectError(Err("SNAPSHOT ghost AS s2"), ErrorCode::kNotFound, 9);
  EXPECT_EQ(Head(), 2u);  // snapshots are refs, not commits
}

TEST_F(ExecutorTest, ShowStatsIsOneRow) {
  Ok("CREATE MEMORY a");
  Ok("CREATE MEMORY b");
  Ok("SNAPSHOT AS s");
  auto stats = Ok("SHOW STATS");
  ASSERT_EQ(stats.rows.size(), 1u);
  EXPECT_EQ(ValueToText(*stats.Cell(0, "tenant")), "default");
  EXPECT_EQ(ValueToJson(*stats.Cell(0, "head")), "2");
  EXPECT_EQ(ValueToJson(*stats.Cell(0, "memories")), "2");
  EXPECT_EQ(ValueToJson(*stats.Cell(0, "memory_records")), "2");
  EXPECT_EQ(ValueToJson(*stats.Cell(0, "commits")), "2");
  EXPECT_EQ(ValueToJson(*stats.Cell(0, "snapshots")), "1");
  EXPECT_NE(stats.Cell(0, "file_bytes"), nullptr);
  EXPECT_EQ(ToJson(stats).rfind(R"({"ok": true, "rows": [{"tenant": "default", "head": 2, )", 0),
            0u);
}

TEST_F(ExecutorTest, RollbackToSnapshotAndVersion) {
  Ok("CREATE MEMORY a");  // 1
  Ok("SNAPSHOT a AS before");
  Ok("DROP MEMORY a");  // 2
  EXPECT_EQ(Json("ROLLBACK a TO before"),
            R"({"ok": true, "version": 3, "restored_to": 1, "records": 1})");
  EXPECT_EQ(Ok("SHOW MEMORIES").rows.size(), 1u);
  Ok("SNAPSHOT AS empty_tenant");                                 // names version 3
  Ok("CREATE MEMORY b");                                          // 4
  EXPECT_EQ(Ok("ROLLBACK TO VERSION 0").U64("restored_to"), 0u);  // 5: everything gone
  EXPECT_EQ(Ok("SHOW MEMORIES").rows.size(), 0u);
  // a's scope has no "empty_tenant": the tenant-wide snapshot is used, for a only.
  EXPECT_EQ(Ok("ROLLBACK a TO empty_tenant").U64("restored_to"), 3u);
  auto memories = Ok("SHOW MEMORIES");
  ASSERT_EQ(memories.rows.size(), 1u);
  EXPECT_EQ(ValueToText(*memories.Cell(0, "name")), "a");
  auto history = Ok("HISTORY a LIMIT 1");
  ASSERT_EQ(history.rows.size(), 1u);
  EXPECT_EQ(ValueToText(*history.Cell(0, "kind")), "rollback");
  EXPECT_EQ(ValueToText(*history.Cell(0, "statement")), "ROLLBACK a TO empty_tenant");
}

TEST_F(ExecutorTest, RollbackErrorsPointAtTheArgument) {
  Ok("CREATE MEMORY a");
  ExpectError(Err("ROLLBACK a TO VERSION 99"), ErrorCode::kNotFound, 14);
  ExpectError(Err("ROLLBACK a TO nosuch"), ErrorCode::kNotFound, 14);
  ExpectError(Err("ROLLBACK TO nosuch"), ErrorCode::kNotFound, 12);
  ExpectError(Err("ROLLBACK ghost TO VERSION 0"), ErrorCode::kNotFound, 9);
  EXPECT_EQ(Head(), 1u);
}

TEST_F(ExecutorTest, HistoryNewestFirstWithStatementTextAndTime) {
  Ok("CREATE MEMORY a -- the first\n WITH (slots = 4)");
  Ok("DROP MEMORY a");
  const std::string json = Json("HISTORY a");
  const std::regex shape(
      R"(\{"ok": true, "rows": \[\{"version": 2, "statement": "DROP MEMORY a", "time": )"
      R"("[0-9T:.\-]+Z", "kind": "write", "records": 1\}, \{"version": 1, "statement": )"
      R"j("CREATE MEMORY a -- the first\\n WITH \(slots = 4\)", "time": "[0-9T:.\-]+Z", )j"
      R"("kind": "write", "records": 1\}\]\})");
  EXPECT_TRUE(std::regex_match(json, shape)) << json;
  EXPECT_EQ(Ok("HISTORY a LIMIT 1").rows.size(), 1u);
  ExpectError(Err("HISTORY ghost"), ErrorCode::kNotFound, 8);
}

TEST_F(ExecutorTest, DiffBetweenPoints) {
  Ok("CREATE MEMORY a");  // 1
  Ok("SNAPSHOT a AS one");
  Ok("DROP MEMORY a");  // 2
  EXPECT_EQ(Json("DIFF a VERSION 0 one"),
            R"({"ok": true, "rows": [{"kind": "memory", "id": 0, "change": "added"}]})");
  EXPECT_EQ(Json("DIFF a one HEAD"),
            R"({"ok": true, "rows": [{"kind": "memory", "id": 0, "change": "removed"}]})");
  EXPECT_EQ(Json("DIFF a HEAD HEAD"), R"({"ok": true, "rows": []})");
  ExpectError(Err("DIFF a VERSION 0 VERSION 7"), ErrorCode::kNotFound, 17);
  ExpectError(Err("DIFF a nosuch HEAD"), ErrorCode::kNotFound, 7);
  ExpectError(Err("DIFF ghost HEAD HEAD"), ErrorCode::kNotFound, 5);
}

TEST_F(ExecutorTest, TransactionCommitsOneVersion) {
  Ok("CREATE MEMORY pre");  // 1
  EXPECT_EQ(Json("BEGIN"), R"({"ok": true})");
  EXPECT_TRUE(exec_.in_transaction());
  EXPECT_EQ(Json("CREATE MEMORY a"), R"({"ok": true, "version": null, "pending": true})");
  Ok("CREATE MEMORY b");
  ExpectError(Err("CREATE MEMORY a"), ErrorCode::kExists, 14);  // read-your-writes
  EXPECT_EQ(Json("DROP MEMORY pre"),
            R"({"ok": true, "version": null, "pending": true, "records": 1})");
  EXPECT_EQ(Json("SHOW MEMORIES"),
            R"({"ok": true, "rows": [{"name": "a", "version": null, "created": null}, )"
            R"({"name": "b", "version": null, "created": null}]})");
  EXPECT_EQ(Head(), 1u);  // nothing committed yet
  EXPECT_EQ(Json("COMMIT TRANSACTION"), R"({"ok": true, "version": 2})");
  EXPECT_FALSE(exec_.in_transaction());
  EXPECT_EQ(Head(), 2u);
  auto history = Ok("HISTORY a");
  ASSERT_EQ(history.rows.size(), 1u);
  EXPECT_EQ(ValueToText(*history.Cell(0, "statement")),
            "CREATE MEMORY a;\nCREATE MEMORY b;\nDROP MEMORY pre");
  EXPECT_EQ(Ok("SHOW MEMORIES").rows.size(), 2u);
}

TEST_F(ExecutorTest, CreateAndDropInOneTransactionCancelOut) {
  Ok("CREATE MEMORY keep");  // 1
  auto results = exec_.Execute(
      "BEGIN; CREATE MEMORY x; DROP MEMORY x; DROP MEMORY keep; CREATE MEMORY keep; COMMIT");
  ASSERT_EQ(results.size(), 6u);
  for (const auto& r : results) EXPECT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ToJson(results[2]), R"({"ok": true, "version": null, "pending": true, "records": 1})");
  EXPECT_EQ(results[5]->U64("version"), 2u);
  EXPECT_EQ(Head(), 2u);
  auto memories = Ok("SHOW MEMORIES");
  ASSERT_EQ(memories.rows.size(), 1u);
  EXPECT_EQ(ValueToText(*memories.Cell(0, "name")), "keep");
  // A transaction that ends up writing nothing commits nothing and reports the head.
  results = exec_.Execute("BEGIN; CREATE MEMORY y; DROP MEMORY y; COMMIT");
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(ToJson(results[3]), R"({"ok": true, "version": 2})");
  EXPECT_EQ(Head(), 2u);
}

TEST_F(ExecutorTest, AbortLeavesNothing) {
  Ok("BEGIN");
  Ok("CREATE MEMORY a");
  EXPECT_EQ(Json("ABORT"), R"({"ok": true})");
  EXPECT_EQ(Head(), 0u);
  Ok("BEGIN TRANSACTION");
  Ok("CREATE MEMORY a");
  Ok("ROLLBACK TRANSACTION");
  EXPECT_EQ(Head(), 0u);
  EXPECT_EQ(Ok("SHOW MEMORIES").rows.size(), 0u);
  {
    Executor scoped(*store_);
    Ok(scoped, "BEGIN");
    Ok(scoped, "CREATE MEMORY b");
  }  // destroyed with the transaction open: aborted
  EXPECT_EQ(Head(), 0u);
}

TEST_F(ExecutorTest, StatementsForbiddenInATransaction) {
  Ok("CREATE MEMORY a");
  ExpectError(Err("COMMIT"), ErrorCode::kConflict, 0);
  ExpectError(Err("ABORT"), ErrorCode::kConflict, 0);
  Ok("BEGIN");
  ExpectError(Err("BEGIN"), ErrorCode::kConflict, 0);
  ExpectError(Err("SNAPSHOT a AS s"), ErrorCode::kConflict, 0);
  ExpectError(Err("SNAPSHOT AS s"), ErrorCode::kConflict, 0);
  ExpectError(Err("  ROLLBACK a TO VERSION 0"), ErrorCode::kConflict, 2);
  ExpectError(Err("ROLLBACK TO VERSION 0"), ErrorCode::kConflict, 0);
  ExpectError(Err("DROP MEMORY a PURGE"), ErrorCode::kConflict, 14);
  EXPECT_TRUE(exec_.in_transaction());  // still open
  Ok("DROP MEMORY a");
  EXPECT_EQ(Ok("COMMIT").U64("version"), 2u);
  EXPECT_EQ(Ok("SHOW SNAPSHOTS").rows.size(), 0u);
}

TEST_F(ExecutorTest, ConcurrentChangeMakesCommitConflict) {
  Ok("CREATE MEMORY a");  // 1
  Executor other(*store_);
  Ok("BEGIN");
  Ok("DROP MEMORY a");
  Ok(other, "DROP MEMORY a");    // 2
  Ok(other, "CREATE MEMORY a");  // 3
  Status conflict = Err("COMMIT");
  EXPECT_EQ(conflict.code(), ErrorCode::kConflict) << conflict.ToString();
  EXPECT_FALSE(exec_.in_transaction());  // discarded
  EXPECT_EQ(Head(), 3u);
  EXPECT_EQ(Ok("SHOW MEMORIES").rows.size(), 1u);
  // Untouched memories do not conflict.
  Ok("BEGIN");
  Ok("CREATE MEMORY b");
  Ok(other, "DROP MEMORY a");  // 4
  EXPECT_EQ(Ok("COMMIT").U64("version"), 5u);
}

TEST_F(ExecutorTest, TenantsAreIsolated) {
  auto bob_tenant = Tenant::Make("bob");
  ASSERT_TRUE(bob_tenant.ok());
  Executor bob(*store_, ExecutorOptions{*bob_tenant});
  Ok("CREATE MEMORY agent");
  Ok(bob, "CREATE MEMORY agent");  // same name, other tenant: no EXISTS
  Ok("CREATE MEMORY mine");
  Ok("SNAPSHOT agent AS s");
  Ok(bob, "SNAPSHOT agent AS s");
  EXPECT_EQ(ToJson(Run(bob, "SHOW MEMORIES")),
            R"({"ok": true, "rows": [{"name": "agent", "version": 2, "created": 2}]})");
  ExpectError(Err(bob, "DROP MEMORY mine"), ErrorCode::kNotFound, 12);
  ExpectError(Err(bob, "HISTORY mine"), ErrorCode::kNotFound, 8);
  ExpectError(Err(bob, "SNAPSHOT mine AS t"), ErrorCode::kNotFound, 9);
  Ok("DROP MEMORY agent");
  EXPECT_EQ(Ok(bob, "SHOW MEMORIES").rows.size(), 1u);
  EXPECT_EQ(Ok(bob, "SHOW SNAPSHOTS").rows.size(), 1u);
  EXPECT_EQ(Ok(bob, "HISTORY agent").rows.size(), 1u);
  EXPECT_EQ(ValueToText(*Ok(bob, "SHOW STATS").Cell(0, "memories")), "1");
  EXPECT_EQ(
      MemoryAttrs("agent", *bob_tenant),
      R"({"format": 1, "options": {"slots": 768, "ridge": 0.001, "scope_threshold": 0.3, "guide_weight": 0.9, "checkpoint_every": 256, "context_layer": 2, "chunk_tokens": 1, "context_window": 256, "max_chunks": 0, "context_weight": 0.9, "edit_layer": 4, "edit_steps": 70, "edit_lr": 1.0, "edit_mask_ratio": 1.0, "edit_save_freq": 1, "edit_merge_freq": 0, "edit_act_ratio": 0.75, "edit_gate_threshold": 0.3}, "model": null})");
}

TEST_F(ExecutorTest, ModelStatementsWithoutACoProcessFailCleanly) {
  Ok("CREATE MEMORY a");
  auto before = store_->Stat();
  ASSERT_TRUE(before.ok());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"WRITE a 'x', 'y'", "model co-process"},
      {"WRITE a EDIT 'p' -> ' t'", "model co-process"},
      {"WRITE a CONTEXT 'c'", "model co-process"},
      {"WRITE a PREFIX 'p'", "model co-process"},
      {"READ a 'q'", "model co-process"},
      {"READ a EDITS 'q' TOP 2", "model co-process"},
      {"READ a CONTEXT 'q'", "model co-process"},
      {"FORGET a 'x'", "model co-process"},
      {"FORGET a EDIT ID 1", "model co-process"},
      {"GENERATE 'p' USING a", "model co-process"},
      {"GENERATE 'p' AFTER PREFIX a", "model co-process"},
      {"GENERATE 'p' MAX 3", "model co-process"},
      {"WRITE ghost 'x'", "model co-process"},
  };
  for (bool in_transaction : {false, true}) {
    if (in_transaction) Ok("BEGIN");
    for (const auto& [sql, missing] : cases) {
      Status status = Err("  " + sql);
      ExpectError(status, ErrorCode::kCompute, 2);
      EXPECT_NE(status.message().find(missing), std::string::npos) << status.message();
    }
    EXPECT_EQ(exec_.in_transaction(), in_transaction);
  }
  EXPECT_EQ(Ok("COMMIT").U64("version"), 1u);  // the transaction held nothing
  auto after = store_->Stat();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->head, before->head);
  EXPECT_EQ(after->record_versions, before->record_versions);
}

TEST_F(ExecutorTest, ScriptsRunStatementByStatement) {
  EXPECT_TRUE(exec_.Execute("  -- nothing\n ;; ").empty());
  auto results = exec_.Execute("CREATE MEMORY a; SHOW STATS now; CREATE MEMORY b");
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok());
  ExpectError(results[1].status(), ErrorCode::kSyntax, 28);
  EXPECT_TRUE(results[2].ok());
  results = exec_.Execute("CREATE MEMORY c; DROP MEMORY nope; CREATE MEMORY d", true);
  ASSERT_EQ(results.size(), 2u);
  ExpectError(results[1].status(), ErrorCode::kNotFound, 29);
  EXPECT_EQ(Ok("SHOW MEMORIES").rows.size(), 3u);  // a, b, c
}

TEST(ResultTest, JsonEscapesAndTypes) {
  StatementResult result;
  result.Add("s", std::string("a\"b\\\n\x01"))
      .Add("n", std::monostate{})
      .Add("b", false)
      .Add("i", std::int64_t{-3})
      .Add("d", 0.5);
  EXPECT_EQ(ToJson(result),
            R"({"ok": true, "s": "a\"b\\\n\u0001", "n": null, "b": false, "i": -3, "d": 0.5})");
  EXPECT_EQ(ErrorToJson(InternalError("x")),
            R"({"ok": false, "error": {"code": "INTERNAL", "message": "x", "position": null}})");
  EXPECT_EQ(FormatTime(1718098200123456789), "2024-06-11T09:30:00.123456789Z");
  EXPECT_EQ(ToTable(StatementResult{}), "OK\n");
}

}  // namespace
}  // namespace engram::query
