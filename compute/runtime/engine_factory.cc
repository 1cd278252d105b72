#include "compute/runtime/engine_factory.h"

#include "compute/runtime/cpu_decode_engine.h"
#include "compute/runtime/torch_decode_engine.h"

namespace engram::compute {

Result<std::unique_ptr<DecodeEngine>> CreateDecodeEngine(const LlamaWeights& weights,
                                                         const EngineOptions& options) {
  const bool on_cpu = options.device == "cpu";
  std::string engine = options.engine;
  if (engine == "auto") engine = on_cpu ? "cpu" : "torch";
  if (engine == "cpu") {
    if (!on_cpu) return SyntaxError("the fused cpu engine runs only on device cpu");
    CpuEngineOptions cpu;
    cpu.max_slots = options.max_slots;
    cpu.threads = options.threads;
    cpu.isa = options.isa;
    ENGRAM_ASSIGN_OR_RETURN(auto created, CpuDecodeEngine::Create(weights, cpu));
    return std::unique_ptr<DecodeEngine>(std::move(created));
  }
  if (engine == "torch") {
    TorchEngineOptions torch;
    torch.device = options.device;
    torch.max_slots = options.max_slots;
    ENGRAM_ASSIGN_OR_RETURN(auto created, TorchDecodeEngine::Create(weights, torch));
    return std::unique_ptr<DecodeEngine>(std::move(created));
  }
  return SyntaxError("unknown engine '" + options.engine + "' (auto, cpu or torch)");
}

}  // namespace engram::compute
