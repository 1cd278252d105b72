#include "compute/model/sampler.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace engram::compute {
namespace {

constexpr std::uint64_t kZeroSeedReplacement = 0x9E3779B97F4A7C15ULL;

}  // namespace

int Argmax(std::span<const float> values) {
  assert(!values.empty());
  int best = 0;
  float best_value = values[0];
  for (std::size_t i = 1; i < values.size(); ++i) {
    if (values[i] > best_value) {
      best = static_cast<int>(i);
      best_value = values[i];
    }
  }
  return best;
}

void Softmax(std::span<float> values) {
  assert(!values.empty());
  float max_value = values[0];
  for (std::size_t i = 1; i < values.size(); ++i) max_value = std::max(max_value, values[i]);
  float sum = 0.0f;
  for (float& v : values) {
    v = std::exp(v - max_value);
    sum += v;
  }
  for (float& v : values) v /= sum;
}

Sampler::Sampler(SamplingParams params)
    : params_(params), state_(params.seed == 0 ? kZeroSeedReplacement : params.seed) {}

float Sampler::NextFloat() {
  // xorshift64*, as in llama2.c; the top 24 bits of the 32-bit output give a float in [0, 1).
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  const auto u32 = static_cast<std::uint32_t>((state_ * 0x2545F4914F6CDD1DULL) >> 32);
  return static_cast<float>(u32 >> 8) / 16777216.0f;
}

int Sampler::Sample(std::span<float> logits) {
  assert(!logits.empty());
  if (params_.temperature == 0.0f || logits.size() == 1) return Argmax(logits);

  for (float& v : logits) v /= params_.temperature;
  Softmax(logits);
  const float coin = NextFloat();
  const int n = static_cast<int>(logits.size());

  if (params_.top_p <= 0.0f || params_.top_p >= 1.0f) {
    float cdf = 0.0f;
    for (int i = 0; i < n; ++i) {
      cdf += logits[static_cast<std::size_t>(i)];
      if (coin < cdf) return i;
    }
    return n - 1;  // rounding left the total just below 1
  }

  // Nucleus sampling. Tokens below (1 - top_p) / (n - 1) cannot be in the nucleus, so they are
  // dropped before sorting (llama2.c's shortcut; it does not change the result).
  const float cutoff = (1.0f - params_.top_p) / static_cast<float>(n - 1);
  scratch_.clear();
  for (int i = 0; i < n; ++i) {
    const float p = logits[static_cast<std::size_t>(i)];
    if (p >= cutoff) scratch_.push_back({p, i});
  }
  if (scratch_.empty()) return Argmax(logits);  // only reachable with NaN probabilities
  // Stable, like glibc's merge-sort qsort that llama2.c relies on for equal probabilities.
  std::stable_sort(scratch_.begin(), scratch_.end(),
                   [](const ProbIndex& a, const ProbIndex& b) { return a.prob > b.prob; });
  float cumulative = 0.0f;
  std::size_t last = scratch_.size() - 1;
  for (std::size_t i = 0; i < scratch_.size(); ++i) {
    cumulative += scratch_[i].prob;
    if (cumulative > params_.top_p) {
      last = i;
      break;
    }
  }
  const float r = coin * cumulative;
  float cdf = 0.0f;
  for (std::size_t i = 0; i <= last; ++i) {
    cdf += scratch_[i].prob;
    if (r < cdf) return scratch_[i].index;
  }
  return scratch_[last].index;
}

}  // namespace engram::compute
