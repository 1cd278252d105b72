// Internal to compute/episodic: the two vector kernels every loop of the episodic memory is
// built from. Torch-free.
//
// Both give the same bits on every x86-64 CPU: GCC clones them for AVX-512, AVX2 and the
// baseline and picks one at load time, but each element is one IEEE multiply then one add
// (these files are compiled with -ffp-contract=off) and DotProduct's summation order is fixed by
// the source (eight partial sums, combined pairwise), not by the vector width. The episodic
// state is therefore replayed bit for bit anywhere — only faster where wider vectors exist.
#ifndef ENGRAM_COMPUTE_EPISODIC_KERNELS_H_
#define ENGRAM_COMPUTE_EPISODIC_KERNELS_H_

#include <cstddef>

namespace engram::compute::episodic::internal {

// out[j] += f · in[j] for j < n.
void AddScaled(double* out, const double* in, double f, std::size_t n);

// Σ a[j]·b[j] for j < n, in the fixed order described above (a float `a` is widened to double
// exactly; the products and sums are in double).
double DotProduct(const double* a, const double* b, std::size_t n);
double DotProduct(const float* a, const double* b, std::size_t n);

}  // namespace engram::compute::episodic::internal

#endif  // ENGRAM_COMPUTE_EPISODIC_KERNELS_H_
