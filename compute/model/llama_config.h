// The hyper-parameters of a Llama-family model (llama2.c checkpoint header).
#ifndef ENGRAM_COMPUTE_MODEL_LLAMA_CONFIG_H_
#define ENGRAM_COMPUTE_MODEL_LLAMA_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engram/status.h"

namespace engram::compute {

struct LlamaConfig {
  int dim = 0;         // residual stream width
  int hidden_dim = 0;  // SwiGLU inner width
  int n_layers = 0;
  int n_heads = 0;     // query heads
  int n_kv_heads = 0;  // key/value heads (grouped-query attention when < n_heads)
  int vocab_size = 0;
  int seq_len = 0;                // context window (positions 0 .. seq_len-1)
  bool shared_classifier = true;  // the classifier reuses the token embedding

  // Fixed by the llama2.c family; kept here so every kernel reads them from one place.
  float norm_eps = 1e-5f;
  float rope_theta = 10000.0f;

  int head_size() const { return dim / n_heads; }
  int kv_dim() const { return head_size() * n_kv_heads; }
  int kv_group() const { return n_heads / n_kv_heads; }

  // Number of float weights the model holds, the classifier counted once when shared.
  std::int64_t ParameterCount() const;

  // Checks that the numbers describe a model engram can run: all positive, heads dividing the
  // width, an even head size (RoPE rotates pairs), and sizes small enough that no byte count
  // overflows. Returns a MODEL error naming the offending field.
  Status Validate() const;

  // "dim=64 hidden=172 layers=5 heads=8 kv_heads=4 vocab=512 seq_len=512 shared=1".
  std::string ToString() const;

  friend bool operator==(const LlamaConfig&, const LlamaConfig&) = default;
};

// RoPE's angle for position `pos` and rotation pair `pair` (0 .. head_size/2 - 1):
// pos * theta^(-2·pair / head_size), in llama2.c's float expressions. Every engine and the
// checkpoint writer build their rotations from it, so they agree bit for bit.
float RopeAngle(const LlamaConfig& config, int pos, int pair);

// cos and sin of RopeAngle for every position and pair, [seq_len][head_size / 2] each.
void RopeTables(const LlamaConfig& config, std::vector<float>& cos_table,
                std::vector<float>& sin_table);

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_MODEL_LLAMA_CONFIG_H_
