// Next-token sampling, reproducing llama2.c's sampler bit for bit: greedy argmax at temperature
// 0; otherwise softmax(logits / temperature), then multinomial sampling (top_p outside (0, 1))
// or nucleus sampling over the smallest set of tokens whose probability exceeds top_p. The
// random source is llama2.c's xorshift64* generator, so a seed gives the same tokens as
// `run -s SEED`.
//
// Thread-safety: a Sampler holds its generator state; one Sampler per stream.
#ifndef ENGRAM_COMPUTE_MODEL_SAMPLER_H_
#define ENGRAM_COMPUTE_MODEL_SAMPLER_H_

#include <cstdint>
#include <span>
#include <vector>

namespace engram::compute {

struct SamplingParams {
  float temperature = 1.0f;  // 0 = greedy
  float top_p = 0.9f;        // nucleus threshold; <= 0 or >= 1 disables it
  // Generator seed. 0 (degenerate for xorshift) is replaced by a fixed non-zero constant, so
  // every seed, 0 included, is reproducible.
  std::uint64_t seed = 1;
};

class Sampler {
 public:
  explicit Sampler(SamplingParams params);

  // Picks the next token from `logits`, which it overwrites (temperature scaling and softmax
  // happen in place, as in llama2.c). `logits` must not be empty.
  int Sample(std::span<float> logits);

  const SamplingParams& params() const { return params_; }

 private:
  float NextFloat();

  SamplingParams params_;
  std::uint64_t state_;
  struct ProbIndex {
    float prob;
    int index;
  };
  std::vector<ProbIndex> scratch_;
};

// Index of the first maximum.
int Argmax(std::span<const float> values);

// In-place softmax with llama2.c's operation order (max subtraction, expf, sum, divide).
void Softmax(std::span<float> values);

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_MODEL_SAMPLER_H_
