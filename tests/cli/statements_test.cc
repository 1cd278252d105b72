// The statement side of the real `engram` binary (contract.md "engram CLI", docs/cli.md):
// -c, --json shapes, exit codes, stdin and FILE scripts, --bail, the error caret, GENERATE
// (streamed and deterministic), transactions left open, the demo, and the REPL on a
// pseudo-terminal.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "client/json_reader.h"
#include "tests/cli/engram_process.h"
#include "tests/storage/test_store.h"

namespace engram::testing {
namespace {

using storage::testing::ReadFile;
using storage::testing::TempDir;

// Parses jsonlines output, failing the test on a malformed line.
std::vector<Json> Lines(const std::string& out) {
  std::vector<Json> lines;
  for (auto& line : ParseJsonLines(out)) {
    EXPECT_TRUE(line.has_value()) << "not JSON in:\n" << out;
    if (line) lines.push_back(std::move(*line));
  }
  return lines;
}

std::size_t Count(const std::string& text, const std::string& piece) {
  std::size_t n = 0;
  for (std::size_t at = text.find(piece); at != std::string::npos; at = text.find(piece, at + 1)) {
    ++n;
  }
  return n;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

class CliStatements : public ::testing::Test {
 protected:
  std::string Db() const { return dir_.Sub("db"); }
  // engram --db <test db> ARGS
  ProcessResult Run(std::vector<std::string> args, std::string_view stdin_text = "") {
    args.insert(args.begin(), {"--db", Db()});
    return RunEngram(args, stdin_text);
  }
  // The memory names SHOW MEMORIES lists now.
  std::vector<std::string> Memories() {
    ProcessResult run = Run({"--json", "-c", "SHOW MEMORIES"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    std::vector<Json> lines = Lines(run.out);
    std::vector<std::string> names;
    if (lines.size() != 1) return names;
    for (const Json& row : lines[0]["rows"].items) names.push_back(row["name"].text);
    return names;
  }

  TempDir dir_;
};

TEST_F(CliStatements, RunsSeveralStatementsAndPrintsEachResult) {
  ProcessResult run =
      Run({"-c", "CREATE MEMORY agent; CREATE MEMORY notes WITH (slots = 8); SHOW MEMORIES"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  // Not a terminal: the plain table format.
  EXPECT_EQ(run.out,
            "version: 1\n"
            "version: 2\n"
            "+-------+---------+---------+\n"
            "| name  | version | created |\n"
            "+-------+---------+---------+\n"
            "| agent | 1       | 1       |\n"
            "| notes | 2       | 2       |\n"
            "+-------+---------+---------+\n");
  EXPECT_TRUE(std::filesystem::exists(Db()));
}

TEST_F(CliStatements, JsonLinesHaveTheContractShapes) {
  ProcessResult run = Run({"--json", "-c",
                           "CREATE MEMORY agent; SHOW MEMORIES; SNAPSHOT agent AS s1;"
                           "DROP MEMORY agent; HISTORY agent; ROLLBACK agent TO s1;"
                           "SHOW SNAPSHOTS; DIFF agent s1 HEAD; BEGIN; COMMIT; SHOW STATS"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  std::vector<Json> lines = Lines(run.out);
  ASSERT_EQ(lines.size(), 11u) << run.out;
  for (const Json& line : lines) {
    EXPECT_EQ(line.Keys().at(0), "ok");
    EXPECT_TRUE(line["ok"].boolean);
  }
  EXPECT_EQ(lines[0]["version"].U64(), 1u);      // CREATE MEMORY
  ASSERT_EQ(lines[1]["rows"].items.size(), 1u);  // SHOW MEMORIES
  EXPECT_EQ(lines[1]["rows"][0]["name"].text, "agent");
  EXPECT_EQ(lines[2]["version"].U64(), 1u);  // SNAPSHOT names the head
  EXPECT_EQ(lines[3]["version"].U64(), 2u);  // DROP
  const Json& history = lines[4]["rows"];    // newest first
  ASSERT_EQ(history.items.size(), 2u);
  EXPECT_EQ(history[0]["version"].U64(), 2u);
  EXPECT_EQ(history[0]["statement"].text, "DROP MEMORY agent");
  EXPECT_EQ(history[1]["version"].U64(), 1u);
  EXPECT_EQ(history[1]["statement"].text, "CREATE MEMORY agent");
  EXPECT_EQ(history[1]["time"].type, Json::Type::kString);
  EXPECT_EQ(history[1]["time"].text.back(), 'Z');
  EXPECT_EQ(lines[5]["version"].U64(), 3u);  // ROLLBACK is a commit
  EXPECT_EQ(lines[6]["rows"][0]["name"].text, "s1");
  EXPECT_EQ(lines[6]["rows"][0]["memory"].text, "agent");
  EXPECT_EQ(lines[7]["rows"].type, Json::Type::kArray);        // DIFF: back to the snapshot's state
  EXPECT_EQ(lines[8].Keys(), std::vector<std::string>{"ok"});  // BEGIN
  EXPECT_TRUE(lines[9].Has("version"));                        // COMMIT
  EXPECT_EQ(lines[10]["rows"][0]["head"].U64(), 3u);           // SHOW STATS
}

TEST_F(CliStatements, FailuresAreJsonLinesAndExitOne) {
  ProcessResult run =
      Run({"--json", "-c", "CREATE MEMORY a; SHOW MEMORIEZ; CREATE MEMORY a; CREATE MEMORY b"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err, "");  // json mode: everything on stdout
  std::vector<Json> lines = Lines(run.out);
  ASSERT_EQ(lines.size(), 4u) << run.out;
  EXPECT_TRUE(lines[0]["ok"].boolean);
  EXPECT_FALSE(lines[1]["ok"].boolean);
  EXPECT_EQ(lines[1].Keys(), (std::vector<std::string>{"ok", "error"}));
  EXPECT_EQ(lines[1]["error"]["code"].text, "SYNTAX");
  EXPECT_EQ(lines[1]["error"]["position"].U64(), 22u);
  EXPECT_NE(lines[1]["error"]["message"].text.find("MEMORIEZ"), std::string::npos);
  EXPECT_EQ(lines[2]["error"]["code"].text, "EXISTS");
  EXPECT_EQ(lines[2]["error"]["position"].U64(), 46u);  // the name
  EXPECT_TRUE(lines[3]["ok"].boolean);                  // goes on after failures
  EXPECT_EQ(Memories(), (std::vector<std::string>{"a", "b"}));
}

TEST_F(CliStatements, BailStopsAtTheFirstFailure) {
  ProcessResult run =
      Run({"--bail", "--json", "-c", "CREATE MEMORY a; SHOW MEMORIEZ; CREATE MEMORY b"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(Lines(run.out).size(), 2u) << run.out;
  EXPECT_EQ(Memories(), std::vector<std::string>{"a"});
  // --bail also stops a script file, and later -c strings.
  run = Run({"--bail", "-c", "CREATE MEMORY", "-c", "CREATE MEMORY c"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(Memories(), std::vector<std::string>{"a"});
  run = Run({"-c", "CREATE MEMORY", "-c", "CREATE MEMORY c"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(Memories(), (std::vector<std::string>{"a", "c"}));
}

TEST_F(CliStatements, ErrorsShowTheLineAndACaret) {
  ProcessResult run = Run({"-c", "CREATE MEMORY a; SHOW MEMORIEZ"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "version: 1\n");
  EXPECT_EQ(run.err,
            "Error: SYNTAX at byte 22: expected MEMORIES, SNAPSHOTS or STATS after SHOW, found "
            "'MEMORIEZ'\n"
            "LINE 1: SHOW MEMORIEZ\n"
            "             ^\n");
  // Executor errors point at their argument; a later line of a multi-line input.
  run = Run({"-c", "CREATE MEMORY a;\n  DROP MEMORY nothere;"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("Error: EXISTS at byte 14: "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("LINE 1: CREATE MEMORY a\n"
                         "                      ^\n"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("Error: NOTFOUND at byte 31: "), std::string::npos) << run.err;
  // Only the failed statement's part of its line is shown.
  EXPECT_NE(run.err.find("LINE 2: DROP MEMORY nothere\n"
                         "                    ^\n"),
            std::string::npos)
      << run.err;
  // Columns count code points, not bytes.
  run = Run({"-c", "GENERATE 'héllo wörld' MAXX 3"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("LINE 1: GENERATE 'héllo wörld' MAXX 3\n"
                         "                               ^\n"),
            std::string::npos)
      << run.err;
  // The end of the input.
  run = Run({"-c", "HISTORY"});
  EXPECT_NE(run.err.find("found end of input\nLINE 1: HISTORY\n               ^\n"),
            std::string::npos)
      << run.err;
}

TEST_F(CliStatements, UsageErrorsExitTwo) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--bogus"},
                                             {"-x"},
                                             {"-c"},
                                             {"--db"},
                                             {"--json=yes", "-c", "SHOW STATS"},
                                             {"-c", "SHOW STATS", "file.sql"},
                                             {"a.sql", "b.sql"},
                                             {"stats"}}) {
    ProcessResult run = RunEngram(args, "", {}, dir_.path());
    EXPECT_EQ(run.exit_code, 2) << args[0];
    EXPECT_NE(run.err.find("usage: engram"), std::string::npos) << run.err;
    EXPECT_EQ(run.out, "");
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path()));  // no ./engram.db made by a bad call
  ProcessResult help = RunEngram({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* word : {"--db PATH", "--json", "-c 'S1; S2'", "--bail", "demo", "stat", "verify",
                           "dump", "load", "compact", "gc"}) {
    EXPECT_NE(help.out.find(word), std::string::npos) << word;
  }
}

TEST_F(CliStatements, OpeningFailuresExitOne) {
  WriteFile(dir_.Sub("plain"), "not a directory");
  ProcessResult run = RunEngram({"--db", dir_.Sub("plain"), "-c", "SHOW STATS"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("cannot open the database"), std::string::npos) << run.err;
  run = Run({dir_.Sub("missing.sql")});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("NOTFOUND"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(Db()));  // nothing created for a missing script
}

TEST_F(CliStatements, StdinIsAScriptWhenNotATerminal) {
  ProcessResult run = Run({"--json"},
                          "-- a script on stdin\n"
                          "CREATE MEMORY a;\n"
                          "CREATE MEMORY\n"
                          "  b WITH (slots = 4);\n"
                          "SHOW MEMORIES  -- the last statement may omit its ';'\n");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  std::vector<Json> lines = Lines(run.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1]["version"].U64(), 2u);
  EXPECT_EQ(lines[2]["rows"].items.size(), 2u);
  // A failed statement: the rest still runs, exit 1, the caret's line is the script's line.
  run = Run({}, "CREATE MEMORY c;\nCREATE MEMORY c;\nCREATE MEMORY d;\n");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("LINE 2: CREATE MEMORY c\n"), std::string::npos) << run.err;
  EXPECT_EQ(Memories(), (std::vector<std::string>{"a", "b", "c", "d"}));
  // Empty input: nothing to do.
  run = Run({}, "");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.out, "");
}

TEST_F(CliStatements, RunsAScriptFile) {
  const std::string script = dir_.Sub("setup.sql");
  WriteFile(script,
            "CREATE MEMORY agent;\n"
            "SNAPSHOT agent AS empty;\n"
            "\n"
            "SHOW SNAPSHOTS agent;\n"
            "ROLLBACK agent TO nosuch;\n"
            "HISTORY agent;\n");
  ProcessResult run = Run({"--json", script});
  EXPECT_EQ(run.exit_code, 1);
  std::vector<Json> lines = Lines(run.out);
  ASSERT_EQ(lines.size(), 5u) << run.out;
  EXPECT_EQ(lines[2]["rows"][0]["name"].text, "empty");
  EXPECT_EQ(lines[3]["error"]["code"].text, "NOTFOUND");
  // Positions are byte offsets into the whole file.
  EXPECT_EQ(lines[3]["error"]["position"].U64(), std::string(ReadFile(script)).find("nosuch"));
  EXPECT_EQ(lines[4]["rows"].items.size(), 1u);
  run = Run({script});
  EXPECT_NE(run.err.find("LINE 5: ROLLBACK agent TO nosuch\n"
                         "                          ^\n"),
            std::string::npos)
      << run.err;
  // "-" is stdin.
  run = Run({"--json", "-"}, "SHOW MEMORIES");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(Lines(run.out).size(), 1u);
}

TEST_F(CliStatements, AnInputEndingInATransactionAbortsIt) {
  ProcessResult run = Run({"-c", "BEGIN; CREATE MEMORY t"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.err.find("ended inside a transaction"), std::string::npos) << run.err;
  EXPECT_TRUE(Memories().empty());
  run = Run({"--json", "-c", "BEGIN; CREATE MEMORY t; CREATE MEMORY u; COMMIT"});
  EXPECT_EQ(run.exit_code, 0);
  std::vector<Json> lines = Lines(run.out);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3]["version"].U64(), 1u);  // one version for both
  EXPECT_EQ(Memories(), (std::vector<std::string>{"t", "u"}));
}

TEST_F(CliStatements, GreedyGenerateIsDeterministicAndStreamsOnce) {
  const std::vector<std::string> args = {"--json", "-c",
                                         "GENERATE 'Once upon a time' MAX 24 TEMPERATURE 0"};
  ProcessResult first = Run(args);
  ProcessResult second = Run(args);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  std::vector<Json> a = Lines(first.out);
  std::vector<Json> b = Lines(second.out);
  ASSERT_EQ(a.size(), 1u) << first.out;  // json: only the final line
  ASSERT_EQ(b.size(), 1u);
  const std::string text = a[0]["text"].text;
  EXPECT_GT(text.size(), 20u);
  EXPECT_EQ(text, b[0]["text"].text);
  EXPECT_EQ(a[0]["tokens"].U64(), 24u);
  EXPECT_EQ(a[0]["finish"].text, "length");
  // Human output: the text once (streamed), then the other fields, not the text field.
  ProcessResult human = Run({"-c", "GENERATE 'Once upon a time' MAX 24 TEMPERATURE 0"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_EQ(human.out.rfind(text + "\ntokens: 24\n", 0), 0u) << human.out;
  EXPECT_EQ(Count(human.out, text), 1u);
  EXPECT_EQ(human.out.find("text:"), std::string::npos);
  EXPECT_NE(human.out.find("finish: length\n"), std::string::npos);
  // Seeded sampling repeats too.
  ProcessResult seeded =
      Run({"--json", "-c", "GENERATE 'Lily' MAX 16 SEED 7; GENERATE 'Lily' MAX 16 SEED 7"});
  std::vector<Json> s = Lines(seeded.out);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0]["text"].text, s[1]["text"].text);
  EXPECT_EQ(s[0]["seed"].U64(), 7u);
}

TEST_F(CliStatements, OperatorToolsStillWork) {
  ASSERT_EQ(Run({"-c", "CREATE MEMORY a"}).exit_code, 0);
  ProcessResult stat = RunEngram({"stat", "--json", "--db", Db()});
  EXPECT_EQ(stat.exit_code, 0) << stat.err;
  EXPECT_NE(stat.out.find("\"head\": 1"), std::string::npos) << stat.out;
  EXPECT_EQ(RunEngram({"verify", "--db", Db()}).exit_code, 0);
}

TEST(CliDemo, RunsTheTourAndCleansUp) {
  TempDir tmp;
  ProcessResult run = RunEngram({"demo"}, "", {"TMPDIR=" + tmp.path()});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  for (const char* statement : {"engram> CREATE MEMORY agent;\n",
                                "engram> CREATE MEMORY notes WITH (slots = 256);\n",
                                "engram> SHOW MEMORIES;\n",
                                "engram> GENERATE 'Once upon a time' MAX 40 TEMPERATURE 0;\n",
                                "SEED 42;\n",
                                "engram> SNAPSHOT agent AS first_draft;\n",
                                "engram> SNAPSHOT AS before_changes;\n",
                                "engram> SHOW SNAPSHOTS;\n",
                                "engram> DROP MEMORY notes;\n",
                                "engram> HISTORY notes;\n",
                                "engram> DIFF notes before_changes HEAD;\n",
                                "engram> ROLLBACK notes TO before_changes;\n",
                                "engram> BEGIN;\n",
                                "engram> COMMIT;\n",
                                "engram> ABORT;\n",
                                "engram> ROLLBACK TO VERSION 5;\n",
                                "engram> DROP MEMORY scratch PURGE;\n",
                                "engram> SHOW STATS;\n",
                                "Error: SYNTAX at byte",
                                "        ^\n",
                                "engram> WRITE agent",
                                "engram> READ agent",
                                "USING agent",
                                "engram> FORGET agent ID 1;\n",
                                "engram> WRITE agent EDIT",
                                " English",
                                "engram> READ agent EDITS",
                                "engram> FORGET agent EDIT ID 1;\n",
                                "Tour done: all"}) {
    EXPECT_NE(run.out.find(statement), std::string::npos) << statement << "\n" << run.out;
  }
  EXPECT_EQ(run.out.find("!!"), std::string::npos) << run.out;
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));  // the temporary database is gone
}

TEST(CliDemo, KeepsAnExplicitNewDatabaseAndRefusesAnExistingOne) {
  TempDir dir;
  ProcessResult run = RunEngram({"demo", "--db", dir.Sub("tour.db")});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("tour.db")));
  run = RunEngram({"demo", "--db", dir.Sub("tour.db")});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("exists"), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "");
}

TEST(CliRepl, RunsStatementsDotCommandsAndKeepsHistory) {
  TempDir dir;
  PtySession repl({"--db", dir.Sub("db")}, {"HOME=" + dir.path(), "TERM=dumb"});
  ASSERT_TRUE(repl.started());
  ASSERT_TRUE(repl.ReadUntil("engram> ")) << repl.output();
  EXPECT_NE(repl.output().find(dir.Sub("db")), std::string::npos);  // the banner
  EXPECT_NE(repl.output().find(".help"), std::string::npos);

  repl.Send("CREATE MEMORY a;\n");
  ASSERT_TRUE(repl.ReadUntil("version: 1")) << repl.output();
  ASSERT_TRUE(repl.ReadUntil("engram> ")) << repl.output();

  // A statement over three lines: the continuation prompt until the ';'.
  repl.Send("CREATE MEMORY\n");
  ASSERT_TRUE(repl.ReadUntil("   ...> ")) << repl.output();
  repl.Send("  b WITH (slots = 4)\n");
  ASSERT_TRUE(repl.ReadUntil("   ...> ")) << repl.output();
  repl.Send(";\n");
  ASSERT_TRUE(repl.ReadUntil("version: 2")) << repl.output();
  ASSERT_TRUE(repl.ReadUntil("engram> ")) << repl.output();

  // Box table on a terminal.
  repl.Send("SHOW MEMORIES;\n");
  ASSERT_TRUE(repl.ReadUntil("└")) << repl.output();
  EXPECT_NE(repl.output().find("│ a    │       1 │"), std::string::npos) << repl.output();
  ASSERT_TRUE(repl.ReadUntil("engram> ")) << repl.output();

  // Ctrl-C at the prompt clears the line: the half-typed text does not run.
  repl.Send("SHOW MEMORI");
  repl.Send("\x03");
  ASSERT_TRUE(repl.ReadUntil("^C")) << repl.output();
  ASSERT_TRUE(repl.ReadUntil("engram> ")) << repl.output();

  repl.Send(".mode json\n");
  ASSERT_TRUE(repl.ReadUntil("engram> ")) << repl.output();
  repl.Send("SHOW MEMORIES;\n");
  ASSERT_TRUE(repl.ReadUntil(R"({"ok": true, "rows": [{"name": "a", "version": 1, "created": 1}, )"
                             R"({"name": "b", "version": 2, "created": 2}]})"))
      << repl.output();
  ASSERT_TRUE(repl.ReadUntil("engram> ")) << repl.output();

  repl.Send(".nosuch\n");
  ASSERT_TRUE(repl.ReadUntil("unknown command '.nosuch'")) << repl.output();
  ASSERT_TRUE(repl.ReadUntil("engram> ")) << repl.output();

  repl.Send(".mode table\n.timer on\n");
  ASSERT_TRUE(repl.ReadUntil("engram> ", 2)) << repl.output();
  repl.Send("SHOW MEMORIEZ;\n");
  ASSERT_TRUE(repl.ReadUntil("             ^")) << repl.output();
  ASSERT_TRUE(repl.ReadUntil("Run Time: ")) << repl.output();
  ASSERT_TRUE(repl.ReadUntil("engram> ")) << repl.output();

  // .read runs a file; a transaction left open at the end is aborted, with a note.
  WriteFile(dir.Sub("more.sql"), "CREATE MEMORY c;\nBEGIN;\nCREATE MEMORY d;\n");
  repl.Send(".read " + dir.Sub("more.sql") + "\n");
  ASSERT_TRUE(repl.ReadUntil("version: 3")) << repl.output();
  ASSERT_TRUE(repl.ReadUntil("engram> ")) << repl.output();
  repl.Send(".quit\n");
  EXPECT_EQ(repl.Wait(), 0) << repl.output();
  EXPECT_NE(repl.output().find("ended inside a transaction"), std::string::npos) << repl.output();

  const std::string history = ReadFile(dir.Sub(".engram_history"));
  EXPECT_NE(history.find("CREATE MEMORY a;"), std::string::npos) << history;
  EXPECT_NE(history.find("CREATE MEMORY\n  b WITH (slots = 4)\n;"), std::string::npos) << history;
  EXPECT_EQ(history.find("SHOW MEMORI\n"), std::string::npos) << history;

  // The REPL's writes are there; d was aborted.
  ProcessResult shown = RunEngram({"--db", dir.Sub("db"), "--json", "-c", "SHOW MEMORIES"});
  std::vector<Json> lines = Lines(shown.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["rows"].items.size(), 3u) << shown.out;
}

TEST(CliRepl, ControlDLeavesAndOpenSwitchesDatabases) {
  TempDir dir;
  PtySession repl({"--db", dir.Sub("one")}, {"HOME=" + dir.path(), "TERM=dumb"});
  ASSERT_TRUE(repl.ReadUntil("engram> ")) << repl.output();
  repl.Send(".open " + dir.Sub("two") + "\n");
  ASSERT_TRUE(repl.ReadUntil("engram> ")) << repl.output();
  repl.Send("CREATE MEMORY only_in_two;\n");
  ASSERT_TRUE(repl.ReadUntil("version: 1")) << repl.output();
  ASSERT_TRUE(repl.ReadUntil("engram> ")) << repl.output();
  // A GENERATE, then Ctrl-D right away.
  repl.Send("GENERATE 'Once' MAX 8 TEMPERATURE 0;\n");
  ASSERT_TRUE(repl.ReadUntil("tokens: 8")) << repl.output();
  ASSERT_TRUE(repl.ReadUntil("engram> ")) << repl.output();
  repl.Send("\x04");
  EXPECT_EQ(repl.Wait(), 0) << repl.output();
  ProcessResult two = RunEngram({"--db", dir.Sub("two"), "--json", "-c", "SHOW MEMORIES"});
  EXPECT_NE(two.out.find("only_in_two"), std::string::npos) << two.out;
  ProcessResult one = RunEngram({"--db", dir.Sub("one"), "--json", "-c", "SHOW MEMORIES"});
  EXPECT_EQ(one.out, "{\"ok\": true, \"rows\": []}\n");
}

TEST(CliRepl, ControlCCancelsARunningGenerate) {
  TempDir dir;
  PtySession repl({"--db", dir.Sub("db")}, {"HOME=" + dir.path(), "TERM=dumb"});
  ASSERT_TRUE(repl.ReadUntil("engram> ")) << repl.output();
  // The Ctrl-C is typed right behind the statement: it arrives while the statement runs (the
  // co-process alone takes longer to start than that), as a key, not as a SIGINT that would
  // also reach the co-process.
  repl.Send("GENERATE '' MAX 400 TEMPERATURE 0;\n\x03");
  ASSERT_TRUE(repl.ReadUntil("finish: cancelled")) << repl.output();
  ASSERT_TRUE(repl.ReadUntil("engram> ")) << repl.output();
  // The co-process survived and the next statement runs normally.
  repl.Send(".mode json\nGENERATE 'Once' MAX 4 TEMPERATURE 0;\n");
  ASSERT_TRUE(repl.ReadUntil(R"("tokens": 4, )")) << repl.output();
  ASSERT_TRUE(repl.ReadUntil(R"("finish": "length")")) << repl.output();
  repl.Send(".exit\n");
  EXPECT_EQ(repl.Wait(), 0) << repl.output();
}

}  // namespace
}  // namespace engram::testing
