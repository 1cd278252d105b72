// Rendering a query's result as the lines of tab-separated cells that a .test record expects,
// and matching those lines (declarations and rules: sql_match.h, tests/sql/README.md).
#include "tests/sql/sql_match.h"

#include <algorithm>
#include <cstddef>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "engram/statement_result.h"
#include "engram/status.h"

namespace engram::sqltest {
namespace {

constexpr std::string_view kAnyCell = "<any>";
constexpr std::string_view kRegexCell = "<regex>:";
constexpr std::string_view kEmptyCell = "(empty)";

std::string JoinNames(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined.empty() ? "none" : joined;
}

std::string JoinCells(const std::vector<std::string>& cells) {
  std::string line;
  for (std::size_t i = 0; i < cells.size(); ++i) line += (i > 0 ? "\t" : "") + cells[i];
  return line;
}

std::vector<std::string> SplitCells(const std::string& line) {
  std::vector<std::string> cells;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    cells.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return cells;
    start = tab + 1;
  }
}

bool CellMatches(const std::string& expected, const std::string& actual) {
  if (expected == kAnyCell) return true;
  if (expected.starts_with(kRegexCell)) {
    try {
      return std::regex_match(actual, std::regex(expected.substr(kRegexCell.size())));
    } catch (const std::regex_error&) {
      return false;  // a malformed pattern matches nothing, so the record fails visibly
    }
  }
  return expected == actual;
}

}  // namespace

std::string RenderCell(const Value& value) {
  const std::string text = ValueToText(value);
  if (text.empty()) return std::string(kEmptyCell);
  std::string cell;
  for (char c : text) {
    switch (c) {
      case '\\':
        cell += "\\\\";
        break;
      case '\n':
        cell += "\\n";
        break;
      case '\r':
        cell += "\\r";
        break;
      case '\t':
        cell += "\\t";
        break;
      default:
        cell += c;
    }
  }
  return cell;
}

Result<std::vector<std::string>> RenderQuery(const StatementResult& result,
                                             const std::vector<std::string>& names) {
  std::vector<std::string> lines;
  // A statement with rows and fields (READ: in_scope and rows) is queried by its fields when
  // every name is a field and none a column.
  const bool by_fields =
      !result.has_rows || std::all_of(names.begin(), names.end(), [&](const std::string& name) {
        return result.Find(name) != nullptr &&
               std::find(result.columns.begin(), result.columns.end(), name) ==
                   result.columns.end();
      });
  if (by_fields) {
    std::vector<std::string> cells;
    std::vector<std::string> fields;
    for (const Field& field : result.fields) fields.push_back(field.name);
    for (const std::string& name : names) {
      const Value* value = result.Find(name);
      if (value == nullptr) {
        return Status::Error(ErrorCode::kNotFound, result.statement + " has no field '" + name +
                                                       "' (fields: " + JoinNames(fields) + ")");
      }
      cells.push_back(RenderCell(*value));
    }
    lines.push_back(JoinCells(cells));
    return lines;
  }
  std::vector<std::size_t> indexes;
  for (const std::string& name : names) {
    const auto it = std::find(result.columns.begin(), result.columns.end(), name);
    if (it == result.columns.end()) {
      return Status::Error(ErrorCode::kNotFound, result.statement + " has no column '" + name +
                                                     "' (columns: " + JoinNames(result.columns) +
                                                     ")");
    }
    indexes.push_back(static_cast<std::size_t>(it - result.columns.begin()));
  }
  for (const std::vector<Value>& row : result.rows) {
    std::vector<std::string> cells;
    for (std::size_t index : indexes) {
      cells.push_back(index < row.size() ? RenderCell(row[index]) : "<missing>");
    }
    lines.push_back(JoinCells(cells));
  }
  return lines;
}

bool LineMatches(const std::string& expected, const std::string& actual) {
  const std::vector<std::string> want = SplitCells(expected);
  const std::vector<std::string> got = SplitCells(actual);
  if (want.size() != got.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (!CellMatches(want[i], got[i])) return false;
  }
  return true;
}

bool LinesMatch(const std::vector<std::string>& expected, const std::vector<std::string>& actual) {
  if (expected.size() != actual.size()) return false;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (!LineMatches(expected[i], actual[i])) return false;
  }
  return true;
}

}  // namespace engram::sqltest
