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
// intrinsics as (maybe) uninitialized once they are inlined (a false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace engram::compute::context::internal {
namespace {

constexpr std::int64_t kKeyTile = 64;  // keys transposed at once (keys in lanes)
constexpr int kMicroKeys = 12;         // keys per micro tile (queries in lanes)
constexpr std::int64_t kKeyBlockBytes = 256 * 1024;
constexpr std::int64_t kPrefetchTiles = 4;  // keys-in-lanes: tiles fetched ahead

// ------------------------------------------------------------------------------------------
// Keys in lanes
// ------------------------------------------------------------------------------------------

// 64-bit interleaves of float registers (pairs of floats move together).
inline __m512 UnpackLo64(__m512 a, __m512 b) {
  return _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
}
inline __m512 UnpackHi64(__m512 a, __m512 b) {
  return _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
}

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
    u[4 * g] = UnpackLo64(t[4 * g], t[4 * g + 2]);
    u[4 * g + 1] = UnpackHi64(t[4 * g], t[4 * g + 2]);
    u[4 * g + 2] = UnpackLo64(t[4 * g + 1], t[4 * g + 3]);
    u[4 * g + 3] = UnpackHi64(t[4 * g + 1], t[4 * g + 3]);
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

// head_dim 8 (stories260K): a register holds two whole keys, so 16 keys are 8 contiguous
// loads, and three shuffle stages (24 shuffles instead of 64) give the 8 columns, with the
// keys in the lane order kLaneKey8 rather than in order: tile[j * 64 + 16 s + l] = element j
// of key 16 s + kLaneKey8[l]; keys >= n are 0.
constexpr int kLaneKey8[16] = {0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15};

inline void TransposeKeys8(const float* keys, std::int64_t n, float* tile) {
  for (std::int64_t s = 0; s < kKeyTile / 16; ++s) {
    const std::int64_t row0 = s * 16;
    __m512 v[8];  // v[p] = keys row0 + 2p and row0 + 2p + 1
    for (int p = 0; p < 8; ++p) {
      const std::int64_t floats = std::clamp<std::int64_t>((n - row0 - 2 * p) * 8, 0, 16);
      const auto mask = static_cast<__mmask16>((1u << floats) - 1);
      v[p] = _mm512_maskz_loadu_ps(mask, keys + (row0 + 2 * p) * 8);
    }
    // x[4h + e]: element e (128-bit lanes 0, 2) and e + 4 (lanes 1, 3) of the 8 keys of half h.
    __m512 x[8];
    for (int h = 0; h < 2; ++h) {
      const __m512 lo_a = _mm512_unpacklo_ps(v[4 * h], v[4 * h + 1]);
      const __m512 hi_a = _mm512_unpackhi_ps(v[4 * h], v[4 * h + 1]);
      const __m512 lo_b = _mm512_unpacklo_ps(v[4 * h + 2], v[4 * h + 3]);
      const __m512 hi_b = _mm512_unpackhi_ps(v[4 * h + 2], v[4 * h + 3]);
      x[4 * h] = UnpackLo64(lo_a, lo_b);
      x[4 * h + 1] = UnpackHi64(lo_a, lo_b);
      x[4 * h + 2] = UnpackLo64(hi_a, hi_b);
      x[4 * h + 3] = UnpackHi64(hi_a, hi_b);
    }
    for (int e = 0; e < 4; ++e) {
      _mm512_store_ps(tile + e * kKeyTile + row0, _mm512_shuffle_f32x4(x[e], x[4 + e], 0x88));
      _mm512_store_ps(tile + (e + 4) * kKeyTile + row0, _mm512_shuffle_f32x4(x[e], x[4 + e], 0xDD));
    }
  }
}

// Offers the lanes set in `hits` (bit 16 s + l = lane l of register s) in ascending key order;
// lane l of register s holds key 16 s + lane_key[l] (l itself when lane_key is null).
__attribute__((noinline)) void OfferKeyLanes(const float* lanes, std::uint64_t hits,
                                             const int* lane_key, std::int64_t query,
                                             std::int64_t chunk0, TopKLists& lists) {
  float scores[kKeyTile];
  std::uint64_t keys = 0;
  while (hits != 0) {
    const int l = __builtin_ctzll(hits);
    hits &= hits - 1;
    const int key = lane_key == nullptr ? l : (l & ~15) + lane_key[l & 15];
    scores[key] = lanes[l];
    keys |= std::uint64_t{1} << key;
  }
  while (keys != 0) {
    const int key = __builtin_ctzll(keys);
    keys &= keys - 1;
    lists.Offer(query, scores[key], chunk0 + key);
  }
}

// Each query's four 16-lane fma chains over a transposed tile; `valid` marks the lanes that
// hold keys.
void ScoreKeyTile(const float* tile, std::int64_t d, std::uint64_t valid, const int* lane_key,
                  const QueryBlock& queries, std::int64_t chunk0, TopKLists& lists) {
  for (std::int64_t q = 0; q < queries.count; ++q) {
    const float* query = queries.rows + q * d;
    // Four named chains (not an array) so that they stay in registers.
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (std::int64_t j = 0; j < d; ++j) {
      const __m512 qj = _mm512_set1_ps(query[j]);
      const float* row = tile + j * kKeyTile;
      a0 = _mm512_fmadd_ps(qj, _mm512_load_ps(row), a0);
      a1 = _mm512_fmadd_ps(qj, _mm512_load_ps(row + 16), a1);
      a2 = _mm512_fmadd_ps(qj, _mm512_load_ps(row + 32), a2);
      a3 = _mm512_fmadd_ps(qj, _mm512_load_ps(row + 48), a3);
    }
    const __m512 threshold = _mm512_set1_ps(lists.thresholds()[q]);
    std::uint64_t hits = std::uint64_t{_mm512_cmp_ps_mask(a0, threshold, _CMP_GT_OQ)} |
                         std::uint64_t{_mm512_cmp_ps_mask(a1, threshold, _CMP_GT_OQ)} << 16 |
                         std::uint64_t{_mm512_cmp_ps_mask(a2, threshold, _CMP_GT_OQ)} << 32 |
                         std::uint64_t{_mm512_cmp_ps_mask(a3, threshold, _CMP_GT_OQ)} << 48;
    hits &= valid;
    if (hits != 0) [[unlikely]] {
      alignas(64) float lanes[kKeyTile];
      _mm512_store_ps(lanes, a0);
      _mm512_store_ps(lanes + 16, a1);
      _mm512_store_ps(lanes + 32, a2);
      _mm512_store_ps(lanes + 48, a3);
      OfferKeyLanes(lanes, hits, lane_key, q, chunk0, lists);
    }
  }
}

// The lanes of a tile holding keys 0 .. n - 1.
std::uint64_t ValidLanes(std::int64_t n, const int* lane_key) {
  if (n >= kKeyTile) return ~std::uint64_t{0};
  std::uint64_t valid = 0;
  for (int l = 0; l < kKeyTile; ++l) {
    const int key = lane_key == nullptr ? l : (l & ~15) + lane_key[l & 15];
    if (key < n) valid |= std::uint64_t{1} << l;
  }
  return valid;
}

void ScanKeysInLanes(const KeySegment& segment, std::int64_t d, const QueryBlock& queries,
                     float* tile, TopKLists& lists) {
  const int* lane_key = d == 8 ? kLaneKey8 : nullptr;
  for (std::int64_t t0 = 0; t0 < segment.count; t0 += kKeyTile) {
    const std::int64_t n = std::min(kKeyTile, segment.count - t0);
    const float* keys = segment.keys + t0 * d;
    // The general transposition reads a tile column group by column group (a stride of
    // head_dim floats), which the hardware prefetchers follow poorly: fetch ahead explicitly.
    const std::int64_t ahead = t0 + kPrefetchTiles * kKeyTile;
    if (ahead < segment.count) {
      const float* p = segment.keys + ahead * d;
      const float* stop = segment.keys + std::min(segment.count, ahead + kKeyTile) * d;
      for (; p < stop; p += 16) _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0);
    }
    if (d == 8) {
      TransposeKeys8(keys, n, tile);
    } else if (n == kKeyTile) {
      TransposeKeys<true>(keys, n, d, tile);
    } else {
      TransposeKeys<false>(keys, n, d, tile);
    }
    ScoreKeyTile(tile, d, ValidLanes(n, lane_key), lane_key, queries, segment.first_chunk + t0,
                 lists);
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
    // Fully unrolled like every other use of acc, so that acc lives in registers only.
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 2
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
