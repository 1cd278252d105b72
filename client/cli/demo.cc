// The guided tour: `engram demo` (demo.h). The script is kDemo below; each step is one
// statement with its explanation, run through the same printer as the REPL.
#include "client/cli/demo.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "client/cli/output.h"
#include "client/flags.h"
#include "engram/database.h"

namespace engram::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

// What a step must do to behave as scripted.
enum class Check {
  kSucceeds,            // the statement succeeds
  kSameTextAsPrevious,  // it succeeds with the same "text" as the step before
};

struct DemoStep {
  std::string_view explanation;
  std::string_view statement;                              // without its ';'
  std::optional<ErrorCode> expected_error = std::nullopt;  // it must fail with this code
  Check check = Check::kSucceeds;
};

// The tour. Every statement that runs today, in an order that tells a story; the one failure
// is expected (and says so).
constexpr DemoStep kDemo[] = {
    {"Create a memory: one name for episodic facts, model edits and long context.",
     "CREATE MEMORY agent"},
    {"Options configure its mechanisms (slots: the episodic memory's rows). Each change is a "
     "new version.",
     "CREATE MEMORY notes WITH (slots = 256)"},
    {"The memories, with the version that last changed each.", "SHOW MEMORIES"},
    {"Greedy decoding (TEMPERATURE 0) is deterministic; the text streams as the model writes.",
     "GENERATE 'Once upon a time' MAX 40 TEMPERATURE 0"},
    {"Sampling with a seed: temperature 0.8, nucleus top-p 0.9, seed 42.",
     "GENERATE 'Lily and Ben' MAX 40 TEMPERATURE 0.8 TOP_P 0.9 SEED 42"},
    {"The same seed gives the same story, token for token.",
     "GENERATE 'Lily and Ben' MAX 40 TEMPERATURE 0.8 TOP_P 0.9 SEED 42", std::nullopt,
     Check::kSameTextAsPrevious},
    {"Name the current version of one memory: O(1), whatever the database's size.",
     "SNAPSHOT agent AS first_draft"},
    {"Or of every memory at once (a tenant-wide snapshot).", "SNAPSHOT AS before_changes"},
    {"The snapshots, with the version each names.", "SHOW SNAPSHOTS"},
    {"Drop a memory. Without PURGE it is a tombstone: history keeps every version.",
     "DROP MEMORY notes"},
    {"Create another one.", "CREATE MEMORY scratch"},
    {"notes is gone, scratch is new.", "SHOW MEMORIES"},
    {"Every commit that touched notes, newest first, with the statement that made it.",
     "HISTORY notes"},
    {"What changed in notes between the snapshot and now, record by record.",
     "DIFF notes before_changes HEAD"},
    {"Bring notes back. A rollback is itself a new commit, so nothing is lost.",
     "ROLLBACK notes TO before_changes"},
    {"notes is back, at the version of the rollback.", "SHOW MEMORIES"},
    {"A transaction: the statements between BEGIN and COMMIT become one version.", "BEGIN"},
    {"(inside the transaction)", "CREATE MEMORY planner"},
    {"(inside the transaction)", "CREATE MEMORY critic WITH (slots = 128)"},
    {"COMMIT writes both as one version.", "COMMIT"},
    {"One commit, recording both statements.", "HISTORY critic"},
    {"ABORT throws a transaction's writes away.", "BEGIN"},
    {"(inside the transaction)", "CREATE MEMORY doomed"},
    {"Discard it.", "ABORT"},
    {"No doomed memory.", "SHOW MEMORIES"},
    {"Roll every memory back to a version number: planner and critic, created at version 6, go.",
     "ROLLBACK TO VERSION 5"},
    {"Back to the memories of version 5.", "SHOW MEMORIES"},
    {"DROP ... PURGE deletes every version of a memory: nothing can bring it back.",
     "DROP MEMORY scratch PURGE"},
    {"The store's counters (the same as `engram stat`).", "SHOW STATS"},
    {"A typo. The error says what was expected and points at it (expected to fail: SYNTAX).",
     "GENERATE 'Once upon a time' TEMPERATURE 0 MAXX 20", ErrorCode::kSyntax},
    {"Write a fact into agent's episodic memory: one shot, no training, a few milliseconds.",
     "WRITE agent 'Vinson Massif is located in the continent of Antarctica.'"},
    {"Several facts in one WRITE form one episode; their ids follow each other.",
     "WRITE agent 'The Eiffel Tower is in Paris.', 'Toyota is a car maker from Japan.'"},
    {"Read by meaning: the question shares few words with the fact. in_scope says whether the "
     "memory knows anything about it.",
     "READ agent 'Which continent is Vinson Massif in?' TOP 2"},
    {"The plain model does not know where Vinson Massif is.",
     "GENERATE 'Vinson Massif is located in the continent of' MAX 6 TEMPERATURE 0"},
    {"USING agent: the recalled fact guides decoding.",
     "GENERATE 'Vinson Massif is located in the continent of' USING agent MAX 6 TEMPERATURE 0"},
    {"A prompt the memory knows nothing about.",
     "GENERATE 'Once upon a time' MAX 20 TEMPERATURE 0"},
    {"Out of scope, USING changes nothing: the same text, token for token.",
     "GENERATE 'Once upon a time' USING agent MAX 20 TEMPERATURE 0", std::nullopt,
     Check::kSameTextAsPrevious},
    {"Forget the fact exactly: the memory becomes what it would be had it never been written.",
     "FORGET agent ID 1"},
    {"Vinson Massif is no longer in the memory.",
     "READ agent 'Which continent is Vinson Massif in?' TOP 2"},
    {"The model has its own idea of Danielle Darrieux's mother tongue.",
     "GENERATE 'The mother tongue of Danielle Darrieux is' MAX 8 TEMPERATURE 0"},
    {"Edit it (WISE): a side copy of one FFN matrix is trained for this prompt, in well under a "
     "second; the model itself stays as it was.",
     "WRITE agent EDIT 'The mother tongue of Danielle Darrieux is' -> ' English'"},
    {"USING agent: the router sends the prompt to the edit, and the model says it.",
     "GENERATE 'The mother tongue of Danielle Darrieux is' USING agent MAX 8 TEMPERATURE 0"},
    {"The router's view of a paraphrase: the edit, its activation score against its threshold, "
     "and the prompt's similarity to the edited one.",
     "READ agent EDITS 'Danielle Darrieux speaks the language' TOP 1"},
    {"An unrelated prompt again.", "GENERATE 'Once upon a time' MAX 20 TEMPERATURE 0"},
    {"Not routed to any edit, so USING changes nothing: the same text, token for token.",
     "GENERATE 'Once upon a time' USING agent MAX 20 TEMPERATURE 0", std::nullopt,
     Check::kSameTextAsPrevious},
    {"Forget the edit: the side memory is as if it had never been made.", "FORGET agent EDIT ID 1"},
    {"Back to the model's own answer.",
     "GENERATE 'The mother tongue of Danielle Darrieux is' USING agent MAX 8 TEMPERATURE 0"},
};

std::string TextOf(const Result<StatementResult>& result) {
  if (!result.ok()) return "";
  const Value* text = result->Find("text");
  return text != nullptr && std::holds_alternative<std::string>(*text)
             ? std::get<std::string>(*text)
             : "";
}

// Why the step did not behave as scripted, or "" when it did.
std::string Misbehaviour(const DemoStep& step, const Result<StatementResult>& result,
                         const std::string& previous_text) {
  if (step.expected_error) {
    if (result.ok()) {
      return "it was expected to fail with " + std::string(ErrorCodeName(*step.expected_error)) +
             " but succeeded";
    }
    if (result.status().code() != *step.expected_error) {
      return "it was expected to fail with " + std::string(ErrorCodeName(*step.expected_error)) +
             ", not " + std::string(ErrorCodeName(result.status().code()));
    }
    return "";
  }
  if (!result.ok()) return "it failed";
  if (step.check == Check::kSameTextAsPrevious && TextOf(result) != previous_text) {
    return "it did not repeat the previous text";
  }
  return "";
}

// Runs the tour on `db`; returns the number of steps that misbehaved.
int RunTour(Database& db, ResultPrinter& printer) {
  int misbehaved = 0;
  std::string previous_text;
  int number = 0;
  for (const DemoStep& step : kDemo) {
    ++number;
    const std::string statement = std::string(step.statement) + ";";
    std::printf("\n-- %d. %.*s\nengram> %s\n", number, static_cast<int>(step.explanation.size()),
                step.explanation.data(), statement.c_str());
    std::fflush(stdout);
    ExecuteOptions options;
    options.on_text = [&](std::string_view piece) { printer.Text(piece); };
    std::vector<Result<StatementResult>> results = db.Execute(statement, options);
    if (results.size() != 1) {
      printer.Note("!! step " + std::to_string(number) +
                   " did not behave as scripted: " + std::to_string(results.size()) + " results");
      ++misbehaved;
      continue;
    }
    printer.Print(results[0], statement);
    const std::string why = Misbehaviour(step, results[0], previous_text);
    if (!why.empty()) {
      printer.Note("!! step " + std::to_string(number) + " did not behave as scripted: " + why);
      ++misbehaved;
    }
    previous_text = TextOf(results[0]);
  }
  return misbehaved;
}

}  // namespace

int DemoCommand(const std::vector<std::string>& args) {
  auto flags = Flags::Parse(args, {"db", "model", "compute"}, {});
  if (!flags.ok() || !flags->positional().empty()) {
    std::fprintf(stderr, "engram demo: %s\nusage: engram demo [--db PATH]\n",
                 flags.ok() ? ("unexpected argument '" + flags->positional()[0] + "'").c_str()
                            : flags.status().message().c_str());
    return kExitUsage;
  }
  std::string temporary_dir;
  std::string path = flags->String("db");
  std::error_code ec;
  if (!path.empty()) {
    if (std::filesystem::exists(path, ec)) {
      std::fprintf(stderr,
                   "engram demo: '%s' exists; the demo only creates a new database (give a path "
                   "that does not exist, or no --db for a temporary one)\n",
                   path.c_str());
      return kExitUsage;
    }
  } else {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/engram-demo-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("engram demo: cannot create a temporary directory");
      return kExitFailed;
    }
    temporary_dir = pattern;
    path = temporary_dir + "/demo.db";
  }
  DatabaseOptions options;
  options.model = flags->String("model");
  options.compute_address = flags->String("compute");

  int misbehaved = 0;
  {
    auto db = Database::Open(path, options);
    if (!db.ok()) {
      std::fprintf(stderr, "engram demo: cannot create the database '%s': %s\n", path.c_str(),
                   db.status().ToString().c_str());
      if (!temporary_dir.empty()) std::filesystem::remove_all(temporary_dir, ec);
      return kExitFailed;
    }
    std::printf(
        "engram demo: a guided tour of the statements on a fresh database, %s\n"
        "(the model co-process, engram-compute with stories260K, starts at the first GENERATE)\n",
        path.c_str());
    // Everything on stdout, the expected errors included: the tour reads as one transcript.
    ResultPrinter printer(::isatty(STDOUT_FILENO) != 0 ? OutputMode::kBox : OutputMode::kTable,
                          stdout, stdout);
    misbehaved = RunTour(**db, printer);
  }  // closes the database and stops the co-process

  const int steps = static_cast<int>(std::size(kDemo));
  const auto on_purpose = std::count_if(std::begin(kDemo), std::end(kDemo),
                                        [](const DemoStep& step) { return step.expected_error; });
  if (misbehaved == 0) {
    std::printf("\nTour done: all %d steps behaved as scripted (%d failed on purpose).\n", steps,
                static_cast<int>(on_purpose));
  } else {
    std::printf("\nTour done: %d of %d steps did NOT behave as scripted (see '!!' above).\n",
                misbehaved, steps);
  }
  if (!temporary_dir.empty()) {
    std::filesystem::remove_all(temporary_dir, ec);
    std::printf("Removed the temporary database. ");
  } else {
    std::printf("The database stays at %s. ", path.c_str());
  }
  std::printf(
      "Next: build/bin/engram --db my.db for the REPL (.help), or -c 'STATEMENTS'; "
      "docs/cli.md.\n");
  return misbehaved == 0 ? kExitOk : kExitFailed;
}

}  // namespace engram::cli
