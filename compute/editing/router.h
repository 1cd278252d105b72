// The side memory's router (docs/editing.md §3): the activation score of a delta on a prompt,
// and the choice among routable memories. Torch-free; own loops in a fixed order, so a score is
// the same bits on every thread count.
//
// Δ(prompt) = mean over the prompt's tokens after BOS of ||Δ·h_t||₂, h_t the input of w2 at the
// side memory's layer (hidden_dim values per token; the same for every memory, since w2 is the
// last operation of its layer). The decision is taken once per request on the whole prompt and
// kept for every generated token.
//
// Thread-safety: pure functions.
#ifndef ENGRAM_COMPUTE_EDITING_ROUTER_H_
#define ENGRAM_COMPUTE_EDITING_ROUTER_H_

#include <cstdint>
#include <span>
#include <vector>

#include "compute/editing/edit_options.h"
#include "compute/editing/sparse_delta.h"

namespace engram::compute::editing {

// The w2 inputs of one prompt: tokens × hidden_dim floats, row t = token t (row 0 = BOS).
struct PromptActivations {
  int tokens = 0;
  int hidden_dim = 0;
  std::vector<float> hidden;
};

// Δ of `delta` (a [dim, hidden_dim] delta) on `prompt`; 0 for a prompt of BOS alone. The norm
// is accumulated in float64 and rounded to float32.
float ActivationScore(const SparseDelta& delta, int dim, const PromptActivations& prompt);

// One routable memory's scores on a prompt.
struct MemoryScore {
  std::uint64_t memory = 0;        // RoutedMemory::id
  float score = 0;                 // Δ
  float threshold = 0;             // the memory's threshold on Δ
  float key = 1;                   // the gate's similarity to the nearest edit (1: no gate)
  std::uint64_t nearest_edit = 0;  // that edit (0: no gate)
};

// A memory passes when Δ > threshold and, with a gate, key >= gate_threshold.
bool Passes(const MemoryScore& score, const EditOptions& options);

// The routed memory: the index into `scores` of the best passing memory under
// options.route_rule, or -1 when none passes (the request runs on the unedited model). Ties go
// to the higher index — the later memory: editing a prompt again overrides its earlier edit.
int ChooseMemory(std::span<const MemoryScore> scores, const EditOptions& options);

}  // namespace engram::compute::editing

#endif  // ENGRAM_COMPUTE_EDITING_ROUTER_H_
