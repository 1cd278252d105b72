// The subcommands of engram-compute. Each takes the arguments after its name and returns the
// process exit status (0 success, 1 failure with a message on stderr, 2 usage error).
#ifndef ENGRAM_COMPUTE_CLI_COMMANDS_H_
#define ENGRAM_COMPUTE_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "client/flags.h"
#include "compute/model/model_bundle.h"
#include "compute/runtime/engine_factory.h"

namespace engram::compute {

int RunGenerate(const std::vector<std::string>& args);
int RunInfo(const std::vector<std::string>& args);
int RunTokenize(const std::vector<std::string>& args);
int RunConvert(const std::vector<std::string>& args);
int RunServe(const std::vector<std::string>& args);

// Shared by the commands: --model / --tokenizer, and the engine flags.
Result<ModelBundle> LoadModelFromFlags(const Flags& flags);
Result<EngineOptions> EngineOptionsFromFlags(const Flags& flags);

// Prints "engram-compute: CODE: message" to stderr and returns the exit status for it.
int ReportFailure(const Status& status);

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_CLI_COMMANDS_H_
