#include "compute/context/context_model.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "compute/runtime/cpu_stream.h"

namespace engram::compute::context {
namespace {

// out[i] = Σ_j w[i][j]·x[j] for w [rows][cols] row-major (llama2.c's matmul, j ascending).
void MatVec(const float* w, const float* x, int rows, int cols, float* out) {
  for (int i = 0; i < rows; ++i) {
    const float* row = w + static_cast<std::size_t>(i) * cols;
    float sum = 0.0f;
    for (int j = 0; j < cols; ++j) sum += row[j] * x[j];
    out[i] = sum;
  }
}

void RmsNorm(const float* x, const float* weight, int n, float eps, float* out) {
  float ss = 0.0f;
  for (int j = 0; j < n; ++j) ss += x[j] * x[j];
  ss = 1.0f / std::sqrt(ss / static_cast<float>(n) + eps);
  for (int j = 0; j < n; ++j) out[j] = weight[j] * (ss * x[j]);
}

// Rotates the pairs of `vec` (width n) for position `pos`, as llama2.c does.
void Rope(float* vec, int n, const LlamaConfig& config, int pos) {
  for (int i = 0; i < n; i += 2) {
    const float val = RopeAngle(config, pos, (i % config.head_size()) / 2);
    const float fcr = std::cos(val), fci = std::sin(val);
    const float v0 = vec[i], v1 = vec[i + 1];
    vec[i] = v0 * fcr - v1 * fci;
    vec[i + 1] = v0 * fci + v1 * fcr;
  }
}

float Dot(const float* a, const float* b, int n) {
  float sum = 0.0f;
  for (int j = 0; j < n; ++j) sum += a[j] * b[j];
  return sum;
}

}  // namespace

bool MemoryTokens::empty() const {
  for (const int c : count) {
    if (c > 0) return false;
  }
  return true;
}

Result<ContextModel> ContextModel::Create(const LlamaWeights& weights, int memory_layer) {
  if (memory_layer < 0 || memory_layer >= weights.config().n_layers) {
    return SyntaxError("the memory layer must be within 0.." +
                       std::to_string(weights.config().n_layers - 1) + ", got " +
                       std::to_string(memory_layer));
  }
  return ContextModel(weights, memory_layer);
}

ContextModel::ContextModel(const LlamaWeights& weights, int memory_layer)
    : weights_(&weights), memory_layer_(memory_layer) {
  const LlamaConfig& c = weights.config();
  const auto cache = static_cast<std::size_t>(c.n_layers) * c.seq_len * c.kv_dim();
  key_cache_.assign(cache, 0.0f);
  value_cache_.assign(cache, 0.0f);
  x_.resize(c.dim);
  xb_.resize(c.dim);
  xb2_.resize(c.dim);
  hb_.resize(c.hidden_dim);
  hb2_.resize(c.hidden_dim);
  q_.resize(c.dim);
  q_pre_.resize(c.dim);
  k_.resize(c.kv_dim());
  k_pre_.resize(c.kv_dim());
  v_.resize(c.kv_dim());
  att_.resize(c.seq_len);
}

void ContextModel::Attend(int layer, const MemoryTokens* memory, const float* q_pre) {
  const LlamaConfig& c = config();
  const int hs = c.head_size(), kv_dim = c.kv_dim(), kv_mul = c.kv_group();
  const float scale = 1.0f / std::sqrt(static_cast<float>(hs));
  const std::size_t layer_offset = static_cast<std::size_t>(layer) * c.seq_len * kv_dim;
  std::vector<float> memory_scores;
  for (int h = 0; h < c.n_heads; ++h) {
    const float* q = q_.data() + h * hs;
    const int g = h / kv_mul;
    for (int t = 0; t <= position_; ++t) {
      const float* k =
          key_cache_.data() + layer_offset + static_cast<std::size_t>(t) * kv_dim + g * hs;
      att_[t] = Dot(q, k, hs) * scale;
    }
    const int m =
        memory != nullptr && g < static_cast<int>(memory->count.size()) ? memory->count[g] : 0;
    memory_scores.assign(m, 0.0f);
    for (int j = 0; j < m; ++j) {
      memory_scores[j] = Dot(q_pre + h * hs, memory->keys[g].data() + j * hs, hs) * scale;
    }
    // One softmax over [memory ‖ local].
    float max = att_[0];
    for (int t = 1; t <= position_; ++t) max = std::max(max, att_[t]);
    for (int j = 0; j < m; ++j) max = std::max(max, memory_scores[j]);
    float sum = 0.0f;
    for (int t = 0; t <= position_; ++t) sum += att_[t] = std::exp(att_[t] - max);
    for (int j = 0; j < m; ++j) sum += memory_scores[j] = std::exp(memory_scores[j] - max);
    float* out = xb_.data() + h * hs;
    std::fill(out, out + hs, 0.0f);
    for (int t = 0; t <= position_; ++t) {
      const float* v =
          value_cache_.data() + layer_offset + static_cast<std::size_t>(t) * kv_dim + g * hs;
      const float a = att_[t] / sum;
      for (int i = 0; i < hs; ++i) out[i] += a * v[i];
    }
    for (int j = 0; j < m; ++j) {
      const float* v = memory->values[g].data() + j * hs;
      const float a = memory_scores[j] / sum;
      for (int i = 0; i < hs; ++i) out[i] += a * v[i];
    }
  }
}

void ContextModel::ExportKv(std::vector<float>& keys, std::vector<float>& values) const {
  const LlamaConfig& c = config();
  const auto row = static_cast<std::size_t>(c.kv_dim());
  const auto n = static_cast<std::size_t>(position_);
  keys.resize(static_cast<std::size_t>(c.n_layers) * n * row);
  values.resize(keys.size());
  for (int l = 0; l < c.n_layers; ++l) {
    const std::size_t from = static_cast<std::size_t>(l) * c.seq_len * row;
    const std::size_t to = static_cast<std::size_t>(l) * n * row;
    std::copy_n(key_cache_.begin() + static_cast<std::ptrdiff_t>(from), n * row,
                keys.begin() + static_cast<std::ptrdiff_t>(to));
    std::copy_n(value_cache_.begin() + static_cast<std::ptrdiff_t>(from), n * row,
                values.begin() + static_cast<std::ptrdiff_t>(to));
  }
}

Status ContextModel::ImportKv(int count, int use, std::span<const float> keys,
                              std::span<const float> values) {
  ENGRAM_RETURN_IF_ERROR(CheckKvImport(config(), count, use, keys.size(), values.size()));
  const LlamaConfig& c = config();
  const auto row = static_cast<std::size_t>(c.kv_dim());
  const auto n = static_cast<std::size_t>(count);
  const auto used = static_cast<std::size_t>(use);
  for (int l = 0; l < c.n_layers; ++l) {
    const std::size_t to = static_cast<std::size_t>(l) * c.seq_len * row;
    const std::size_t from = static_cast<std::size_t>(l) * n * row;
    std::copy_n(keys.begin() + static_cast<std::ptrdiff_t>(from), used * row,
                key_cache_.begin() + static_cast<std::ptrdiff_t>(to));
    std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(from), used * row,
                value_cache_.begin() + static_cast<std::ptrdiff_t>(to));
  }
  position_ = use;
  return Status::Ok();
}

Status ContextModel::Step(int token, MemoryLayerHook* hook, std::span<float> logits) {
  ENGRAM_RETURN_IF_ERROR(CheckStreamStep(config(), position_, token, logits.size()));
  const LlamaConfig& c = config();
  const LlamaWeights& w = *weights_;
  const int dim = c.dim, kv_dim = c.kv_dim(), hidden = c.hidden_dim;
  const float* emb = w.Tensor(WeightId::kTokenEmbedding).data();
  std::copy(emb + static_cast<std::size_t>(token) * dim,
            emb + static_cast<std::size_t>(token + 1) * dim, x_.begin());
  for (int l = 0; l < c.n_layers; ++l) {
    const auto ld = static_cast<std::size_t>(l);
    RmsNorm(x_.data(), w.Tensor(WeightId::kRmsAttention).data() + ld * dim, dim, c.norm_eps,
            xb_.data());
    MatVec(w.Tensor(WeightId::kWq).data() + ld * dim * dim, xb_.data(), dim, dim, q_.data());
    MatVec(w.Tensor(WeightId::kWk).data() + ld * kv_dim * dim, xb_.data(), kv_dim, dim, k_.data());
    MatVec(w.Tensor(WeightId::kWv).data() + ld * kv_dim * dim, xb_.data(), kv_dim, dim, v_.data());
    const bool at_memory = l == memory_layer_;
    if (at_memory) {
      std::copy(q_.begin(), q_.end(), q_pre_.begin());
      std::copy(k_.begin(), k_.end(), k_pre_.begin());
    }
    Rope(q_.data(), dim, c, position_);
    Rope(k_.data(), kv_dim, c, position_);
    const std::size_t at = (ld * c.seq_len + position_) * kv_dim;
    std::copy(k_.begin(), k_.end(), key_cache_.begin() + static_cast<std::ptrdiff_t>(at));
    std::copy(v_.begin(), v_.end(), value_cache_.begin() + static_cast<std::ptrdiff_t>(at));
    const MemoryTokens* memory = nullptr;
    if (at_memory && hook != nullptr) {
      fuse_.count.assign(c.n_kv_heads, 0);
      fuse_.keys.resize(c.n_kv_heads);
      fuse_.values.resize(c.n_kv_heads);
      for (int g = 0; g < c.n_kv_heads; ++g) {
        fuse_.keys[g].clear();
        fuse_.values[g].clear();
      }
      hook->AtMemoryLayer(LayerVectors{q_pre_, k_pre_, v_}, fuse_);
      if (!fuse_.empty()) memory = &fuse_;
    }
    Attend(l, memory, q_pre_.data());
    MatVec(w.Tensor(WeightId::kWo).data() + ld * dim * dim, xb_.data(), dim, dim, xb2_.data());
    for (int i = 0; i < dim; ++i) x_[i] += xb2_[i];
    RmsNorm(x_.data(), w.Tensor(WeightId::kRmsFfn).data() + ld * dim, dim, c.norm_eps, xb_.data());
    MatVec(w.Tensor(WeightId::kW1).data() + ld * hidden * dim, xb_.data(), hidden, dim, hb_.data());
    MatVec(w.Tensor(WeightId::kW3).data() + ld * hidden * dim, xb_.data(), hidden, dim,
           hb2_.data());
    for (int i = 0; i < hidden; ++i) {
      const float g = hb_[i];
      hb_[i] = g * (1.0f / (1.0f + std::exp(-g))) * hb2_[i];
    }
    MatVec(w.Tensor(WeightId::kW2).data() + ld * dim * hidden, hb_.data(), dim, hidden, xb_.data());
    for (int i = 0; i < dim; ++i) x_[i] += xb_[i];
  }
  RmsNorm(x_.data(), w.Tensor(WeightId::kRmsFinal).data(), dim, c.norm_eps, xb_.data());
  MatVec(w.Tensor(WeightId::kClassifier).data(), xb_.data(), c.vocab_size, dim, logits.data());
  ++position_;
  return Status::Ok();
}

}  // namespace engram::compute::context
