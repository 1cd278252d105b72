// The operator subcommands of `engram`: stat, verify, dump, load, compact and gc
// (contract.md, "Operator tools"). Each returns the process exit status: 0 on success, 1 when
// the operation failed (or verify found damage), 2 on a usage error.
#ifndef ENGRAM_CLIENT_CLI_OPERATOR_COMMANDS_H_
#define ENGRAM_CLIENT_CLI_OPERATOR_COMMANDS_H_

#include <string>
#include <vector>

namespace engram::cli {

int StatCommand(const std::vector<std::string>& args);
int VerifyCommand(const std::vector<std::string>& args);
int DumpCommand(const std::vector<std::string>& args);
int LoadCommand(const std::vector<std::string>& args);
int CompactCommand(const std::vector<std::string>& args);
int GcCommand(const std::vector<std::string>& args);

}  // namespace engram::cli

#endif  // ENGRAM_CLIENT_CLI_OPERATOR_COMMANDS_H_
