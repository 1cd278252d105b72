// The fused CPU decode engine: the default engine on CPU. Streams of a step are split across a
// few threads; each thread runs whole tiles of streams through every layer (streams never
// depend on each other within a step, so threads never synchronise mid-step).
#ifndef ENGRAM_COMPUTE_RUNTIME_CPU_DECODE_ENGINE_H_
#define ENGRAM_COMPUTE_RUNTIME_CPU_DECODE_ENGINE_H_

#include <memory>
#include <string_view>
#include <vector>

#include "compute/runtime/cpu_forward.h"
#include "compute/runtime/decode_engine.h"
#include "compute/runtime/parallel_runner.h"

namespace engram::compute {

struct CpuEngineOptions {
  int max_slots = 64;
  int threads = 0;  // 0 = one per hardware thread
  std::string isa;  // "" = best available; else "avx512", "avx2" or "generic"
};

class CpuDecodeEngine final : public DecodeEngine {
 public:
  // Errors: MODEL (unknown or unsupported isa), LIMIT (no memory).
  static Result<std::unique_ptr<CpuDecodeEngine>> Create(const LlamaWeights& weights,
                                                         const CpuEngineOptions& options);

  const LlamaConfig& config() const override { return model_.config; }
  std::string device() const override { return "cpu"; }
  std::string name() const override;
  int max_slots() const override { return static_cast<int>(slots_.size()); }

  Status Step(std::span<const int> slots, std::span<const int> tokens,
              std::span<const int> positions, std::span<float> logits) override;

 private:
  struct Slot {
    AlignedFloats keys;
    AlignedFloats values;
  };

  CpuDecodeEngine(CpuModel model, CpuForwardFn forward, std::string_view isa,
                  const CpuEngineOptions& options);
  KvCacheView CacheFor(int slot);

  CpuModel model_;
  CpuForwardFn forward_;
  std::string isa_;
  std::vector<Slot> slots_;             // KV memory allocated on a slot's first use
  std::vector<AlignedFloats> scratch_;  // one per thread
  ParallelRunner runner_;
};

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_RUNTIME_CPU_DECODE_ENGINE_H_
