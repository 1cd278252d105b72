// The fused CPU forward pass for a tile of decode streams, compiled once per instruction set
// (AVX-512, AVX2+FMA, baseline x86-64) and chosen at run time from what the CPU supports.
//
// One call runs every layer for up to kCpuTileRows streams, each at its own position with its
// own KV cache, and writes their logits. No allocation, no locking, no LibTorch dispatch: the
// per-op overhead of a framework dominates a model this small.
#ifndef ENGRAM_COMPUTE_RUNTIME_CPU_FORWARD_H_
#define ENGRAM_COMPUTE_RUNTIME_CPU_FORWARD_H_

#include <string_view>

#include "compute/runtime/cpu_model.h"

namespace engram::compute {

inline constexpr int kCpuTileRows = 32;
// Query heads per key/value head processed together (larger groups are split).
inline constexpr int kCpuAttentionGroupMax = 4;

// Positions per KV cache block, and the multiple the positions of a cache are padded to.
inline constexpr int kCpuKvBlock = 16;
inline constexpr int kCpuKvPad = 64;
// Largest head size the fused kernels accept (larger models use the LibTorch engine).
inline constexpr int kCpuMaxHeadSize = 256;

// One stream's key/value cache for all layers (CpuKvCacheFloats floats each). Both are laid out
// [layer][kv_head][position / kCpuKvBlock][head_size][position % kCpuKvBlock]: attention then
// vectorises over time and reads each head's keys and values as one sequential stream.
struct KvCacheView {
  float* keys;
  float* values;
};

// Per-thread scratch space for ForwardTile, sized by CpuScratchFloats().
struct CpuForwardArgs {
  const CpuModel* model;
  int rows;                   // 1 .. kCpuTileRows
  const int* tokens;          // [rows]
  const int* positions;       // [rows], each < seq_len
  const KvCacheView* caches;  // [rows]
  float* logits;              // [rows][logits_stride]
  int logits_stride;          // >= vocab_size
  float* scratch;             // CpuScratchFloats(*model) floats, 64-byte aligned
};

std::size_t CpuScratchFloats(const CpuModel& model);
std::size_t CpuKvCacheFloats(const CpuModel& model);

using CpuForwardFn = void (*)(const CpuForwardArgs& args);

// The best implementation for this CPU; `isa` receives its name ("avx512", "avx2", "generic").
CpuForwardFn SelectCpuForward(std::string_view* isa);

// A specific implementation by name, or nullptr if unknown or unsupported by this CPU (tests
// compare them).
CpuForwardFn CpuForwardByName(std::string_view isa);

// The per-ISA entry points (defined in cpu_forward_<isa>.cc).
namespace cpu_avx512 {
void ForwardTile(const CpuForwardArgs& args);
}
namespace cpu_avx2 {
void ForwardTile(const CpuForwardArgs& args);
}
namespace cpu_generic {
void ForwardTile(const CpuForwardArgs& args);
}

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_RUNTIME_CPU_FORWARD_H_
