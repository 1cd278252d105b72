// One token stream through the fused CPU kernels (cpu_forward.h), outside the batch scheduler,
// with a KV cache that can be exported and imported in the canonical layout
// [layer][position][kv_dim] (keys after RoPE) — the layout ContextModel and the prefix records
// use (docs/format.md §13). Prefix reuse runs here: a stored prefix's keys and values are
// imported and only the new tokens are computed, by the same kernels (and so to the same bits)
// as the decode engine computes a whole prompt.
//
// Thread-safety: one CpuStream per thread; the CpuModel is shared read-only and must outlive
// every stream made from it.
#ifndef ENGRAM_COMPUTE_RUNTIME_CPU_STREAM_H_
#define ENGRAM_COMPUTE_RUNTIME_CPU_STREAM_H_

#include <span>
#include <string_view>
#include <vector>

#include "compute/runtime/cpu_forward.h"
#include "compute/runtime/cpu_model.h"
#include "engram/status.h"

namespace engram::compute {

// The argument checks of one stream's Step and ImportKv, shared by CpuStream and the context
// memory's plain-loop model: LIMIT (the window is full; a prefix past it), SYNTAX (a token outside
// the vocabulary, a short logits buffer, `use` outside 0..count, keys or values that are not
// [layers][count][kv_dim]).
Status CheckStreamStep(const LlamaConfig& config, int position, int token, std::size_t logits_size);
Status CheckKvImport(const LlamaConfig& config, int count, int use, std::size_t keys_size,
                     std::size_t values_size);

class CpuStream {
 public:
  // `isa` as CpuForwardByName, "" = the best this CPU has.
  // Errors: MODEL (unknown or unsupported isa, a head size the kernels do not take), LIMIT (no
  // memory for the cache).
  static Result<CpuStream> Create(const CpuModel& model, std::string_view isa = {});

  const LlamaConfig& config() const { return model_->config; }
  int position() const { return position_; }

  // Feeds `token` at position() and writes the next token's logits (vocab_size floats).
  // Errors: LIMIT (the window is full), SYNTAX (token outside the vocabulary, short buffer).
  Status Step(int token, std::span<float> logits);

  // The keys and values of positions 0 .. position()-1, [layer][position][kv_dim] each.
  void ExportKv(std::vector<float>& keys, std::vector<float>& values) const;

  // Replaces the stream by the first `use` of `count` positions whose keys and values are given
  // in the canonical layout: the next Step continues at position `use` exactly as if their tokens
  // had been fed. Errors: LIMIT (count past the window), SYNTAX (use outside 0..count, wrong
  // sizes).
  Status ImportKv(int count, int use, std::span<const float> keys, std::span<const float> values);

 private:
  CpuStream(const CpuModel& model, CpuForwardFn forward);
  // Calls visit(cache offset, canonical offset) for every float of positions 0 .. positions-1,
  // the canonical layout holding `canonical_positions` positions per layer.
  template <typename Visit>
  void ForEachCached(int positions, int canonical_positions, Visit&& visit) const;

  const CpuModel* model_;
  CpuForwardFn forward_;
  AlignedFloats keys_, values_, scratch_;
  int position_ = 0;
};

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_RUNTIME_CPU_STREAM_H_
