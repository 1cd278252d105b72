// Greedy generation through a side memory's router, on the fused CPU decode engine: the route
// is decided once on the prompt (SideMemory::Route) and the whole request — prompt and every
// generated token — runs on the model whose w2 at the memory's layer is the routed memory's
// (or on the unedited model when nothing is routed). An unrouted request therefore produces
// exactly the unedited model's tokens. Torch-free.
//
// Engines with a side memory's w2 are built on first use (a copy of the weights, ~1 MiB for
// stories260K, ~1 ms) and kept in a small LRU cache keyed by the memory's effective w2, so a
// changed memory never reuses a stale engine.
//
// Thread-safety: not thread-safe. The model is borrowed and must outlive the generator.
#ifndef ENGRAM_COMPUTE_EDITING_ROUTED_GENERATOR_H_
#define ENGRAM_COMPUTE_EDITING_ROUTED_GENERATOR_H_

#include <cstdint>
#include <list>
#include <memory>
#include <span>
#include <vector>

#include "compute/editing/side_memory.h"
#include "compute/model/model_bundle.h"
#include "compute/protocol/content_hash.h"
#include "compute/runtime/decode_engine.h"

namespace engram::compute::editing {

// A copy of `weights` whose w2 of `layer` is `w2` ([dim, hidden_dim]). Errors: SYNTAX (layer
// or size wrong), LIMIT (no memory).
Result<LlamaWeights> WeightsWithW2(const LlamaWeights& weights, int layer,
                                   std::span<const float> w2);

// A single-stream fused CPU decode engine on `model`'s weights with w2 of `layer` replaced by
// `w2`. Errors: those of WeightsWithW2 and the engine factory.
Result<std::unique_ptr<DecodeEngine>> EngineWithW2(const ModelBundle& model, int layer,
                                                   std::span<const float> w2);

struct RoutedGeneration {
  RouteDecision route;      // route.routed: generated with the side memory
  std::vector<int> tokens;  // generated tokens (greedy), without the prompt
};

class RoutedGenerator {
 public:
  // `cached_engines` (>= 1) engines with a side memory are kept besides the unedited one.
  // Errors: those of the engine factory.
  static Result<std::unique_ptr<RoutedGenerator>> Create(const ModelBundle& model,
                                                         int cached_engines = 8);
  ~RoutedGenerator();

  // Routes `prompt_tokens` (starting with BOS) through `memory` and generates up to
  // `max_new_tokens` greedy tokens (stopping at BOS or the context window). Errors: those of
  // SideMemory::Route and the decode engine.
  Result<RoutedGeneration> Generate(SideMemory& memory, std::span<const int> prompt_tokens,
                                    int max_new_tokens);

  // The same on the unedited model, or (memory_id != 0) with that memory forced, unrouted.
  // Errors: NOTFOUND (no such memory), those of the decode engine.
  Result<std::vector<int>> GenerateWith(const SideMemory* memory, std::uint64_t memory_id,
                                        std::span<const int> prompt_tokens, int max_new_tokens);

  // The single-stream engine whose w2 is memory `memory_id`'s effective w2 (cached). Errors:
  // NOTFOUND (no such memory), those of the engine factory.
  Result<DecodeEngine*> EngineFor(const SideMemory& memory, std::uint64_t memory_id);

 private:
  struct Cached {
    Hash128 key;
    std::unique_ptr<DecodeEngine> engine;
  };
  explicit RoutedGenerator(const ModelBundle& model, std::unique_ptr<DecodeEngine> base,
                           int cached_engines);

  const ModelBundle& model_;
  std::unique_ptr<DecodeEngine> base_;
  std::list<Cached> cache_;  // most recently used first
  int cached_engines_;
};

}  // namespace engram::compute::editing

#endif  // ENGRAM_COMPUTE_EDITING_ROUTED_GENERATOR_H_
