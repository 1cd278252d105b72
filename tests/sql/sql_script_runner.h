// Runs one parsed .test script (sql_script.h) against a database, reporting every record that
// does not give what it expects as a gtest failure at the script's file:line.
//
// The database is opened with a real engram-compute co-process (ENGRAM_BIN_DIR/engram-compute,
// --max-slots 4). ENGRAM_SQLTEST_TRACE set in the environment prints every statement's outcome
// (to write new records from).
#ifndef ENGRAM_TESTS_SQL_SQL_SCRIPT_RUNNER_H_
#define ENGRAM_TESTS_SQL_SQL_SCRIPT_RUNNER_H_

#include <string>
#include <vector>

#include "tests/sql/sql_script.h"

namespace engram::sqltest {

// Runs `records` in order on the database in `db_path` (created when missing); `file` is how
// failures name the script. Stops early when the database or a session cannot be opened.
void RunScript(const std::string& file, const std::string& db_path,
               const std::vector<Record>& records);

}  // namespace engram::sqltest

#endif  // ENGRAM_TESTS_SQL_SQL_SCRIPT_RUNNER_H_
