#include "compute/editing/edit_trainer.h"

#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/autograd.h>

#include "compute/editing/torch_support.h"

namespace engram::compute::editing::internal {
namespace {

// Keeps the gradient of ||Δh|| finite where Δh = 0 (every token, at the first step).
constexpr double kNormFloor = 1e-12;

}  // namespace

TrainingBatch BuildTrainingBatch(const LlamaGraph& graph, int layer, const PreparedEdit& edit,
                                 const ContextSet& contexts, int prefix_count, int unrelated) {
  std::vector<std::vector<int>> rows;
  std::vector<std::pair<std::size_t, std::size_t>> scored;  // [begin, end) of Δ positions
  std::vector<std::size_t> target_start;
  const int prefixes = std::min<int>(prefix_count, static_cast<int>(contexts.prefixes.size()));
  for (int c = -1; c < prefixes; ++c) {
    std::vector<int> row = {1};  // BOS
    if (c >= 0) row.insert(row.end(), contexts.prefixes[c].begin(), contexts.prefixes[c].end());
    const std::size_t prompt_begin = row.size();
    row.insert(row.end(), edit.prompt.begin(), edit.prompt.end());
    scored.emplace_back(prompt_begin, row.size());
    target_start.push_back(row.size());
    row.insert(row.end(), edit.target.begin(), edit.target.end());
    rows.push_back(std::move(row));
  }
  for (const PromptTarget& variant : edit.truncations) {
    std::vector<int> row = {1};
    row.insert(row.end(), variant.prompt.begin(), variant.prompt.end());
    scored.emplace_back(1, row.size());
    target_start.push_back(row.size());
    row.insert(row.end(), variant.target.begin(), variant.target.end());
    rows.push_back(std::move(row));
  }
  const auto edit_rows = static_cast<std::int64_t>(rows.size());
  std::vector<int> negative = {1};
  const auto& sample = contexts.unrelated[static_cast<std::size_t>(unrelated)];
  negative.insert(negative.end(), sample.begin(), sample.end());
  scored.emplace_back(1, negative.size());
  rows.push_back(std::move(negative));

  TokenBatch tokens = MakeBatch(rows);
  const std::int64_t b = tokens.tokens.size(0), t = tokens.tokens.size(1);
  TrainingBatch out;
  out.edit_rows = edit_rows;
  out.act_weights = at::zeros({b, t}, at::kFloat);
  std::vector<std::int64_t> target_rows, targets;
  auto weights = out.act_weights.accessor<float, 2>();
  for (std::int64_t r = 0; r < b; ++r) {
    const auto [begin, end] = scored[static_cast<std::size_t>(r)];
    for (std::size_t p = begin; p < end; ++p) {
      weights[r][static_cast<std::int64_t>(p)] = 1.0f / static_cast<float>(end - begin);
    }
    if (r < edit_rows) {
      const std::size_t start = target_start[static_cast<std::size_t>(r)];
      const auto& target =
          static_cast<std::size_t>(r) <= static_cast<std::size_t>(prefixes)
              ? edit.target
              : edit.truncations[static_cast<std::size_t>(r - prefixes - 1)].target;
      for (std::size_t j = 0; j < target.size(); ++j) {
        target_rows.push_back(r * t + static_cast<std::int64_t>(start + j - 1));
        targets.push_back(target[j]);
      }
    }
  }
  out.target_rows = at::tensor(target_rows, at::kLong);
  out.targets = at::tensor(targets, at::kLong);
  // Constants of the training graph: computed without gradients (not as inference tensors,
  // which autograd refuses to save).
  at::NoGradGuard no_grad;
  out.inputs = graph.ForwardTo(tokens.tokens, layer);
  return out;
}

TrainOutcome TrainDelta(const LlamaGraph& graph, int layer, const TrainingBatch& batch,
                        const EditOptions& options, const std::vector<std::uint8_t>& mask,
                        const std::vector<float>& initial) {
  const LlamaConfig& c = graph.config();
  const std::int64_t rows = c.dim, cols = c.hidden_dim;
  const at::Tensor w2 = graph.W2(layer);
  at::Tensor delta = FloatTensor(initial, {rows, cols});
  delta.set_requires_grad(true);
  std::vector<float> mask_floats(mask.begin(), mask.end());
  const at::Tensor mask_tensor = FloatTensor(mask_floats, {rows, cols});

  TrainOutcome out;
  for (int step = 0;; ++step) {
    const at::Tensor logits = graph.ForwardFrom(batch.inputs, layer, w2 + delta, batch.target_rows);
    const at::Tensor ce = at::cross_entropy_loss(logits, batch.targets);
    // Δ per row: the weighted mean over its scored tokens of ||Δ·h_t||.
    const at::Tensor& hidden = batch.inputs.hidden;
    const at::Tensor shift = at::mm(hidden.reshape({-1, hidden.size(-1)}), delta.t())
                                 .view({hidden.size(0), hidden.size(1), -1});
    const at::Tensor norms = at::sqrt(shift.pow(2).sum(-1) + kNormFloor);
    const at::Tensor act = (norms * batch.act_weights).sum(-1);
    const at::Tensor act_edit = act.narrow(0, 0, batch.edit_rows);
    const at::Tensor act_unrel =
        act.narrow(0, batch.edit_rows, act.size(0) - batch.edit_rows).mean();
    at::Tensor loss = ce;
    if (options.router_loss) {
      const at::Tensor router = (at::relu(act_unrel - options.margin_unrelated) +
                                 at::relu(options.margin_edit - act_edit) +
                                 at::relu(options.margin_gap - (act_edit - act_unrel)))
                                    .mean();
      loss = ce + options.router_weight * router;
    }
    out.loss = loss.item<float>();
    out.ce = ce.item<float>();
    out.act_edit = act_edit.mean().item<float>();
    out.act_unrelated = act_unrel.item<float>();
    if (out.loss <= options.stop_loss || step >= options.max_steps) break;
    const at::Tensor grad = torch::autograd::grad({loss}, {delta})[0];
    {
      at::NoGradGuard no_grad;
      delta.sub_(grad * mask_tensor, options.learning_rate);
      delta.clamp_(-options.clamp, options.clamp);
    }
    out.iterations = step + 1;
  }
  out.delta = ToFloats(delta);
  return out;
}

}  // namespace engram::compute::editing::internal
