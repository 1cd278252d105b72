// SideMemory: lifelong model editing with a WISE side memory (arXiv 2405.14768;
// shared/docs/mechanisms.md §2; docs/editing.md) for one model — the edit loop, shards,
// TIES merges, the router, exact forgetting, and the state as plain bytes.
//
//   auto memory = SideMemory::Create(model, EditOptions{});
//   auto record = (*memory)->Edit({"The mother tongue of Danielle Darrieux is", " English"});
//   auto route = (*memory)->Route(model.tokenizer.Encode(prompt, true, false));
//   // generate with EffectiveW2(route->memory) as w2 of layer options.layer when routed
//   // (routed_generator.h does this on the fused CPU engine)
//
// Routing (docs/editing.md §3), once per request on the whole prompt: a memory passes when its
// nearest edit's prompt code is within the text gate (cosine >= gate_threshold; the episodic
// encoder's codes) and its activation score Δ on the prompt exceeds its threshold; the passing
// memory with the largest key (ties: the later memory, so that editing a prompt again
// overrides its earlier edit) is used for every token of the request. With no passing memory
// the request runs on the unedited model.
//
// State. Everything a memory is — settings, the model fingerprint, live edits with their
// journal data, shards as exact sparse deltas against the original w2, merged memories,
// thresholds, and the journal of operations — is a SideMemoryState (edit_state.h), encoded by
// Serialize() and restored bit for bit by Restore(). Replay() re-runs a journal from scratch
// and refuses with CORRUPT when any edit's recorded mask seed, iterations or losses differ
// from the re-run's, so a stored journal proves its state.
//
// Determinism. Masks and the choice of the unrelated sample derive from the memory seed and the
// edit's own text (DeriveSeed), never from its position, every shard is trained from the
// original w2, and training and routing activations run on one intra-op thread of the calling
// thread (the same bits whatever LibTorch's thread count). With save_freq = 1 (the default)
// forgetting an edit therefore gives exactly — bit for bit — the shards, merges and thresholds of a
// memory that never saw it. With save_freq > 1 it rebuilds the edit's shard from the original w2
// with the shard's mask over its remaining edits in order (and re-merges its group): bit-identical
// to a memory that saw the same shard contents, which differs from "never saw it" in how later
// edits were grouped (docs/editing.md §5).
//
// Errors are values; LibTorch exceptions become COMPUTE (LIMIT for memory). A failed Edit or
// Forget leaves the state unchanged.
//
// Thread-safety: not thread-safe; one thread uses a SideMemory at a time. The model is
// borrowed and must outlive the memory.
#ifndef ENGRAM_COMPUTE_EDITING_SIDE_MEMORY_H_
#define ENGRAM_COMPUTE_EDITING_SIDE_MEMORY_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compute/editing/edit_options.h"
#include "compute/editing/edit_state.h"
#include "compute/editing/router.h"
#include "compute/episodic/ngram_encoder.h"
#include "compute/model/model_bundle.h"
#include "engram/status.h"

namespace engram::compute::editing {

// The router's answer for one prompt.
struct RouteDecision {
  bool routed = false;
  // The routed memory (RoutedMemory::id), or when not routed the best-scoring one, which stayed
  // below its threshold (0 when the side memory holds no edit).
  std::uint64_t memory = 0;
  float score = 0;                   // that memory's Δ on the prompt
  float threshold = 0;               // and its threshold
  float key = 1;                     // the gate's similarity to its nearest edit (1: no gate)
  std::uint64_t nearest_edit = 0;    // that edit (0: no gate)
  std::vector<std::uint64_t> edits;  // the live edits it holds
};

class SideMemory {
 public:
  // An empty memory on `model`. Builds the context set (a few greedy generations, ~10 ms).
  // With the text gate (options.gate), `encoder` gives the codes; null loads the shipped
  // encoder from DefaultEpisodicAssetDir(model.checkpoint_path). Creating a memory tunes the
  // process's malloc once (torch_support.h: KeepAllocationsResident). Errors: SYNTAX
  // (options.Validate), COMPUTE (the encoder's tables are missing), MODEL (an encoder of
  // another version), COMPUTE/LIMIT (LibTorch, the decode engine).
  using Encoder = std::shared_ptr<const episodic::NgramEncoder>;
  static Result<std::unique_ptr<SideMemory>> Create(const ModelBundle& model,
                                                    const EditOptions& options,
                                                    Encoder encoder = nullptr);

  // The memory whose Serialize() gave `state`. Errors: CORRUPT (malformed bytes), MODEL (the
  // state was trained on another model: fingerprints differ; or its gate codes come from
  // another encoder version), SYNTAX (its options do not fit the model), COMPUTE/LIMIT.
  static Result<std::unique_ptr<SideMemory>> Restore(const ModelBundle& model,
                                                     std::string_view state,
                                                     Encoder encoder = nullptr);

  // The memory of a state already decoded (e.g. JoinState of stored pieces). Errors: as
  // Restore.
  static Result<std::unique_ptr<SideMemory>> FromState(const ModelBundle& model,
                                                       SideMemoryState state,
                                                       Encoder encoder = nullptr);

  // Re-runs `journal` on an empty memory with `options`. Errors: CORRUPT when an edit's
  // re-run differs from its journal entry (mask seed, unrelated sample, iterations, losses,
  // shard) or a forget names an edit that is not live; those of Create and Edit.
  static Result<std::unique_ptr<SideMemory>> Replay(const ModelBundle& model,
                                                    const EditOptions& options,
                                                    std::span<const JournalOp> journal,
                                                    Encoder encoder = nullptr);

  ~SideMemory();

  // Trains one edit (docs/editing.md §2) and returns its record (also appended to the
  // journal). Errors: SYNTAX (empty prompt or target, target not at a token boundary), LIMIT
  // (prompt + target + context prefix beyond the context window; out of memory), COMPUTE.
  // The edit's id is the larger of the memory's next id and `min_id`: an engine whose store has
  // seen larger ids (a rollback restored an older state) never gives an id twice; the ids
  // between stay unused.
  Result<EditRecord> Edit(const EditRequest& request, std::uint64_t min_id = 0);

  // Removes edit `id` (see "Determinism" above). Errors: NOTFOUND (no live edit `id`),
  // COMPUTE/LIMIT (retraining a shard).
  Status Forget(std::uint64_t id);

  // Every routable memory's scores on a prompt given as tokens (starting with BOS), in the order
  // of state().memories. The gate's key is computed on the prompt's text (the tokens decoded).
  // Errors: SYNTAX (empty, token out of range), LIMIT (longer than the context window),
  // COMPUTE.
  Result<std::vector<MemoryScore>> Scores(std::span<const int> prompt_tokens);

  // The `limit` memories nearest to a prompt by the gate's key (without a gate: those with the
  // largest Δ), nearest first (ties: the later memory), with their Δ — computed only for them,
  // so that this costs little however many memories there are. Errors: as Scores.
  Result<std::vector<MemoryScore>> NearestScores(std::span<const int> prompt_tokens,
                                                 std::size_t limit);

  // One memory's scores on a prompt (as Scores, for memory `id` only). Errors: as Scores,
  // NOTFOUND (no such memory).
  Result<MemoryScore> ScoreOf(std::span<const int> prompt_tokens, std::uint64_t id);

  // The routing decision for a prompt (once per request). With a gate, Δ is computed only for
  // the memories the gate lets through. Errors: as Scores.
  Result<RouteDecision> Route(std::span<const int> prompt_tokens);

  // The side memory's w2 of memory `id`: the original w2 of options().layer plus the memory's
  // delta, [dim, hidden_dim] row-major. NOTFOUND when no such memory.
  Result<std::vector<float>> EffectiveW2(std::uint64_t memory) const;

  const SideMemoryState& state() const;
  const EditOptions& options() const;
  std::string Serialize() const;  // EncodeState(state())
  Hash128 Hash() const;           // StateHash(state())

 private:
  struct Impl;
  explicit SideMemory(std::unique_ptr<Impl> impl);
  static Result<std::unique_ptr<Impl>> MakeImpl(const ModelBundle& model, SideMemoryState state,
                                                Encoder encoder);
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram::compute::editing

#endif  // ENGRAM_COMPUTE_EDITING_SIDE_MEMORY_H_
