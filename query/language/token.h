// Tokens of the query language: what the lexer (lexer.h) produces and the parser consumes.
//
// Every token records the byte range it came from, so that any error can point at the byte
// where it starts. Keywords are recognised by the lexer (case-insensitively) but stay words:
// the parser decides where a keyword is required and where a name is, and refuses a keyword
// in a name position (a name that collides with a keyword is written in double quotes).
//
// Thread-safety: plain values.
#ifndef ENGRAM_QUERY_LANGUAGE_TOKEN_H_
#define ENGRAM_QUERY_LANGUAGE_TOKEN_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace engram::query {

enum class TokenKind {
  kEnd,         // end of input (position = input size)
  kWord,        // [A-Za-z_][A-Za-z0-9_]*: a keyword, a name or an option key
  kQuotedName,  // "name": a name that may collide with a keyword
  kString,      // 'text' ('' is a quote)
  kInteger,     // 0 .. 2^64-1
  kDecimal,     // digits '.' digits and/or an exponent
  kSemicolon,
  kComma,
  kLeftParen,
  kRightParen,
  kEquals,
  kArrow,  // ->
  kMinus,  // - (only meaningful before a number in an option value)
  // A whole command argument that is not statement text (argument_lexer.h): valid only where
  // the grammar expects a string literal. Never produced from statement text.
  kArgument,
};

// The reserved words. Add new ones in alphabetical order; the values are not persisted.
enum class Keyword {
  kNone,  // not a keyword
  kAbort,
  kAfter,
  kAs,
  kBegin,
  kCommit,
  kContext,
  kCreate,
  kDiff,
  kDrop,
  kEdit,
  kEdits,
  kFalse,
  kFile,
  kForget,
  kGenerate,
  kHead,
  kHistory,
  kId,
  kLimit,
  kMax,
  kMemories,
  kMemory,
  kPrefix,
  kPurge,
  kRead,
  kRollback,
  kSeed,
  kShow,
  kSnapshot,
  kSnapshots,
  kSource,
  kStats,
  kTemperature,
  kTo,
  kTop,
  kTopP,
  kTransaction,
  kTrue,
  kUsing,
  kVersion,
  kWith,
  kWrite,
};

// The keyword spelled by `word` (any case), or Keyword::kNone.
Keyword LookupKeyword(std::string_view word);

// The canonical (upper-case) spelling of a keyword; "" for kNone.
std::string_view KeywordSpelling(Keyword keyword);

struct Token {
  TokenKind kind = TokenKind::kEnd;
  Keyword keyword = Keyword::kNone;  // for kWord
  std::size_t position = 0;          // byte offset of the token's first byte
  std::size_t length = 0;            // bytes of source text the token covers
  // kWord: as written; kQuotedName: the name without quotes; kString: the decoded value
  // ('' turned into '); kArgument: the argument; others: empty.
  std::string text;
  std::uint64_t integer = 0;  // kInteger
  double decimal = 0;         // kDecimal
  // The first token of a command argument that may be read as a string literal
  // (argument_lexer.h); always false for tokens of statement text.
  bool string_argument = false;

  std::size_t end() const { return position + length; }
  bool Is(Keyword k) const { return kind == TokenKind::kWord && keyword == k; }
};

// How an error message names a token: "end of input", "';'", "'TOPP'", "string 'Alice ...'".
// `source` is the text the token was lexed from (numbers and words are quoted as written).
std::string DescribeToken(const Token& token, std::string_view source);

}  // namespace engram::query

#endif  // ENGRAM_QUERY_LANGUAGE_TOKEN_H_
