// Lexer: turns query-language text into tokens with byte positions (docs/query-language.md,
// "Lexical structure").
//
// It lexes on demand, one token per Next(), so that a script runner can execute the statements
// before a lexical error further down (and a REPL never lexes more than it parses).
//
// Errors (Status, never exceptions), each at the byte position of the token that failed:
//   SYNTAX  unterminated string or quoted name (at the opening quote), invalid UTF-8 inside a
//           string (at the bad byte), a character that cannot start a token, a malformed or
//           out-of-range number, a quoted name that is not a valid name;
//   LIMIT   a word or quoted name longer than kMaxNameBytes, a string literal longer than
//           kMaxContextTextBytes (at the opening quote).
// After an error the lexer stays where the failing token began; error_start() says where that
// is, so the caller can resynchronise (input.h, FindStatementEnd).
//
// Ownership: the lexer views `text`, which must outlive it; tokens own their strings.
// Thread-safety: one lexer per thread.
#ifndef ENGRAM_QUERY_LANGUAGE_LEXER_H_
#define ENGRAM_QUERY_LANGUAGE_LEXER_H_

#include <cstddef>
#include <string_view>
#include <vector>

#include "engram/status.h"
#include "query/language/token.h"

namespace engram::query {

class Lexer {
 public:
  // Lexes `text` starting at byte `offset` (positions stay relative to the start of `text`).
  explicit Lexer(std::string_view text, std::size_t offset = 0);

  // The next token; a kEnd token (at text.size()) once the input is exhausted, and again on
  // every later call.
  Result<Token> Next();

  // Byte offset just past the last token returned (where the next token's search begins).
  std::size_t offset() const { return offset_; }

  // Where the token that made the last Next() fail began (its first byte).
  std::size_t error_start() const { return error_start_; }

  std::string_view text() const { return text_; }

 private:
  void SkipSpaceAndComments();
  Result<Token> LexWord(std::size_t start);
  Result<Token> LexQuotedName(std::size_t start);
  Result<Token> LexString(std::size_t start);
  Result<Token> LexNumber(std::size_t start);

  std::string_view text_;
  std::size_t offset_ = 0;
  std::size_t error_start_ = 0;
};

// Every token of `text` up to and including the kEnd token; the first error otherwise. For
// tests and tools: the parser pulls tokens one at a time.
Result<std::vector<Token>> Tokenize(std::string_view text);

// The offset of the first byte of `text` that does not start a well-formed UTF-8 sequence (the
// rule string literals follow), or text.size() when all of it is well-formed.
std::size_t InvalidUtf8Offset(std::string_view text);

// True for the bytes that may continue a word: [A-Za-z0-9_].
bool IsWordByte(char c);

}  // namespace engram::query

#endif  // ENGRAM_QUERY_LANGUAGE_LEXER_H_
