// `engram-compute info`: what model would be served, its fingerprint, engine and device.

#include <cstdio>

#include "compute/cli/commands.h"
#include "compute/runtime/torch_decode_engine.h"

namespace engram::compute {

int RunInfo(const std::vector<std::string>& args) {
  auto flags = Flags::Parse(
      args, {"model", "tokenizer", "engine", "device", "threads", "isa", "max-slots"}, {});
  if (!flags.ok()) return ReportFailure(flags.status());
  auto options = EngineOptionsFromFlags(*flags);
  if (!options.ok()) return ReportFailure(options.status());
  options->max_slots = 1;
  auto model = LoadModelFromFlags(*flags);
  if (!model.ok()) return ReportFailure(model.status());
  auto engine = CreateDecodeEngine(model->checkpoint.weights, *options);
  if (!engine.ok()) return ReportFailure(engine.status());
  const LlamaConfig& c = model->config();
  std::printf("checkpoint:   %s (%s format)\n", model->checkpoint_path.c_str(),
              std::string(CheckpointFormatName(model->checkpoint.format)).c_str());
  std::printf("tokenizer:    %s\n", model->tokenizer_path.c_str());
  std::printf("fingerprint:  %s\n", model->fingerprint.ToHex().c_str());
  std::printf("config:       %s\n", c.ToString().c_str());
  std::printf("parameters:   %lld\n", static_cast<long long>(c.ParameterCount()));
  std::printf("engine:       %s on %s\n", (*engine)->name().c_str(), (*engine)->device().c_str());
  std::printf("libtorch:     %s (cuda %s)\n", TorchVersion().c_str(),
              TorchCudaAvailable() ? "available" : "not available");
  return 0;
}

}  // namespace engram::compute
