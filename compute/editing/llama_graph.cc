#include "compute/editing/llama_graph.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "compute/editing/torch_support.h"

namespace engram::compute::editing::internal {
namespace {

at::Tensor RmsNorm(const at::Tensor& x, const at::Tensor& weight, float eps) {
  const at::Tensor inv = at::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true).add(eps));
  return weight * (x * inv);
}

// Rotates adjacent pairs of x [B, T, heads, head_size] by the angles of positions 0 .. T-1
// (cos/sin [T, head_size/2]).
at::Tensor Rope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const auto b = x.size(0), t = x.size(1), heads = x.size(2), hs = x.size(3);
  const at::Tensor pairs = x.reshape({b, t, heads, hs / 2, 2});
  const at::Tensor x0 = pairs.select(-1, 0), x1 = pairs.select(-1, 1);
  const at::Tensor c = cos.view({1, t, 1, hs / 2}), s = sin.view({1, t, 1, hs / 2});
  return at::stack({x0 * c - x1 * s, x0 * s + x1 * c}, -1).reshape({b, t, heads, hs});
}

// x [..., in] · wᵀ (w [out, in]) as one 2-D product: at::matmul on a 3-D input is several
// times slower here.
at::Tensor Linear(const at::Tensor& x, const at::Tensor& w) {
  std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
  shape.back() = w.size(0);
  return at::mm(x.reshape({-1, x.size(-1)}), w.t()).view(shape);
}

}  // namespace

TokenBatch MakeBatch(const std::vector<std::vector<int>>& sequences) {
  TokenBatch batch;
  std::size_t longest = 0;
  for (const auto& s : sequences) longest = std::max(longest, s.size());
  const auto b = static_cast<std::int64_t>(sequences.size());
  batch.tokens = at::zeros({b, static_cast<std::int64_t>(longest)}, at::kLong);
  auto acc = batch.tokens.accessor<std::int64_t, 2>();
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    for (std::size_t j = 0; j < sequences[i].size(); ++j) {
      acc[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(j)] = sequences[i][j];
    }
    batch.lengths.push_back(static_cast<int>(sequences[i].size()));
  }
  return batch;
}

LlamaGraph::LlamaGraph(const LlamaWeights& weights) : config_(weights.config()) {
  const LlamaConfig& c = config_;
  const std::int64_t d = c.dim, f = c.hidden_dim, l = c.n_layers, v = c.vocab_size;
  const std::int64_t kv = c.kv_dim();
  auto t = [&](WeightId id, at::IntArrayRef shape) {
    return FloatTensor(weights.Tensor(id), shape);
  };
  embedding_ = t(WeightId::kTokenEmbedding, {v, d});
  rms_attention_ = t(WeightId::kRmsAttention, {l, d});
  wq_ = t(WeightId::kWq, {l, d, d});
  wk_ = t(WeightId::kWk, {l, kv, d});
  wv_ = t(WeightId::kWv, {l, kv, d});
  wo_ = t(WeightId::kWo, {l, d, d});
  rms_ffn_ = t(WeightId::kRmsFfn, {l, d});
  w1_ = t(WeightId::kW1, {l, f, d});
  w2_ = t(WeightId::kW2, {l, d, f});
  w3_ = t(WeightId::kW3, {l, f, d});
  rms_final_ = t(WeightId::kRmsFinal, {d});
  classifier_ = c.shared_classifier ? embedding_ : t(WeightId::kClassifier, {v, d});

  // RoPE tables with llama2.c's float expressions (as the engines compute them).
  const std::int64_t half = c.head_size() / 2;
  std::vector<float> cos_table, sin_table;
  RopeTables(c, cos_table, sin_table);
  rope_cos_ = FloatTensor(cos_table, {c.seq_len, half});
  rope_sin_ = FloatTensor(sin_table, {c.seq_len, half});
}

at::Tensor LlamaGraph::Attention(const at::Tensor& x, int layer) const {
  const LlamaConfig& c = config_;
  const std::int64_t b = x.size(0), n = x.size(1);
  const std::int64_t hs = c.head_size(), heads = c.n_heads, kv_heads = c.n_kv_heads;
  const at::Tensor cos = rope_cos_.narrow(0, 0, n), sin = rope_sin_.narrow(0, 0, n);
  const at::Tensor xb = RmsNorm(x, rms_attention_[layer], c.norm_eps);
  const at::Tensor q =
      Rope(Linear(xb, wq_[layer]).view({b, n, heads, hs}), cos, sin).permute({0, 2, 1, 3});
  at::Tensor k =
      Rope(Linear(xb, wk_[layer]).view({b, n, kv_heads, hs}), cos, sin).permute({0, 2, 1, 3});
  at::Tensor v = Linear(xb, wv_[layer]).view({b, n, kv_heads, hs}).permute({0, 2, 1, 3});
  if (c.kv_group() > 1) {
    k = k.repeat_interleave(c.kv_group(), 1);
    v = v.repeat_interleave(c.kv_group(), 1);
  }
  const at::Tensor causal = at::ones({n, n}, at::kBool).triu(1);
  at::Tensor scores = at::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(hs));
  scores = scores.masked_fill(causal, -std::numeric_limits<float>::infinity());
  const at::Tensor out =
      at::matmul(at::softmax(scores, -1), v).permute({0, 2, 1, 3}).reshape({b, n, heads * hs});
  return x + Linear(out, wo_[layer]);
}

at::Tensor LlamaGraph::FfnHidden(const at::Tensor& x, int layer) const {
  const at::Tensor xf = RmsNorm(x, rms_ffn_[layer], config_.norm_eps);
  return at::silu(Linear(xf, w1_[layer])) * Linear(xf, w3_[layer]);
}

at::Tensor LlamaGraph::Logits(const at::Tensor& x) const {
  return Linear(RmsNorm(x, rms_final_, config_.norm_eps), classifier_);
}

at::Tensor LlamaGraph::Forward(const at::Tensor& tokens) const {
  const std::int64_t b = tokens.size(0), n = tokens.size(1);
  at::Tensor x = embedding_.index_select(0, tokens.reshape({-1})).view({b, n, config_.dim});
  for (int l = 0; l < config_.n_layers; ++l) {
    x = Attention(x, l);
    x = x + Linear(FfnHidden(x, l), w2_[l]);
  }
  return Logits(x);
}

LayerInputs LlamaGraph::ForwardTo(const at::Tensor& tokens, int layer) const {
  const std::int64_t b = tokens.size(0), n = tokens.size(1);
  at::Tensor x = embedding_.index_select(0, tokens.reshape({-1})).view({b, n, config_.dim});
  for (int l = 0; l < layer; ++l) {
    x = Attention(x, l);
    x = x + Linear(FfnHidden(x, l), w2_[l]);
  }
  LayerInputs out;
  out.residual = Attention(x, layer);
  out.hidden = FfnHidden(out.residual, layer);
  return out;
}

at::Tensor LlamaGraph::ForwardFrom(const LayerInputs& inputs, int layer, const at::Tensor& w2,
                                   const at::Tensor& rows) const {
  at::Tensor x = inputs.residual + Linear(inputs.hidden, w2);
  for (int l = layer + 1; l < config_.n_layers; ++l) {
    x = Attention(x, l);
    x = x + Linear(FfnHidden(x, l), w2_[l]);
  }
  if (rows.defined()) return Logits(x.reshape({-1, config_.dim}).index_select(0, rows));
  return Logits(x);
}

}  // namespace engram::compute::editing::internal
