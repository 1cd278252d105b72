// Tests of the query language's parser (query/language/parser.h): every statement form into
// its syntax tree, the lexical conveniences (case, quoting, comments), scripts, the REPL's
// statement-by-statement reader, the canonical printer, and errors with exact messages and
// byte positions.
#include "query/language/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "query/language/limits.h"
#include "query/language/printer.h"

namespace engram::query {
namespace {

Statement ParseOk(std::string_view text) {
  Result<Statement> statement = ParseStatement(text);
  EXPECT_TRUE(statement.ok()) << text << ": " << statement.status().ToString();
  return statement.ok() ? *statement : Statement{};
}

// The body of the one statement in `text`, which must be a T.
template <typename T>
T Parse(std::string_view text) {
  Statement statement = ParseOk(text);
  const T* body = std::get_if<T>(&statement.body);
  EXPECT_NE(body, nullptr) << text << " parsed as " << StatementKindName(statement.body);
  return body ? *body : T{};
}

// `text` for a failure message: the limit tests parse megabytes.
std::string Clip(std::string_view text) {
  return text.size() <= 120 ? std::string(text) : std::string(text.substr(0, 120)) + "...";
}

// The error ParseScript gives for `text`.
Status ParseError(std::string_view text) {
  Result<std::vector<Statement>> script = ParseScript(text);
  EXPECT_FALSE(script.ok()) << Clip(text);
  return script.status();
}

#define EXPECT_PARSE_ERROR(text, code_, position_, message_)    \
  do {                                                          \
    const std::string text_(text);                              \
    Status status_ = ParseError(text_);                         \
    EXPECT_EQ(status_.code(), ErrorCode::code_) << Clip(text_); \
    EXPECT_EQ(status_.position(), (position_)) << Clip(text_);  \
    EXPECT_EQ(status_.message(), (message_)) << Clip(text_);    \
  } while (false)

// --- every statement form ---------------------------------------------------------------------

TEST(ParserTest, CreateMemory) {
  Statement statement = ParseOk("CREATE MEMORY agent;");
  EXPECT_EQ(statement.begin, 0u);
  EXPECT_EQ(statement.end, 19u);  // the ';' is not part of it
  auto s = std::get<CreateMemoryStatement>(statement.body);
  EXPECT_EQ(s.memory, (Name{"agent", 14}));
  EXPECT_TRUE(s.options.empty());

  //                                          0         1         2         3         4
  //                                          0123456789012345678901234567890123456789012345
  s = Parse<CreateMemoryStatement>(
      "CREATE MEMORY m WITH (Slots = 1024, scope = 0.25, "
      "enc = 'ngram', on = TRUE, off = false, d = -3, "
      "e = -2.5, max = 1)");
  ASSERT_EQ(s.options.size(), 8u);
  EXPECT_EQ(s.options[0].key, (Name{"slots", 22}));  // keys are lower-cased
  EXPECT_EQ(s.options[0].value.value, OptionValue(std::int64_t{1024}));
  EXPECT_EQ(s.options[0].value.position, 30u);
  EXPECT_EQ(s.options[1].value.value, OptionValue(0.25));
  EXPECT_EQ(s.options[2].value.value, OptionValue(std::string("ngram")));
  EXPECT_EQ(s.options[3].value.value, OptionValue(true));
  EXPECT_EQ(s.options[4].value.value, OptionValue(false));
  EXPECT_EQ(s.options[5].value.value, OptionValue(std::int64_t{-3}));
  EXPECT_EQ(s.options[6].value.value, OptionValue(-2.5));
  EXPECT_EQ(s.options[7].key.value, "max");  // a keyword is fine as an option key
  s = Parse<CreateMemoryStatement>("CREATE MEMORY m WITH (x = -9223372036854775808)");
  EXPECT_EQ(s.options[0].value.value, OptionValue(std::int64_t{INT64_MIN}));
}

TEST(ParserTest, DropMemory) {
  auto s = Parse<DropMemoryStatement>("DROP MEMORY agent");
  EXPECT_EQ(s.memory, (Name{"agent", 12}));
  EXPECT_FALSE(s.purge.value);
  s = Parse<DropMemoryStatement>("DROP MEMORY agent PURGE;");
  EXPECT_EQ(s.purge, (Located<bool>{true, 18}));
}

TEST(ParserTest, WriteFacts) {
  //                                  0         1         2         3
  //                                  0123456789012345678901234567890123456789
  auto s = Parse<WriteFactsStatement>("WRITE agent 'Alice lives in Paris.';");
  EXPECT_EQ(s.memory, (Name{"agent", 6}));
  ASSERT_EQ(s.facts.size(), 1u);
  EXPECT_EQ(s.facts[0], (Text{"Alice lives in Paris.", 12}));
  s = Parse<WriteFactsStatement>("WRITE agent 'Bob''s cat', 'b' ,'c'");
  ASSERT_EQ(s.facts.size(), 3u);
  EXPECT_EQ(s.facts[0], (Text{"Bob's cat", 12}));
  EXPECT_EQ(s.facts[1], (Text{"b", 26}));
  EXPECT_EQ(s.facts[2], (Text{"c", 31}));
}

TEST(ParserTest, WriteEdit) {
  //                                 0         1         2         3         4
  //                                 01234567890123456789012345678901234567890123456789
  auto s = Parse<WriteEditStatement>(
      "WRITE agent EDIT 'The capital of Atlantis is' -> "
      "' Poseidonia';");
  EXPECT_EQ(s.memory.value, "agent");
  EXPECT_EQ(s.prompt, (Text{"The capital of Atlantis is", 17}));
  EXPECT_EQ(s.target, (Text{" Poseidonia", 49}));
  // No space is needed around the arrow.
  EXPECT_EQ(Parse<WriteEditStatement>("WRITE a EDIT 'p'->'t'").target.value, "t");
}

TEST(ParserTest, WriteContextAndPrefix) {
  auto c = Parse<WriteContextStatement>("WRITE agent CONTEXT 'long text'");
  EXPECT_EQ(c.text, (Text{"long text", 20}));
  EXPECT_FALSE(c.from_file);
  c = Parse<WriteContextStatement>("WRITE agent CONTEXT FILE '/tmp/book.txt'");
  EXPECT_EQ(c.text, (Text{"/tmp/book.txt", 25}));
  EXPECT_TRUE(c.from_file);
  auto p = Parse<WritePrefixStatement>("WRITE agent PREFIX 'You are helpful.'");
  EXPECT_EQ(p.text.value, "You are helpful.");
  EXPECT_FALSE(p.from_file);
  p = Parse<WritePrefixStatement>("WRITE agent PREFIX FILE 'system.txt'");
  EXPECT_TRUE(p.from_file);
  EXPECT_EQ(p.memory.value, "agent");
}

TEST(ParserTest, Read) {
  //                                0         1         2         3
  //                                0123456789012345678901234567890123456
  auto r = Parse<ReadFactsStatement>("READ agent 'Where does Alice live?' TOP 3");
  EXPECT_EQ(r.memory, (Name{"agent", 5}));
  EXPECT_EQ(r.query, (Text{"Where does Alice live?", 11}));
  ASSERT_TRUE(r.top.has_value());
  EXPECT_EQ(*r.top, (Count{3, 40}));
  EXPECT_FALSE(Parse<ReadFactsStatement>("READ agent 'q'").top.has_value());
  auto e = Parse<ReadEditsStatement>("READ agent EDITS 'Atlantis'");
  EXPECT_EQ(e.query, (Text{"Atlantis", 17}));
  EXPECT_FALSE(e.top.has_value());
  EXPECT_EQ(Parse<ReadEditsStatement>("READ a EDITS 'q' TOP 1000").top->value, 1000u);
  auto c = Parse<ReadContextStatement>("READ agent CONTEXT 'query' TOP 4;");
  EXPECT_EQ(c.query.value, "query");
  EXPECT_EQ(*c.top, (Count{4, 31}));
}

TEST(ParserTest, Forget) {
  auto f = Parse<ForgetFactStatement>("FORGET agent 'Alice lives in Paris.'");
  EXPECT_EQ(f.memory, (Name{"agent", 7}));
  EXPECT_EQ(f.fact, (Text{"Alice lives in Paris.", 13}));
  EXPECT_FALSE(f.purge.value);
  auto id = Parse<ForgetFactIdStatement>("FORGET agent ID 42 PURGE");
  EXPECT_EQ(id.id, (Count{42, 16}));
  EXPECT_EQ(id.purge, (Located<bool>{true, 19}));
  auto edit = Parse<ForgetEditStatement>("FORGET agent EDIT ID 7 purge;");
  EXPECT_EQ(edit.id, (Count{7, 21}));
  EXPECT_TRUE(edit.purge.value);
  auto chunk = Parse<ForgetContextStatement>("FORGET agent CONTEXT ID 3");
  EXPECT_EQ(chunk.id.value, 3u);
  EXPECT_FALSE(chunk.purge.value);
  auto source = Parse<ForgetContextSourceStatement>("FORGET agent CONTEXT SOURCE 'b.txt' PURGE");
  EXPECT_EQ(source.path, (Text{"b.txt", 28}));
  EXPECT_TRUE(source.purge.value);
  auto prefix = Parse<ForgetPrefixStatement>("FORGET agent PREFIX ID 18446744073709551615");
  EXPECT_EQ(prefix.id.value, 18446744073709551615u);
}

TEST(ParserTest, Generate) {
  auto g = Parse<GenerateStatement>("GENERATE 'Alice lives in'");
  EXPECT_EQ(g.prompt, (Text{"Alice lives in", 9}));
  EXPECT_TRUE(g.memories.empty());
  EXPECT_FALSE(g.prefix_memory || g.prefix_id || g.max_tokens || g.temperature || g.top_p ||
               g.seed);

  //                         0         1         2         3         4         5         6
  //                         0123456789012345678901234567890123456789012345678901234567890123
  g = Parse<GenerateStatement>(
      "GENERATE 'p' USING agent, \"top\" MAX 32 TEMPERATURE 0 TOP_P 0.9 "
      "SEED 7 AFTER PREFIX sys ID 2");
  ASSERT_EQ(g.memories.size(), 2u);
  EXPECT_EQ(g.memories[0], (Name{"agent", 19}));
  EXPECT_EQ(g.memories[1], (Name{"top", 26}));
  EXPECT_EQ(*g.max_tokens, (Count{32, 36}));
  EXPECT_EQ(*g.temperature, (Located<double>{0.0, 51}));
  EXPECT_EQ(*g.top_p, (Located<double>{0.9, 59}));
  EXPECT_EQ(*g.seed, (Count{7, 68}));
  EXPECT_EQ(*g.prefix_memory, (Name{"sys", 83}));
  EXPECT_EQ(*g.prefix_id, (Count{2, 90}));

  // Clauses come in any order; AFTER PREFIX without ID means the newest prefix.
  g = Parse<GenerateStatement>("generate 'p' seed 1 after prefix sys max 4 using a top_p 1");
  EXPECT_EQ(g.seed->value, 1u);
  EXPECT_EQ(g.prefix_memory->value, "sys");
  EXPECT_FALSE(g.prefix_id.has_value());
  EXPECT_EQ(g.max_tokens->value, 4u);
  EXPECT_EQ(g.memories.size(), 1u);
  EXPECT_EQ(g.top_p->value, 1.0);
  EXPECT_EQ(Parse<GenerateStatement>("GENERATE 'p' TEMPERATURE 1.5e-1").temperature->value, 0.15);
  EXPECT_EQ(Parse<GenerateStatement>("GENERATE 'p' TEMPERATURE 10").temperature->value, 10.0);
  EXPECT_EQ(Parse<GenerateStatement>("GENERATE 'p' MAX 4096").max_tokens->value, 4096u);
}

TEST(ParserTest, Snapshot) {
  auto s = Parse<SnapshotStatement>("SNAPSHOT agent AS before_edit");
  EXPECT_EQ(*s.memory, (Name{"agent", 9}));
  EXPECT_EQ(s.name, (Name{"before_edit", 18}));
  s = Parse<SnapshotStatement>("SNAPSHOT AS everything;");
  EXPECT_FALSE(s.memory.has_value());
  EXPECT_EQ(s.name, (Name{"everything", 12}));
}

TEST(ParserTest, Rollback) {
  auto r = Parse<RollbackStatement>("ROLLBACK agent TO before_edit");
  EXPECT_EQ(*r.memory, (Name{"agent", 9}));
  EXPECT_EQ(r.target.kind, VersionRef::Kind::kSnapshot);
  EXPECT_EQ(r.target.snapshot, "before_edit");
  EXPECT_EQ(r.target.position, 18u);
  r = Parse<RollbackStatement>("ROLLBACK agent TO VERSION 12");
  EXPECT_EQ(r.target.kind, VersionRef::Kind::kVersion);
  EXPECT_EQ(r.target.version, 12u);
  EXPECT_EQ(r.target.position, 18u);
  r = Parse<RollbackStatement>("ROLLBACK TO everything");
  EXPECT_FALSE(r.memory.has_value());
  EXPECT_EQ(r.target.snapshot, "everything");
  r = Parse<RollbackStatement>("ROLLBACK TO VERSION 0");
  EXPECT_FALSE(r.memory.has_value());
  EXPECT_EQ(r.target.kind, VersionRef::Kind::kVersion);
  EXPECT_EQ(r.target.version, 0u);
  // ROLLBACK TRANSACTION is ABORT.
  Parse<AbortStatement>("ROLLBACK TRANSACTION");
}

TEST(ParserTest, HistoryAndDiff) {
  auto h = Parse<HistoryStatement>("HISTORY agent");
  EXPECT_EQ(h.memory, (Name{"agent", 8}));
  EXPECT_FALSE(h.limit.has_value());
  EXPECT_EQ(*Parse<HistoryStatement>("HISTORY agent LIMIT 10").limit, (Count{10, 20}));

  auto d = Parse<DiffStatement>("DIFF agent before_edit HEAD");
  EXPECT_EQ(d.memory.value, "agent");
  EXPECT_EQ(d.from.kind, VersionRef::Kind::kSnapshot);
  EXPECT_EQ(d.from.snapshot, "before_edit");
  EXPECT_EQ(d.from.position, 11u);
  EXPECT_EQ(d.to.kind, VersionRef::Kind::kHead);
  EXPECT_EQ(d.to.position, 23u);
  d = Parse<DiffStatement>("DIFF agent VERSION 3 VERSION 9");
  EXPECT_EQ(d.from.version, 3u);
  EXPECT_EQ(d.to.kind, VersionRef::Kind::kVersion);
  EXPECT_EQ(d.to.version, 9u);
  EXPECT_EQ(d.to.position, 21u);
  d = Parse<DiffStatement>("DIFF agent HEAD \"head\"");
  EXPECT_EQ(d.from.kind, VersionRef::Kind::kHead);
  EXPECT_EQ(d.to.kind, VersionRef::Kind::kSnapshot);  // a snapshot named head
  EXPECT_EQ(d.to.snapshot, "head");
}

TEST(ParserTest, ShowAndTransactions) {
  Parse<ShowMemoriesStatement>("SHOW MEMORIES");
  Parse<ShowStatsStatement>("show stats;");
  EXPECT_FALSE(Parse<ShowSnapshotsStatement>("SHOW SNAPSHOTS").memory.has_value());
  EXPECT_EQ(*Parse<ShowSnapshotsStatement>("SHOW SNAPSHOTS agent").memory, (Name{"agent", 15}));
  Parse<BeginStatement>("BEGIN");
  Parse<BeginStatement>("BEGIN TRANSACTION");
  Parse<CommitStatement>("COMMIT");
  Parse<CommitStatement>("commit transaction");
  Parse<AbortStatement>("ABORT");
  Parse<AbortStatement>("ABORT TRANSACTION");
}

TEST(ParserTest, StatementKindNames) {
  EXPECT_EQ(StatementKindName(ParseOk("WRITE m EDIT 'a' -> 'b'").body), "WRITE EDIT");
  EXPECT_EQ(StatementKindName(ParseOk("FORGET m CONTEXT SOURCE 'p'").body),
            "FORGET CONTEXT SOURCE");
  EXPECT_EQ(StatementKindName(ParseOk("ROLLBACK TRANSACTION").body), "ABORT");
}

// --- lexical conveniences -----------------------------------------------------------------------

TEST(ParserTest, KeywordsAreCaseInsensitiveNamesAreNot) {
  auto s = Parse<ReadFactsStatement>("rEaD Agent 'q' tOp 2");
  EXPECT_EQ(s.memory.value, "Agent");  // as written
  EXPECT_EQ(s.top->value, 2u);
  EXPECT_EQ(Parse<CreateMemoryStatement>("create MEMORY AGENT").memory.value, "AGENT");
}

TEST(ParserTest, QuotedNamesMayBeKeywords) {
  EXPECT_EQ(Parse<WriteFactsStatement>("WRITE \"top\" 'x'").memory, (Name{"top", 6}));
  EXPECT_EQ(Parse<SnapshotStatement>("SNAPSHOT \"as\" AS \"as\"").name.value, "as");
  // A quoted name that is not a keyword is the same name.
  EXPECT_EQ(Parse<DropMemoryStatement>("DROP MEMORY \"agent\"").memory.value, "agent");
}

TEST(ParserTest, StringQuoting) {
  EXPECT_EQ(Parse<WriteFactsStatement>("WRITE m 'It''s Bob''s'").facts[0].value, "It's Bob's");
  EXPECT_EQ(Parse<WriteFactsStatement>("WRITE m ''").facts[0].value, "");
  EXPECT_EQ(Parse<WriteFactsStatement>("WRITE m 'a;b -- c'").facts[0].value, "a;b -- c");
  EXPECT_EQ(Parse<WriteFactsStatement>("WRITE m 'line 1\nline 2'").facts[0].value,
            "line 1\nline 2");
}

TEST(ParserTest, Comments) {
  std::string_view text =
      "-- a script\n"
      "READ agent -- the memory\n"
      "  'q' -- the query; not the end\n"
      "  TOP 2; -- trailing\n";
  Result<std::vector<Statement>> script = ParseScript(text);
  ASSERT_TRUE(script.ok()) << script.status().ToString();
  ASSERT_EQ(script->size(), 1u);
  const Statement& statement = (*script)[0];
  EXPECT_EQ(statement.begin, 12u);
  EXPECT_EQ(statement.SourceText(text),
            "READ agent -- the memory\n  'q' -- the query; not the end\n  TOP 2");
  EXPECT_EQ(std::get<ReadFactsStatement>(statement.body).top->value, 2u);
}

// --- scripts ------------------------------------------------------------------------------------

TEST(ParserTest, MultiStatementScripts) {
  std::string_view text = "CREATE MEMORY a; WRITE a 'x';\nSHOW MEMORIES ;;; SHOW STATS";
  Result<std::vector<Statement>> script = ParseScript(text);
  ASSERT_TRUE(script.ok()) << script.status().ToString();
  ASSERT_EQ(script->size(), 4u);
  EXPECT_TRUE(std::holds_alternative<CreateMemoryStatement>((*script)[0].body));
  EXPECT_TRUE(std::holds_alternative<WriteFactsStatement>((*script)[1].body));
  EXPECT_TRUE(std::holds_alternative<ShowMemoriesStatement>((*script)[2].body));
  EXPECT_TRUE(std::holds_alternative<ShowStatsStatement>((*script)[3].body));
  EXPECT_EQ((*script)[1].SourceText(text), "WRITE a 'x'");
  EXPECT_EQ((*script)[1].begin, 17u);
  EXPECT_EQ((*script)[2].SourceText(text), "SHOW MEMORIES");
  EXPECT_EQ((*script)[3].begin, 48u);
  EXPECT_EQ((*script)[3].end, text.size());  // the last statement needs no ';'
}

TEST(ParserTest, EmptyInputs) {
  for (std::string_view text : {"", "   \n", ";", ";;  ;", "-- nothing\n; -- more"}) {
    Result<std::vector<Statement>> script = ParseScript(text);
    ASSERT_TRUE(script.ok()) << text;
    EXPECT_TRUE(script->empty()) << text;
  }
}

TEST(ParserTest, ParseStatementWantsExactlyOne) {
  EXPECT_TRUE(ParseStatement("SHOW STATS;  ;; -- fine").ok());
  Status none = ParseStatement("  -- nothing").status();
  EXPECT_EQ(none.code(), ErrorCode::kSyntax);
  EXPECT_EQ(none.position(), 12);
  EXPECT_EQ(none.message(), "expected a statement, found end of input");
  Status two = ParseStatement("SHOW STATS; SHOW MEMORIES").status();
  EXPECT_EQ(two.position(), 12);
  EXPECT_EQ(two.message(), "expected one statement, found a second one");
  EXPECT_EQ(ParseStatement("SHOW STATS; #").status().position(), 12);
}

TEST(ParserTest, StatementReaderGoesOnAfterErrors) {
  //                0         1         2         3         4         5
  //                012345678901234567890123456789012345678901234567890123456
  std::string_view text = "SHOW STATS; READ m; WRITE m 'a;b' x; SHOW MEMORIES; WRITE m 'open";
  StatementReader reader(text);
  Result<std::optional<Statement>> next = reader.Next();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_TRUE(std::holds_alternative<ShowStatsStatement>((*next)->body));
  EXPECT_EQ(reader.offset(), 11u);

  next = reader.Next();  // READ m;
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().position(), 18);
  EXPECT_EQ(next.status().message(),
            "expected a query string, EDITS, CONTEXT or ',' after the memory name, found ';'");
  EXPECT_EQ(reader.offset(), 19u);

  next = reader.Next();  // WRITE m 'a;b' x;  the ';' inside the string is not the end
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().position(), 34);
  EXPECT_EQ(reader.offset(), 36u);

  next = reader.Next();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_TRUE(std::holds_alternative<ShowMemoriesStatement>((*next)->body));

  next = reader.Next();  // the unterminated string swallows the rest
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().position(), 60);
  EXPECT_EQ(reader.offset(), text.size());

  next = reader.Next();
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
}

TEST(ParserTest, ScriptStopsAtTheFirstErrorWithItsPosition) {
  Status s = ParseError("SHOW STATS; WRITE m 'abc");
  EXPECT_EQ(s.code(), ErrorCode::kSyntax);
  EXPECT_EQ(s.position(), 20);  // the opening quote
  EXPECT_EQ(s.message(), "unterminated string (no closing quote)");
}

// --- canonical text -----------------------------------------------------------------------------

TEST(ParserTest, CanonicalTextRoundTrips) {
  const std::pair<const char*, const char*> cases[] = {
      {"create memory Agent with (SLOTS=1024,t=5e-1,s='a''b',b=false,n=-1)",
       "CREATE MEMORY Agent WITH (slots = 1024, t = 0.5, s = 'a''b', b = FALSE, n = -1)"},
      {"drop memory a purge", "DROP MEMORY a PURGE"},
      {"write a 'x','y'", "WRITE a 'x', 'y'"},
      {"write a edit 'p'->'t'", "WRITE a EDIT 'p' -> 't'"},
      {"write a context file 'f'", "WRITE a CONTEXT FILE 'f'"},
      {"write a prefix 'p'", "WRITE a PREFIX 'p'"},
      {"read a edits 'q' top 2", "READ a EDITS 'q' TOP 2"},
      {"read \"top\" context 'q'", "READ \"top\" CONTEXT 'q'"},
      {"forget a context source 'p' purge", "FORGET a CONTEXT SOURCE 'p' PURGE"},
      {"forget a prefix id 3", "FORGET a PREFIX ID 3"},
      {"generate 'p' seed 3 top_p 0.5 temperature 1 max 9 after prefix s id 1 using b, c",
       "GENERATE 'p' USING b, c AFTER PREFIX s ID 1 MAX 9 TEMPERATURE 1.0 TOP_P 0.5 SEED 3"},
      {"snapshot as s", "SNAPSHOT AS s"},
      {"rollback a to version 3", "ROLLBACK a TO VERSION 3"},
      {"rollback transaction", "ABORT"},
      {"history a limit 5", "HISTORY a LIMIT 5"},
      {"diff a \"head\" head", "DIFF a \"head\" HEAD"},
      {"show snapshots a", "SHOW SNAPSHOTS a"},
      {"begin transaction", "BEGIN"},
  };
  for (const auto& [source, canonical] : cases) {
    Statement statement = ParseOk(source);
    EXPECT_EQ(FormatStatement(statement.body), canonical) << source;
    EXPECT_EQ(FormatStatement(ParseOk(canonical).body), canonical) << source;
  }
  EXPECT_EQ(FormatDecimal(0), "0.0");
  EXPECT_EQ(FormatDecimal(0.1), "0.1");
  EXPECT_EQ(FormatDecimal(1e20), "1e+20");
  EXPECT_EQ(QuoteString("it's"), "'it''s'");
  EXPECT_EQ(FormatName("Top"), "\"Top\"");
  EXPECT_EQ(FormatName("agent"), "agent");
}

// --- errors -------------------------------------------------------------------------------------

TEST(ParserErrorTest, WhatWasExpectedAndWhatWasFound) {
  EXPECT_PARSE_ERROR("READ m 'q' TOPP 3", kSyntax, 11,
                     "expected TOP or ';' after the query string, found 'TOPP'");
  EXPECT_PARSE_ERROR("SELECT 1", kSyntax, 0,
                     "expected a statement (CREATE, DROP, WRITE, READ, FORGET, GENERATE, "
                     "SNAPSHOT, ROLLBACK, HISTORY, DIFF, SHOW, BEGIN, COMMIT or ABORT), found "
                     "'SELECT'");
  EXPECT_PARSE_ERROR("CREATE m", kSyntax, 7, "expected MEMORY after CREATE, found 'm'");
  EXPECT_PARSE_ERROR("CREATE MEMORY m WITH slots = 1", kSyntax, 21,
                     "expected '(' after WITH, found 'slots'");
  EXPECT_PARSE_ERROR("CREATE MEMORY m WITH ()", kSyntax, 22,
                     "expected an option name after '(', found ')'");
  EXPECT_PARSE_ERROR("CREATE MEMORY m WITH (a 1)", kSyntax, 24,
                     "expected '=' after option name 'a', found '1'");
  EXPECT_PARSE_ERROR("CREATE MEMORY m WITH (a = b)", kSyntax, 26,
                     "expected a number, string, TRUE or FALSE as the value of option 'a', "
                     "found 'b'");
  EXPECT_PARSE_ERROR("CREATE MEMORY m WITH (a = 1 b = 2)", kSyntax, 28,
                     "expected ',' or ')' after the value of option 'a', found 'b'");
  EXPECT_PARSE_ERROR("CREATE MEMORY m WITH (a = - 'x')", kSyntax, 28,
                     "expected a number after '-', found string 'x'");
  EXPECT_PARSE_ERROR("CREATE MEMORY m WITH (a = 1, A = 2)", kSyntax, 29,
                     "option 'a' is given twice");
  EXPECT_PARSE_ERROR("CREATE MEMORY m WITH (a = 9223372036854775808)", kSyntax, 26,
                     "option value is out of range (integers in options are between "
                     "-9223372036854775808 and 9223372036854775807)");
  EXPECT_PARSE_ERROR("DROP MEMORY m PURGE PURGE", kSyntax, 20,
                     "expected ';' after PURGE, found 'PURGE'");
  EXPECT_PARSE_ERROR("WRITE m 'a' 'b'", kSyntax, 12,
                     "expected ',' or ';' after the fact string, found string 'b'");
  EXPECT_PARSE_ERROR("WRITE m 'a',", kSyntax, 12,
                     "expected a fact string after ',', found end of input");
  EXPECT_PARSE_ERROR("WRITE m", kSyntax, 7,
                     "expected a fact string, EDIT, CONTEXT or PREFIX after the memory name, "
                     "found end of input");
  EXPECT_PARSE_ERROR("WRITE m EDIT 'p' 't'", kSyntax, 17,
                     "expected '->' after the prompt string, found string 't'");
  EXPECT_PARSE_ERROR("WRITE m EDIT 'p' ->", kSyntax, 19,
                     "expected a target string after '->', found end of input");
  EXPECT_PARSE_ERROR("WRITE m CONTEXT 3", kSyntax, 16,
                     "expected a text string or FILE after CONTEXT, found '3'");
  EXPECT_PARSE_ERROR("WRITE m PREFIX FILE x", kSyntax, 20,
                     "expected a file path string after FILE, found 'x'");
  EXPECT_PARSE_ERROR("READ m EDITS TOP 3", kSyntax, 13,
                     "expected a query string after EDITS, found 'TOP'");
  EXPECT_PARSE_ERROR("READ m 'q' TOP 3.5", kSyntax, 15,
                     "expected an integer after TOP, found '3.5'");
  EXPECT_PARSE_ERROR("READ m 'q' TOP 3 TOP 4", kSyntax, 17,
                     "expected ';' after the TOP count, found 'TOP'");
  EXPECT_PARSE_ERROR("FORGET m", kSyntax, 8,
                     "expected a fact string, ID, EDIT, CONTEXT or PREFIX after the memory "
                     "name, found end of input");
  EXPECT_PARSE_ERROR("FORGET m EDIT 7", kSyntax, 14, "expected ID after EDIT, found '7'");
  EXPECT_PARSE_ERROR("FORGET m CONTEXT 'x'", kSyntax, 17,
                     "expected ID or SOURCE after CONTEXT, found string 'x'");
  EXPECT_PARSE_ERROR("FORGET m ID x", kSyntax, 12, "expected an integer after ID, found 'x'");
  EXPECT_PARSE_ERROR("FORGET m ID 1 now", kSyntax, 14,
                     "expected PURGE or ';' after the id, found 'now'");
  EXPECT_PARSE_ERROR("GENERATE agent 'p'", kSyntax, 9,
                     "expected a prompt string after GENERATE, found 'agent'");
  EXPECT_PARSE_ERROR("GENERATE 'p' TOP 3", kSyntax, 13,
                     "expected USING, AFTER, MAX, TEMPERATURE, TOP_P, SEED or ';' after the "
                     "prompt string, found 'TOP'");
  EXPECT_PARSE_ERROR("GENERATE 'p' USING a b", kSyntax, 21,
                     "expected ',', AFTER, MAX, TEMPERATURE, TOP_P, SEED or ';' after the "
                     "USING clause, found 'b'");
  EXPECT_PARSE_ERROR("GENERATE 'p' MAX 3 SEED 1 x", kSyntax, 26,
                     "expected USING, AFTER, TEMPERATURE, TOP_P or ';' after the SEED clause, "
                     "found 'x'");
  EXPECT_PARSE_ERROR("GENERATE 'p' USING a AFTER PREFIX b MAX 1 TEMPERATURE 1 TOP_P 1 SEED 1 x",
                     kSyntax, 71, "expected ';' after the SEED clause, found 'x'");
  EXPECT_PARSE_ERROR("GENERATE 'p' AFTER m", kSyntax, 19, "expected PREFIX after AFTER, found 'm'");
  EXPECT_PARSE_ERROR("GENERATE 'p' MAX 3 MAX 4", kSyntax, 19, "MAX is given twice in GENERATE");
  EXPECT_PARSE_ERROR("GENERATE 'p' USING a, b, a", kSyntax, 25,
                     "memory 'a' is named twice in USING");
  EXPECT_PARSE_ERROR("GENERATE 'p' TEMPERATURE -1", kSyntax, 25,
                     "expected a number after TEMPERATURE, found '-'");
  EXPECT_PARSE_ERROR("GENERATE 'p' TEMPERATURE 10.5", kSyntax, 25,
                     "TEMPERATURE must be between 0 and 10, found '10.5'");
  EXPECT_PARSE_ERROR("GENERATE 'p' TOP_P 0", kSyntax, 19,
                     "TOP_P must be greater than 0 and at most 1, found '0'");
  EXPECT_PARSE_ERROR("GENERATE 'p' TOP_P 1.01", kSyntax, 19,
                     "TOP_P must be greater than 0 and at most 1, found '1.01'");
  EXPECT_PARSE_ERROR("SNAPSHOT m", kSyntax, 10,
                     "expected AS after the memory name, found end of input");
  EXPECT_PARSE_ERROR("SNAPSHOT m AS", kSyntax, 13,
                     "expected a snapshot name after AS, found end of input");
  EXPECT_PARSE_ERROR("ROLLBACK;", kSyntax, 8,
                     "expected a memory name, TO or TRANSACTION after ROLLBACK, found ';'");
  EXPECT_PARSE_ERROR("ROLLBACK m s", kSyntax, 11, "expected TO after the memory name, found 's'");
  EXPECT_PARSE_ERROR("ROLLBACK m TO VERSION x", kSyntax, 22,
                     "expected an integer after VERSION, found 'x'");
  EXPECT_PARSE_ERROR("HISTORY m 5", kSyntax, 10,
                     "expected LIMIT or ';' after the memory name, found '5'");
  EXPECT_PARSE_ERROR("DIFF m s", kSyntax, 8,
                     "expected a snapshot name, VERSION or HEAD after the first version, found "
                     "end of input");
  EXPECT_PARSE_ERROR("SHOW", kSyntax, 4,
                     "expected MEMORIES, SNAPSHOTS or STATS after SHOW, found end of input");
  EXPECT_PARSE_ERROR("SHOW STATS now;", kSyntax, 11, "expected ';' after SHOW STATS, found 'now'");
  EXPECT_PARSE_ERROR("SHOW SNAPSHOTS a b", kSyntax, 17,
                     "expected ';' after the memory name, found 'b'");
  EXPECT_PARSE_ERROR("BEGIN WORK", kSyntax, 6,
                     "expected TRANSACTION or ';' after BEGIN, found 'WORK'");
  EXPECT_PARSE_ERROR("COMMIT TRANSACTION x", kSyntax, 19,
                     "expected ';' after COMMIT TRANSACTION, found 'x'");
}

TEST(ParserErrorTest, MissingOrKeywordNames) {
  EXPECT_PARSE_ERROR("WRITE 'Alice lives in Paris.';", kSyntax, 6,
                     "expected a memory name after WRITE, found string 'Alice lives in Paris.'");
  EXPECT_PARSE_ERROR("CREATE MEMORY;", kSyntax, 13,
                     "expected a memory name after CREATE MEMORY, found ';'");
  EXPECT_PARSE_ERROR("READ", kSyntax, 4, "expected a memory name after READ, found end of input");
  EXPECT_PARSE_ERROR("WRITE top 'x'", kSyntax, 6,
                     "expected a memory name after WRITE, found keyword 'top' (write \"top\" to "
                     "use it as a name)");
  EXPECT_PARSE_ERROR("SNAPSHOT TO x", kSyntax, 9,
                     "expected a memory name or AS after SNAPSHOT, found keyword 'TO' (write "
                     "\"TO\" to use it as a name)");
  EXPECT_PARSE_ERROR("ROLLBACK m TO HEAD", kSyntax, 14,
                     "expected a snapshot name or VERSION after TO, found keyword 'HEAD' (write "
                     "\"HEAD\" to use it as a name)");
  EXPECT_PARSE_ERROR("WRITE \"a-b\" 'x'", kSyntax, 6,
                     "quoted name \"a-b\" must start with a letter or '_' and hold only letters, "
                     "digits and '_'");
}

TEST(ParserErrorTest, NumbersOutOfRange) {
  EXPECT_PARSE_ERROR("FORGET m ID 18446744073709551616", kSyntax, 12,
                     "number '18446744073709551616' is out of range (integers are at most "
                     "18446744073709551615)");
  EXPECT_PARSE_ERROR("GENERATE 'p' TEMPERATURE 1e400", kSyntax, 25,
                     "number '1e400' is out of range (not a finite double)");
  EXPECT_PARSE_ERROR("READ m 'q' TOP 0", kSyntax, 15, "TOP must be at least 1, found 0");
  EXPECT_PARSE_ERROR("READ m 'q' TOP 1001", kLimit, 15, "TOP 1001 is over the limit of 1000");
  EXPECT_PARSE_ERROR("GENERATE 'p' MAX 0", kSyntax, 17, "MAX must be at least 1, found 0");
  EXPECT_PARSE_ERROR("GENERATE 'p' MAX 4097", kLimit, 17,
                     "MAX 4097 is over the limit of 4096 tokens");
  EXPECT_PARSE_ERROR("HISTORY m LIMIT 0", kSyntax, 16, "LIMIT must be at least 1, found 0");
  EXPECT_PARSE_ERROR("HISTORY m LIMIT 1000001", kLimit, 16,
                     "LIMIT 1000001 is over the limit of 1000000 entries");
}

TEST(ParserErrorTest, SizeAndCountLimits) {
  // A name one byte too long.
  EXPECT_PARSE_ERROR("DROP MEMORY " + std::string(kMaxNameBytes + 1, 'm'), kLimit, 12,
                     "name 'mmmmmmmmmmmmmmmmmmmmmmmm...' is longer than 64 bytes");
  // The whole statement, from its first token to its last: a fact fills it up to the limit;
  // the text of WRITE ... CONTEXT / PREFIX is not counted.
  std::string fill = "WRITE m ''";
  fill.insert(fill.begin() + 9, kMaxStatementBytes - fill.size(), 'x');
  EXPECT_TRUE(ParseScript(fill).ok());
  std::string overfull = fill;
  overfull.insert(overfull.begin() + 9, 'x');
  EXPECT_PARSE_ERROR("SHOW STATS; " + overfull, kLimit, 20,
                     "statement is longer than 1048576 bytes (not counting a CONTEXT or PREFIX "
                     "text)");
  const std::string mib(kMaxStatementBytes, 'x');
  EXPECT_TRUE(ParseScript("WRITE m CONTEXT '" + mib + mib + "'").ok());
  EXPECT_TRUE(ParseScript("WRITE m PREFIX '" + mib + "';").ok());
  // Reported at the token that passes the limit: the second of two 600 KiB facts.
  const std::string big(600 << 10, 'x');
  EXPECT_PARSE_ERROR("WRITE m '" + big + "', '" + big + "'", kLimit,
                     static_cast<std::int64_t>(8 + big.size() + 4),
                     "statement is longer than 1048576 bytes (not counting a CONTEXT or PREFIX "
                     "text)");
  EXPECT_PARSE_ERROR("WRITE m CONTEXT FILE '" + mib + "'", kLimit, 21,
                     "statement is longer than 1048576 bytes (not counting a CONTEXT or PREFIX "
                     "text)");
  // Counts.
  std::string facts = "WRITE m 'f'";
  for (std::size_t i = 1; i < kMaxFactsPerWrite; ++i) facts += ",'f'";
  EXPECT_TRUE(ParseScript(facts).ok());
  EXPECT_PARSE_ERROR(facts + ", 'g'", kLimit, static_cast<std::int64_t>(facts.size() + 2),
                     "more than 1024 facts in one WRITE");
  std::string using_list = "GENERATE 'p' USING m0";
  for (std::size_t i = 1; i < kMaxUsingMemories; ++i) using_list += ", m" + std::to_string(i);
  EXPECT_TRUE(ParseScript(using_list).ok());
  EXPECT_PARSE_ERROR(using_list + ", mx", kLimit, static_cast<std::int64_t>(using_list.size() + 2),
                     "more than 16 memories in USING");
  std::string options = "CREATE MEMORY m WITH (o0 = 0";
  for (std::size_t i = 1; i < kMaxOptions; ++i) options += ", o" + std::to_string(i) + " = 0";
  EXPECT_TRUE(ParseScript(options + ")").ok());
  EXPECT_PARSE_ERROR(options + ", ox = 0)", kLimit, static_cast<std::int64_t>(options.size() + 2),
                     "more than 64 options in CREATE MEMORY");
}

}  // namespace
}  // namespace engram::query
