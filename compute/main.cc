// engram-compute: the model co-process of engram. See `engram-compute --help`.

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "compute/cli/commands.h"

namespace {

constexpr const char kUsage[] =
    "usage: engram-compute COMMAND [flags]\n"
    "\n"
    "commands:\n"
    "  generate  [--model DIR_OR_FILE] [--prompt TEXT] [--steps N] [--temperature T]\n"
    "            [--top-p P] [--seed S]   print a generation exactly as llama2.c's run does\n"
    "  serve     --listen unix:PATH|tcp://HOST:PORT [--model M] [--device cpu|cuda[:N]]\n"
    "            [--max-slots N] [--max-frame BYTES] [--blob-cache BYTES]\n"
    "            [--max-connections N] [--parent-fd FD] [--episodic-dir DIR]\n"
    "            [--episodic-cache BYTES] [--edit-cache BYTES]\n"
    "            [--workers N] [--model-workers N]  threads for short work and for long\n"
    "            model work (encodes, edits, generations outside the scheduler); 2 each\n"
    "            serve the compute protocol (docs/protocol.md); with --parent-fd, exit\n"
    "            when that pipe reaches end of file (the spawning process is gone)\n"
    "  info      [--model M]                print the model, its fingerprint, engine, device\n"
    "  tokenize  [--model M] TEXT           print the token ids of TEXT\n"
    "  convert   IN OUT --format legacy|v1  rewrite a llama2.c checkpoint\n"
    "\n"
    "engine flags (generate, serve, info): --engine auto|cpu|torch --device cpu|cuda[:N]\n"
    "  --threads N --isa avx512|avx2|generic; --tokenizer FILE overrides the tokenizer search.\n"
    "The default model is the shipped stories260K (models/stories260K, or $ENGRAM_MODEL).\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  using namespace engram::compute;  // NOLINT(google-build-using-namespace): main only
  if (command == "generate") return RunGenerate(args);
  if (command == "serve") return RunServe(args);
  if (command == "info") return RunInfo(args);
  if (command == "tokenize") return RunTokenize(args);
  if (command == "convert") return RunConvert(args);
  if (command == "--version") {
    std::printf("engram-compute %s\n", ENGRAM_VERSION);
    return 0;
  }
  std::fprintf(stderr, "engram-compute: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}
