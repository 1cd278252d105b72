// engram: the command-line client (contract.md, docs/cli.md). The first argument picks the
// mode: an operator tool's name (stat, verify, dump, load, compact, gc), `demo` for the guided
// tour, `--help`; anything else is statement mode: -c, a script FILE, stdin or the REPL.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "client/cli/demo.h"
#include "client/cli/operator_commands.h"
#include "client/cli/statement_mode.h"

int main(int argc, char** argv) {
  using Command = int (*)(const std::vector<std::string>&);
  const std::map<std::string, Command> commands = {
      {"stat", &engram::cli::StatCommand},       {"verify", &engram::cli::VerifyCommand},
      {"dump", &engram::cli::DumpCommand},       {"load", &engram::cli::LoadCommand},
      {"compact", &engram::cli::CompactCommand}, {"gc", &engram::cli::GcCommand},
      {"demo", &engram::cli::DemoCommand},
  };
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty()) {
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      engram::cli::PrintUsage(stdout);
      return 0;
    }
    if (auto it = commands.find(args[0]); it != commands.end()) {
      return it->second(std::vector<std::string>(args.begin() + 1, args.end()));
    }
  }
  return engram::cli::StatementMode(args);
}
