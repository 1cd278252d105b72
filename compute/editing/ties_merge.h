// TIES merging (Yadav et al., arXiv 2306.01708) of task vectors, as WISE merges its shards
// (shared/docs/mechanisms.md §2): trim, elect sign, disjoint mean. Torch-free, exact: a fixed
// function of its inputs with a fixed summation order.
//
// For task vectors τ_1..τ_k of n entries, weights w_i (WISE: 1/k each) and density d:
//  1. Trim: τ_i keeps its ⌈d·n − 10⁻⁶⌉ entries of largest |value| (ties: the lower index first);
//  the
//     rest become 0.
//  2. Elect: s_j = sign(Σ_i w_i·τ_i[j]) (summed in float64 in ascending i).
//  3. Disjoint mean: m_j = Σ_{i ∈ A_j} w_i·τ_i[j] / Σ_{i ∈ A_j} w_i over the agreeing set
//     A_j = {i : τ_i[j] ≠ 0 and sign(τ_i[j]) = s_j} (float64, ascending i, then rounded to
//     float32); m_j = 0 when s_j = 0 or A_j is empty.
// With equal weights m_j is the plain mean of the agreeing entries.
//
// Thread-safety: pure functions.
#ifndef ENGRAM_COMPUTE_EDITING_TIES_MERGE_H_
#define ENGRAM_COMPUTE_EDITING_TIES_MERGE_H_

#include <span>
#include <vector>

#include "compute/editing/sparse_delta.h"
#include "engram/status.h"

namespace engram::compute::editing {

// Dense task vectors, all of the same length. `weights` empty means 1/k each. Errors: SYNTAX
// for no task, lengths that differ, a weights list of another length, non-positive or
// non-finite weights, density outside (0, 1].
Result<std::vector<float>> TiesMerge(std::span<const std::vector<float>> tasks, float density,
                                     std::span<const double> weights = {});

// The same over sparse deltas of a [numel] matrix (converted to dense and back).
Result<SparseDelta> TiesMergeDeltas(std::span<const SparseDelta> deltas, std::size_t numel,
                                    float density);

}  // namespace engram::compute::editing

#endif  // ENGRAM_COMPUTE_EDITING_TIES_MERGE_H_
