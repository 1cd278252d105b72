#include "compute/editing/ties_merge.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace engram::compute::editing {
namespace {

// τ with only its `keep` largest-magnitude entries (ties: lower index first).
std::vector<float> Trim(const std::vector<float>& task, std::size_t keep) {
  if (keep >= task.size()) return task;
  std::vector<std::size_t> order(task.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::fabs(task[a]) > std::fabs(task[b]);
  });
  std::vector<float> out(task.size(), 0.0f);
  for (std::size_t k = 0; k < keep; ++k) out[order[k]] = task[order[k]];
  return out;
}

int Sign(double v) {
  return (v > 0) - (v < 0);
}

}  // namespace

Result<std::vector<float>> TiesMerge(std::span<const std::vector<float>> tasks, float density,
                                     std::span<const double> weights) {
  if (tasks.empty()) return SyntaxError("TIES merge needs at least one task vector");
  if (!(density > 0.0f && density <= 1.0f)) {
    return SyntaxError("TIES density must be in (0, 1], got " + std::to_string(density));
  }
  const std::size_t n = tasks[0].size();
  for (const auto& t : tasks) {
    if (t.size() != n) return SyntaxError("TIES task vectors differ in length");
  }
  std::vector<double> w(tasks.size(), 1.0 / static_cast<double>(tasks.size()));
  if (!weights.empty()) {
    if (weights.size() != tasks.size()) return SyntaxError("TIES: one weight per task vector");
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (!(weights[i] > 0.0) || !std::isfinite(weights[i])) {
        return SyntaxError("TIES weights must be positive and finite");
      }
      w[i] = weights[i];
    }
  }
  // ⌈d·n⌉, forgiving the float rounding of d (1/3 as a float times 3 is 1.0000000298).
  const auto keep = static_cast<std::size_t>(std::ceil(static_cast<double>(density) * n - 1e-6));
  std::vector<std::vector<float>> trimmed;
  trimmed.reserve(tasks.size());
  for (const auto& t : tasks) trimmed.push_back(Trim(t, keep));

  std::vector<float> merged(n, 0.0f);
  for (std::size_t j = 0; j < n; ++j) {
    double sum = 0.0;
    for (std::size_t i = 0; i < trimmed.size(); ++i) sum += w[i] * trimmed[i][j];
    const int elected = Sign(sum);
    if (elected == 0) continue;
    double num = 0.0, den = 0.0;
    for (std::size_t i = 0; i < trimmed.size(); ++i) {
      const float v = trimmed[i][j];
      if (v != 0.0f && Sign(v) == elected) {
        num += w[i] * v;
        den += w[i];
      }
    }
    if (den > 0.0) merged[j] = static_cast<float>(num / den);
  }
  return merged;
}

Result<SparseDelta> TiesMergeDeltas(std::span<const SparseDelta> deltas, std::size_t numel,
                                    float density) {
  std::vector<std::vector<float>> dense;
  dense.reserve(deltas.size());
  for (const SparseDelta& d : deltas) {
    ENGRAM_RETURN_IF_ERROR(CheckDelta(d, numel));
    dense.push_back(DenseFromSparse(d, numel));
  }
  auto merged = TiesMerge(dense, density);
  if (!merged.ok()) return merged.status();
  return SparseFromDense(*merged);
}

}  // namespace engram::compute::editing
