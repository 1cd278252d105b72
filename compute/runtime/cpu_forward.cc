#include "compute/runtime/cpu_forward.h"

namespace engram::compute {
namespace {

bool CpuHasAvx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("fma");
}

bool CpuHasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

}  // namespace

std::size_t CpuScratchFloats(const CpuModel& m) {
  const std::size_t r = kCpuTileRows;
  return r * (4 * static_cast<std::size_t>(m.dim_cols) + m.qkv_cols + m.ffn_cols + m.ffn_half +
              m.vocab_cols) +
         static_cast<std::size_t>(kCpuAttentionGroupMax) * m.seq_stride;
}

std::size_t CpuKvCacheFloats(const CpuModel& m) {
  return static_cast<std::size_t>(m.config.n_layers) * m.config.kv_dim() * m.seq_stride;
}

CpuForwardFn CpuForwardByName(std::string_view isa) {
  if (isa == "avx512") return CpuHasAvx512() ? &cpu_avx512::ForwardTile : nullptr;
  if (isa == "avx2") return CpuHasAvx2() ? &cpu_avx2::ForwardTile : nullptr;
  if (isa == "generic") return &cpu_generic::ForwardTile;
  return nullptr;
}

CpuForwardFn SelectCpuForward(std::string_view* isa) {
  for (std::string_view name : {"avx512", "avx2", "generic"}) {
    if (CpuForwardFn fn = CpuForwardByName(name)) {
      if (isa != nullptr) *isa = name;
      return fn;
    }
  }
  return nullptr;  // unreachable: "generic" always exists
}

}  // namespace engram::compute
