// Helpers of the engine tests (tests/client): a database on a real store with the real
// engram-compute of this build, and statements that must succeed.
#ifndef ENGRAM_TESTS_CLIENT_TEST_DATABASE_H_
#define ENGRAM_TESTS_CLIENT_TEST_DATABASE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engram/database.h"
#include "storage/store.h"
#include "storage/write_batch.h"

namespace engram::testing {

// The co-process of this build, with 4 generation slots.
inline DatabaseOptions TestOptions() {
  DatabaseOptions options;
  options.compute_binary = std::string(ENGRAM_BIN_DIR) + "/engram-compute";
  options.compute_args = {"--max-slots", "4"};
  return options;
}

// Opens (creating) the database at `path`; a test failure and null when that fails.
inline std::unique_ptr<Database> OpenOrDie(const std::string& path,
                                           const DatabaseOptions& options = TestOptions()) {
  auto db = Database::Open(path, options);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return db.ok() ? std::move(*db) : nullptr;
}

// Runs one statement that must succeed; an empty result (and a test failure) otherwise.
inline StatementResult Ok(Database& db, const std::string& sql,
                          const ExecuteOptions& options = {}) {
  auto results = db.Execute(sql, options);
  EXPECT_EQ(results.size(), 1u) << sql;
  if (results.empty()) return {};
  EXPECT_TRUE(results[0].ok()) << sql << ": " << results[0].status().ToString();
  return results[0].ok() ? *results[0] : StatementResult{};
}

// Runs one statement that must fail and returns its error (a test failure if it succeeds).
inline Status Err(Database& db, const std::string& sql) {
  auto results = db.Execute(sql);
  EXPECT_EQ(results.size(), 1u) << sql;
  if (results.empty() || results[0].ok()) {
    ADD_FAILURE() << sql << " succeeded";
    return Status::Ok();
  }
  return results[0].status();
}

// `text` as a string literal of the language ('' for a quote).
inline std::string Quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    quoted += c;
    if (c == '\'') quoted += '\'';
  }
  return quoted + "'";
}

// The database's head version (SHOW STATS).
inline std::uint64_t Head(Database& db) {
  const StatementResult stats = Ok(db, "SHOW STATS");
  const Value* head = stats.Cell(0, "head");
  return head != nullptr && std::holds_alternative<std::uint64_t>(*head)
             ? std::get<std::uint64_t>(*head)
             : 0;
}

// A statement that must fail with `code` at byte `position`, its message containing `message`.
struct ErrorCase {
  std::string sql;
  ErrorCode code;
  std::int64_t position;
  std::string message;
};

// Runs every case (each must fail as it says), then checks that none of them committed.
inline void ExpectErrorsChangeNothing(Database& db, const std::vector<ErrorCase>& cases) {
  const std::uint64_t head = Head(db);
  for (const ErrorCase& c : cases) {
    const Status status = Err(db, c.sql);
    EXPECT_EQ(status.code(), c.code) << c.sql.substr(0, 60) << ": " << status.ToString();
    EXPECT_EQ(status.position(), c.position) << c.sql.substr(0, 60);
    EXPECT_NE(status.message().find(c.message), std::string::npos) << status.message();
  }
  EXPECT_EQ(Head(db), head);
}

// Binds `memory` of the (closed) database at `path` to a fingerprint of zeros, as a memory made
// with another model would be, and returns the memory record's attrs as they were.
inline std::string RebindMemoryToAnotherModel(const std::string& path, const std::string& memory) {
  auto store = storage::Store::Open(path, {});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return {};
  const storage::RecordKey key{memory, storage::RecordKind::kMemory, 0};
  std::string attrs;
  {
    auto read = (*store)->BeginRead();
    EXPECT_TRUE(read.ok());
    if (!read.ok()) return {};
    auto record = read->Get(storage::Tenant::Default(), key);
    EXPECT_TRUE(record.ok() && record->has_value());
    if (!record.ok() || !record->has_value()) return {};
    attrs.assign(reinterpret_cast<const char*>((*record)->attrs.data()), (*record)->attrs.size());
  }
  const std::string original = attrs;
  const std::size_t at = attrs.find("\"model\": \"");
  EXPECT_NE(at, std::string::npos) << attrs;
  if (at == std::string::npos) return original;
  attrs.replace(at + 10, 32, std::string(32, '0'));
  storage::RecordData data;
  data.attrs.assign(reinterpret_cast<const std::byte*>(attrs.data()),
                    reinterpret_cast<const std::byte*>(attrs.data()) + attrs.size());
  storage::WriteBatch batch(storage::Tenant::Default());
  EXPECT_TRUE(batch.Put(key, std::move(data)).ok());
  EXPECT_TRUE((*store)->Commit(batch, "test: rebind").ok());
  return original;
}

}  // namespace engram::testing

#endif  // ENGRAM_TESTS_CLIENT_TEST_DATABASE_H_
