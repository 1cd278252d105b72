// Chooses and creates the decode engine for a device.
#ifndef ENGRAM_COMPUTE_RUNTIME_ENGINE_FACTORY_H_
#define ENGRAM_COMPUTE_RUNTIME_ENGINE_FACTORY_H_

#include <memory>
#include <string>

#include "compute/model/llama_weights.h"
#include "compute/runtime/decode_engine.h"

namespace engram::compute {

struct EngineOptions {
  // "auto": the fused CPU engine on cpu, LibTorch on cuda. "cpu": the fused CPU engine.
  // "torch": LibTorch on `device`.
  std::string engine = "auto";
  std::string device = "cpu";  // "cpu", "cuda", "cuda:N"
  int max_slots = 64;
  int threads = 0;  // CPU engine worker threads; 0 = hardware threads
  std::string isa;  // CPU engine kernels; "" = best available
};

// Errors: SYNTAX (unknown engine name, cpu engine on a non-cpu device), and those of the
// chosen engine's Create.
Result<std::unique_ptr<DecodeEngine>> CreateDecodeEngine(const LlamaWeights& weights,
                                                         const EngineOptions& options);

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_RUNTIME_ENGINE_FACTORY_H_
