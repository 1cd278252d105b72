// Parser: query-language text to statements (ast.h), by hand-written recursive descent over
// the lexer's tokens (docs/query-language.md gives the grammar and each statement's meaning).
//
// Statements end with ';'. The last statement of the input may omit it (`engram -c 'SHOW
// STATS'`); empty statements (";;") are skipped.
//
// Errors are Status values (no exceptions):
//   SYNTAX  with a message naming what was expected and what was found ("expected TOP or ';'
//           after the query string, found 'TOPP'") and the byte position of the token found;
//           also lexical errors (lexer.h) and values outside their range (TOP 0);
//   LIMIT   a size or count limit of limits.h exceeded, at the offending token (the whole
//           statement's length: at its first byte).
//
// Ownership: results own their strings; the text must outlive a StatementReader.
// Thread-safety: the functions are pure; a StatementReader is used by one thread at a time.
#ifndef ENGRAM_QUERY_LANGUAGE_PARSER_H_
#define ENGRAM_QUERY_LANGUAGE_PARSER_H_

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"
#include "query/language/ast.h"

namespace engram::query {

// Every statement of `text`, in order, or the first error. An input with no statement (only
// whitespace, comments and ';') gives an empty vector.
Result<std::vector<Statement>> ParseScript(std::string_view text);

// Exactly one statement, with or without its ';'. SYNTAX when `text` holds none (at the end of
// the input) or more than one (at the second one's first byte).
Result<Statement> ParseStatement(std::string_view text);

// Exactly one statement given as command arguments, the way a Redis client sends a command:
// {"READ", "agent", "where does Alice live?", "TOP", "3"}. An argument where the grammar expects
// a string literal is that string verbatim (no quotes, nothing escaped), unless it is exactly one
// keyword; every other argument is lexed as statement text (argument_lexer.h has the rules).
// Errors as for ParseStatement, with positions in the arguments joined by single spaces; a
// trailing ";" argument is allowed, anything after the statement is SYNTAX.
Result<Statement> ParseArguments(std::span<const std::string> arguments);

// Statement by statement, for script runners and the REPL: each statement can run before the
// next one is even lexed, and a statement that fails to parse does not stop the ones after it.
//
//   StatementReader reader(text);
//   while (true) {
//     Result<std::optional<Statement>> next = reader.Next();
//     if (!next.ok()) { report(next.status()); continue; }  // or stop (.bail on)
//     if (!next->has_value()) break;                         // end of input
//     run(**next);
//   }
class StatementReader {
 public:
  explicit StatementReader(std::string_view text) : text_(text) {}

  // The next statement; nullopt when nothing but whitespace, comments and ';' is left. After
  // an error, the reader has moved past the failed statement's ';' (or to the end of the input
  // when the error hides it, e.g. inside an unterminated string), so Next() continues with the
  // statement after it.
  Result<std::optional<Statement>> Next();

  // Where the next call starts: just past the last statement's ';'.
  std::size_t offset() const { return offset_; }

 private:
  std::string_view text_;
  std::size_t offset_ = 0;
};

}  // namespace engram::query

#endif  // ENGRAM_QUERY_LANGUAGE_PARSER_H_
