#include "compute/editing/model_forward.h"

#include <ATen/core/grad_mode.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/autograd.h>

#include "compute/editing/llama_graph.h"
#include "compute/editing/torch_support.h"

namespace engram::compute::editing {

struct ModelForward::Impl {
  std::unique_ptr<internal::LlamaGraph> graph;

  Status Check(const std::vector<std::vector<int>>& batch, int layer,
               std::span<const float> w2) const {
    const LlamaConfig& c = graph->config();
    if (batch.empty()) return SyntaxError("forward needs at least one sequence");
    for (const auto& seq : batch) {
      if (seq.empty()) return SyntaxError("forward needs at least one token per sequence");
      if (static_cast<int>(seq.size()) > c.seq_len) {
        return LimitError(std::to_string(seq.size()) + " tokens exceed the context window of " +
                          std::to_string(c.seq_len));
      }
      for (int t : seq) {
        if (t < 0 || t >= c.vocab_size) {
          return SyntaxError("token id " + std::to_string(t) + " outside the vocabulary");
        }
      }
    }
    if (layer >= c.n_layers) return SyntaxError("layer outside the model");
    if (layer >= 0 && w2.size() != static_cast<std::size_t>(c.dim) * c.hidden_dim) {
      return SyntaxError("w2 must hold dim x hidden_dim values");
    }
    return Status::Ok();
  }
};

ModelForward::ModelForward(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ModelForward::~ModelForward() = default;

Result<std::unique_ptr<ModelForward>> ModelForward::Create(const LlamaWeights& weights) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->graph = std::make_unique<internal::LlamaGraph>(weights);
    return std::unique_ptr<ModelForward>(new ModelForward(std::move(impl)));
  } catch (const std::exception& e) {
    return internal::FromException(e, "model forward");
  }
}

Result<std::vector<std::vector<float>>> ModelForward::Logits(
    const std::vector<std::vector<int>>& batch, int layer, std::span<const float> w2) {
  ENGRAM_RETURN_IF_ERROR(impl_->Check(batch, layer, w2));
  try {
    c10::InferenceMode guard;
    const internal::LlamaGraph& g = *impl_->graph;
    const internal::TokenBatch tokens = internal::MakeBatch(batch);
    at::Tensor logits;
    if (layer < 0) {
      logits = g.Forward(tokens.tokens);
    } else {
      const at::Tensor w = internal::FloatTensor(w2, {g.config().dim, g.config().hidden_dim});
      logits = g.ForwardFrom(g.ForwardTo(tokens.tokens, layer), layer, w);
    }
    std::vector<std::vector<float>> out;
    const std::int64_t vocab = g.config().vocab_size;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto n = static_cast<std::int64_t>(batch[i].size());
      out.push_back(internal::ToFloats(
          logits[static_cast<std::int64_t>(i)].narrow(0, 0, n).reshape({n * vocab})));
    }
    return out;
  } catch (const std::exception& e) {
    return internal::FromException(e, "model forward");
  }
}

Result<ModelForward::FfnInputs> ModelForward::LayerInputs(const std::vector<int>& tokens,
                                                          int layer) {
  ENGRAM_RETURN_IF_ERROR(impl_->Check({tokens}, -1, {}));
  if (layer < 0 || layer >= impl_->graph->config().n_layers) {
    return SyntaxError("layer outside the model");
  }
  try {
    c10::InferenceMode guard;
    const internal::LayerInputs in =
        impl_->graph->ForwardTo(internal::MakeBatch({tokens}).tokens, layer);
    return FfnInputs{internal::ToFloats(in.residual[0]), internal::ToFloats(in.hidden[0])};
  } catch (const std::exception& e) {
    return internal::FromException(e, "model forward");
  }
}

Result<LossGradient> ModelForward::TargetGradient(const std::vector<int>& tokens, int first_target,
                                                  int layer, std::span<const float> w2) {
  ENGRAM_RETURN_IF_ERROR(impl_->Check({tokens}, layer, w2));
  if (layer < 0) return SyntaxError("layer outside the model");
  if (first_target < 1 || first_target >= static_cast<int>(tokens.size())) {
    return SyntaxError("first_target must be in 1 .. tokens - 1");
  }
  try {
    const internal::LlamaGraph& g = *impl_->graph;
    const internal::TokenBatch batch = internal::MakeBatch({tokens});
    internal::LayerInputs inputs;
    {
      at::NoGradGuard no_grad;  // constants of the graph below (not inference tensors)
      inputs = g.ForwardTo(batch.tokens, layer);
    }
    at::Tensor w = internal::FloatTensor(w2, {g.config().dim, g.config().hidden_dim});
    w.set_requires_grad(true);
    const at::Tensor logits = g.ForwardFrom(inputs, layer, w)[0];
    const std::int64_t n = static_cast<std::int64_t>(tokens.size());
    const std::vector<std::int64_t> next(tokens.begin() + first_target, tokens.end());
    const at::Tensor target = at::tensor(next, at::kLong);
    const at::Tensor loss =
        at::cross_entropy_loss(logits.narrow(0, first_target - 1, n - first_target), target);
    LossGradient out;
    out.loss = loss.item<float>();
    out.w2_grad = internal::ToFloats(torch::autograd::grad({loss}, {w})[0]);
    return out;
  } catch (const std::exception& e) {
    return internal::FromException(e, "model forward gradient");
  }
}

}  // namespace engram::compute::editing
