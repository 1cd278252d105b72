// engram/statement_result.h — what one executed statement returns, as typed fields and rows,
// and its renderings: contract.md's JSON (`{"ok": true, ...fields..., "rows": [...]}`) and a
// text table (docs/query-language.md §4 "Results").
//
// A result is the statement's form name (for display), its scalar fields in output order (the
// names are exactly those of docs/query-language.md §5 and contract.md), and, for statements
// that return rows, the column names and the rows. A value is null, a bool, an integer, a
// double or a string.
//
// Thread-safety: plain values; the functions are pure.
#ifndef ENGRAM_STATEMENT_RESULT_H_
#define ENGRAM_STATEMENT_RESULT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engram/status.h"

namespace engram {

// A typed output value; std::monostate is JSON null.
using Value = std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, std::string>;

struct Field {
  std::string name;
  Value value;
  friend bool operator==(const Field&, const Field&) = default;
};

struct StatementResult {
  std::string statement;      // the form's name: "CREATE MEMORY", "SHOW STATS", ...
  std::vector<Field> fields;  // scalar fields, in output order ("version", "records", ...)
  bool has_rows = false;      // the statement returns rows (even when there are none)
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;  // each row has one value per column

  // Appends a field and returns *this (chainable).
  StatementResult& Add(std::string name, Value value);
  // The field `name`, or nullptr.
  const Value* Find(std::string_view name) const;
  // The field `name` as an unsigned integer, or nullopt when absent or of another type.
  std::optional<std::uint64_t> U64(std::string_view name) const;
  // The value of column `column` in row `row`, or nullptr when either is out of range.
  const Value* Cell(std::size_t row, std::string_view column) const;
};

// One value as JSON (doubles with 17 significant digits; NaN and infinities as null).
std::string ValueToJson(const Value& value);
// One value as the table shows it (null as "NULL", strings unquoted).
std::string ValueToText(const Value& value);

// `time_ns` (nanoseconds since the Unix epoch) as RFC 3339 UTC with nanoseconds:
// "2024-06-11T09:30:00.123456789Z".
std::string FormatTime(std::int64_t time_ns);

// `{"ok": true, <fields>, "rows": [{<column>: <value>, ...}, ...]}` on one line; "rows" only
// when the result has rows.
std::string ToJson(const StatementResult& result);
// `{"ok": false, "error": {"code": "NOTFOUND", "message": "...", "position": 7}}`; position is
// null when the error has none.
std::string ErrorToJson(const Status& status);
// A `Result<StatementResult>` either way.
std::string ToJson(const Result<StatementResult>& result);

// A plain-text rendering for humans: the fields as `name: value` lines, then the rows as an
// ASCII table with a header (or "(no rows)"). Ends with a newline; "OK\n" for an empty result.
std::string ToTable(const StatementResult& result);

}  // namespace engram

#endif  // ENGRAM_STATEMENT_RESULT_H_
