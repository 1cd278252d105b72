// Helpers of the engine tests (tests/client): a database on a real store with the real
// engram-compute of this build, and statements that must succeed.
#ifndef ENGRAM_TESTS_CLIENT_TEST_DATABASE_H_
#define ENGRAM_TESTS_CLIENT_TEST_DATABASE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "engram/database.h"

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

}  // namespace engram::testing

#endif  // ENGRAM_TESTS_CLIENT_TEST_DATABASE_H_
