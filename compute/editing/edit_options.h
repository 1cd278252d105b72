// The settings of a side memory (WISE, arXiv 2405.14768; shared/docs/mechanisms.md §2): where
// the side copy of w2 sits, how an edit is trained, how shards are cut and merged, and how a
// request is routed. Every default is the measured choice for stories260K; docs/editing.md §4
// gives the measurement behind each. Settings are part of a side memory's serialised state, so
// a memory keeps the settings it was created with.
//
// Torch-free. Plain value type.
#ifndef ENGRAM_COMPUTE_EDITING_EDIT_OPTIONS_H_
#define ENGRAM_COMPUTE_EDITING_EDIT_OPTIONS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "compute/model/llama_config.h"
#include "engram/status.h"

namespace engram::compute::editing {

// How a request picks one of the routable memories that pass (docs/editing.md §3).
enum class RouteRule : std::uint8_t {
  kLargestScore = 0,  // WISE-Retrieve: the largest Δ
  kLargestRatio = 1,  // the largest Δ / threshold
  kNearestKey = 2,    // the largest key similarity (the gate's cosine)
};

// The key-distance gate beside the activation score (docs/editing.md §3): a memory passes only
// when the prompt's key is near one of its edits' keys.
enum class RouteGate : std::uint8_t {
  kNone = 0,      // the activation score alone (WISE)
  kTextCode = 1,  // cosine of the episodic encoder's codes (compute/episodic/ngram_encoder.h)
};

struct EditOptions {
  // --- the side memory ---
  int layer = 4;  // the layer whose FFN down-projection w2 is copied (0-based)

  // --- the edit loop ---
  float learning_rate = 1.0f;  // plain SGD on the masked delta
  int max_steps = 70;          // upper bound on SGD steps per edit
  float stop_loss = 0.02f;     // early stop once the total loss is at most this
  float clamp = 1.0f;          // |W_v' − W_v| ≤ clamp, entrywise
  float mask_ratio = 1.0f;     // Bernoulli ρ of the per-shard gradient mask; 1 = no mask
  int prefix_count = 10;       // context prefixes (the model's own greedy continuations)
  int prefix_tokens = 8;       // generated tokens per context prefix
  int truncations = 8;         // also train the target after the prompt cut by 1..n words

  // --- the routing (activation-margin) loss; Δ is in the model's FFN-output units ---
  bool router_loss = true;
  float margin_unrelated = 3.0f;  // α: Δ(unrelated) should stay below
  float margin_edit = 6.0f;       // β: Δ(edit prompt) should exceed
  float margin_gap = 3.0f;        // γ: Δ(edit) − Δ(unrelated) should exceed
  float router_weight = 1.0f;     // weight of the routing loss against the CE

  // --- the router ---
  // A memory's threshold = act_ratio × min Δ over its edits' prompts and their truncations.
  float act_ratio = 0.75f;
  RouteRule route_rule = RouteRule::kNearestKey;
  RouteGate gate = RouteGate::kTextCode;
  float gate_threshold = 0.3f;  // the gate's minimum cosine

  // --- shards and merges ---
  int save_freq = 1;           // edits per shard (a new mask per shard)
  int merge_freq = 0;          // edits per TIES merge group (a multiple of save_freq); 0: never
  float ties_density = 0.53f;  // TIES: fraction of each task vector's entries kept by magnitude

  std::uint64_t seed = 0x454e4752414d5749ULL;  // masks and sample choices derive from it

  // SYNTAX naming the first setting out of range (layer outside the model, non-positive rates
  // or counts, ratios outside (0, 1], merge_freq not a multiple of save_freq, ...).
  Status Validate(const LlamaConfig& config) const;

  friend bool operator==(const EditOptions&, const EditOptions&) = default;
};

// Sets the option a CREATE MEMORY setting names (docs/query-language.md §5.1: edit_layer,
// edit_steps, edit_lr, edit_mask_ratio, edit_save_freq, edit_merge_freq, edit_act_ratio,
// edit_gate_threshold). SYNTAX for another name or a non-integer where an integer belongs;
// ranges are Validate's.
Status ApplyEditSetting(EditOptions& options, std::string_view name, double value);

// "layer=3 lr=1 steps=70 ..." (all settings, for reports and logs).
std::string ToString(const EditOptions& options);

}  // namespace engram::compute::editing

#endif  // ENGRAM_COMPUTE_EDITING_EDIT_OPTIONS_H_
