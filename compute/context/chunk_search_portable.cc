// The portable scan kernel: any x86-64 CPU (and any other). GCC clones it for x86-64-v3, where
// the 16-lane loops below become AVX2 FMA instructions; on older CPUs std::fma is the C
// library's correctly rounded fmaf. Either way every score is the fma chain of chunk_search.h,
// so this kernel gives the same bits as the AVX-512 one, only slower.
#include <algorithm>
#include <cmath>

#include "compute/context/chunk_search_kernels.h"

namespace engram::compute::context::internal {
namespace {

constexpr std::int64_t kLanes = kTileLanes;

__attribute__((target_clones("arch=x86-64-v3", "default"))) void ScanPortableImpl(
    const KeySegment& segment, std::int64_t head_dim, const QueryBlock& queries, float* scratch,
    TopKLists& lists) {
  const std::int64_t d = head_dim;
  float* tile = scratch;  // [d x 16]: lane l holds key l of the tile
  for (std::int64_t t0 = 0; t0 < segment.count; t0 += kLanes) {
    const std::int64_t n = std::min(kLanes, segment.count - t0);
    const float* keys = segment.keys + t0 * d;
    for (std::int64_t j = 0; j < d; ++j) {
      for (std::int64_t l = 0; l < kLanes; ++l) tile[j * kLanes + l] = l < n ? keys[l * d + j] : 0;
    }
    for (std::int64_t q = 0; q < queries.count; ++q) {
      const float* query = queries.rows + q * d;
      float acc[kLanes] = {};
      for (std::int64_t j = 0; j < d; ++j) {
        const float qj = query[j];
        for (std::int64_t l = 0; l < kLanes; ++l) {
          acc[l] = std::fma(qj, tile[j * kLanes + l], acc[l]);
        }
      }
      for (std::int64_t l = 0; l < n; ++l) {
        if (acc[l] > lists.thresholds()[q]) lists.Offer(q, acc[l], segment.first_chunk + t0 + l);
      }
    }
  }
}

}  // namespace

void ScanPortable(const KeySegment& segment, std::int64_t head_dim, const QueryBlock& queries,
                  float* scratch, TopKLists& lists) {
  ScanPortableImpl(segment, head_dim, queries, scratch, lists);
}

}  // namespace engram::compute::context::internal
