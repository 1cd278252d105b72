#include "client/cli/statement_mode.h"

#include <unistd.h>

#include <filesystem>

#include "client/cli/output.h"
#include "client/cli/repl.h"
#include "client/cli/script_runner.h"
#include "client/flags.h"

namespace engram::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

bool IsValuedFlag(const std::string& arg) {
  return arg == "--db" || arg == "--model" || arg == "--compute";
}

// A missing FILE named like a subcommand (a plain word: no '/', no '.').
bool LooksLikeACommand(const std::string& file) {
  return !file.empty() && file.find_first_of("/.") == std::string::npos &&
         !std::filesystem::exists(file);
}

// Runs one input and folds its outcome into `all_ok`; false when --bail should stop here.
bool RunOne(Database& db, std::string_view input, ResultPrinter& printer, const RunOptions& options,
            bool& all_ok) {
  const RunOutcome outcome = RunStatements(db.default_session(), input, printer, options);
  if (!outcome.ok()) all_ok = false;
  return outcome.ok() || !options.bail;
}

}  // namespace

Result<StatementModeOptions> ParseStatementMode(const std::vector<std::string>& args) {
  StatementModeOptions options;
  // -c (single dash) and "--" are handled here; the double-dash flags by Flags.
  std::vector<std::string> rest;
  std::vector<std::string> after_dashes;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      after_dashes.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    if (arg == "-c") {
      if (i + 1 >= args.size()) return SyntaxError("flag -c needs a value (the statements)");
      options.commands.push_back(args[++i]);
    } else if (arg == "-h") {
      options.help = true;
    } else if (IsValuedFlag(arg)) {
      rest.push_back(arg);
      if (i + 1 < args.size()) rest.push_back(args[++i]);
    } else if (arg.size() > 1 && arg[0] == '-' && arg[1] != '-') {
      return SyntaxError("unknown flag " + arg);
    } else {
      rest.push_back(arg);
    }
  }
  ENGRAM_ASSIGN_OR_RETURN(Flags flags,
                          Flags::Parse(rest, {"db", "model", "compute"}, {"json", "bail", "help"}));
  std::vector<std::string> positional = flags.positional();
  positional.insert(positional.end(), after_dashes.begin(), after_dashes.end());
  options.db = flags.String("db", kDefaultDatabase);
  options.db_options.model = flags.String("model");
  options.db_options.compute_address = flags.String("compute");
  options.json = flags.Has("json");
  options.bail = flags.Has("bail");
  options.help = options.help || flags.Has("help");
  if (options.db.empty()) return SyntaxError("flag --db needs a path");
  if (positional.size() > 1) return SyntaxError("more than one FILE: '" + positional[1] + "'");
  if (!positional.empty()) {
    if (!options.commands.empty()) return SyntaxError("give -c or a FILE, not both");
    options.file = positional[0];
  }
  return options;
}

int StatementMode(const std::vector<std::string>& args) {
  auto parsed = ParseStatementMode(args);
  if (!parsed.ok()) {
    std::fprintf(stderr, "engram: %s\n\n", parsed.status().message().c_str());
    PrintUsage(stderr);
    return kExitUsage;
  }
  const StatementModeOptions& options = *parsed;
  if (options.help) {
    PrintUsage(stdout);
    return kExitOk;
  }
  const bool stdin_is_terminal = ::isatty(STDIN_FILENO) != 0;
  const bool repl = options.commands.empty() && !options.file && stdin_is_terminal;
  // Read a script file before opening (creating) the database, so that a wrong path changes
  // nothing.
  std::string script;
  if (options.file && *options.file != "-") {
    auto text = ReadScriptFile(*options.file);
    if (!text.ok() && LooksLikeACommand(*options.file)) {
      // `engram stats`: a mistyped command rather than a script file.
      std::fprintf(stderr, "engram: unknown command '%s' (and no script file of that name)\n\n",
                   options.file->c_str());
      PrintUsage(stderr);
      return kExitUsage;
    }
    if (!text.ok()) {
      std::fprintf(stderr, "engram: %s\n", text.status().ToString().c_str());
      return kExitFailed;
    }
    script = std::move(*text);
  }
  auto db = Database::Open(options.db, options.db_options);
  if (!db.ok()) {
    std::fprintf(stderr, "engram: cannot open the database '%s': %s\n", options.db.c_str(),
                 db.status().ToString().c_str());
    return kExitFailed;
  }
  const OutputMode mode = options.json                   ? OutputMode::kJson
                          : ::isatty(STDOUT_FILENO) != 0 ? OutputMode::kBox
                                                         : OutputMode::kTable;
  if (repl) {
    ReplConfig config{options.db, options.db_options, mode, options.bail};
    return RunRepl(std::move(*db), config);
  }

  ResultPrinter printer(mode);
  RunOptions run;
  run.bail = options.bail;
  run.progress = true;  // -c, FILE and stdin are scripts: no one is typing them
  bool all_ok = true;
  if (!options.commands.empty()) {
    for (const std::string& command : options.commands) {
      if (!RunOne(**db, command, printer, run, all_ok)) break;
    }
  } else {
    if (!options.file || *options.file == "-") script = ReadAll(stdin);
    RunOne(**db, script, printer, run, all_ok);
  }
  AbortOpenTransaction((*db)->default_session(), printer, "the input");
  return all_ok ? kExitOk : kExitFailed;
}

void PrintUsage(std::FILE* out) {
  std::fputs(
      "usage: engram [--db PATH] [--model PATH] [--compute ADDR] [--json] [--bail]\n"
      "              [-c 'STATEMENTS'] [FILE]\n"
      "       engram demo [--db PATH]\n"
      "       engram <operator tool> [--db PATH] [options]\n"
      "\n"
      "statements (docs/query-language.md; the CLI: docs/cli.md):\n"
      "  --db PATH        database directory, created if missing (default ./engram.db)\n"
      "  --model PATH     model checkpoint for a new database (default: stories260K)\n"
      "  --compute ADDR   use a running engram-compute (unix:/path or tcp://host:port)\n"
      "  --json           one JSON object per statement (jsonlines), errors included\n"
      "  --bail           stop at the first failed statement\n"
      "  -c 'S1; S2'      run these statements and exit\n"
      "  FILE             run the statements of FILE ('-': stdin) and exit\n"
      "  With neither -c nor FILE: the REPL on a terminal, else the statements on stdin.\n"
      "  Exit status: 0 when every statement succeeded, 1 when one failed, 2 on bad usage.\n"
      "\n"
      "  demo [--db PATH]                the guided tour on a fresh database\n"
      "\n"
      "operator tools (the database defaults to ./engram.db):\n"
      "  stat    [--json]                map use, records, versions, blobs, readers,\n"
      "                                  retention\n"
      "  verify  [--json]                check checksums, references and counts;\n"
      "                                  exit 1 with a CORRUPT report on damage\n"
      "  dump    > FILE                  versioned dump of everything (docs/format.md)\n"
      "  load    < FILE                  load a dump into an empty database\n"
      "  compact [--json]                gc under the retention policy, then a\n"
      "                                  compacting copy: purged bytes leave the file\n"
      "  gc      [--keep-versions N]     set the history window (0: keep all) and prune\n",
      out);
}

}  // namespace engram::cli
