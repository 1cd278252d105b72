// The AVX-512 scan kernels: every score is the fma chain of chunk_search.h (one vfmadd per key
// element, in element order, from +0), so they give the same bits as the portable kernel.
//
// - A few queries (< kBatchQueries): keys in lanes. 64 keys at a time are transposed in
//   registers (16 x 16 blocks) into a [head_dim x 64] tile in L1, then each query runs four
//   independent 16-lane fma chains over it. The row-major keys are read once, sequentially:
//   the scan is bound by memory bandwidth, not by the shuffles.
// - A batch: queries in lanes. The queries are transposed once ([head_dim x padded]); a micro
//   kernel holds 12 keys x 32 queries of scores in 24 registers, broadcasting each key element
//   from the row-major keys, so keys need no packing. Keys are taken in blocks that stay in L2
//   while every query tile passes over them. Each finished register of scores is compared with
//   its 16 queries' thresholds; only a lane that beats its query's current k-th best leaves the
//   registers, so the score matrix is never written anywhere.
//
// Only the code below the pragma is compiled for AVX-512: the headers are included first, so no
// inline function or template they define is emitted with instructions other CPUs lack.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "compute/context/chunk_search_kernels.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")
// GCC 12 reports the `_mm512_undefined_*` placeholder inside its own unpack and shuffle
// intrinsics as maybe-uninitialized once they are inlined (a false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace engram::compute::context::internal {
namespace {

constexpr std::int64_t kBatchQueries = 16;  // from here on, queries go in lanes
constexpr std::int64_t kKeyTile = 64;       // keys transposed at once (keys in lanes)
constexpr int kMicroKeys = 12;              // keys per micro tile (queries in lanes)
constexpr std::int64_t kKeyBlockBytes = 256 * 1024;
constexpr std::int64_t kPrefetchTiles = 4;  // keys-in-lanes: tiles fetched ahead

// ------------------------------------------------------------------------------------------
// Keys in lanes
// ------------------------------------------------------------------------------------------

// r[i] = row i (16 floats) becomes r[j] = column j (element i = old r[i][j]).
inline void Transpose16x16(__m512 r[16]) {
  __m512 t[16];
  for (int p = 0; p < 8; ++p) {
    t[2 * p] = _mm512_unpacklo_ps(r[2 * p], r[2 * p + 1]);
    t[2 * p + 1] = _mm512_unpackhi_ps(r[2 * p], r[2 * p + 1]);
  }
  // u[4g + c], in 128-bit lane L: column 4L + c of rows 4g .. 4g + 3.
  __m512 u[16];
  for (int g = 0; g < 4; ++g) {
    const __m512d lo_a = _mm512_castps_pd(t[4 * g]);
    const __m512d lo_b = _mm512_castps_pd(t[4 * g + 2]);
    const __m512d hi_a = _mm512_castps_pd(t[4 * g + 1]);
    const __m512d hi_b = _mm512_castps_pd(t[4 * g + 3]);
    u[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(lo_a, lo_b));
    u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(lo_a, lo_b));
    u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(hi_a, hi_b));
    u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(hi_a, hi_b));
  }
  for (int c = 0; c < 4; ++c) {
    const __m512 v0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x44);
    const __m512 v1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xEE);
    const __m512 v2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x44);
    const __m512 v3 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xEE);
    r[c] = _mm512_shuffle_f32x4(v0, v2, 0x88);
    r[4 + c] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
    r[8 + c] = _mm512_shuffle_f32x4(v1, v3, 0x88);
    r[12 + c] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
  }
}

// tile[j * 64 + i] = keys[i * d + j] for the first n (<= 64) keys; 0 for keys >= n.
template <bool kFull>
inline void TransposeKeys(const float* keys, std::int64_t n, std::int64_t d, float* tile) {
  for (std::int64_t s = 0; s < kKeyTile / 16; ++s) {
    const std::int64_t row0 = s * 16;
    const std::int64_t rows = kFull ? 16 : std::clamp<std::int64_t>(n - row0, 0, 16);
    for (std::int64_t g = 0; g < d; g += 16) {
      const std::int64_t cols = std::min<std::int64_t>(16, d - g);
      const auto col_mask = static_cast<__mmask16>((1u << cols) - 1);
      __m512 r[16];
      for (int i = 0; i < 16; ++i) {
        r[i] = (kFull || i < rows) ? _mm512_maskz_loadu_ps(col_mask, keys + (row0 + i) * d + g)
                                   : _mm512_setzero_ps();
      }
      Transpose16x16(r);
      for (std::int64_t c = 0; c < cols; ++c)
        _mm512_store_ps(tile + (g + c) * kKeyTile + row0, r[c]);
    }
  }
}

// Offers the lanes set in `hits` (bit l = key l of the tile) in ascending key order.
__attribute__((noinline)) void OfferKeyLanes(const __m512 acc[4], std::uint64_t hits,
                                             std::int64_t query, std::int64_t chunk0,
                                             TopKLists& lists) {
  alignas(64) float scores[kKeyTile];
  for (int v = 0; v < 4; ++v) _mm512_store_ps(scores + 16 * v, acc[v]);
  while (hits != 0) {
    const int l = __builtin_ctzll(hits);
    hits &= hits - 1;
    lists.Offer(query, scores[l], chunk0 + l);
  }
}

void ScoreKeyTile(const float* tile, std::int64_t d, std::int64_t n, const QueryBlock& queries,
                  std::int64_t chunk0, TopKLists& lists) {
  const std::uint64_t valid = n >= kKeyTile ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
  for (std::int64_t q = 0; q < queries.count; ++q) {
    const float* query = queries.rows + q * d;
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                     _mm512_setzero_ps()};
    for (std::int64_t j = 0; j < d; ++j) {
      const __m512 qj = _mm512_set1_ps(query[j]);
      const float* row = tile + j * kKeyTile;
      for (int v = 0; v < 4; ++v)
        acc[v] = _mm512_fmadd_ps(qj, _mm512_load_ps(row + 16 * v), acc[v]);
    }
    const __m512 threshold = _mm512_set1_ps(lists.thresholds()[q]);
    std::uint64_t hits = 0;
    for (int v = 0; v < 4; ++v) {
      hits |= std::uint64_t{_mm512_cmp_ps_mask(acc[v], threshold, _CMP_GT_OQ)} << (16 * v);
    }
    hits &= valid;
    if (hits != 0) [[unlikely]]
      OfferKeyLanes(acc, hits, q, chunk0, lists);
  }
}

void ScanKeysInLanes(const KeySegment& segment, std::int64_t d, const QueryBlock& queries,
                     float* tile, TopKLists& lists) {
  const float* const end = segment.keys + segment.count * d;
  for (std::int64_t t0 = 0; t0 < segment.count; t0 += kKeyTile) {
    const std::int64_t n = std::min(kKeyTile, segment.count - t0);
    const float* keys = segment.keys + t0 * d;
    // The transposition reads a tile column group by column group (a stride of head_dim
    // floats), which the hardware prefetchers follow poorly: fetch tiles ahead explicitly.
    const float* ahead = keys + kPrefetchTiles * kKeyTile * d;
    const float* ahead_end = std::min(ahead + kKeyTile * d, end);
    for (const float* p = ahead; p < ahead_end; p += 16)
      _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0);
    if (n == kKeyTile) {
      TransposeKeys<true>(keys, n, d, tile);
    } else {
      TransposeKeys<false>(keys, n, d, tile);
    }
    ScoreKeyTile(tile, d, n, queries, segment.first_chunk + t0, lists);
  }
}

// ------------------------------------------------------------------------------------------
// Queries in lanes
// ------------------------------------------------------------------------------------------

// Offers every lane of a micro tile's scores that beats its query's current threshold, key by
// key in ascending order (thresholds are reloaded after each key: an Offer may raise them).
__attribute__((noinline)) void OfferQueryLanes(const float* scores, int keys, int vectors,
                                               std::int64_t q0, std::int64_t chunk0,
                                               TopKLists& lists) {
  for (int i = 0; i < keys; ++i) {
    for (int v = 0; v < vectors; ++v) {
      const float* s = scores + (i * vectors + v) * 16;
      const __m512 threshold = _mm512_load_ps(lists.thresholds() + q0 + 16 * v);
      unsigned hits = _mm512_cmp_ps_mask(_mm512_load_ps(s), threshold, _CMP_GT_OQ);
      while (hits != 0) {
        const int l = __builtin_ctz(hits);
        hits &= hits - 1;
        lists.Offer(q0 + 16 * v + l, s[l], chunk0 + i);
      }
    }
  }
}

// Scores MR keys (rows of `keys`) against 16 x NV queries (columns q0 .. of the transposed
// queries `qt`, row stride ldq) and offers what beats the thresholds.
template <int MR, int NV>
inline void MicroTile(const float* keys, std::int64_t d, const float* qt, std::int64_t ldq,
                      std::int64_t q0, std::int64_t chunk0, TopKLists& lists) {
  __m512 acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
  }
  for (std::int64_t j = 0; j < d; ++j) {
    __m512 q[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) q[v] = _mm512_load_ps(qt + j * ldq + 16 * v);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512 k = _mm512_set1_ps(keys[i * d + j]);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(q[v], k, acc[i][v]);
    }
  }
  __mmask16 any = 0;
#pragma GCC unroll 2
  for (int v = 0; v < NV; ++v) {
    const __m512 threshold = _mm512_load_ps(lists.thresholds() + q0 + 16 * v);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) any |= _mm512_cmp_ps_mask(acc[i][v], threshold, _CMP_GT_OQ);
  }
  if (any != 0) [[unlikely]] {
    alignas(64) float scores[MR * NV * 16];
    for (int i = 0; i < MR; ++i) {
      for (int v = 0; v < NV; ++v) _mm512_store_ps(scores + (i * NV + v) * 16, acc[i][v]);
    }
    OfferQueryLanes(scores, MR, NV, q0, chunk0, lists);
  }
}

// All keys of a block against the query columns q0 .. q0 + 16 NV.
template <int NV>
void KeysAgainstQueryTile(const float* keys, std::int64_t count, std::int64_t d, const float* qt,
                          std::int64_t ldq, std::int64_t q0, std::int64_t chunk0,
                          TopKLists& lists) {
  std::int64_t i = 0;
  for (; i + kMicroKeys <= count; i += kMicroKeys) {
    MicroTile<kMicroKeys, NV>(keys + i * d, d, qt, ldq, q0, chunk0 + i, lists);
  }
  const float* rest = keys + i * d;
  const std::int64_t c = chunk0 + i;
  switch (count - i) {
    case 0:
      break;
    case 1:
      MicroTile<1, NV>(rest, d, qt, ldq, q0, c, lists);
      break;
    case 2:
      MicroTile<2, NV>(rest, d, qt, ldq, q0, c, lists);
      break;
    case 3:
      MicroTile<3, NV>(rest, d, qt, ldq, q0, c, lists);
      break;
    case 4:
      MicroTile<4, NV>(rest, d, qt, ldq, q0, c, lists);
      break;
    case 5:
      MicroTile<5, NV>(rest, d, qt, ldq, q0, c, lists);
      break;
    case 6:
      MicroTile<6, NV>(rest, d, qt, ldq, q0, c, lists);
      break;
    case 7:
      MicroTile<7, NV>(rest, d, qt, ldq, q0, c, lists);
      break;
    case 8:
      MicroTile<8, NV>(rest, d, qt, ldq, q0, c, lists);
      break;
    case 9:
      MicroTile<9, NV>(rest, d, qt, ldq, q0, c, lists);
      break;
    case 10:
      MicroTile<10, NV>(rest, d, qt, ldq, q0, c, lists);
      break;
    default:
      MicroTile<11, NV>(rest, d, qt, ldq, q0, c, lists);
      break;
  }
}

void ScanQueriesInLanes(const KeySegment& segment, std::int64_t d, const QueryBlock& queries,
                        TopKLists& lists) {
  const std::int64_t block =
      std::max<std::int64_t>(kMicroKeys, kKeyBlockBytes / (4 * d) / kMicroKeys * kMicroKeys);
  for (std::int64_t b0 = 0; b0 < segment.count; b0 += block) {
    const std::int64_t count = std::min(block, segment.count - b0);
    const float* keys = segment.keys + b0 * d;
    const std::int64_t chunk0 = segment.first_chunk + b0;
    for (std::int64_t q0 = 0; q0 < queries.padded; q0 += 32) {
      const float* qt = queries.transposed + q0;
      if (queries.padded - q0 >= 32) {
        KeysAgainstQueryTile<2>(keys, count, d, qt, queries.padded, q0, chunk0, lists);
      } else {
        KeysAgainstQueryTile<1>(keys, count, d, qt, queries.padded, q0, chunk0, lists);
      }
    }
  }
}

}  // namespace

void ScanAvx512(const KeySegment& segment, std::int64_t head_dim, const QueryBlock& queries,
                float* scratch, TopKLists& lists) {
  if (queries.count >= kBatchQueries) {
    ScanQueriesInLanes(segment, head_dim, queries, lists);
  } else {
    ScanKeysInLanes(segment, head_dim, queries, scratch, lists);
  }
}

}  // namespace engram::compute::context::internal

#pragma GCC diagnostic pop
#pragma GCC pop_options
