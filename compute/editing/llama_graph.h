// Internal to compute/editing (includes ATen): a differentiable LibTorch forward of the Llama
// model over a batch of right-padded token sequences — RMSNorm, RoPE (llama2.c's tables),
// grouped-query causal attention, SwiGLU — over frozen copies of the weights, where the FFN
// down-projection w2 of one layer can be replaced by a tensor that carries gradients (the
// side memory W_v' = W_v + Δ).
//
// Right padding keeps every sequence at positions 0 .. length-1 and the causal mask keeps a
// valid position from ever attending to a pad, so the outputs at valid positions do not depend
// on the padding (pads produce garbage that callers ignore).
//
// The forward can be split at one layer's FFN (ForwardTo / ForwardFrom): the activations below
// the side memory do not depend on it, so the edit loop computes them once and differentiates
// only the layers above.
//
// Thread-safety: const methods may run concurrently (they only read the frozen tensors).
#ifndef ENGRAM_COMPUTE_EDITING_LLAMA_GRAPH_H_
#define ENGRAM_COMPUTE_EDITING_LLAMA_GRAPH_H_

#include <ATen/ATen.h>

#include <vector>

#include "compute/model/llama_weights.h"

namespace engram::compute::editing::internal {

// Sequences padded on the right with token 0 into one [B, T] int64 tensor.
struct TokenBatch {
  at::Tensor tokens;         // [B, T]
  std::vector<int> lengths;  // B valid lengths, each >= 1
};
TokenBatch MakeBatch(const std::vector<std::vector<int>>& sequences);

// The inputs of one layer's FFN down-projection for a batch.
struct LayerInputs {
  at::Tensor residual;  // [B, T, dim]: the residual stream after the layer's attention block
  at::Tensor hidden;    // [B, T, hidden_dim]: silu(x·w1ᵀ) ⊙ (x·w3ᵀ), the input of w2
};

class LlamaGraph {
 public:
  // Copies the weights into float32 CPU tensors (no gradients). May throw (LibTorch, bad_alloc):
  // callers wrap it.
  explicit LlamaGraph(const LlamaWeights& weights);

  const LlamaConfig& config() const { return config_; }

  // The original w2 of `layer`, [dim, hidden_dim] (a view of the frozen weights).
  at::Tensor W2(int layer) const { return w2_[layer]; }

  // Logits [B, T, vocab] of the whole model.
  at::Tensor Forward(const at::Tensor& tokens) const;

  // Layers 0 .. layer-1 whole, then `layer` up to the input of its w2.
  LayerInputs ForwardTo(const at::Tensor& tokens, int layer) const;

  // The rest of the model from ForwardTo(tokens, layer)'s activations, with `w2` ([dim,
  // hidden_dim], may require grad) as layer `layer`'s down-projection. Logits [B, T, vocab];
  // with `rows` (int64 indices into the B·T positions, row-major) only those: [rows, vocab].
  at::Tensor ForwardFrom(const LayerInputs& inputs, int layer, const at::Tensor& w2,
                         const at::Tensor& rows = {}) const;

 private:
  at::Tensor Attention(const at::Tensor& x, int layer) const;  // x + attention block
  at::Tensor FfnHidden(const at::Tensor& x, int layer) const;  // the w2 input
  at::Tensor Logits(const at::Tensor& x) const;

  LlamaConfig config_;
  at::Tensor embedding_, rms_attention_, wq_, wk_, wv_, wo_, rms_ffn_, w1_, w2_, w3_, rms_final_;
  at::Tensor classifier_, rope_cos_, rope_sin_;
};

}  // namespace engram::compute::editing::internal

#endif  // ENGRAM_COMPUTE_EDITING_LLAMA_GRAPH_H_
