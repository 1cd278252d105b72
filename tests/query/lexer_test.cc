// Tests of the query language's lexer (query/language/lexer.h, token.h) and of the REPL's
// input scanning (input.h), which must agree with the lexer on what hides a ';'.
#include "query/language/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "query/language/input.h"
#include "query/language/limits.h"

namespace engram::query {
namespace {

std::vector<Token> Lex(std::string_view text) {
  Result<std::vector<Token>> tokens = Tokenize(text);
  EXPECT_TRUE(tokens.ok()) << text << ": " << tokens.status().ToString();
  return tokens.ok() ? *tokens : std::vector<Token>{};
}

Status LexError(std::string_view text) {
  Result<std::vector<Token>> tokens = Tokenize(text);
  EXPECT_FALSE(tokens.ok()) << text;
  return tokens.status();
}

TEST(LexerTest, TokensCarryKindPositionAndLength) {
  //                         0         1         2         3
  //                         0123456789012345678901234567890123456
  std::vector<Token> t = Lex("WRITE agent EDIT 'it''s' -> 'x';");
  ASSERT_EQ(t.size(), 8u);
  EXPECT_EQ(t[0].kind, TokenKind::kWord);
  EXPECT_EQ(t[0].keyword, Keyword::kWrite);
  EXPECT_EQ(t[0].position, 0u);
  EXPECT_EQ(t[0].length, 5u);
  EXPECT_EQ(t[1].keyword, Keyword::kNone);
  EXPECT_EQ(t[1].text, "agent");
  EXPECT_EQ(t[1].position, 6u);
  EXPECT_EQ(t[2].keyword, Keyword::kEdit);
  EXPECT_EQ(t[3].kind, TokenKind::kString);
  EXPECT_EQ(t[3].text, "it's");  // '' is one quote
  EXPECT_EQ(t[3].position, 17u);
  EXPECT_EQ(t[3].length, 7u);
  EXPECT_EQ(t[4].kind, TokenKind::kArrow);
  EXPECT_EQ(t[4].position, 25u);
  EXPECT_EQ(t[5].kind, TokenKind::kString);
  EXPECT_EQ(t[5].text, "x");
  EXPECT_EQ(t[6].kind, TokenKind::kSemicolon);
  EXPECT_EQ(t[6].position, 31u);
  EXPECT_EQ(t[7].kind, TokenKind::kEnd);
  EXPECT_EQ(t[7].position, 32u);
  EXPECT_EQ(t[7].length, 0u);
}

TEST(LexerTest, KeywordsAreCaseInsensitiveWordsKeepTheirSpelling) {
  std::vector<Token> t = Lex("wRiTe Top_P top_p TOPP Agent");
  EXPECT_EQ(t[0].keyword, Keyword::kWrite);
  EXPECT_EQ(t[0].text, "wRiTe");
  EXPECT_EQ(t[1].keyword, Keyword::kTopP);
  EXPECT_EQ(t[2].keyword, Keyword::kTopP);
  EXPECT_EQ(t[3].keyword, Keyword::kNone);
  EXPECT_EQ(t[4].keyword, Keyword::kNone);
  EXPECT_EQ(t[4].text, "Agent");
  EXPECT_EQ(LookupKeyword("transaction"), Keyword::kTransaction);
  EXPECT_EQ(LookupKeyword("temperaturex"), Keyword::kNone);
  EXPECT_EQ(LookupKeyword(""), Keyword::kNone);
  EXPECT_EQ(KeywordSpelling(Keyword::kTopP), "TOP_P");
  // Every keyword spells back to itself.
  for (int k = static_cast<int>(Keyword::kAbort); k <= static_cast<int>(Keyword::kWrite); ++k) {
    auto keyword = static_cast<Keyword>(k);
    EXPECT_EQ(LookupKeyword(KeywordSpelling(keyword)), keyword) << k;
  }
}

TEST(LexerTest, Strings) {
  EXPECT_EQ(Lex("''")[0].text, "");
  EXPECT_EQ(Lex("''''")[0].text, "'");
  EXPECT_EQ(Lex("'a''''b'")[0].text, "a''b");
  // Inside a string nothing is special but the quote: no comment, no statement end.
  std::vector<Token> t = Lex("'-- not a comment; \n second line' x");
  EXPECT_EQ(t[0].text, "-- not a comment; \n second line");
  EXPECT_EQ(t[1].text, "x");
  // UTF-8: 2-, 3- and 4-byte characters.
  EXPECT_EQ(Lex("'caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80'")[0].text,
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  // Two strings side by side are two tokens ('a' 'b'), not one with a quote in it.
  EXPECT_EQ(Lex("'a' 'b'").size(), 3u);
}

TEST(LexerTest, UnterminatedStringPointsAtItsOpeningQuote) {
  Status s = LexError("WRITE m 'abc");
  EXPECT_EQ(s.code(), ErrorCode::kSyntax);
  EXPECT_EQ(s.position(), 8);
  EXPECT_EQ(s.message(), "unterminated string (no closing quote)");
  EXPECT_EQ(LexError("'it''s").position(), 0);  // the '' does not close it
  EXPECT_EQ(LexError("x '").position(), 2);
}

TEST(LexerTest, InvalidUtf8InStringsPointsAtTheBadByte) {
  Status s = LexError(
      "'ab\xFF"
      "c'");
  EXPECT_EQ(s.code(), ErrorCode::kSyntax);
  EXPECT_EQ(s.position(), 3);
  EXPECT_EQ(s.message(), "invalid UTF-8 in string literal");
  EXPECT_EQ(LexError("'\xC0\x80'").position(), 1);          // overlong NUL
  EXPECT_EQ(LexError("'x\xED\xA0\x80'").position(), 2);     // a UTF-16 surrogate
  EXPECT_EQ(LexError("'\xF4\x90\x80\x80'").position(), 1);  // above U+10FFFF
  EXPECT_EQ(LexError("'\xE2\x82'").position(), 1);          // cut short by the quote
}

TEST(LexerTest, BadCharacters) {
  Status s = LexError("SHOW # STATS");
  EXPECT_EQ(s.code(), ErrorCode::kSyntax);
  EXPECT_EQ(s.position(), 5);
  EXPECT_EQ(s.message(), "unexpected character '#'");
  s = LexError("ab\x01");
  EXPECT_EQ(s.position(), 2);
  EXPECT_EQ(s.message(), "unexpected byte 0x01");
  s = LexError("WRITE m caf\xC3\xA9");
  EXPECT_EQ(s.position(), 11);
  EXPECT_EQ(s.message(), "unexpected byte 0xC3 (names are ASCII; text goes in single quotes)");
  EXPECT_EQ(LexError(".5").position(), 0);
  EXPECT_EQ(LexError(std::string_view("a \0", 3)).position(), 2);
}

TEST(LexerTest, Numbers) {
  std::vector<Token> t = Lex("0 42 18446744073709551615 1.5 2e3 1.5E-2 7e+1");
  EXPECT_EQ(t[0].kind, TokenKind::kInteger);
  EXPECT_EQ(t[0].integer, 0u);
  EXPECT_EQ(t[1].integer, 42u);
  EXPECT_EQ(t[2].integer, 18446744073709551615u);
  EXPECT_EQ(t[3].kind, TokenKind::kDecimal);
  EXPECT_EQ(t[3].decimal, 1.5);
  EXPECT_EQ(t[4].kind, TokenKind::kDecimal);
  EXPECT_EQ(t[4].decimal, 2000.0);
  EXPECT_EQ(t[5].decimal, 0.015);
  EXPECT_EQ(t[6].decimal, 70.0);
  EXPECT_EQ(t[6].length, 4u);
}

TEST(LexerTest, NumberErrors) {
  Status s = LexError("ID 18446744073709551616");
  EXPECT_EQ(s.code(), ErrorCode::kSyntax);
  EXPECT_EQ(s.position(), 3);
  EXPECT_EQ(s.message(),
            "number '18446744073709551616' is out of range (integers are at most "
            "18446744073709551615)");
  s = LexError("x 1e999");
  EXPECT_EQ(s.position(), 2);
  EXPECT_EQ(s.message(), "number '1e999' is out of range (not a finite double)");
  for (const char* bad : {"1.", "1e", "1e+", "3abc", "1.2.3", "1.x", "12_000"}) {
    s = LexError(std::string("TOP ") + bad + " ;");
    EXPECT_EQ(s.position(), 4) << bad;
    EXPECT_EQ(s.message(), std::string("malformed number '") + bad + "'") << bad;
  }
  // A long run of digits is quoted cut short.
  s = LexError(std::string(40, '9'));
  EXPECT_EQ(s.message(),
            "number '999999999999999999999999...' is out of range (integers are at most "
            "18446744073709551615)");
}

TEST(LexerTest, CommentsAndPunctuation) {
  std::vector<Token> t = Lex("-- heading\nSHOW -- why\n STATS--end");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].position, 11u);
  EXPECT_EQ(t[1].keyword, Keyword::kStats);
  EXPECT_EQ(t[1].position, 24u);
  EXPECT_EQ(t[2].kind, TokenKind::kEnd);
  t = Lex("( ) , = -> - 5 ;");
  std::vector<TokenKind> kinds;
  for (const Token& token : t) kinds.push_back(token.kind);
  EXPECT_EQ(kinds, (std::vector<TokenKind>{TokenKind::kLeftParen, TokenKind::kRightParen,
                                           TokenKind::kComma, TokenKind::kEquals, TokenKind::kArrow,
                                           TokenKind::kMinus, TokenKind::kInteger,
                                           TokenKind::kSemicolon, TokenKind::kEnd}));
  // "-->" starts a comment, not an arrow.
  EXPECT_EQ(Lex("a -->b").size(), 2u);
}

TEST(LexerTest, QuotedNames) {
  std::vector<Token> t = Lex("\"top\" \"Agent_2\"");
  EXPECT_EQ(t[0].kind, TokenKind::kQuotedName);
  EXPECT_EQ(t[0].text, "top");
  EXPECT_EQ(t[0].length, 5u);
  EXPECT_EQ(t[1].text, "Agent_2");
  Status s = LexError("x \"a b\"");
  EXPECT_EQ(s.code(), ErrorCode::kSyntax);
  EXPECT_EQ(s.position(), 2);
  EXPECT_EQ(s.message(),
            "quoted name \"a b\" must start with a letter or '_' and hold only letters, digits "
            "and '_'");
  EXPECT_EQ(LexError("\"1a\"").code(), ErrorCode::kSyntax);
  EXPECT_EQ(LexError("\"\"").message(), "empty quoted name");
  s = LexError("x \"abc");
  EXPECT_EQ(s.position(), 2);
  EXPECT_EQ(s.message(), "unterminated quoted name (no closing '\"')");
}

TEST(LexerTest, NameLengthLimit) {
  const std::string longest(kMaxNameBytes, 'n');
  EXPECT_EQ(Lex(longest)[0].text, longest);
  EXPECT_EQ(Lex("\"" + longest + "\"")[0].text, longest);
  Status s = LexError("DROP MEMORY " + longest + "x");
  EXPECT_EQ(s.code(), ErrorCode::kLimit);
  EXPECT_EQ(s.position(), 12);
  EXPECT_EQ(s.message(), "name 'nnnnnnnnnnnnnnnnnnnnnnnn...' is longer than 64 bytes");
  EXPECT_EQ(LexError("\"" + longest + "x\"").code(), ErrorCode::kLimit);
}

TEST(LexerTest, StringLengthLimit) {
  std::string text = "x '" + std::string(kMaxContextTextBytes, 'a') + "'";
  EXPECT_EQ(Lex(text)[1].text.size(), kMaxContextTextBytes);
  text.insert(text.begin() + 3, 'b');
  Status s = LexError(text);
  EXPECT_EQ(s.code(), ErrorCode::kLimit);
  EXPECT_EQ(s.position(), 2);
  EXPECT_EQ(s.message(), "string literal is longer than 16777216 bytes");
}

TEST(LexerTest, StartsAtAnOffsetAndStopsAtTheFailingToken) {
  Lexer lexer("SHOW STATS; READ 'x", 11);
  Result<Token> read = lexer.Next();
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->keyword, Keyword::kRead);
  EXPECT_EQ(read->position, 12u);
  EXPECT_EQ(lexer.offset(), 16u);
  Result<Token> bad = lexer.Next();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(lexer.error_start(), 17u);
  // The end token repeats.
  Lexer done("", 0);
  EXPECT_EQ(done.Next()->kind, TokenKind::kEnd);
  EXPECT_EQ(done.Next()->kind, TokenKind::kEnd);
}

TEST(LexerTest, DescribeToken) {
  std::string_view text = "TOPP 'a rather long string with more than 24 bytes' ; 3.5";
  std::vector<Token> t = Lex(text);
  EXPECT_EQ(DescribeToken(t[0], text), "'TOPP'");
  EXPECT_EQ(DescribeToken(t[1], text), "string 'a rather long string wit...'");
  EXPECT_EQ(DescribeToken(t[2], text), "';'");
  EXPECT_EQ(DescribeToken(t[3], text), "'3.5'");
  EXPECT_EQ(DescribeToken(t[4], text), "end of input");
  // A multi-byte character is not cut in half, and control characters become spaces.
  std::string_view utf8 = "'\n2222222222222222222222\xC3\xA9'";
  EXPECT_EQ(DescribeToken(Lex(utf8)[0], utf8), "string ' 2222222222222222222222...'");
}

TEST(InputTest, ScanInputForTheRepl) {
  EXPECT_EQ(ScanInput(""), InputState::kEmpty);
  EXPECT_EQ(ScanInput("  \n-- only a comment"), InputState::kEmpty);
  EXPECT_EQ(ScanInput("SHOW STATS"), InputState::kIncomplete);
  EXPECT_EQ(ScanInput("SHOW STATS;"), InputState::kComplete);
  EXPECT_EQ(ScanInput("SHOW STATS;  -- done\n"), InputState::kComplete);
  EXPECT_EQ(ScanInput("SHOW STATS -- not yet;"), InputState::kIncomplete);
  EXPECT_EQ(ScanInput("WRITE m 'a;"), InputState::kIncomplete);
  EXPECT_EQ(ScanInput("WRITE m 'a;\nb';"), InputState::kComplete);
  EXPECT_EQ(ScanInput("WRITE m 'it''s';"), InputState::kComplete);
  EXPECT_EQ(ScanInput("WRITE m 'it''s;"), InputState::kIncomplete);
  EXPECT_EQ(ScanInput("SHOW SNAPSHOTS \"x;"), InputState::kIncomplete);
  EXPECT_EQ(ScanInput("SHOW STATS; SHOW"), InputState::kIncomplete);
  EXPECT_EQ(ScanInput(";"), InputState::kComplete);
  // Characters the lexer refuses do not hide the end: the parser reports them.
  EXPECT_EQ(ScanInput("SHOW # STATS;"), InputState::kComplete);
  EXPECT_TRUE(IsComplete("BEGIN;"));
  EXPECT_FALSE(IsComplete("BEGIN"));
  EXPECT_FALSE(IsComplete(""));
}

TEST(InputTest, FindStatementEnd) {
  std::string_view text = "WRITE m 'a;b' -- c;\n; SHOW STATS";
  EXPECT_EQ(FindStatementEnd(text, 0), 21u);
  EXPECT_EQ(FindStatementEnd(text, 21), text.size());
  EXPECT_EQ(FindStatementEnd(text, 100), text.size());
  EXPECT_EQ(FindStatementEnd("x 'open; y", 0), 10u);
}

}  // namespace
}  // namespace engram::query
