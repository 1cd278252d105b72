// Internal to compute/editing (includes ATen): the WISE edit loop for one edit into one shard
// (shared/docs/mechanisms.md §2; docs/editing.md §2).
//
// Inputs: the prompt + target under every context (no prefix, then each context prefix), the
// prompt's truncations + target (edit_inputs.h), and one unrelated sample. Loss = mean CE over the
// target tokens + router_weight × the activation margin loss, averaged over the edit sequences:
//   max(0, Δu − α) + max(0, β − Δe) + max(0, γ − (Δe − Δu)),
// where Δ(x) = mean over x's scored tokens of ||Δ·h_t|| (h_t the input of w2 at the layer; an
// edit sequence scores its prompt tokens, the unrelated sample all its tokens but BOS). Plain
// SGD on the delta, the gradient multiplied by the shard's mask, the delta clamped to
// [−clamp, clamp] after each step; stops once the loss is at most stop_loss, or after
// max_steps steps.
//
// Deterministic: fixed inputs, fixed op order, no random state; LibTorch's CPU kernels give the
// same bits run to run for a given thread count (docs/editing.md §5 measures thread counts).
// Throws LibTorch exceptions (callers wrap).
#ifndef ENGRAM_COMPUTE_EDITING_EDIT_TRAINER_H_
#define ENGRAM_COMPUTE_EDITING_EDIT_TRAINER_H_

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "compute/editing/edit_inputs.h"
#include "compute/editing/edit_options.h"
#include "compute/editing/llama_graph.h"

namespace engram::compute::editing::internal {

struct TrainingBatch {
  LayerInputs inputs;      // ForwardTo(layer) of every row, without gradients
  at::Tensor target_rows;  // int64: the flat positions (row-major in B·T) that predict a target
  at::Tensor targets;      // int64: the target token each of them predicts
  at::Tensor act_weights;  // [B, T] float: 1/count at the positions Δ averages over, else 0
  std::int64_t edit_rows = 0;  // rows [0, edit_rows) are edit sequences, the rest unrelated
};

// The rows for `edit` under the first `prefix_count` prefixes of `contexts` plus the unrelated
// sample `unrelated` of the pool.
TrainingBatch BuildTrainingBatch(const LlamaGraph& graph, int layer, const PreparedEdit& edit,
                                 const ContextSet& contexts, int prefix_count, int unrelated);

struct TrainOutcome {
  std::vector<float> delta;  // dense [dim, hidden_dim] row-major; zero outside the mask
  int iterations = 0;        // SGD steps applied
  float loss = 0, ce = 0, act_edit = 0, act_unrelated = 0;  // at the last evaluated step
};

// Trains from `initial` (dense, zero outside the mask) under `mask` (1 = trainable).
TrainOutcome TrainDelta(const LlamaGraph& graph, int layer, const TrainingBatch& batch,
                        const EditOptions& options, const std::vector<std::uint8_t>& mask,
                        const std::vector<float>& initial);

}  // namespace engram::compute::editing::internal

#endif  // ENGRAM_COMPUTE_EDITING_EDIT_TRAINER_H_
