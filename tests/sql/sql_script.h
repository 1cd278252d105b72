// The .test script format of tests/sql (tests/sql/README.md): its records and their parser.
//
// A script is parsed completely before it runs: a malformed record or an unknown directive is a
// ParseError at its line, so that a typo can never make a record silently pass.
#ifndef ENGRAM_TESTS_SQL_SQL_SCRIPT_H_
#define ENGRAM_TESTS_SQL_SQL_SCRIPT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"

namespace engram::sqltest {

enum class RecordKind { kStatementOk, kStatementError, kQuery, kSession, kReopen };

struct Record {
  RecordKind kind = RecordKind::kStatementOk;
  int line = 0;     // the directive's line, 1-based
  std::string sql;  // the statement, its lines joined by '\n'
  // statement error
  std::optional<ErrorCode> code;
  std::optional<std::int64_t> position;
  std::vector<std::string> message_parts;  // each must occur in the error message
  // query
  std::vector<std::string> names;  // columns (rows) or fields (no rows), in order
  bool rowsort = false;
  std::vector<std::string> expected;
  // session
  std::string session;
  std::optional<std::string> tenant;
};

struct ParseError {
  int line = 0;
  std::string message;
};

// The records of a script, or (in `error`) the first thing wrong with it; records before the
// error are kept but a script with an error is not to be run.
struct Script {
  std::vector<Record> records;
  std::optional<ParseError> error;
};

// Splits the text of a .test file into records.
Script ParseScript(std::string_view text);

}  // namespace engram::sqltest

#endif  // ENGRAM_TESTS_SQL_SQL_SCRIPT_H_
