// Exact sparse deltas against the original w2 of the side memory's layer, and the per-shard
// gradient mask they live on. Torch-free.
//
// A side memory's weight is W_v' = W_v + Δ, entry by entry in float32 (fl(W_v[i] + Δ[i])): the
// training graph, the router and the decode engines all form it with that one addition, so a
// stored Δ gives the trained W_v' bit for bit. Δ is zero outside its shard's mask.
//
// Thread-safety: plain values and pure functions.
#ifndef ENGRAM_COMPUTE_EDITING_SPARSE_DELTA_H_
#define ENGRAM_COMPUTE_EDITING_SPARSE_DELTA_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engram/status.h"

namespace engram::compute::editing {

// The non-zero entries of a delta over a [rows, cols] matrix, row-major flat positions.
struct SparseDelta {
  std::vector<std::uint32_t> index;  // strictly ascending
  std::vector<float> value;          // same length, finite, never 0

  std::size_t size() const { return index.size(); }
  friend bool operator==(const SparseDelta&, const SparseDelta&) = default;
};

// The non-zero entries of `dense` (exact; -0.0 counts as zero).
SparseDelta SparseFromDense(std::span<const float> dense);

// The dense form, `numel` entries. Entries past numel are a programmer error (checked by
// CheckDelta first).
std::vector<float> DenseFromSparse(const SparseDelta& delta, std::size_t numel);

// `base` + delta entry by entry (fl(base[i] + value)): the side memory's weight.
std::vector<float> ApplyDelta(std::span<const float> base, const SparseDelta& delta);

// SYNTAX when the lengths differ, an index is not ascending or not below `numel`, or a value is
// zero or not finite.
Status CheckDelta(const SparseDelta& delta, std::size_t numel);

// The per-shard Bernoulli(ratio) gradient mask: 1 where the entry may train. A fixed function
// of (seed, numel, ratio): splitmix64 from `seed`, entry i kept when the top 24 bits of its draw
// are below ratio · 2^24. ratio >= 1 keeps every entry.
std::vector<std::uint8_t> GradientMask(std::uint64_t seed, std::size_t numel, float ratio);

// A seed for one purpose (`label`, e.g. "mask") of one piece of content (an edit request),
// from the memory's seed: XXH3-64 of the label and content, mixed with the seed by splitmix64.
// A fixed function, so an edit gets the same seeds whatever came before it.
std::uint64_t DeriveSeed(std::uint64_t seed, std::string_view label, std::string_view content);

}  // namespace engram::compute::editing

#endif  // ENGRAM_COMPUTE_EDITING_SPARSE_DELTA_H_
