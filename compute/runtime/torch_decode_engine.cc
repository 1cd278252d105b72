#include "compute/runtime/torch_decode_engine.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <c10/core/InferenceMode.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace engram::compute {
namespace {

at::Tensor ToDevice(std::span<const float> data, at::IntArrayRef shape, const at::Device& device) {
  // from_blob does not copy; clone (CPU) or to() (CUDA) takes an owned copy.
  at::Tensor host = at::from_blob(const_cast<float*>(data.data()), shape, at::kFloat);
  return device.is_cpu() ? host.clone() : host.to(device);
}

at::Tensor IndexTensor(std::span<const int> values, const at::Device& device) {
  std::vector<std::int64_t> v(values.begin(), values.end());
  return at::tensor(v, at::kLong).to(device);
}

at::Tensor RmsNorm(const at::Tensor& x, const at::Tensor& weight, float eps) {
  const at::Tensor inv = at::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true).add(eps));
  return weight * (x * inv);
}

// Rotates adjacent pairs of x [B, heads, head_size] by per-row angles (cos/sin [B, head_size/2]).
at::Tensor Rope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const auto b = x.size(0), heads = x.size(1), hs = x.size(2);
  const at::Tensor pairs = x.reshape({b, heads, hs / 2, 2});
  const at::Tensor x0 = pairs.select(-1, 0), x1 = pairs.select(-1, 1);
  const at::Tensor c = cos.unsqueeze(1), s = sin.unsqueeze(1);
  return at::stack({x0 * c - x1 * s, x0 * s + x1 * c}, -1).reshape({b, heads, hs});
}

// LibTorch reports device memory exhaustion as an exception whose message says so.
Status FromException(const std::exception& e, const std::string& what) {
  const std::string message = what + ": " + e.what();
  if (message.find("out of memory") != std::string::npos) return LimitError(message);
  return ComputeError(message);
}

class TorchDecodeEngineImpl final : public TorchDecodeEngine {
 public:
  TorchDecodeEngineImpl(const LlamaWeights& weights, const TorchEngineOptions& options,
                        at::Device device)
      : config_(weights.config()), device_(device), max_slots_(options.max_slots) {
    const LlamaConfig& c = config_;
    const std::int64_t d = c.dim, f = c.hidden_dim, l = c.n_layers, v = c.vocab_size;
    const std::int64_t kv = c.kv_dim();
    auto t = [&](WeightId id, at::IntArrayRef shape) {
      return ToDevice(weights.Tensor(id), shape, device_);
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

    // RoPE tables with llama2.c's float expressions (computed on the host, then moved).
    const std::int64_t half = c.head_size() / 2;
    std::vector<float> cos_table, sin_table;
    RopeTables(c, cos_table, sin_table);
    rope_cos_ = ToDevice(cos_table, {c.seq_len, half}, device_);
    rope_sin_ = ToDevice(sin_table, {c.seq_len, half}, device_);

    const auto cache_opts = at::TensorOptions().dtype(at::kFloat).device(device_);
    key_cache_ = at::zeros({l, max_slots_, c.seq_len, kv}, cache_opts);
    value_cache_ = at::zeros({l, max_slots_, c.seq_len, kv}, cache_opts);
  }

  const LlamaConfig& config() const override { return config_; }
  std::string device() const override { return device_.str(); }
  std::string name() const override { return "torch"; }
  int max_slots() const override { return static_cast<int>(max_slots_); }

  Status Step(std::span<const int> slots, std::span<const int> tokens,
              std::span<const int> positions, std::span<float> logits) override {
    ENGRAM_RETURN_IF_ERROR(ValidateStep(slots, tokens, positions, logits));
    if (slots.empty()) return Status::Ok();
    try {
      c10::InferenceMode guard;
      at::Tensor out = StepImpl(slots, tokens, positions);
      CopyOut(out, logits);
      return Status::Ok();
    } catch (const std::exception& e) {
      return FromException(e, "LibTorch decode step failed");
    }
  }

  Status ForwardSequence(std::span<const int> tokens, std::span<float> logits) override {
    const LlamaConfig& c = config_;
    if (tokens.empty()) return SyntaxError("forward needs at least one token");
    if (static_cast<int>(tokens.size()) > c.seq_len) {
      return LimitError(std::to_string(tokens.size()) + " tokens exceed the context window of " +
                        std::to_string(c.seq_len));
    }
    for (int tok : tokens) {
      if (tok < 0 || tok >= c.vocab_size)
        return SyntaxError("token id " + std::to_string(tok) + " outside the vocabulary");
    }
    if (logits.size() < tokens.size() * static_cast<std::size_t>(c.vocab_size)) {
      return InternalError("forward: logits buffer too small");
    }
    try {
      c10::InferenceMode guard;
      CopyOut(SequenceImpl(tokens), logits);
      return Status::Ok();
    } catch (const std::exception& e) {
      return FromException(e, "LibTorch forward failed");
    }
  }

 private:
  static void CopyOut(const at::Tensor& t, std::span<float> out) {
    const at::Tensor host = t.to(at::kCPU).contiguous();
    std::memcpy(out.data(), host.data_ptr<float>(),
                static_cast<std::size_t>(host.numel()) * sizeof(float));
  }

  at::Tensor StepImpl(std::span<const int> slots, std::span<const int> tokens,
                      std::span<const int> positions) {
    const LlamaConfig& c = config_;
    const std::int64_t b = static_cast<std::int64_t>(slots.size());
    const std::int64_t hs = c.head_size(), heads = c.n_heads, kv_heads = c.n_kv_heads;
    const at::Tensor slot_idx = IndexTensor(slots, device_);
    const at::Tensor pos_idx = IndexTensor(positions, device_);
    const at::Tensor token_idx = IndexTensor(tokens, device_);
    int max_pos = 0;
    for (int p : positions) max_pos = std::max(max_pos, p);
    const std::int64_t span = max_pos + 1;

    const at::Tensor cos = rope_cos_.index_select(0, pos_idx);
    const at::Tensor sin = rope_sin_.index_select(0, pos_idx);
    // mask[b][t]: position t is in the future of stream b.
    const at::Tensor future =
        at::arange(span, at::TensorOptions().dtype(at::kLong).device(device_)).unsqueeze(0) >
        pos_idx.unsqueeze(1);
    const double scale = std::sqrt(static_cast<double>(hs));

    at::Tensor x = embedding_.index_select(0, token_idx);
    for (std::int64_t l = 0; l < c.n_layers; ++l) {
      const at::Tensor xb = RmsNorm(x, rms_attention_[l], c.norm_eps);
      const at::Tensor q = Rope(at::mm(xb, wq_[l].t()).view({b, heads, hs}), cos, sin);
      const at::Tensor k = Rope(at::mm(xb, wk_[l].t()).view({b, kv_heads, hs}), cos, sin);
      const at::Tensor v = at::mm(xb, wv_[l].t());

      at::Tensor layer_keys = key_cache_[l];
      at::Tensor layer_values = value_cache_[l];
      layer_keys.index_put_({slot_idx, pos_idx}, k.reshape({b, kv_heads * hs}));
      layer_values.index_put_({slot_idx, pos_idx}, v);

      // [b, heads, span, hs], kv heads repeated for grouped-query attention.
      auto gather = [&](const at::Tensor& cache) {
        at::Tensor t = cache.index_select(0, slot_idx).narrow(1, 0, span);
        t = t.view({b, span, kv_heads, hs}).permute({0, 2, 1, 3});
        return c.kv_group() > 1 ? t.repeat_interleave(c.kv_group(), 1) : t;
      };
      const at::Tensor keys = gather(layer_keys);
      const at::Tensor values = gather(layer_values);
      at::Tensor scores = at::matmul(q.unsqueeze(2), keys.transpose(-1, -2)).squeeze(2) / scale;
      scores = scores.masked_fill(future.unsqueeze(1), -std::numeric_limits<float>::infinity());
      const at::Tensor att = at::softmax(scores, -1);
      const at::Tensor out =
          at::matmul(att.unsqueeze(2), values).squeeze(2).reshape({b, heads * hs});

      x = x + at::mm(out, wo_[l].t());
      const at::Tensor xf = RmsNorm(x, rms_ffn_[l], c.norm_eps);
      const at::Tensor hidden = at::silu(at::mm(xf, w1_[l].t())) * at::mm(xf, w3_[l].t());
      x = x + at::mm(hidden, w2_[l].t());
    }
    x = RmsNorm(x, rms_final_, c.norm_eps);
    return at::mm(x, classifier_.t());
  }

  at::Tensor SequenceImpl(std::span<const int> tokens) {
    const LlamaConfig& c = config_;
    const std::int64_t n = static_cast<std::int64_t>(tokens.size());
    const std::int64_t hs = c.head_size(), heads = c.n_heads, kv_heads = c.n_kv_heads;
    const at::Tensor token_idx = IndexTensor(tokens, device_);
    const at::Tensor cos = rope_cos_.narrow(0, 0, n);
    const at::Tensor sin = rope_sin_.narrow(0, 0, n);
    const at::Tensor causal =
        at::ones({n, n}, at::TensorOptions().dtype(at::kBool).device(device_)).triu(1);
    const double scale = std::sqrt(static_cast<double>(hs));

    at::Tensor x = embedding_.index_select(0, token_idx);
    for (std::int64_t l = 0; l < c.n_layers; ++l) {
      const at::Tensor xb = RmsNorm(x, rms_attention_[l], c.norm_eps);
      // Positions play the role of the batch rows in Rope: row i sits at position i.
      const at::Tensor q =
          Rope(at::mm(xb, wq_[l].t()).view({n, heads, hs}), cos, sin).permute({1, 0, 2});
      at::Tensor k =
          Rope(at::mm(xb, wk_[l].t()).view({n, kv_heads, hs}), cos, sin).permute({1, 0, 2});
      at::Tensor v = at::mm(xb, wv_[l].t()).view({n, kv_heads, hs}).permute({1, 0, 2});
      if (c.kv_group() > 1) {
        k = k.repeat_interleave(c.kv_group(), 0);
        v = v.repeat_interleave(c.kv_group(), 0);
      }
      at::Tensor scores = at::matmul(q, k.transpose(-1, -2)) / scale;  // [heads, n, n]
      scores = scores.masked_fill(causal, -std::numeric_limits<float>::infinity());
      const at::Tensor out =
          at::matmul(at::softmax(scores, -1), v).permute({1, 0, 2}).reshape({n, heads * hs});
      x = x + at::mm(out, wo_[l].t());
      const at::Tensor xf = RmsNorm(x, rms_ffn_[l], c.norm_eps);
      x = x + at::mm(at::silu(at::mm(xf, w1_[l].t())) * at::mm(xf, w3_[l].t()), w2_[l].t());
    }
    return at::mm(RmsNorm(x, rms_final_, c.norm_eps), classifier_.t());
  }

  LlamaConfig config_;
  at::Device device_;
  std::int64_t max_slots_;
  at::Tensor embedding_, rms_attention_, wq_, wk_, wv_, wo_, rms_ffn_, w1_, w2_, w3_, rms_final_;
  at::Tensor classifier_, rope_cos_, rope_sin_, key_cache_, value_cache_;
};

}  // namespace

bool TorchCudaAvailable() {
  return at::globalContext().hasCUDA();
}

std::string TorchVersion() {
  return TORCH_VERSION;
}

Result<std::unique_ptr<TorchDecodeEngine>> TorchDecodeEngine::Create(
    const LlamaWeights& weights, const TorchEngineOptions& options) {
  if (options.max_slots < 1) return LimitError("max_slots must be at least 1");
  try {
    const at::Device device(options.device);
    if (device.is_cuda() && !TorchCudaAvailable()) {
      return ComputeError("device '" + options.device +
                          "' requested but this LibTorch build has no CUDA (rebuild with "
                          "-DENGRAM_CUDA=ON against a CUDA LibTorch)");
    }
    if (!device.is_cpu() && !device.is_cuda()) {
      return ComputeError("unsupported device '" + options.device + "' (use cpu or cuda[:N])");
    }
    c10::InferenceMode guard;
    return std::unique_ptr<TorchDecodeEngine>(new TorchDecodeEngineImpl(weights, options, device));
  } catch (const std::exception& e) {
    return FromException(e, "cannot create the LibTorch engine on '" + options.device + "'");
  }
}

}  // namespace engram::compute
