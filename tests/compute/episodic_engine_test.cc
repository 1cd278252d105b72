// EpisodicEngine (the co-process's episodic operations) without sockets: the state cache's
// longest-prefix lookup, aliases after a checkpoint, eviction, idempotent retries, and the
// cost of the first request (encoder tables, reference memory). The protocol end to end is in
// tests/query/episodic_service_test.cc.

#include "compute/episodic/episodic_engine.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "compute/episodic/state_cache.h"
#include "compute/episodic/state_key.h"

namespace engram::compute::episodic {
namespace {

EpisodicEngineOptions Options(std::size_t cache_bytes = 512u << 20) {
  EpisodicEngineOptions o;
  o.asset_dir = std::string(ENGRAM_SOURCE_DIR) + "/models/episodic";
  o.cache_bytes = cache_bytes;
  return o;
}

EpisodicStateRequest State(const std::string& uid, std::vector<EpisodicOpSpec> ops = {}) {
  EpisodicStateRequest s;
  s.memory_uid = uid;
  s.settings = EpisodicSettingsSpec{512, 4096, 1e-3, 7, 1};
  s.ops = std::move(ops);
  return s;
}

const std::vector<EpisodicTextSpec> kTexts = {
    {1, "Vinson Massif is located in the continent of Antarctica."},
    {2, "The Eiffel Tower is in Paris."},
    {3, "Toyota is a car maker from Japan."},
};

EpisodicApplyCall Apply(EpisodicStateRequest state, std::vector<EpisodicOpSpec> ops,
                        bool checkpoint = false) {
  return EpisodicApplyCall{std::move(state), std::move(ops), kTexts, checkpoint};
}

EpisodicReadCall Read(EpisodicStateRequest state) {
  EpisodicReadCall call;
  call.state = std::move(state);
  call.queries = {"Which continent is Vinson Massif in?"};
  return call;
}

TEST(EpisodicEngineTest, FirstRequestCostAndPrefixReplay) {
  BlobCache blobs(1u << 30);
  EpisodicEngine engine(Options());
  const auto t0 = std::chrono::steady_clock::now();
  auto first = engine.Apply(Apply(State("a"), {{false, {1}}}), blobs);
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->rows, 1);
  std::printf("[ measured ] first apply %.1f ms (encoder tables %.1f ms)\n",
              std::chrono::duration<double, std::milli>(t1 - t0).count(),
              engine.Stats().encoder_load_seconds * 1e3);

  // Ops 2 and 3 in one request: both applied to the cached state of op 1.
  auto second =
      engine.Apply(Apply(State("a", {{false, {1}}}), {{false, {2}}, {false, {3}}}), blobs);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->rows, 3);
  // The state after op 1 was taken (changed in place): naming it again needs the whole state...
  auto gone = engine.Read(Read(State("a", {{false, {1}}})), blobs);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->need, EpisodicNeedCode::kCompleteState);
  // ... while the state after ops 1, 2 and a further forget resolves from the cached prefix
  // (ops 1..3), its own texts not needed for the forget.
  auto longer =
      engine.Read(Read(State("a", {{false, {1}}, {false, {2}}, {false, {3}}, {true, {2}}})), blobs);
  ASSERT_TRUE(longer.ok()) << longer.status().ToString();
  ASSERT_EQ(longer->need, EpisodicNeedCode::kNothing);
  EXPECT_EQ(longer->results[0].ids, (std::vector<std::uint64_t>{1, 3}));
  EpisodicEngineStats stats = engine.Stats();
  EXPECT_EQ(stats.rebuilds, 1u);  // the empty memory, once
  EXPECT_EQ(stats.ops_applied, 4u);
  EXPECT_EQ(stats.cache.entries, 1u);

  // A retried apply (its reply was lost) finds its own result instead of writing twice.
  auto retry = engine.Apply(
      Apply(State("a", {{false, {1}}, {false, {2}}, {false, {3}}}), {{true, {2}}}), blobs);
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(retry->rows, 2);
  EXPECT_EQ(engine.Stats().ops_applied, 4u);
}

TEST(EpisodicEngineTest, CheckpointAliasAndEviction) {
  BlobCache blobs(1u << 30);
  // Room for one state (~31 MiB each at K = 512: Bᵀ in float64 and float32, S, Q, factor) only.
  EpisodicEngine engine(Options(40u << 20));
  auto a = engine.Apply(Apply(State("a"), {{false, {1, 2}}}, /*checkpoint=*/true), blobs);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->checkpoint.size(), 3u);  // Bᵀ, S, Q
  EXPECT_EQ(a->rows, 2);
  EXPECT_EQ(engine.Stats().cache.keys, 2u);  // (empty, op) and (checkpoint, no ops)

  EpisodicStateRequest at_checkpoint = State("a");
  at_checkpoint.checkpoint = a->checkpoint;
  auto read = engine.Read(Read(at_checkpoint), blobs);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->need, EpisodicNeedCode::kNothing);
  EXPECT_EQ(read->results[0].ids.front(), 1u);

  // Another memory evicts it; the checkpoint then rebuilds from the blobs and the texts.
  ASSERT_TRUE(engine.Apply(Apply(State("b"), {{false, {3}}}), blobs).ok());
  EXPECT_EQ(engine.Stats().cache.entries, 1u);
  EXPECT_GE(engine.Stats().cache.evictions, 1u);
  auto evicted = engine.Read(Read(at_checkpoint), blobs);
  ASSERT_TRUE(evicted.ok());
  EXPECT_EQ(evicted->need, EpisodicNeedCode::kCompleteState);
  at_checkpoint.texts = {kTexts[0], kTexts[1]};
  at_checkpoint.complete = true;
  auto rebuilt = engine.Read(Read(at_checkpoint), blobs);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  ASSERT_EQ(rebuilt->need, EpisodicNeedCode::kNothing);
  EXPECT_EQ(rebuilt->results[0].ids, read->results[0].ids);
  EXPECT_EQ(rebuilt->results[0].scores, read->results[0].scores);
  EXPECT_EQ(rebuilt->results[0].scope_score, read->results[0].scope_score);

  // A checkpoint blob of the wrong size is CORRUPT, not a crash.
  auto tiny = blobs.Put(std::vector<std::uint8_t>(16, 0), std::nullopt);
  ASSERT_TRUE(tiny.ok());
  EpisodicStateRequest bad = at_checkpoint;
  bad.memory_uid = "c";
  bad.checkpoint[0] = *tiny;
  auto corrupt = engine.Read(Read(bad), blobs);
  EXPECT_EQ(corrupt.status().code(), ErrorCode::kCorrupt) << corrupt.status().ToString();
  // A checkpoint of the wrong number of blobs is SYNTAX.
  bad.checkpoint.pop_back();
  auto malformed = engine.Read(Read(bad), blobs);
  EXPECT_EQ(malformed.status().code(), ErrorCode::kSyntax) << malformed.status().ToString();
}

TEST(StateCacheTest, AliasesTakeAndEviction) {
  StateCache<int> cache(100);
  const Hash128 k1{0, 1}, k2{0, 2}, k3{0, 3};
  ASSERT_TRUE(cache.Insert(k1, std::make_shared<int>(1), 60));
  ASSERT_TRUE(cache.Alias(k1, k2));
  EXPECT_EQ(*cache.Find(k2), 1);
  EXPECT_EQ(cache.Stats().keys, 2u);
  auto taken = cache.Take(k2);  // drops both names
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(cache.Find(k1), nullptr);
  EXPECT_EQ(cache.Stats().bytes, 0u);
  ASSERT_TRUE(cache.Insert(k1, taken, 60));
  ASSERT_TRUE(cache.Insert(k3, std::make_shared<int>(3), 60));  // evicts k1
  EXPECT_EQ(cache.Find(k1), nullptr);
  EXPECT_EQ(cache.Stats().evictions, 1u);
  EXPECT_FALSE(cache.Insert(k2, std::make_shared<int>(2), 101));  // larger than the cache
  // Re-pointing a key drops a value left without names.
  ASSERT_TRUE(cache.Insert(k3, std::make_shared<int>(4), 10));
  EXPECT_EQ(*cache.Find(k3), 4);
  EXPECT_EQ(cache.Stats().entries, 1u);
  EXPECT_EQ(cache.Stats().bytes, 10u);
}

TEST(StateKeyTest, KeysChainOverEveryInput) {
  EpisodicSettingsSpec s{512, 4096, 1e-3, 7, 1};
  const Hash128 base = BaseStateKey("m", s, {});
  EXPECT_EQ(base, BaseStateKey("m", s, {}));
  EXPECT_NE(base, BaseStateKey("n", s, {}));
  const std::vector<Hash128> blobs = {{1, 2}, {3, 4}, {5, 6}};
  const Hash128 with_checkpoint = BaseStateKey("m", s, blobs);
  EXPECT_NE(base, with_checkpoint);
  EXPECT_NE(with_checkpoint, BaseStateKey("m", s, std::vector<Hash128>{{1, 2}, {5, 6}, {3, 4}}));
  s.ridge = 2e-3;
  EXPECT_NE(base, BaseStateKey("m", s, {}));
  const std::vector<EpisodicOpSpec> ops = {{false, {1, 2}}, {true, {1}}};
  const std::vector<Hash128> keys = StateKeys(base, ops);
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0], base);
  EXPECT_NE(keys[1], NextStateKey(base, EpisodicOpSpec{true, {1, 2}}));
  EXPECT_NE(keys[1], NextStateKey(base, EpisodicOpSpec{false, {2, 1}}));
  EXPECT_EQ(keys[2], NextStateKey(keys[1], ops[1]));
}

}  // namespace
}  // namespace engram::compute::episodic
