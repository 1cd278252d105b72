// The interactive REPL of `engram` on a terminal (docs/cli.md): readline editing with history in
// ~/.engram_history, multi-line statements (lines are collected until the input ends with ';',
// query::IsComplete), the prompts "engram> " and "   ...> ", dot-commands (repl_state.h),
// Ctrl-C to cancel a running GENERATE or to clear the input at the prompt, Ctrl-D to leave.
// Leaving with a transaction open aborts it and says so.
//
// Thread-safety: one REPL per process (it owns SIGINT and the terminal while it runs).
#ifndef ENGRAM_CLIENT_CLI_REPL_H_
#define ENGRAM_CLIENT_CLI_REPL_H_

#include <memory>
#include <string>

#include "client/cli/output.h"
#include "engram/database.h"

namespace engram::cli {

struct ReplConfig {
  std::string db_path;
  DatabaseOptions db_options;
  OutputMode mode = OutputMode::kBox;
  bool bail = false;
};

// Runs the REPL on stdin/stdout until .quit or end of input. Returns the exit status (0).
int RunRepl(std::unique_ptr<Database> db, const ReplConfig& config);

}  // namespace engram::cli

#endif  // ENGRAM_CLIENT_CLI_REPL_H_
