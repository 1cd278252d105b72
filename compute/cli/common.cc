#include <cstdio>

#include "compute/cli/commands.h"

namespace engram::compute {

Result<ModelBundle> LoadModelFromFlags(const Flags& flags) {
  return LoadModel(flags.String("model"), flags.String("tokenizer"));
}

Result<EngineOptions> EngineOptionsFromFlags(const Flags& flags) {
  EngineOptions options;
  options.engine = flags.String("engine", "auto");
  options.device = flags.String("device", "cpu");
  options.isa = flags.String("isa");
  ENGRAM_ASSIGN_OR_RETURN(std::int64_t threads, flags.Int("threads", 0));
  ENGRAM_ASSIGN_OR_RETURN(std::int64_t slots, flags.Int("max-slots", 64));
  if (threads < 0 || threads > 256) return SyntaxError("--threads must be within 0..256");
  if (slots < 1 || slots > 4096) return SyntaxError("--max-slots must be within 1..4096");
  options.threads = static_cast<int>(threads);
  options.max_slots = static_cast<int>(slots);
  return options;
}

int ReportFailure(const Status& status) {
  std::fprintf(stderr, "engram-compute: %s\n", status.ToString().c_str());
  return status.code() == ErrorCode::kSyntax ? 2 : 1;
}

}  // namespace engram::compute
