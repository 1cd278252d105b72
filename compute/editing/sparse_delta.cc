#include "compute/editing/sparse_delta.h"

#include <xxhash.h>

#include <cmath>
#include <string>

namespace engram::compute::editing {
namespace {

std::uint64_t SplitMix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

SparseDelta SparseFromDense(std::span<const float> dense) {
  SparseDelta out;
  for (std::size_t i = 0; i < dense.size(); ++i) {
    if (dense[i] != 0.0f) {
      out.index.push_back(static_cast<std::uint32_t>(i));
      out.value.push_back(dense[i]);
    }
  }
  return out;
}

std::vector<float> DenseFromSparse(const SparseDelta& delta, std::size_t numel) {
  std::vector<float> out(numel, 0.0f);
  for (std::size_t k = 0; k < delta.index.size(); ++k) out[delta.index[k]] = delta.value[k];
  return out;
}

std::vector<float> ApplyDelta(std::span<const float> base, const SparseDelta& delta) {
  std::vector<float> out(base.begin(), base.end());
  for (std::size_t k = 0; k < delta.index.size(); ++k) {
    out[delta.index[k]] = base[delta.index[k]] + delta.value[k];
  }
  return out;
}

Status CheckDelta(const SparseDelta& delta, std::size_t numel) {
  if (delta.index.size() != delta.value.size()) {
    return SyntaxError("delta: " + std::to_string(delta.index.size()) + " indices but " +
                       std::to_string(delta.value.size()) + " values");
  }
  for (std::size_t k = 0; k < delta.index.size(); ++k) {
    if (delta.index[k] >= numel) {
      return SyntaxError("delta: index " + std::to_string(delta.index[k]) + " outside " +
                         std::to_string(numel) + " entries");
    }
    if (k > 0 && delta.index[k] <= delta.index[k - 1]) {
      return SyntaxError("delta: indices not strictly ascending at entry " + std::to_string(k));
    }
    if (delta.value[k] == 0.0f || !std::isfinite(delta.value[k])) {
      return SyntaxError("delta: zero or non-finite value at entry " + std::to_string(k));
    }
  }
  return Status::Ok();
}

std::vector<std::uint8_t> GradientMask(std::uint64_t seed, std::size_t numel, float ratio) {
  std::vector<std::uint8_t> mask(numel, 1);
  if (ratio >= 1.0f) return mask;
  const auto limit = static_cast<std::uint64_t>(static_cast<double>(ratio) * (1 << 24));
  std::uint64_t state = seed;
  for (std::size_t i = 0; i < numel; ++i) mask[i] = (SplitMix64(state) >> 40) < limit ? 1 : 0;
  return mask;
}

std::uint64_t DeriveSeed(std::uint64_t seed, std::string_view label, std::string_view content) {
  std::string key(label);
  key.push_back('\0');
  key.append(content);
  std::uint64_t state = seed ^ XXH3_64bits(key.data(), key.size());
  return SplitMix64(state);
}

}  // namespace engram::compute::editing
