#include "compute/editing/router.h"

#include <cmath>

namespace engram::compute::editing {

float ActivationScore(const SparseDelta& delta, int dim, const PromptActivations& prompt) {
  if (prompt.tokens <= 1) return 0.0f;
  const auto cols = static_cast<std::uint32_t>(prompt.hidden_dim);
  std::vector<double> shift(static_cast<std::size_t>(dim));
  double total = 0.0;
  for (int t = 1; t < prompt.tokens; ++t) {
    const float* h = prompt.hidden.data() + static_cast<std::size_t>(t) * cols;
    std::fill(shift.begin(), shift.end(), 0.0);
    // Indices ascend row-major: the row advances monotonically.
    std::uint32_t row = 0, row_end = cols;
    for (std::size_t k = 0; k < delta.index.size(); ++k) {
      const std::uint32_t i = delta.index[k];
      while (i >= row_end) {
        ++row;
        row_end += cols;
      }
      shift[row] += static_cast<double>(delta.value[k]) * h[i - (row_end - cols)];
    }
    double sq = 0.0;
    for (double v : shift) sq += v * v;
    total += std::sqrt(sq);
  }
  return static_cast<float>(total / (prompt.tokens - 1));
}

bool Passes(const MemoryScore& score, const EditOptions& options) {
  if (!(score.score > score.threshold)) return false;
  return options.gate == RouteGate::kNone || score.key >= options.gate_threshold;
}

int ChooseMemory(std::span<const MemoryScore> scores, const EditOptions& options) {
  int best = -1;
  double best_value = 0.0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (!Passes(scores[i], options)) continue;
    double value = scores[i].score;
    if (options.route_rule == RouteRule::kLargestRatio) {
      value = scores[i].threshold > 0.0f ? value / scores[i].threshold : HUGE_VAL;
    } else if (options.route_rule == RouteRule::kNearestKey) {
      value = scores[i].key;
    }
    if (best < 0 || value >= best_value) {
      best = static_cast<int>(i);
      best_value = value;
    }
  }
  return best;
}

}  // namespace engram::compute::editing
