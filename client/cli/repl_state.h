// What the REPL carries between inputs, and its dot-commands (docs/cli.md):
//   .help  .open PATH  .read FILE  .mode box|table|json  .timer on|off  .bail on|off
//   .quit  .exit
// A dot-command is recognised only at the start of an input (not inside a multi-line
// statement). Errors in a dot-command are reported on the error stream; the REPL goes on.
//
// Thread-safety: used from the REPL's thread only.
#ifndef ENGRAM_CLIENT_CLI_REPL_STATE_H_
#define ENGRAM_CLIENT_CLI_REPL_STATE_H_

#include <memory>
#include <string>
#include <string_view>

#include "client/cli/output.h"
#include "client/cli/script_runner.h"
#include "engram/database.h"

namespace engram::cli {

struct ReplState {
  std::unique_ptr<Database> db;  // null after a failed .open: statements then report it
  std::string db_path;
  DatabaseOptions db_options;  // for .open
  ResultPrinter printer;
  RunOptions run;  // bail, timer, cancel
  bool quit = false;
};

// Runs the statements of `input` (one REPL input or a .read file) on the state's database.
// Returns false when a statement failed or no database is open.
bool RunInput(ReplState& state, std::string_view input);

// Runs one dot-command line (it starts with '.').
void RunDotCommand(std::string_view line, ReplState& state);

// The text of .help.
std::string DotCommandHelp();

}  // namespace engram::cli

#endif  // ENGRAM_CLIENT_CLI_REPL_STATE_H_
