// engram: the command-line client (contract.md). This build has the operator tools; the query
// REPL and statements (`engram [--db D] -c '...'`) arrive with the query language.
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "client/cli/operator_commands.h"

namespace {

void PrintUsage(std::FILE* out) {
  std::fprintf(
      out,
      "usage: engram <command> [--db PATH] [options]\n"
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
      "  gc      [--keep-versions N]     set the history window (0: keep all) and prune\n");
}

}  // namespace

int main(int argc, char** argv) {
  using Command = int (*)(const std::vector<std::string>&);
  const std::map<std::string, Command> commands = {
      {"stat", &engram::cli::StatCommand},       {"verify", &engram::cli::VerifyCommand},
      {"dump", &engram::cli::DumpCommand},       {"load", &engram::cli::LoadCommand},
      {"compact", &engram::cli::CompactCommand}, {"gc", &engram::cli::GcCommand},
  };
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "help") == 0) {
    PrintUsage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  auto it = commands.find(argv[1]);
  if (it == commands.end()) {
    std::fprintf(stderr, "engram: unknown command '%s'\n\n", argv[1]);
    PrintUsage(stderr);
    return 2;
  }
  return it->second(std::vector<std::string>(argv + 2, argv + argc));
}
