// The sql_logic_tests runner's own rules (SqlLogicRunnerTest.*): how a .test script is parsed
// (sql_script.h) and how results are rendered and matched (sql_match.h), on small inputs.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engram/statement_result.h"
#include "engram/status.h"
#include "tests/sql/sql_match.h"
#include "tests/sql/sql_script.h"

namespace engram::sqltest {
namespace {

TEST(SqlLogicRunnerTest, ParsesEveryRecordForm) {
  const Script script = ParseScript(
      "# a comment\n"
      "statement ok\nCREATE MEMORY\n  a;\n\n"
      "statement error NOTFOUND 12\nDROP MEMORY b;\n----\nunknown\n\n"
      "query name version rowsort\nSHOW MEMORIES;\n----\na\t1\n\n"
      "session s tenant_b\nreopen\n");
  ASSERT_FALSE(script.error) << script.error->message;
  ASSERT_EQ(script.records.size(), 5u);
  EXPECT_EQ(script.records[0].sql, "CREATE MEMORY\n  a;");
  EXPECT_EQ(script.records[0].line, 2);
  EXPECT_EQ(script.records[1].code, ErrorCode::kNotFound);
  EXPECT_EQ(script.records[1].position, 12);
  EXPECT_EQ(script.records[1].message_parts, std::vector<std::string>{"unknown"});
  EXPECT_EQ(script.records[2].names, (std::vector<std::string>{"name", "version"}));
  EXPECT_TRUE(script.records[2].rowsort);
  EXPECT_EQ(script.records[2].expected, std::vector<std::string>{"a\t1"});
  EXPECT_EQ(script.records[3].session, "s");
  EXPECT_EQ(script.records[3].tenant, "tenant_b");
  EXPECT_EQ(script.records[4].kind, RecordKind::kReopen);
}

TEST(SqlLogicRunnerTest, RefusesTyposAndMalformedRecords) {
  struct Case {
    const char* text;
    int line;
  };
  const Case cases[] = {
      {"statment ok\nSHOW STATS;\n", 1},                     // unknown directive
      {"statement ok\n\n", 1},                               // no statement
      {"statement okay\nSHOW STATS;\n", 1},                  // neither ok nor error
      {"statement error NOTFOND\nSHOW X;\n", 1},             // unknown code
      {"statement error SYNTAX x\nSHOW X;\n", 1},            // bad position
      {"statement ok\nSHOW STATS;\n----\n1\n", 1},           // ok with results
      {"query\nSHOW STATS;\n", 1},                           // no names
      {"\nsession\n", 2},                                    // no session name
      {"reopen now\n", 1},                                   // stray argument
      {"statement ok\nSHOW STATS;\n\nSHOW MEMORIES;\n", 4},  // a statement without directive
  };
  for (const Case& c : cases) {
    const Script script = ParseScript(c.text);
    ASSERT_TRUE(script.error.has_value()) << c.text;
    EXPECT_EQ(script.error->line, c.line) << c.text;
  }
}

TEST(SqlLogicRunnerTest, RendersAndMatchesCells) {
  EXPECT_EQ(RenderCell(Value{}), "NULL");
  EXPECT_EQ(RenderCell(Value{true}), "true");
  EXPECT_EQ(RenderCell(Value{std::uint64_t{7}}), "7");
  EXPECT_EQ(RenderCell(Value{std::string("a\tb\nc\\d")}), "a\\tb\\nc\\\\d");
  EXPECT_EQ(RenderCell(Value{std::string()}), "(empty)");
  EXPECT_TRUE(LineMatches("1\t<any>\tx", "1\t2024-01-01\tx"));
  EXPECT_TRUE(LineMatches("<regex>:[0-9]+", "123"));
  EXPECT_FALSE(LineMatches("<regex>:[0-9]+", "12a"));  // the whole cell must match
  EXPECT_FALSE(LineMatches("<regex>:(", "("));         // a bad pattern matches nothing
  EXPECT_FALSE(LineMatches("1", "1\t2"));              // cell counts differ
  EXPECT_FALSE(LinesMatch({"1"}, {}));
}

TEST(SqlLogicRunnerTest, QueriesNameColumnsOfRowsElseFields) {
  StatementResult fields;
  fields.statement = "COMMIT";
  fields.Add("version", std::uint64_t{3}).Add("pending", true);
  auto lines = RenderQuery(fields, {"pending", "version"});
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ(*lines, std::vector<std::string>{"true\t3"});
  EXPECT_FALSE(RenderQuery(fields, {"versoin"}).ok());

  StatementResult rows;
  rows.statement = "SHOW MEMORIES";
  rows.has_rows = true;
  rows.columns = {"name", "version"};
  rows.rows = {{std::string("a"), std::uint64_t{1}}, {std::string("b"), Value{}}};
  lines = RenderQuery(rows, {"version", "name"});
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ(*lines, (std::vector<std::string>{"1\ta", "NULL\tb"}));
  EXPECT_FALSE(RenderQuery(rows, {"created"}).ok());
  rows.rows.clear();
  lines = RenderQuery(rows, {"name"});
  ASSERT_TRUE(lines.ok());
  EXPECT_TRUE(lines->empty());
}

}  // namespace
}  // namespace engram::sqltest
