// Torch-free access to the editing graph (llama_graph.h): batched full-sequence logits of the
// model with one layer's w2 optionally replaced, and the gradient of a target's cross-entropy
// with respect to that w2 — the quantities the edit loop trains with, exposed so that tests and
// tools can check them against the reference engines.
//
// Thread-safety: not thread-safe (one caller at a time). The weights are copied.
#ifndef ENGRAM_COMPUTE_EDITING_MODEL_FORWARD_H_
#define ENGRAM_COMPUTE_EDITING_MODEL_FORWARD_H_

#include <memory>
#include <span>
#include <vector>

#include "compute/model/llama_weights.h"
#include "engram/status.h"

namespace engram::compute::editing {

struct LossGradient {
  float loss = 0;              // mean CE over the target tokens
  std::vector<float> w2_grad;  // d loss / d w2 of the layer, [dim, hidden_dim]
};

class ModelForward {
 public:
  // Errors: COMPUTE/LIMIT (LibTorch).
  static Result<std::unique_ptr<ModelForward>> Create(const LlamaWeights& weights);
  ~ModelForward();

  // Logits of every sequence of `batch` (padded together into one forward), each
  // length × vocab_size floats, row-major. With `layer` >= 0, `w2` ([dim, hidden_dim]) replaces
  // that layer's w2. Errors: SYNTAX (empty sequence, token out of range, w2 of the wrong size,
  // layer outside the model), LIMIT (a sequence beyond the context window), COMPUTE.
  Result<std::vector<std::vector<float>>> Logits(const std::vector<std::vector<int>>& batch,
                                                 int layer = -1, std::span<const float> w2 = {});

  // The inputs of layer `layer`'s FFN block for one sequence: the residual stream after the
  // layer's attention (tokens × dim) and the input of its w2 (tokens × hidden_dim), row-major.
  // Errors: as Logits.
  struct FfnInputs {
    std::vector<float> residual;
    std::vector<float> hidden;
  };
  Result<FfnInputs> LayerInputs(const std::vector<int>& tokens, int layer);

  // CE of tokens[first_target..] given the tokens before each, and its gradient with respect
  // to w2 of `layer` at the value `w2`. Errors: as Logits; SYNTAX when first_target is not in
  // 1 .. tokens.size() - 1.
  Result<LossGradient> TargetGradient(const std::vector<int>& tokens, int first_target, int layer,
                                      std::span<const float> w2);

 private:
  struct Impl;
  explicit ModelForward(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram::compute::editing

#endif  // ENGRAM_COMPUTE_EDITING_MODEL_FORWARD_H_
