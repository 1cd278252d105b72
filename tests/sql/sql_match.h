// How a query record's result is compared (tests/sql/README.md): the result rendered as lines of
// tab-separated cells, and those lines matched against the record's expected block, where a cell
// may also be <any> or <regex>:PATTERN.
#ifndef ENGRAM_TESTS_SQL_SQL_MATCH_H_
#define ENGRAM_TESTS_SQL_SQL_MATCH_H_

#include <string>
#include <vector>

#include "engram/statement_result.h"
#include "engram/status.h"

namespace engram::sqltest {

// One value as the expected output spells it: ValueToText, with \ \n \r \t escaped (so a cell
// is one line without tabs) and the empty string as (empty) (so it is not a blank line).
std::string RenderCell(const Value& value);

// The lines a query record compares: one per row of the named columns when the statement returns
// rows, else one line of the named fields. Fails on a name the result does not have.
Result<std::vector<std::string>> RenderQuery(const StatementResult& result,
                                             const std::vector<std::string>& names);

// Whether an actual line matches an expected one, cell by cell.
bool LineMatches(const std::string& expected, const std::string& actual);

// Whether the actual lines match the expected ones, line by line (same count, same order).
bool LinesMatch(const std::vector<std::string>& expected, const std::vector<std::string>& actual);

}  // namespace engram::sqltest

#endif  // ENGRAM_TESTS_SQL_SQL_MATCH_H_
