// The CLI's box table: a statement result drawn with Unicode box-drawing characters for a
// terminal (like duckdb's), and the display-width helpers it uses.
//
//   version: 3                   <- scalar fields, one `name: value` line each
//   ┌───────┬─────────┐
//   │ name  │ version │         <- header, centred
//   ├───────┼─────────┤
//   │ agent │       1 │         <- strings left-aligned, numbers right-aligned
//   └───────┴─────────┘
//
// Widths are display widths: one column per UTF-8 code point (continuation bytes count
// nothing). A cell wider than kMaxCellWidth, or wider than the line allows, is cut with "…".
// Numbers are never cut. Newlines, tabs and other control characters in a cell show as spaces:
// one line per row. A single row of many columns that does not fit the line (SHOW STATS) is
// shown transposed, as a (column, value) table.
//
// Thread-safety: pure functions.
#ifndef ENGRAM_CLIENT_CLI_BOX_TABLE_H_
#define ENGRAM_CLIENT_CLI_BOX_TABLE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "engram/statement_result.h"

namespace engram::cli {

// The widest a cell is drawn, in columns, before it is cut.
inline constexpr std::size_t kMaxCellWidth = 60;
// Columns are never narrowed below this to fit the line (wider tables overflow instead).
inline constexpr std::size_t kMinCellWidth = 6;

// Display columns of `text`: the number of UTF-8 code points (bytes that are not 10xxxxxx).
std::size_t DisplayWidth(std::string_view text);

// The bytes of `text` that fill at most `columns` display columns from its start, cut at a
// code point boundary.
std::string_view TakeColumns(std::string_view text, std::size_t columns);

// `text` cut to at most `width` display columns, ending in "…" when it was cut.
std::string FitToWidth(std::string_view text, std::size_t width);

// A value as the human modes show it: like ValueToText, but doubles in their shortest form that
// reads back the same (0.8, not 0.80000000000000004).
std::string HumanValue(const Value& value);

// The fields as `name: value` lines, then (for a result with rows) the box table, each line at
// most `line_width` columns when the columns can be narrowed that far. "OK\n" for a result with
// neither. Ends with a newline.
std::string ToBoxTable(const StatementResult& result, std::size_t line_width);

}  // namespace engram::cli

#endif  // ENGRAM_CLIENT_CLI_BOX_TABLE_H_
