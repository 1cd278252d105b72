// The context memory's exact top-k chunk retrieval (compute/context/chunk_search.h): every
// result equals a brute-force scan (the same fma chain per score, a full sort in the documented
// order) bit for bit, on every kernel, for one query and batches, across appends, FIFO eviction
// and ranges; bad arguments are SYNTAX or LIMIT and change nothing.
#include "compute/context/chunk_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "compute/context/chunk_search_kernels.h"

namespace engram::compute::context {
namespace internal {

// Names the kernel in gtest's messages.
void PrintTo(ScanIsa isa, std::ostream* os) {
  *os << (isa == ScanIsa::kAuto ? "selected" : isa == ScanIsa::kAvx512 ? "avx512" : "portable");
}

}  // namespace internal

namespace {

using internal::ScanIsa;

// All keys ever appended, chunk-major [chunk][head][d], and the first live chunk.
struct Mirror {
  std::int64_t heads = 1;
  std::int64_t d = 1;
  std::vector<float> keys;
  std::int64_t first = 0;

  std::int64_t end() const { return static_cast<std::int64_t>(keys.size()) / (heads * d); }
  const float* Key(std::int64_t head, std::int64_t chunk) const {
    return keys.data() + (chunk * heads + head) * d;
  }
};

float ReferenceScore(const float* q, const float* k, std::int64_t d) {
  float s = 0.0f;
  for (std::int64_t j = 0; j < d; ++j) s = std::fma(q[j], k[j], s);
  return s;
}

// Brute force: every score, sorted by (score descending, chunk ascending), the first k kept.
ChunkSearchResult BruteForce(const Mirror& m, std::int64_t head, const std::vector<float>& queries,
                             std::int64_t k, ChunkRange range) {
  ChunkSearchResult out;
  out.queries = static_cast<std::int64_t>(queries.size()) / m.d;
  out.hits_per_query = std::min(k, range.end - range.begin);
  for (std::int64_t q = 0; q < out.queries; ++q) {
    std::vector<ChunkHit> all;
    for (std::int64_t c = range.begin; c < range.end; ++c) {
      all.push_back(ChunkHit{ReferenceScore(queries.data() + q * m.d, m.Key(head, c), m.d), c});
    }
    std::sort(all.begin(), all.end(), [](const ChunkHit& a, const ChunkHit& b) {
      return a.score > b.score || (a.score == b.score && a.chunk < b.chunk);
    });
    out.hits.insert(out.hits.end(), all.begin(), all.begin() + out.hits_per_query);
  }
  return out;
}

// Equal shapes, chunks, and score bits.
void ExpectSame(const ChunkSearchResult& expected, const ChunkSearchResult& actual,
                const std::string& what) {
  ASSERT_EQ(expected.queries, actual.queries) << what;
  ASSERT_EQ(expected.hits_per_query, actual.hits_per_query) << what;
  ASSERT_EQ(expected.hits.size(), actual.hits.size()) << what;
  for (std::size_t i = 0; i < expected.hits.size(); ++i) {
    ASSERT_EQ(expected.hits[i].chunk, actual.hits[i].chunk) << what << " hit " << i;
    ASSERT_EQ(std::bit_cast<std::uint32_t>(expected.hits[i].score),
              std::bit_cast<std::uint32_t>(actual.hits[i].score))
        << what << " hit " << i;
  }
}

std::vector<float> Random(std::mt19937& rng, std::int64_t n, bool coarse) {
  std::vector<float> v(static_cast<std::size_t>(n));
  if (coarse) {
    // Small integers: many exact ties.
    std::uniform_int_distribution<int> dist(-2, 2);
    for (float& x : v) x = static_cast<float>(dist(rng));
  } else {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (float& x : v) x = dist(rng);
  }
  return v;
}

ChunkKeyStore MakeStore(std::int64_t heads, std::int64_t d, std::int64_t capacity,
                        int threads = 0) {
  ChunkStoreOptions options;
  options.heads = heads;
  options.head_dim = d;
  options.capacity = capacity;
  options.threads = threads;
  auto store = ChunkKeyStore::Create(options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return std::move(store).value();
}

void Append(ChunkKeyStore& store, Mirror& m, const std::vector<float>& keys) {
  auto first = store.Append(keys);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, m.end());
  m.keys.insert(m.keys.end(), keys.begin(), keys.end());
  m.first = store.first_chunk();
}

// Runs every test once per kernel: the one this CPU selects and the portable one.
class ChunkSearchTest : public ::testing::TestWithParam<ScanIsa> {
 protected:
  void SetUp() override { internal::ForceScanIsaForTesting(GetParam()); }
  void TearDown() override { internal::ForceScanIsaForTesting(ScanIsa::kAuto); }
};

TEST_P(ChunkSearchTest, EqualsBruteForceAcrossShapes) {
  std::mt19937 rng(7);
  struct Shape {
    std::int64_t d, chunks, queries, k;
  };
  const Shape shapes[] = {
      {8, 1000, 1, 16}, {8, 1000, 512, 16}, {64, 777, 1, 16}, {64, 300, 40, 7},
      {1, 130, 3, 5},   {3, 65, 17, 64},    {17, 200, 33, 1}, {100, 129, 16, 20},
      {8, 63, 15, 100}, {64, 64, 64, 64},   {33, 1, 2, 3},    {16, 500, 31, 500},
  };
  for (const Shape& s : shapes) {
    ChunkKeyStore store = MakeStore(1, s.d, 1 << 16);
    Mirror m{1, s.d, {}, 0};
    Append(store, m, Random(rng, s.chunks * s.d, false));
    const std::vector<float> queries = Random(rng, s.queries * s.d, false);
    auto result = store.Search(0, queries, s.k);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    ExpectSame(BruteForce(m, 0, queries, s.k, {0, s.chunks}), *result,
               "d " + std::to_string(s.d) + " chunks " + std::to_string(s.chunks) + " queries " +
                   std::to_string(s.queries) + " k " + std::to_string(s.k));
  }
}

TEST_P(ChunkSearchTest, TiesGoToTheLowerChunk) {
  std::mt19937 rng(11);
  for (const std::int64_t d : {8, 64}) {
    for (const std::int64_t queries_n : {1, 20}) {
      ChunkKeyStore store = MakeStore(1, d, 4096);
      Mirror m{1, d, {}, 0};
      Append(store, m, Random(rng, 3000 * d, true));
      const std::vector<float> queries = Random(rng, queries_n * d, true);
      auto result = store.Search(0, queries, 50);
      ASSERT_TRUE(result.ok());
      ExpectSame(BruteForce(m, 0, queries, 50, {0, 3000}), *result,
                 "coarse d " + std::to_string(d));
    }
    // Identical keys: every score ties, so the k lowest chunks win, in order.
    ChunkKeyStore same = MakeStore(1, d, 4096);
    Mirror m{1, d, {}, 0};
    Append(same, m, std::vector<float>(static_cast<std::size_t>(2000 * d), 0.5f));
    for (const std::int64_t queries_n : {1, 17}) {  // keys in lanes, queries in lanes
      const std::vector<float> queries(static_cast<std::size_t>(queries_n * d), 1.0f);
      auto result = same.Search(0, queries, 9);
      ASSERT_TRUE(result.ok());
      for (std::int64_t q = 0; q < queries_n; ++q) {
        for (std::int64_t i = 0; i < 9; ++i) EXPECT_EQ(result->Query(q)[i].chunk, i);
      }
    }
  }
}

TEST_P(ChunkSearchTest, AppendsAndFifoEvictionKeepChunkNumbers) {
  std::mt19937 rng(3);
  const std::int64_t heads = 3, d = 8, capacity = 1500;
  ChunkKeyStore store = MakeStore(heads, d, capacity);
  Mirror m{heads, d, {}, 0};
  // Uneven batches wrap the ring several times; every state is checked.
  for (const std::int64_t n : {700, 513, 1, 380, 999, 64, 1500, 17, 333}) {
    Append(store, m, Random(rng, n * heads * d, false));
    EXPECT_EQ(store.end_chunk(), m.end());
    EXPECT_EQ(store.size(), std::min(capacity, m.end()));
    EXPECT_EQ(store.first_chunk(), m.end() - store.size());
    for (std::int64_t head = 0; head < heads; ++head) {
      for (const std::int64_t queries_n : {1, 24}) {
        const std::vector<float> queries = Random(rng, queries_n * d, false);
        auto result = store.Search(head, queries, 16);
        ASSERT_TRUE(result.ok()) << result.status().ToString();
        ExpectSame(BruteForce(m, head, queries, 16, {m.first, m.end()}), *result,
                   "after appending " + std::to_string(n));
      }
    }
    auto key = store.Key(1, m.end() - 1);
    ASSERT_TRUE(key.ok());
    EXPECT_TRUE(std::equal(key->begin(), key->end(), m.Key(1, m.end() - 1)));
  }
  // Explicit eviction, then a range straddling the ring's wrap.
  ASSERT_TRUE(store.EvictOldest(400).ok());
  m.first += 400;
  EXPECT_EQ(store.first_chunk(), m.first);
  EXPECT_EQ(store.Key(0, m.first - 1).status().code(), ErrorCode::kSyntax);
  const std::vector<float> queries = Random(rng, 30 * d, false);
  for (const ChunkRange range : {ChunkRange{m.first, m.end()}, ChunkRange{m.first + 5, m.end() - 7},
                                 ChunkRange{m.end() - 3, m.end()}, ChunkRange{m.first, m.first}}) {
    auto result = store.Search(2, queries, 12, range);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    ExpectSame(BruteForce(m, 2, queries, 12, range), *result,
               "range " + std::to_string(range.begin) + ".." + std::to_string(range.end));
  }
  ASSERT_TRUE(store.EvictOldest(store.size()).ok());
  auto empty = store.Search(0, queries, 12);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->hits_per_query, 0);
  EXPECT_TRUE(empty->hits.empty());
  // Numbering continues after the store was emptied.
  Append(store, m, Random(rng, 5 * heads * d, false));
  auto after = store.Search(1, queries, 12);
  ASSERT_TRUE(after.ok());
  ExpectSame(BruteForce(m, 1, queries, 12, {m.first, m.end()}), *after, "after emptying");
}

TEST_P(ChunkSearchTest, EmptyStoreAndKBeyondTheChunks) {
  ChunkKeyStore store = MakeStore(2, 8, 100);
  const std::vector<float> query(8, 1.0f);
  auto empty = store.Search(1, query, 5);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->queries, 1);
  EXPECT_EQ(empty->hits_per_query, 0);
  std::mt19937 rng(5);
  Mirror m{2, 8, {}, 0};
  Append(store, m, Random(rng, 3 * 2 * 8, false));
  auto few = store.Search(1, query, 5);
  ASSERT_TRUE(few.ok());
  EXPECT_EQ(few->hits_per_query, 3);
  ExpectSame(BruteForce(m, 1, query, 5, {0, 3}), *few, "k > chunks");
}

TEST_P(ChunkSearchTest, ThreadCountsSplitsAndHeadsGiveTheSameResult) {
  std::mt19937 rng(19);
  const std::int64_t heads = 4, d = 64, capacity = 9000;
  ChunkKeyStore one = MakeStore(heads, d, capacity, /*threads=*/1);
  ChunkKeyStore pool = MakeStore(heads, d, capacity, /*threads=*/0);
  Mirror m{heads, d, {}, 0};
  // 6,000 + 6,000 + 2,000 chunks: the last append wraps the full ring, so searches large
  // enough to be split have items on both sides of the wrap.
  for (const std::int64_t n : {6000, 6000, 2000}) {
    const std::vector<float> keys = Random(rng, n * heads * d, false);
    ASSERT_TRUE(one.Append(keys).ok());
    Append(pool, m, keys);
  }
  ASSERT_EQ(pool.first_chunk(), 5000);
  for (const std::int64_t queries_n : {1, 2, 48}) {
    const std::vector<float> queries = Random(rng, heads * queries_n * d, false);
    auto all = pool.SearchHeads(queries, 16);
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    ASSERT_EQ(all->size(), static_cast<std::size_t>(heads));
    for (std::int64_t h = 0; h < heads; ++h) {
      const std::vector<float> head_queries(queries.begin() + h * queries_n * d,
                                            queries.begin() + (h + 1) * queries_n * d);
      auto single = one.Search(h, head_queries, 16);
      auto parallel = pool.Search(h, head_queries, 16);
      ASSERT_TRUE(single.ok() && parallel.ok());
      ExpectSame(*single, *parallel, "threads 1 vs pool");
      ExpectSame(*single, (*all)[h], "Search vs SearchHeads");
      if (h == 0 && queries_n <= 2) {
        ExpectSame(BruteForce(m, h, head_queries, 16, {m.first, m.end()}), *parallel,
                   "brute force");
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, ChunkSearchTest,
                         ::testing::Values(ScanIsa::kAuto, ScanIsa::kPortable),
                         [](const ::testing::TestParamInfo<ScanIsa>& param) {
                           return std::string(param.param == ScanIsa::kAuto ? "Selected"
                                                                            : "Portable");
                         });

TEST(ChunkSearchErrors, BadOptions) {
  ChunkStoreOptions options;
  options.heads = 0;
  EXPECT_EQ(ChunkKeyStore::Create(options).status().code(), ErrorCode::kSyntax);
  options = {};
  options.head_dim = 0;
  EXPECT_EQ(ChunkKeyStore::Create(options).status().code(), ErrorCode::kSyntax);
  options = {};
  options.capacity = -1;
  EXPECT_EQ(ChunkKeyStore::Create(options).status().code(), ErrorCode::kSyntax);
  options = {};
  options.threads = -2;
  EXPECT_EQ(ChunkKeyStore::Create(options).status().code(), ErrorCode::kSyntax);
  options = {};
  options.head_dim = options.limits.max_head_dim + 1;
  EXPECT_EQ(ChunkKeyStore::Create(options).status().code(), ErrorCode::kLimit);
  options = {};
  options.limits.max_head_dim = 1 << 20;  // raising the limit does not lift the hard ceiling
  options.head_dim = kMaxHeadDim + 1;
  EXPECT_EQ(ChunkKeyStore::Create(options).status().code(), ErrorCode::kLimit);
  options = {};
  options.capacity = options.limits.max_chunks + 1;
  EXPECT_EQ(ChunkKeyStore::Create(options).status().code(), ErrorCode::kLimit);
  options = {};
  options.heads = options.limits.max_heads + 1;
  EXPECT_EQ(ChunkKeyStore::Create(options).status().code(), ErrorCode::kLimit);
}

TEST(ChunkSearchErrors, BadAppendsChangeNothing) {
  ChunkKeyStore store = MakeStore(2, 4, 10);
  ASSERT_TRUE(store.Append(std::vector<float>(2 * 4 * 3, 1.0f)).ok());
  const auto expect_unchanged = [&] {
    EXPECT_EQ(store.first_chunk(), 0);
    EXPECT_EQ(store.end_chunk(), 3);
  };
  EXPECT_EQ(store.Append(std::vector<float>(7, 1.0f)).status().code(), ErrorCode::kSyntax);
  expect_unchanged();
  std::vector<float> bad(2 * 4 * 2, 1.0f);
  bad[13] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(store.Append(bad).status().code(), ErrorCode::kSyntax);
  bad[13] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(store.Append(bad).status().code(), ErrorCode::kSyntax);
  bad[13] = -2e16f;
  EXPECT_EQ(store.Append(bad).status().code(), ErrorCode::kSyntax);
  expect_unchanged();
  EXPECT_EQ(store.Append(std::vector<float>(2 * 4 * 11, 1.0f)).status().code(), ErrorCode::kLimit);
  expect_unchanged();
  auto none = store.Append({});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 3);
  EXPECT_EQ(store.EvictOldest(-1).code(), ErrorCode::kSyntax);
  EXPECT_EQ(store.EvictOldest(4).code(), ErrorCode::kSyntax);
  expect_unchanged();
  EXPECT_EQ(store.Key(2, 0).status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(store.Key(0, 3).status().code(), ErrorCode::kSyntax);
}

TEST(ChunkSearchErrors, BadSearches) {
  ChunkKeyStore store = MakeStore(2, 4, 100);
  ASSERT_TRUE(store.Append(std::vector<float>(2 * 4 * 10, 1.0f)).ok());
  const std::vector<float> query(4, 1.0f);
  const auto code = [](const auto& result) { return result.status().code(); };
  EXPECT_EQ(code(store.Search(-1, query, 1)), ErrorCode::kSyntax);
  EXPECT_EQ(code(store.Search(2, query, 1)), ErrorCode::kSyntax);
  EXPECT_EQ(code(store.Search(0, query, 0)), ErrorCode::kSyntax);
  EXPECT_EQ(code(store.Search(0, query, ChunkSearchLimits{}.max_k + 1)), ErrorCode::kLimit);
  EXPECT_EQ(code(store.Search(0, std::vector<float>(5, 1.0f), 1)), ErrorCode::kSyntax);
  EXPECT_EQ(code(store.Search(0, {}, 1)), ErrorCode::kSyntax);
  EXPECT_EQ(code(store.Search(0, std::vector<float>(4 * (ChunkSearchLimits{}.max_queries + 1)), 1)),
            ErrorCode::kLimit);
  // 4,097 queries x k 4,096 > max_hits (2^24).
  EXPECT_EQ(code(store.Search(0, std::vector<float>(4 * 4097), 4096)), ErrorCode::kLimit);
  std::vector<float> nan_query = query;
  nan_query[2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(code(store.Search(0, nan_query, 1)), ErrorCode::kSyntax);
  EXPECT_EQ(code(store.Search(0, query, 1, ChunkRange{5, 4})), ErrorCode::kSyntax);
  EXPECT_EQ(code(store.Search(0, query, 1, ChunkRange{0, 11})), ErrorCode::kSyntax);
  ASSERT_TRUE(store.EvictOldest(2).ok());
  EXPECT_EQ(code(store.Search(0, query, 1, ChunkRange{1, 5})), ErrorCode::kSyntax);
  EXPECT_EQ(code(store.SearchHeads(query, 1)), ErrorCode::kSyntax);  // one head's worth only
  auto ok = store.SearchHeads(std::vector<float>(2 * 4 * 3, 1.0f), 4, ChunkRange{2, 5});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)[1].queries, 3);
  EXPECT_EQ((*ok)[1].hits_per_query, 3);
}

}  // namespace
}  // namespace engram::compute::context
