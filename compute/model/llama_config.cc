#include "compute/model/llama_config.h"

#include <cmath>

namespace engram::compute {
namespace {

// Upper bounds that keep every size computation far inside int64 and reject garbage headers
// (a random file read as a header has huge or negative fields).
constexpr int kMaxDim = 1 << 16;
constexpr int kMaxLayers = 1024;
constexpr int kMaxVocab = 1 << 22;
constexpr int kMaxSeqLen = 1 << 20;

Status Bad(const std::string& what) {
  return ModelError("invalid model header: " + what);
}

}  // namespace

std::int64_t LlamaConfig::ParameterCount() const {
  const std::int64_t d = dim, f = hidden_dim, l = n_layers, v = vocab_size, kv = kv_dim();
  const std::int64_t per_layer = 2 * d                         // the two RMSNorm weights
                                 + d * d + 2 * kv * d + d * d  // wq, wk, wv, wo
                                 + 3 * f * d;                  // w1, w2, w3
  return v * d + l * per_layer + d + (shared_classifier ? 0 : v * d);
}

Status LlamaConfig::Validate() const {
  if (dim <= 0 || dim > kMaxDim) return Bad("dim " + std::to_string(dim) + " out of range");
  if (hidden_dim <= 0 || hidden_dim > 8 * kMaxDim) {
    return Bad("hidden_dim " + std::to_string(hidden_dim) + " out of range");
  }
  if (n_layers <= 0 || n_layers > kMaxLayers) {
    return Bad("n_layers " + std::to_string(n_layers) + " out of range");
  }
  if (n_heads <= 0 || n_heads > dim || dim % n_heads != 0) {
    return Bad("n_heads " + std::to_string(n_heads) + " does not divide dim " +
               std::to_string(dim));
  }
  if (n_kv_heads <= 0 || n_kv_heads > n_heads || n_heads % n_kv_heads != 0) {
    return Bad("n_kv_heads " + std::to_string(n_kv_heads) + " does not divide n_heads " +
               std::to_string(n_heads));
  }
  if (head_size() % 2 != 0) {
    return Bad("head size " + std::to_string(head_size()) + " is odd; RoPE needs pairs");
  }
  if (vocab_size <= 3 || vocab_size > kMaxVocab) {
    return Bad("vocab_size " + std::to_string(vocab_size) + " out of range");
  }
  if (seq_len <= 0 || seq_len > kMaxSeqLen) {
    return Bad("seq_len " + std::to_string(seq_len) + " out of range");
  }
  return Status::Ok();
}

std::string LlamaConfig::ToString() const {
  return "dim=" + std::to_string(dim) + " hidden=" + std::to_string(hidden_dim) +
         " layers=" + std::to_string(n_layers) + " heads=" + std::to_string(n_heads) +
         " kv_heads=" + std::to_string(n_kv_heads) + " vocab=" + std::to_string(vocab_size) +
         " seq_len=" + std::to_string(seq_len) +
         " shared=" + std::to_string(shared_classifier ? 1 : 0);
}

float RopeAngle(const LlamaConfig& c, int pos, int pair) {
  const float freq = 1.0f / std::pow(c.rope_theta, static_cast<float>(2 * pair) /
                                                       static_cast<float>(c.head_size()));
  return static_cast<float>(pos) * freq;
}

void RopeTables(const LlamaConfig& c, std::vector<float>& cos_table,
                std::vector<float>& sin_table) {
  const int half = c.head_size() / 2;
  cos_table.clear();
  sin_table.clear();
  cos_table.reserve(static_cast<std::size_t>(c.seq_len) * static_cast<std::size_t>(half));
  sin_table.reserve(cos_table.capacity());
  for (int pos = 0; pos < c.seq_len; ++pos) {
    for (int i = 0; i < half; ++i) {
      const float angle = RopeAngle(c, pos, i);
      cos_table.push_back(std::cos(angle));
      sin_table.push_back(std::sin(angle));
    }
  }
}

}  // namespace engram::compute
