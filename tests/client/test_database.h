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

}  // namespace engram::testing

#endif  // ENGRAM_TESTS_CLIENT_TEST_DATABASE_H_
