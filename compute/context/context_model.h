// ContextModel: the Llama forward pass of one token stream, in plain float loops in llama2.c's
// order, with a seam at one layer — the memory layer — for long-term context memory (LongMem,
// mechanisms.md §3; docs/context.md). The fused decode engine is faster; this one exists because
// the memory needs what that engine fuses away: the layer's queries, keys and values before
// RoPE, and a place to attend to retrieved memory beside the local context.
//
// Per step, at the memory layer, after q, k and v are computed (before RoPE) the model calls
// MemoryLayerHook::AtMemoryLayer with them. The hook may return memory tokens to fuse: keys
// (pre-RoPE) and values per key/value head. Fusion is one softmax over [memory ‖ local] per
// query head: local scores are the usual RoPE'd q·k/√d over the positions of this stream;
// memory scores are the pre-RoPE q·k/√d (the RoPE policy: a retrieved token lies at no position
// relative to the query — it is "far away" — so neither side is rotated). With no memory tokens
// the step is exactly the model's.
//
// Without a hook (or with one that returns nothing) the logits equal llama2.c's to float
// rounding (tests compare them with the fused engine). Positions are local to the stream
// (0 .. seq_len-1); Reset starts a new stream.
//
// Thread-safety: one ContextModel per thread; it borrows `weights`, which must outlive it.
#ifndef ENGRAM_COMPUTE_CONTEXT_CONTEXT_MODEL_H_
#define ENGRAM_COMPUTE_CONTEXT_CONTEXT_MODEL_H_

#include <span>
#include <vector>

#include "compute/model/llama_weights.h"
#include "engram/status.h"

namespace engram::compute::context {

// What the memory layer computed for the current token, before RoPE.
struct LayerVectors {
  std::span<const float> queries;  // [n_heads][head_size]
  std::span<const float> keys;     // [n_kv_heads][head_size]
  std::span<const float> values;   // [n_kv_heads][head_size]
};

// Memory tokens to attend to at the memory layer: for each key/value head h, count[h] tokens
// whose keys (pre-RoPE) and values are keys[h] and values[h] ([count][head_size] each).
struct MemoryTokens {
  std::vector<int> count;
  std::vector<std::vector<float>> keys;
  std::vector<std::vector<float>> values;
  bool empty() const;
};

class MemoryLayerHook {
 public:
  virtual ~MemoryLayerHook() = default;
  // Called once per step at the memory layer. Fills `fuse` (sized to n_kv_heads, emptied) with
  // the memory tokens to attend to, or leaves it empty.
  virtual void AtMemoryLayer(const LayerVectors& vectors, MemoryTokens& fuse) = 0;
};

class ContextModel {
 public:
  // Errors: SYNTAX when memory_layer is not a layer of the model.
  static Result<ContextModel> Create(const LlamaWeights& weights, int memory_layer);

  const LlamaConfig& config() const { return weights_->config(); }
  int memory_layer() const { return memory_layer_; }
  int position() const { return position_; }

  // Starts a new stream at position 0.
  void Reset() { position_ = 0; }

  // Feeds `token` at the next position and writes vocab_size logits. `hook` may be null.
  // Errors: LIMIT past seq_len, SYNTAX for a token out of range (nothing changes on error).
  Status Step(int token, MemoryLayerHook* hook, std::span<float> logits);

  // The stream's key/value caches of positions [0, position()) for every layer — keys after
  // RoPE, as attention reads them — as [n_layers][position()][kv_dim] each: a prefix to reuse.
  void ExportKv(std::vector<float>& keys, std::vector<float>& values) const;
  // Starts a stream that holds the first `use` of the `count` positions in ExportKv's arrays, as
  // if their tokens had been fed: the next Step continues at position `use`, with the same
  // results (bit for bit) as after feeding them. Errors: LIMIT (count beyond seq_len), SYNTAX
  // (sizes, `use` outside 0..count); nothing changes on error.
  Status ImportKv(int count, int use, std::span<const float> keys, std::span<const float> values);

 private:
  ContextModel(const LlamaWeights& weights, int memory_layer);
  void Attend(int layer, const MemoryTokens* memory, const float* q_pre);

  const LlamaWeights* weights_;
  int memory_layer_;
  int position_ = 0;
  // The stream's caches, [layer][position][kv_dim], keys after RoPE; scratch buffers.
  std::vector<float> key_cache_, value_cache_;
  std::vector<float> x_, xb_, xb2_, hb_, hb2_, q_, k_, v_, q_pre_, k_pre_, att_;
  MemoryTokens fuse_;
};

}  // namespace engram::compute::context

#endif  // ENGRAM_COMPUTE_CONTEXT_CONTEXT_MODEL_H_
