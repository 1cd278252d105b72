#include "query/language/parser.h"

#include <utility>

#include "query/language/argument_lexer.h"
#include "query/language/input.h"
#include "query/language/lexer.h"
#include "query/language/statement_parser.h"

namespace engram::query {

Result<std::optional<Statement>> StatementReader::Next() {
  StatementParser parser(text_, offset_);
  Result<std::optional<Statement>> result = parser.Parse();
  if (!result.ok()) {
    // Skip the rest of the failed statement. The error was found at a token boundary, so the
    // scan from there sees strings and comments as the lexer does.
    offset_ = FindStatementEnd(text_, parser.error_start());
    return result;
  }
  offset_ = parser.offset();
  return result;
}

Result<std::vector<Statement>> ParseScript(std::string_view text) {
  StatementReader reader(text);
  std::vector<Statement> statements;
  while (true) {
    ENGRAM_ASSIGN_OR_RETURN(std::optional<Statement> statement, reader.Next());
    if (!statement) return statements;
    statements.push_back(std::move(*statement));
  }
}

Result<Statement> ParseStatement(std::string_view text) {
  StatementReader reader(text);
  ENGRAM_ASSIGN_OR_RETURN(std::optional<Statement> first, reader.Next());
  if (!first) {
    return SyntaxError("expected a statement, found end of input",
                       static_cast<std::int64_t>(text.size()));
  }
  // Anything but whitespace, comments and ';' after the first statement is a second one.
  Lexer lexer(text, reader.offset());
  while (true) {
    Result<Token> token = lexer.Next();
    if (token.ok() && token->kind == TokenKind::kSemicolon) continue;
    if (token.ok() && token->kind == TokenKind::kEnd) break;
    const std::size_t position = token.ok() ? token->position : lexer.error_start();
    return SyntaxError("expected one statement, found a second one",
                       static_cast<std::int64_t>(position));
  }
  return std::move(*first);
}

Result<Statement> ParseArguments(std::span<const std::string> arguments) {
  ArgumentLexer lexer(arguments);
  StatementParser parser(&lexer);
  ENGRAM_ASSIGN_OR_RETURN(std::optional<Statement> statement, parser.Parse());
  if (!statement) {
    return SyntaxError("expected a statement, found end of input",
                       static_cast<std::int64_t>(lexer.text().size()));
  }
  // The parser stopped at the statement's ';' or the end: only more ';' may follow.
  while (true) {
    ENGRAM_ASSIGN_OR_RETURN(Token token, lexer.Next());
    if (token.kind == TokenKind::kEnd) break;
    if (token.kind != TokenKind::kSemicolon) {
      return SyntaxError("expected one statement, found a second one",
                         static_cast<std::int64_t>(token.position));
    }
  }
  return std::move(*statement);
}

}  // namespace engram::query
