#include "compute/runtime/cpu_model.h"

#include "compute/runtime/cpu_forward.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace engram::compute {

AlignedFloats::AlignedFloats(std::size_t count) : size_(count) {
  const std::size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
  data_ = static_cast<float*>(std::aligned_alloc(64, bytes == 0 ? 64 : bytes));
  if (data_ == nullptr) throw std::bad_alloc();  // never crosses a public boundary: see engine
  std::memset(data_, 0, bytes == 0 ? 64 : bytes);
}

AlignedFloats::AlignedFloats(AlignedFloats&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

AlignedFloats& AlignedFloats::operator=(AlignedFloats&& other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

AlignedFloats::~AlignedFloats() {
  std::free(data_);
}

namespace {

// dst[layer][k][col_offset + j] = src[layer][j][k] for j < rows_out, k < cols_in.
void TransposeInto(const float* src, int layers, int rows_out, int cols_in, float* dst,
                   int dst_cols, int col_offset) {
  for (int l = 0; l < layers; ++l) {
    const float* s = src + static_cast<std::size_t>(l) * rows_out * cols_in;
    float* d = dst + static_cast<std::size_t>(l) * cols_in * dst_cols;
    for (int j = 0; j < rows_out; ++j) {
      for (int k = 0; k < cols_in; ++k) {
        d[static_cast<std::size_t>(k) * dst_cols + col_offset + j] =
            s[static_cast<std::size_t>(j) * cols_in + k];
      }
    }
  }
}

AlignedFloats Copy(std::span<const float> src) {
  AlignedFloats out(src.size());
  std::memcpy(out.data(), src.data(), src.size_bytes());
  return out;
}

}  // namespace

CpuModel BuildCpuModel(const LlamaWeights& weights) {
  const LlamaConfig& c = weights.config();
  CpuModel m;
  m.config = c;
  const int d = c.dim, f = c.hidden_dim, kv = c.kv_dim(), l = c.n_layers;
  m.qkv_cols = PadColumns(d + 2 * kv);
  m.ffn_half = PadColumns(f);
  m.ffn_cols = 2 * m.ffn_half;
  m.dim_cols = PadColumns(d);
  m.vocab_cols = PadColumns(c.vocab_size);
  m.seq_stride = (c.seq_len + kCpuKvPad - 1) / kCpuKvPad * kCpuKvPad;

  m.token_embedding = Copy(weights.Tensor(WeightId::kTokenEmbedding));
  m.rms_attention = Copy(weights.Tensor(WeightId::kRmsAttention));
  m.rms_ffn = Copy(weights.Tensor(WeightId::kRmsFfn));
  m.rms_final = Copy(weights.Tensor(WeightId::kRmsFinal));

  const auto sz = [](std::int64_t a, std::int64_t b, std::int64_t cc) {
    return static_cast<std::size_t>(a * b * cc);
  };
  m.wqkv = AlignedFloats(sz(l, d, m.qkv_cols));
  TransposeInto(weights.Tensor(WeightId::kWq).data(), l, d, d, m.wqkv.data(), m.qkv_cols, 0);
  TransposeInto(weights.Tensor(WeightId::kWk).data(), l, kv, d, m.wqkv.data(), m.qkv_cols, d);
  TransposeInto(weights.Tensor(WeightId::kWv).data(), l, kv, d, m.wqkv.data(), m.qkv_cols, d + kv);
  m.wo = AlignedFloats(sz(l, d, m.dim_cols));
  TransposeInto(weights.Tensor(WeightId::kWo).data(), l, d, d, m.wo.data(), m.dim_cols, 0);
  m.w13 = AlignedFloats(sz(l, d, m.ffn_cols));
  TransposeInto(weights.Tensor(WeightId::kW1).data(), l, f, d, m.w13.data(), m.ffn_cols, 0);
  TransposeInto(weights.Tensor(WeightId::kW3).data(), l, f, d, m.w13.data(), m.ffn_cols,
                m.ffn_half);
  m.w2 = AlignedFloats(sz(l, f, m.dim_cols));
  TransposeInto(weights.Tensor(WeightId::kW2).data(), l, d, f, m.w2.data(), m.dim_cols, 0);
  m.classifier = AlignedFloats(sz(1, d, m.vocab_cols));
  TransposeInto(weights.Tensor(WeightId::kClassifier).data(), 1, c.vocab_size, d,
                m.classifier.data(), m.vocab_cols, 0);

  const int half = c.head_size() / 2;
  m.rope_cos = AlignedFloats(sz(1, c.seq_len, half));
  m.rope_sin = AlignedFloats(sz(1, c.seq_len, half));
  std::vector<float> cos_table, sin_table;
  RopeTables(c, cos_table, sin_table);
  std::copy(cos_table.begin(), cos_table.end(), m.rope_cos.data());
  std::copy(sin_table.begin(), sin_table.end(), m.rope_sin.data());
  return m;
}

}  // namespace engram::compute
