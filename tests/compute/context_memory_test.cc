// The context memory's model side (compute/context): the plain-loop model against the fused
// engine, encoding into blocks (segment boundaries, partial chunks, continuations), the block
// bytes, the memory's trigram index and text windows, and the memory helping a repeated passage.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "compute/context/context_encoder.h"
#include "compute/context/context_memory.h"
#include "compute/context/context_model.h"
#include "compute/context/stream_scorer.h"
#include "compute/runtime/engine_factory.h"
#include "tests/compute/test_model.h"

namespace engram::compute::context {
namespace {

using compute::testing::Model;

std::vector<int> BookTokens(std::size_t count) {
  const std::string text = compute::testing::Book("pg11.txt", 200000).substr(20000);
  std::vector<int> tokens = Model().tokenizer.Encode(text, false, false);
  tokens.resize(std::min(tokens.size(), count));
  return tokens;
}

TEST(ContextModelTest, WithoutMemoryItIsTheModel) {
  // The fused engine's logits for the same stream: equal to float rounding.
  const ModelBundle& model = Model();
  auto engine = CreateDecodeEngine(model.checkpoint.weights, EngineOptions{});
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  auto context = ContextModel::Create(model.checkpoint.weights, 2);
  ASSERT_TRUE(context.ok());
  const int vocab = model.config().vocab_size;
  std::vector<float> expected(vocab), actual(vocab);
  std::vector<int> tokens = {1};
  const std::vector<int> text = BookTokens(40);
  tokens.insert(tokens.end(), text.begin(), text.end());
  float worst = 0.0f;
  for (std::size_t pos = 0; pos < tokens.size(); ++pos) {
    const int slot = 0, token = tokens[pos], position = static_cast<int>(pos);
    ASSERT_TRUE((*engine)->Step({&slot, 1}, {&token, 1}, {&position, 1}, expected).ok());
    ASSERT_TRUE(context->Step(token, nullptr, actual).ok());
    for (int v = 0; v < vocab; ++v) worst = std::max(worst, std::abs(expected[v] - actual[v]));
  }
  EXPECT_LE(worst, 1e-4f);
  // Past the window: LIMIT, nothing changes.
  auto small = ContextModel::Create(model.checkpoint.weights, 9);
  EXPECT_EQ(small.status().code(), ErrorCode::kSyntax);
}

TEST(ContextModelTest, AReusedPrefixEqualsRecomputingIt) {
  // A 400-token prefix (BOS first) and 30 tokens after it: the logits after importing the
  // prefix's exported keys and values equal those of feeding it, bit for bit, and those of the
  // fused engine over the whole stream within 1e-4 (issue 7's exactness bound).
  const ModelBundle& model = Model();
  const LlamaWeights& weights = model.checkpoint.weights;
  const int vocab = model.config().vocab_size;
  std::vector<int> stream = {1};
  const std::vector<int> text = BookTokens(429);
  stream.insert(stream.end(), text.begin(), text.end());
  const int prefix = 400;
  auto recomputed = ContextModel::Create(weights, 0);
  auto source = ContextModel::Create(weights, 0);
  auto reused = ContextModel::Create(weights, 0);
  auto engine = CreateDecodeEngine(weights, EngineOptions{});
  ASSERT_TRUE(recomputed.ok() && source.ok() && reused.ok() && engine.ok());
  std::vector<float> logits(vocab), expected(vocab), fused(vocab);
  for (int i = 0; i < prefix; ++i) ASSERT_TRUE(source->Step(stream[i], nullptr, logits).ok());
  std::vector<float> keys, values;
  source->ExportKv(keys, values);
  const std::size_t row = static_cast<std::size_t>(model.config().kv_dim());
  ASSERT_EQ(keys.size(), static_cast<std::size_t>(model.config().n_layers) * prefix * row);
  ASSERT_TRUE(reused->ImportKv(prefix, prefix, keys, values).ok());
  EXPECT_EQ(reused->position(), prefix);
  float worst = 0.0f;
  for (std::size_t pos = 0; pos < stream.size(); ++pos) {
    const int slot = 0, token = stream[pos], position = static_cast<int>(pos);
    ASSERT_TRUE(recomputed->Step(token, nullptr, expected).ok());
    ASSERT_TRUE((*engine)->Step({&slot, 1}, {&token, 1}, {&position, 1}, fused).ok());
    if (static_cast<int>(pos) < prefix) continue;
    ASSERT_TRUE(reused->Step(token, nullptr, logits).ok());
    ASSERT_EQ(logits, expected) << "position " << pos;
    for (int v = 0; v < vocab; ++v) worst = std::max(worst, std::abs(logits[v] - fused[v]));
  }
  EXPECT_LE(worst, 1e-4f);
  // Importing all but the last position and feeding its token gives the prefix's own logits.
  auto again = ContextModel::Create(weights, 0);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->ImportKv(prefix, prefix - 1, keys, values).ok());
  std::vector<float> last(vocab);
  ASSERT_TRUE(again->Step(stream[prefix - 1], nullptr, last).ok());
  auto check = ContextModel::Create(weights, 0);
  ASSERT_TRUE(check.ok());
  for (int i = 0; i < prefix; ++i) ASSERT_TRUE(check->Step(stream[i], nullptr, expected).ok());
  EXPECT_EQ(last, expected);
  // Wrong sizes and counts are refused and leave the stream as it was.
  EXPECT_EQ(again->ImportKv(prefix, prefix, std::span<const float>(keys).first(row), values).code(),
            ErrorCode::kSyntax);
  EXPECT_EQ(again->ImportKv(prefix, prefix + 1, keys, values).code(), ErrorCode::kSyntax);
  EXPECT_EQ(again->ImportKv(513, 1, keys, values).code(), ErrorCode::kLimit);
  EXPECT_EQ(again->position(), prefix);
}

TEST(ContextEncoderTest, SegmentsChunksAndContinuations) {
  const LlamaWeights& weights = Model().checkpoint.weights;
  auto settings = SettingsFor(weights.config(), 1, /*chunk_tokens=*/4, /*window=*/11);
  ASSERT_TRUE(settings.ok());
  const std::vector<int> tokens = BookTokens(27);  // 10 + 10 + 7 tokens
  auto blocks = EncodeContext(weights, *settings, tokens);
  ASSERT_TRUE(blocks.ok()) << blocks.status().ToString();
  ASSERT_EQ(blocks->size(), 3u);
  const int heads = settings->heads, hs = settings->head_size;
  std::size_t offset = 0;
  for (std::size_t b = 0; b < blocks->size(); ++b) {
    const ContextBlock& block = (*blocks)[b];
    const std::size_t n = b < 2 ? 10 : 7;
    ASSERT_EQ(block.tokens.size(), n);
    EXPECT_EQ(block.token_offset, offset);
    // Chunks of 4: the last one of each block is short (10 = 4 + 4 + 2, 7 = 4 + 3), not lost.
    EXPECT_EQ(block.ChunkCount(4), b < 2 ? 3 : 2);
    EXPECT_EQ(block.chunk_keys.size(), static_cast<std::size_t>(heads * block.ChunkCount(4) * hs));
    EXPECT_EQ(block.keys.size(), static_cast<std::size_t>(heads) * n * hs);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(block.tokens[i], tokens[offset + i]);
      // Each token's continuation, across block boundaries; the write's last has none.
      const int next = offset + i + 1 < tokens.size() ? tokens[offset + i + 1] : -1;
      EXPECT_EQ(block.next[i], next);
    }
    offset += n;
  }
  // A segment is read from position 0 after a BOS: its first token's key does not depend on
  // the segment before it. Encoding the third segment alone gives the same block.
  auto alone = EncodeContext(weights, *settings, std::span<const int>(tokens).subspan(20));
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ((*alone)[0].keys, (*blocks)[2].keys);
  EXPECT_EQ((*alone)[0].chunk_keys, (*blocks)[2].chunk_keys);
  // Deterministic.
  auto again = EncodeContext(weights, *settings, tokens);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[1].values, (*blocks)[1].values);
  // Bad input.
  EXPECT_EQ(EncodeContext(weights, *settings, {}).status().code(), ErrorCode::kSyntax);
  const std::vector<int> bad = {1, 100000};
  EXPECT_EQ(EncodeContext(weights, *settings, bad).status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(SettingsFor(weights.config(), 1, 4, 513).status().code(), ErrorCode::kSyntax);
}

TEST(ContextBlockTest, BytesRoundTripAndCorruptionIsRefused) {
  const LlamaWeights& weights = Model().checkpoint.weights;
  auto settings = SettingsFor(weights.config(), 2, 2, 16);
  ASSERT_TRUE(settings.ok());
  auto blocks = EncodeContext(weights, *settings, BookTokens(9));
  ASSERT_TRUE(blocks.ok());
  const ContextBlock& block = blocks->front();
  const auto bytes = BlockBytes(block);
  std::array<std::span<const std::uint8_t>, kBlockTensors> spans;
  for (std::size_t t = 0; t < kBlockTensors; ++t) spans[t] = bytes[t];
  const int vocab = weights.config().vocab_size;
  auto back = BlockFromBytes(*settings, vocab, 0, spans);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->keys, block.keys);
  EXPECT_EQ(back->next, block.next);
  // A truncated tensor and a token outside the vocabulary are CORRUPT.
  auto truncated = spans;
  truncated[1] = truncated[1].first(truncated[1].size() - 4);
  EXPECT_EQ(BlockFromBytes(*settings, vocab, 0, truncated).status().code(), ErrorCode::kCorrupt);
  std::vector<std::uint8_t> tokens = bytes[3];
  tokens[0] = 0xff;
  tokens[1] = 0xff;
  auto bad_token = spans;
  bad_token[3] = tokens;
  EXPECT_EQ(BlockFromBytes(*settings, vocab, 0, bad_token).status().code(), ErrorCode::kCorrupt);
}

TEST(ContextMemoryTest, TrigramIndexAndTextWindows) {
  const LlamaWeights& weights = Model().checkpoint.weights;
  auto settings = SettingsFor(weights.config(), 2, 1, 8);
  ASSERT_TRUE(settings.ok());
  const std::vector<int> tokens = BookTokens(40);
  auto blocks = EncodeContext(weights, *settings, tokens);
  ASSERT_TRUE(blocks.ok());
  auto memory = ContextMemory::Create(*settings);
  ASSERT_TRUE(memory.ok());
  for (std::size_t b = 0; b < blocks->size(); ++b) {
    ASSERT_TRUE(memory->AppendBlock((*blocks)[b], static_cast<std::int64_t>(b + 1), 7).ok());
  }
  EXPECT_EQ(memory->token_count(), 40);
  EXPECT_EQ(memory->chunk_count(), 40);
  // Every trigram of the text is found where it is, across blocks of 7 tokens.
  for (std::size_t i = 2; i < tokens.size(); ++i) {
    const auto seen = memory->Trigram(tokens[i - 2], tokens[i - 1], tokens[i]);
    EXPECT_NE(std::find(seen.begin(), seen.end(), static_cast<std::int64_t>(i)), seen.end());
  }
  // A chunk's text window spans the write's consecutive blocks.
  const auto [begin, end] = memory->TextAround(20, 5);
  EXPECT_EQ(begin, 15);
  EXPECT_EQ(end, 26);
  // The exact search ranks a token's own key first.
  std::vector<float> probe(memory->ChunkKey(1, 12).begin(), memory->ChunkKey(1, 12).end());
  const auto hits = memory->Search(1, probe, 3);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_GE(hits[0].score, hits[1].score);
}

TEST(StreamScorerTest, TheMemoryHelpsARepeatedPassage) {
  // A passage, other text, the passage again: with the memory, the repeat is far easier.
  const std::vector<int> book = BookTokens(400);
  std::vector<int> stream(book.begin(), book.begin() + 100);
  stream.insert(stream.end(), book.begin() + 150, book.end());
  stream.insert(stream.end(), book.begin(), book.begin() + 100);
  ScorerOptions options;
  options.window = 64;
  auto with = ScoreStream(Model().checkpoint.weights, stream, options);
  options.use_memory = false;
  auto without = ScoreStream(Model().checkpoint.weights, stream, options);
  ASSERT_TRUE(with.ok() && without.ok());
  const auto mean = [&](const std::vector<double>& nll) {
    return std::accumulate(nll.end() - 100, nll.end(), 0.0) / 100.0;
  };
  const double ratio = mean(*with) / mean(*without);
  std::printf("[ measured ] repeated passage NLL with / without the memory: %.3f\n", ratio);
  EXPECT_LE(ratio, 0.5);
}

}  // namespace
}  // namespace engram::compute::context
