// The parser of the .test scripts (format: tests/sql/README.md; records: sql_script.h).
#include "tests/sql/sql_script.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engram/status.h"

namespace engram::sqltest {
namespace {

constexpr std::string_view kSeparator = "----";

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

std::vector<std::string> SplitWords(std::string_view line) {
  std::vector<std::string> words;
  std::istringstream in{std::string(line)};
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

bool IsComment(std::string_view line) {
  const std::size_t first = line.find_first_not_of(" \t");
  return first != std::string_view::npos && line[first] == '#';
}

std::optional<std::int64_t> ParseInteger(std::string_view word) {
  if (word.empty() || word.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (char c : word) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// Splits a script into records. Records are read line by line; next_ is the first line not
// consumed yet.
class ScriptParser {
 public:
  explicit ScriptParser(std::string_view text) : lines_(SplitLines(text)) {}

  Script Parse() {
    Script script;
    while (next_ < lines_.size()) {
      const std::string& line = lines_[next_];
      if (IsBlank(line) || IsComment(line)) {
        ++next_;
        continue;
      }
      const int line_number = static_cast<int>(next_) + 1;
      ++next_;
      std::optional<std::string> error = ParseRecord(SplitWords(line), line_number, script);
      if (error) {
        script.error = ParseError{line_number, *error};
        return script;
      }
    }
    return script;
  }

 private:
  // Parses the record whose directive is `words`, appending it; returns an error message.
  std::optional<std::string> ParseRecord(const std::vector<std::string>& words, int line,
                                         Script& script) {
    Record record;
    record.line = line;
    const std::string& directive = words[0];
    std::optional<std::string> error;
    if (directive == "statement") {
      error = ParseStatement(words, record);
    } else if (directive == "query") {
      error = ParseQuery(words, record);
    } else if (directive == "session") {
      error = ParseSession(words, record);
    } else if (directive == "reopen") {
      record.kind = RecordKind::kReopen;
      if (words.size() != 1) error = "reopen takes no arguments";
    } else {
      error = "unknown directive '" + directive +
              "' (expected statement, query, session or reopen; a comment starts with #)";
    }
    if (!error) script.records.push_back(std::move(record));
    return error;
  }

  std::optional<std::string> ParseStatement(const std::vector<std::string>& words, Record& record) {
    if (words.size() == 2 && words[1] == "ok") {
      record.kind = RecordKind::kStatementOk;
      if (auto error = ReadSql(record)) return error;
      if (AtSeparator()) return "statement ok takes no ---- block (use query to check results)";
      return std::nullopt;
    }
    if (words.size() < 2 || words[1] != "error" || words.size() > 4) {
      return "expected 'statement ok' or 'statement error [CODE [POSITION]]'";
    }
    record.kind = RecordKind::kStatementError;
    if (words.size() >= 3) {
      record.code = ErrorCodeFromName(words[2]);
      if (!record.code || *record.code == ErrorCode::kOk) {
        return "unknown error code '" + words[2] + "' (codes: see engram/status.h)";
      }
    }
    if (words.size() == 4) {
      record.position = ParseInteger(words[3]);
      if (!record.position)
        return "the error position must be a byte offset, not '" + words[3] + "'";
    }
    if (auto error = ReadSql(record)) return error;
    if (AtSeparator()) {
      ++next_;
      record.message_parts = ReadBlock();
    }
    return std::nullopt;
  }

  std::optional<std::string> ParseQuery(const std::vector<std::string>& words, Record& record) {
    record.kind = RecordKind::kQuery;
    for (std::size_t i = 1; i < words.size(); ++i) {
      if (words[i] == "rowsort") {
        record.rowsort = true;
      } else {
        record.names.push_back(words[i]);
      }
    }
    if (record.names.empty()) return "query needs the names of the columns or fields to compare";
    if (auto error = ReadSql(record)) return error;
    if (AtSeparator()) {
      ++next_;
      record.expected = ReadBlock();
    }
    return std::nullopt;
  }

  std::optional<std::string> ParseSession(const std::vector<std::string>& words, Record& record) {
    record.kind = RecordKind::kSession;
    if (words.size() < 2 || words.size() > 3) return "expected 'session NAME [TENANT]'";
    record.session = words[1];
    if (words.size() == 3) record.tenant = words[2];
    return std::nullopt;
  }

  // The statement: the lines up to a blank line, a ---- line or the end.
  std::optional<std::string> ReadSql(Record& record) {
    std::vector<std::string> sql;
    while (next_ < lines_.size() && !IsBlank(lines_[next_]) && !AtSeparator()) {
      sql.push_back(lines_[next_++]);
    }
    if (sql.empty())
      return "the record has no statement (it goes on the lines after the directive)";
    for (std::size_t i = 0; i < sql.size(); ++i) {
      if (i > 0) record.sql += '\n';
      record.sql += sql[i];
    }
    return std::nullopt;
  }

  // The lines after ----, up to a blank line or the end.
  std::vector<std::string> ReadBlock() {
    std::vector<std::string> block;
    while (next_ < lines_.size() && !IsBlank(lines_[next_])) block.push_back(lines_[next_++]);
    return block;
  }

  bool AtSeparator() const { return next_ < lines_.size() && lines_[next_] == kSeparator; }

  std::vector<std::string> lines_;
  std::size_t next_ = 0;
};

}  // namespace

Script ParseScript(std::string_view text) {
  return ScriptParser(text).Parse();
}

}  // namespace engram::sqltest
