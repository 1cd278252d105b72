#include "compute/episodic/kernels.h"

namespace engram::compute::episodic::internal {

__attribute__((target_clones("avx512f", "avx2", "default"))) void AddScaled(double* out,
                                                                            const double* in,
                                                                            double f,
                                                                            std::size_t n) {
  for (std::size_t j = 0; j < n; ++j) out[j] += f * in[j];
}

namespace {

// Inlined into each clone below, so each is compiled for its own instruction set.
template <typename A>
__attribute__((always_inline)) inline double FixedOrderDot(const A* a, const double* b,
                                                           std::size_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    for (std::size_t l = 0; l < 8; ++l) acc[l] += static_cast<double>(a[j + l]) * b[j + l];
  }
  double sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; j < n; ++j) sum += static_cast<double>(a[j]) * b[j];
  return sum;
}

}  // namespace

__attribute__((target_clones("avx512f", "avx2", "default"))) double DotProduct(const double* a,
                                                                               const double* b,
                                                                               std::size_t n) {
  return FixedOrderDot(a, b, n);
}

__attribute__((target_clones("avx512f", "avx2", "default"))) double DotProduct(const float* a,
                                                                               const double* b,
                                                                               std::size_t n) {
  return FixedOrderDot(a, b, n);
}

}  // namespace engram::compute::episodic::internal
