// The weights of a Llama model re-laid-out for the fused CPU decode kernels.
//
// Matrices are stored transposed, [in_features][out_features_padded], so a matrix-vector
// product is a sequence of contiguous "y += x[k] * row_k" updates that vectorise across the
// output without horizontal sums, and every output element is summed over k in ascending order
// (the order llama2.c's run.c uses). Output widths are padded with zero columns to a multiple of
// kCpuColumnAlign so the kernels need no remainder loops. q, k and v share one matrix, as do the
// gate (w1) and up (w3) projections.
#ifndef ENGRAM_COMPUTE_RUNTIME_CPU_MODEL_H_
#define ENGRAM_COMPUTE_RUNTIME_CPU_MODEL_H_

#include <cstdint>
#include <vector>

#include "compute/model/llama_weights.h"

namespace engram::compute {

inline constexpr int kCpuColumnAlign = 32;

inline int PadColumns(int n) {
  return (n + kCpuColumnAlign - 1) / kCpuColumnAlign * kCpuColumnAlign;
}

// A 64-byte aligned float array.
class AlignedFloats {
 public:
  AlignedFloats() = default;
  explicit AlignedFloats(std::size_t count);
  AlignedFloats(AlignedFloats&& other) noexcept;
  AlignedFloats& operator=(AlignedFloats&& other) noexcept;
  AlignedFloats(const AlignedFloats&) = delete;
  AlignedFloats& operator=(const AlignedFloats&) = delete;
  ~AlignedFloats();

  float* data() { return data_; }
  const float* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  float* data_ = nullptr;
  std::size_t size_ = 0;
};

struct CpuModel {
  LlamaConfig config;
  int qkv_cols = 0;    // padded dim + 2 * kv_dim
  int ffn_half = 0;    // padded hidden_dim: w3's columns start here in w13
  int ffn_cols = 0;    // 2 * ffn_half
  int dim_cols = 0;    // padded dim (outputs of wo and w2)
  int vocab_cols = 0;  // padded vocab
  int seq_stride = 0;  // padded seq_len: positions per kv head in the KV caches

  AlignedFloats token_embedding;  // [vocab][dim], row-major (rows are looked up, not multiplied)
  AlignedFloats rms_attention;    // [layers][dim]
  AlignedFloats rms_ffn;          // [layers][dim]
  AlignedFloats rms_final;        // [dim]
  AlignedFloats wqkv;             // [layers][dim][qkv_cols]
  AlignedFloats wo;               // [layers][dim][dim_cols]
  AlignedFloats w13;              // [layers][dim][ffn_cols]
  AlignedFloats w2;               // [layers][hidden][dim_cols]
  AlignedFloats classifier;       // [dim][vocab_cols]
  AlignedFloats rope_cos;         // [seq_len][head_size / 2]
  AlignedFloats rope_sin;         // [seq_len][head_size / 2]
};

// Builds the CPU layout from canonical weights. The RoPE tables are computed with the float
// expressions llama2.c uses, so rotations match it bit for bit.
CpuModel BuildCpuModel(const LlamaWeights& weights);

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_RUNTIME_CPU_MODEL_H_
