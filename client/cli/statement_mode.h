// `engram`'s statement side (contract.md, "engram CLI"):
//
//   engram [--db PATH] [--model PATH] [--compute ADDR] [--json] [--bail] [-c 'STATEMENTS']...
//   [FILE]
//
// -c runs its statements (several -c run in order), FILE runs a script file ("-" is stdin);
// with neither, the REPL runs when stdin is a terminal, else the statements on stdin run as a
// script. Results print as a box table on a terminal, as plain text otherwise, as jsonlines with
// --json. Scripts go on after a failed statement unless --bail. An input that ends inside a
// transaction has it aborted, with a note.
//
// Exit status: 0 when every statement succeeded, 1 when one failed (or the database or FILE
// could not be opened), 2 on a usage error (a missing FILE named like a command, a plain word
// such as `engram stats`, counts as a mistyped command).
#ifndef ENGRAM_CLIENT_CLI_STATEMENT_MODE_H_
#define ENGRAM_CLIENT_CLI_STATEMENT_MODE_H_

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "engram/database.h"
#include "engram/status.h"

namespace engram::cli {

inline constexpr const char* kDefaultDatabase = "./engram.db";

struct StatementModeOptions {
  std::string db = kDefaultDatabase;
  DatabaseOptions db_options;
  bool json = false;
  bool bail = false;
  bool help = false;
  std::vector<std::string> commands;  // the -c texts, in order
  std::optional<std::string> file;    // the script file; "-" is stdin
};

// Parses the arguments after `engram`. Errors: SYNTAX (unknown flag, missing value, -c with a
// FILE, more than one FILE).
Result<StatementModeOptions> ParseStatementMode(const std::vector<std::string>& args);

// Runs `engram ARGS` in statement mode; returns the exit status.
int StatementMode(const std::vector<std::string>& args);

// The usage text of the whole CLI (statement mode, operator tools, demo).
void PrintUsage(std::FILE* out);

}  // namespace engram::cli

#endif  // ENGRAM_CLIENT_CLI_STATEMENT_MODE_H_
