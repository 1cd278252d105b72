// Runs one input of statements (a -c string, a script file, stdin, one REPL input) in a
// session and shows each result through a ResultPrinter as soon as it is known, so output
// appears statement by statement and GENERATE text streams.
//
// Positions in errors are byte offsets into `input`, which is what the printer's caret uses.
//
// Thread-safety: one call at a time per session (engram/database.h).
#ifndef ENGRAM_CLIENT_CLI_SCRIPT_RUNNER_H_
#define ENGRAM_CLIENT_CLI_SCRIPT_RUNNER_H_

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

#include "client/cli/output.h"
#include "engram/database.h"
#include "engram/status.h"

namespace engram::cli {

struct RunOptions {
  bool bail = false;   // stop at the first failed statement
  bool timer = false;  // print "Run Time: ..." after each statement
  // When set and it becomes true, a running GENERATE stops ("finish": "cancelled").
  const std::atomic<bool>* cancel = nullptr;
  // Show the statement progress line (progress_bar.h) while an input of more than one
  // statement runs, when stderr is a terminal: for scripts, not for what a person just typed.
  bool progress = false;
};

struct RunOutcome {
  std::size_t statements = 0;  // results printed
  std::size_t failed = 0;      // of them, failures
  bool ok() const { return failed == 0; }
};

// Runs `input` in `session`, printing every result.
RunOutcome RunStatements(Session& session, std::string_view input, ResultPrinter& printer,
                         const RunOptions& options);

// The whole content of the file `path`. Errors: NOTFOUND (cannot open it), INTERNAL (read error).
Result<std::string> ReadScriptFile(const std::string& path);

// Everything readable from `file` (stdin for piped scripts).
std::string ReadAll(std::FILE* file);

// When `session` has a transaction open, aborts it and tells the user through `printer`, with
// `where` naming what ended ("the input", "the REPL"). Returns whether one was open.
bool AbortOpenTransaction(Session& session, ResultPrinter& printer, std::string_view where);

}  // namespace engram::cli

#endif  // ENGRAM_CLIENT_CLI_SCRIPT_RUNNER_H_
