// StatementParser: the recursive-descent parser of one statement. Internal to the language
// front end: use parser.h (ParseScript, StatementReader).
//
// One object parses one statement, starting at a byte offset of the text: it lexes on demand
// and stops at the statement's ';' without lexing past it, so that a lexical error in the next
// statement belongs to the next statement. The parse functions are split by statement family
// over statement_parser.cc (infrastructure, CREATE/DROP/SHOW/transactions),
// parse_data_statements.cc (WRITE/READ/FORGET/GENERATE) and parse_version_statements.cc
// (SNAPSHOT/ROLLBACK/HISTORY/DIFF).
//
// Ownership: views the text, which must outlive it. Thread-safety: one thread.
#ifndef ENGRAM_QUERY_LANGUAGE_STATEMENT_PARSER_H_
#define ENGRAM_QUERY_LANGUAGE_STATEMENT_PARSER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"
#include "query/language/argument_lexer.h"
#include "query/language/ast.h"
#include "query/language/lexer.h"
#include "query/language/token.h"

namespace engram::query {

class StatementParser {
 public:
  StatementParser(std::string_view text, std::size_t offset) : text_(text), lexer_(text, offset) {}
  // Parses a statement given as command arguments (argument_lexer.h), which must outlive the
  // parser; positions refer to arguments->text().
  explicit StatementParser(ArgumentLexer* arguments)
      : text_(arguments->text()), lexer_(arguments->text(), 0), arguments_(arguments) {}

  // Skips empty statements, then parses one statement and checks that ';' or the end of the
  // input follows it. nullopt when no statement is left. Call once.
  Result<std::optional<Statement>> Parse();

  // After a success: just past the statement's ';' (or the end of the input).
  std::size_t offset() const { return offset_; }
  // After a failure: the start of the token the error was found at, where a caller that wants
  // to go on resynchronises (FindStatementEnd).
  std::size_t error_start() const { return error_start_; }

 private:
  Result<std::optional<Statement>> ParseOne();

  // --- token stream (statement_parser.cc) ---
  // Consumes the current token and lexes the next one; checks the statement's length.
  Status Advance();
  bool At(Keyword keyword) const { return current_.Is(keyword); }
  bool At(TokenKind kind) const { return current_.kind == kind; }
  bool AtName() const;  // a non-keyword word or a quoted name
  bool AtEnd() const { return At(TokenKind::kSemicolon) || At(TokenKind::kEnd); }
  // At a string literal: a lexed one, or a command argument that may be read as one.
  bool AtString() const { return At(TokenKind::kString) || current_.string_argument; }
  // SYNTAX "expected <expected> <context>, found <current token>" at the current token.
  Status Fail(std::string_view expected, std::string_view context) const;
  // A SYNTAX or LIMIT error at the current token.
  Status ErrorHere(ErrorCode code, std::string message) const;

  // --- arguments (statement_parser.cc); each consumes what it parsed ---
  // `expected` names the argument in the message ("a memory name"). ParseString takes a command
  // argument at a string position whole, as the string.
  Result<Name> ParseName(std::string_view expected, std::string_view context);
  Result<Text> ParseString(std::string_view expected, std::string_view context);
  Result<Count> ParseInteger(std::string_view context);
  // An integer in [1, max]: below is SYNTAX, above is LIMIT; `clause` names it ("TOP").
  Result<Count> ParseBoundedCount(std::string_view clause, std::uint64_t max,
                                  std::string_view unit);
  Result<Located<double>> ParseNumber(std::string_view context);
  Status ExpectKeyword(Keyword keyword, std::string_view context);
  // [PURGE]
  Result<Located<bool>> ParseOptionalPurge();
  // Succeeds at ';' or the end of the input (not consumed); otherwise SYNTAX "expected
  // <alternatives> or ';' <context>" (just "';'" when `alternatives` is empty).
  Status ExpectEnd(std::string_view alternatives, std::string_view context) const;

  // --- statements; each starts at its first keyword and ends before the ';' ---
  Result<StatementBody> ParseBody();
  Result<StatementBody> ParseCreate();
  // One `key = value`; `existing` are the options before it (a key may appear once).
  Result<Option> ParseOption(std::string_view context, const std::vector<Option>& existing);
  Result<StatementBody> ParseDrop();
  Result<StatementBody> ParseShow();
  Result<StatementBody> ParseTransaction(StatementBody body);  // BEGIN/COMMIT/ABORT
  Result<StatementBody> ParseWrite();                          // parse_data_statements.cc
  Result<StatementBody> ParseRead();
  Result<StatementBody> ParseForget();
  Result<StatementBody> ParseGenerate();
  Result<StatementBody> ParseSnapshot();  // parse_version_statements.cc
  Result<StatementBody> ParseRollback();
  Result<StatementBody> ParseHistory();
  Result<StatementBody> ParseDiff();
  // A snapshot name, VERSION n or (with allow_head) HEAD.
  Result<VersionRef> ParseVersionRef(std::string_view expected, std::string_view context,
                                     bool allow_head);

  std::string_view text_;
  Lexer lexer_;
  ArgumentLexer* arguments_ = nullptr;  // set: tokens come from command arguments, not lexer_
  Token current_;
  bool lexer_failed_ = false;                   // the last error came from the lexer
  std::size_t last_end_ = 0;                    // end of the last consumed token
  std::optional<std::size_t> statement_begin_;  // set once the statement's first token is seen
  std::size_t exempt_bytes_ = 0;  // the CONTEXT/PREFIX text literal, not counted in the length
  std::size_t offset_ = 0;
  std::size_t error_start_ = 0;
};

}  // namespace engram::query

#endif  // ENGRAM_QUERY_LANGUAGE_STATEMENT_PARSER_H_
