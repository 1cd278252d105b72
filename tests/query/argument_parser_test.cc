// Tests of ParseArguments (query/language/parser.h): statements given as command arguments, the
// way engramd receives them from a Redis client. The rule under test: an argument in a string
// position is the string verbatim (unless it is one keyword); every other argument is lexed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "query/language/limits.h"
#include "query/language/parser.h"
#include "query/language/printer.h"

namespace engram::query {
namespace {

Result<Statement> Parse(std::vector<std::string> arguments) {
  return ParseArguments(arguments);
}

// The canonical text of the statement the arguments give (FormatStatement).
std::string Canonical(std::vector<std::string> arguments) {
  Result<Statement> statement = Parse(arguments);
  EXPECT_TRUE(statement.ok()) << statement.status().ToString();
  return statement.ok() ? FormatStatement(statement->body) : "";
}

TEST(ArgumentParserTest, StringPositionsTakeTheArgumentVerbatim) {
  EXPECT_EQ(Canonical({"WRITE", "agent", "Alice lives in Paris."}),
            "WRITE agent 'Alice lives in Paris.'");
  // A single word, a number, quotes, a comment marker and a ';' are all just text there.
  EXPECT_EQ(Canonical({"WRITE", "agent", "Paris"}), "WRITE agent 'Paris'");
  EXPECT_EQ(Canonical({"WRITE", "agent", "42"}), "WRITE agent '42'");
  EXPECT_EQ(Canonical({"WRITE", "agent", "it's -- 'quoted'; done"}),
            "WRITE agent 'it''s -- ''quoted''; done'");
  EXPECT_EQ(Canonical({"WRITE", "agent", ""}), "WRITE agent ''");
  EXPECT_EQ(Canonical({"write", "agent", "a", ",", "b"}), "WRITE agent 'a', 'b'");
  EXPECT_EQ(Canonical({"READ", "agent", "where does Alice live?", "TOP", "3"}),
            "READ agent 'where does Alice live?' TOP 3");
  EXPECT_EQ(Canonical({"GENERATE", "Once upon a time", "USING", "agent", "MAX", "16"}),
            "GENERATE 'Once upon a time' USING agent MAX 16");
  EXPECT_EQ(Canonical({"FORGET", "agent", "Alice lives in Paris.", "PURGE"}),
            "FORGET agent 'Alice lives in Paris.' PURGE");
  EXPECT_EQ(Canonical({"WRITE", "agent", "EDIT", "The capital of France is", "->", "Lyon"}),
            "WRITE agent EDIT 'The capital of France is' -> 'Lyon'");
}

TEST(ArgumentParserTest, OtherPositionsAreLexed) {
  EXPECT_EQ(Canonical({"CREATE", "MEMORY", "agent", "WITH", "(dim", "=", "64)"}),
            "CREATE MEMORY agent WITH (dim = 64)");
  EXPECT_EQ(Canonical({"CREATE", "MEMORY", "agent", "WITH", "(dim=64,", "slots=8)"}),
            "CREATE MEMORY agent WITH (dim = 64, slots = 8)");
  // A quoted option value is lexed, not taken whole: the ')' after it still closes the list.
  EXPECT_EQ(Canonical({"CREATE", "MEMORY", "agent", "WITH", "(encoder", "=", "'ngram')"}),
            "CREATE MEMORY agent WITH (encoder = 'ngram')");
  EXPECT_EQ(Canonical({"FORGET", "agent", "ID", "3"}), "FORGET agent ID 3");
  EXPECT_EQ(Canonical({"SHOW", "MEMORIES"}), "SHOW MEMORIES");
  EXPECT_EQ(Canonical({"ROLLBACK", "agent", "TO", "VERSION", "2"}), "ROLLBACK agent TO VERSION 2");
  EXPECT_EQ(Canonical({"SNAPSHOT", "agent", "AS", "clean", ";"}), "SNAPSHOT agent AS clean");
  EXPECT_EQ(Canonical({"HISTORY", "agent", "LIMIT", "5"}), "HISTORY agent LIMIT 5");
}

TEST(ArgumentParserTest, ALoneKeywordIsTheKeyword) {
  // "top" where a query string belongs is the keyword TOP, not a query.
  Result<Statement> statement = Parse({"READ", "agent", "top"});
  ASSERT_FALSE(statement.ok());
  EXPECT_EQ(statement.status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(statement.status().message(),
            "expected a query string, EDITS, CONTEXT or ',' after the memory name, found 'top'");
  EXPECT_EQ(statement.status().position(), 11);  // "READ agent " is 11 bytes
}

TEST(ArgumentParserTest, ErrorsPointIntoTheJoinedArguments) {
  // An argument the lexer refuses is usable as a string only.
  Result<Statement> bad_name = Parse({"READ", "Paris.", "q"});
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(bad_name.status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(bad_name.status().position(), 5);
  EXPECT_EQ(bad_name.status().message(),
            "expected a memory name after READ, found argument 'Paris.'");

  Result<Statement> top = Parse({"READ", "agent", "q", "TOP", "0"});
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().message(), "TOP must be at least 1, found 0");
  EXPECT_EQ(top.status().position(), 17);

  Result<Statement> two = Parse({"SHOW", "MEMORIES", ";", "SHOW", "STATS"});
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.status().message(), "expected one statement, found a second one");
  EXPECT_EQ(two.status().position(), 16);

  Result<Statement> none = Parse({});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "expected a statement, found end of input");
}

TEST(ArgumentParserTest, StringsKeepTheLiteralLimitsAndUtf8Rule) {
  Result<Statement> utf8 = Parse({"WRITE", "agent", std::string("ab\xff", 3)});
  ASSERT_FALSE(utf8.ok());
  EXPECT_EQ(utf8.status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(utf8.status().position(), 14);  // "WRITE agent ab" then the bad byte

  Result<Statement> long_fact = Parse({"WRITE", "agent", std::string(kMaxStatementBytes + 1, 'x')});
  ASSERT_FALSE(long_fact.ok());
  EXPECT_EQ(long_fact.status().code(), ErrorCode::kLimit);

  // The CONTEXT text is exempt from the statement limit, as in statement text.
  EXPECT_TRUE(Parse({"WRITE", "agent", "CONTEXT", std::string(kMaxStatementBytes + 10, 'x')}).ok());
}

TEST(ArgumentParserTest, SourceRangeCoversTheWholeStringArgument) {
  Result<Statement> statement = Parse({"WRITE", "agent", "a b c"});
  ASSERT_TRUE(statement.ok());
  EXPECT_EQ(statement->begin, 0u);
  EXPECT_EQ(statement->end, 17u);
}

}  // namespace
}  // namespace engram::query
