// `engram-compute convert IN OUT --format legacy|v1`: rewrites a llama2.c checkpoint in the
// other format (same weights, same fingerprint).

#include <cstdio>

#include "compute/cli/commands.h"

namespace engram::compute {

int RunConvert(const std::vector<std::string>& args) {
  auto flags = Flags::Parse(args, {"format"}, {});
  if (!flags.ok()) return ReportFailure(flags.status());
  if (flags->positional().size() != 2)
    return ReportFailure(SyntaxError("convert takes IN and OUT"));
  const std::string format = flags->String("format", "v1");
  if (format != "v1" && format != "legacy")
    return ReportFailure(SyntaxError("--format is legacy or v1"));
  auto checkpoint = ReadCheckpoint(flags->positional()[0]);
  if (!checkpoint.ok()) return ReportFailure(checkpoint.status());
  Status s = WriteCheckpoint(checkpoint->weights,
                             format == "v1" ? CheckpointFormat::kV1 : CheckpointFormat::kLegacy,
                             flags->positional()[1]);
  if (!s.ok()) return ReportFailure(s);
  std::printf("wrote %s (%s format)\n", flags->positional()[1].c_str(), format.c_str());
  return 0;
}

}  // namespace engram::compute
