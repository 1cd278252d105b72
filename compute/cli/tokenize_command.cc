// `engram-compute tokenize TEXT`: prints the token ids of TEXT (with BOS), one line.

#include <cstdio>

#include "compute/cli/commands.h"

namespace engram::compute {

int RunTokenize(const std::vector<std::string>& args) {
  auto flags = Flags::Parse(args, {"model", "tokenizer"}, {"no-bos"});
  if (!flags.ok()) return ReportFailure(flags.status());
  if (flags->positional().size() != 1)
    return ReportFailure(SyntaxError("tokenize takes one TEXT argument"));
  auto model = LoadModelFromFlags(*flags);
  if (!model.ok()) return ReportFailure(model.status());
  const auto tokens = model->tokenizer.Encode(flags->positional()[0], !flags->Has("no-bos"), false);
  for (std::size_t i = 0; i < tokens.size(); ++i) std::printf(i == 0 ? "%d" : " %d", tokens[i]);
  std::printf("\n");
  return 0;
}

}  // namespace engram::compute
