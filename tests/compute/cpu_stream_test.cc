// CpuStream (compute/runtime/cpu_stream.h): one stream through the fused CPU kernels whose KV
// cache is exported and imported in the canonical layout — what prefix reuse runs on. Its logits
// equal the decode engine's bit for bit, also after importing a prefix instead of feeding it,
// on every kernel set this CPU has.
#include "compute/runtime/cpu_stream.h"

#include <gtest/gtest.h>

#include <vector>

#include "compute/runtime/cpu_decode_engine.h"
#include "tests/compute/test_model.h"

namespace engram::compute {
namespace {

using compute::testing::Model;

std::vector<int> Stream(std::size_t count) {
  const std::string text = compute::testing::Book("pg11.txt", 200000).substr(20000);
  std::vector<int> tokens = Model().tokenizer.Encode(text, /*bos=*/true, false);
  tokens.resize(std::min(tokens.size(), count));
  return tokens;
}

TEST(CpuStreamTest, AnImportedPrefixContinuesLikeTheDecodeEngine) {
  // A 400-token prefix fed to one stream, exported, imported into another, then 30 more tokens:
  // the importing stream's logits equal the engine's over the whole stream, bit for bit.
  const LlamaWeights& weights = Model().checkpoint.weights;
  const CpuModel cpu_model = BuildCpuModel(weights);
  const int vocab = Model().config().vocab_size;
  const std::vector<int> stream = Stream(430);
  ASSERT_EQ(stream.size(), 430u);
  constexpr int kPrefix = 400;
  for (const char* isa : {"avx512", "avx2", "generic"}) {
    if (CpuForwardByName(isa) == nullptr) continue;
    SCOPED_TRACE(isa);
    auto engine = CpuDecodeEngine::Create(weights, {1, 1, isa});
    auto source = CpuStream::Create(cpu_model, isa);
    auto reused = CpuStream::Create(cpu_model, isa);
    ASSERT_TRUE(engine.ok() && source.ok() && reused.ok());
    std::vector<float> expected(vocab), logits(vocab);
    for (int i = 0; i < kPrefix; ++i) ASSERT_TRUE(source->Step(stream[i], logits).ok());
    std::vector<float> keys, values;
    source->ExportKv(keys, values);
    ASSERT_EQ(keys.size(), static_cast<std::size_t>(Model().config().n_layers) * kPrefix *
                               static_cast<std::size_t>(Model().config().kv_dim()));
    ASSERT_TRUE(reused->ImportKv(kPrefix, kPrefix, keys, values).ok());
    EXPECT_EQ(reused->position(), kPrefix);
    for (std::size_t pos = 0; pos < stream.size(); ++pos) {
      const int slot = 0, token = stream[pos], position = static_cast<int>(pos);
      ASSERT_TRUE((*engine)->Step({&slot, 1}, {&token, 1}, {&position, 1}, expected).ok());
      if (position < kPrefix) continue;
      ASSERT_TRUE(reused->Step(token, logits).ok());
      ASSERT_EQ(logits, expected) << "position " << pos;
    }
    // Importing all but the last position and feeding its token gives the prefix's own logits;
    // a used stream imported again starts clean.
    std::vector<float> last(vocab), again(vocab);
    ASSERT_TRUE(source->Step(stream[kPrefix], last).ok());
    ASSERT_TRUE(reused->ImportKv(kPrefix, kPrefix - 1, keys, values).ok());
    ASSERT_TRUE(reused->Step(stream[kPrefix - 1], again).ok());
    ASSERT_TRUE(reused->Step(stream[kPrefix], again).ok());
    EXPECT_EQ(again, last);
    // Export of an import round-trips the bytes.
    std::vector<float> keys2, values2;
    ASSERT_TRUE(reused->ImportKv(kPrefix, kPrefix, keys, values).ok());
    reused->ExportKv(keys2, values2);
    EXPECT_EQ(keys2, keys);
    EXPECT_EQ(values2, values);
  }
}

TEST(CpuStreamTest, BadArgumentsChangeNothing) {
  const CpuModel cpu_model = BuildCpuModel(Model().checkpoint.weights);
  const LlamaConfig& c = Model().config();
  EXPECT_EQ(CpuStream::Create(cpu_model, "sse9").status().code(), ErrorCode::kModel);
  auto stream = CpuStream::Create(cpu_model);
  ASSERT_TRUE(stream.ok());
  std::vector<float> logits(static_cast<std::size_t>(c.vocab_size)), short_logits(3);
  ASSERT_TRUE(stream->Step(1, logits).ok());
  EXPECT_EQ(stream->Step(c.vocab_size, logits).code(), ErrorCode::kSyntax);
  EXPECT_EQ(stream->Step(-1, logits).code(), ErrorCode::kSyntax);
  EXPECT_EQ(stream->Step(1, short_logits).code(), ErrorCode::kSyntax);
  std::vector<float> keys(static_cast<std::size_t>(c.n_layers * 2 * c.kv_dim())), values = keys;
  EXPECT_EQ(stream->ImportKv(c.seq_len + 1, 2, keys, values).code(), ErrorCode::kLimit);
  EXPECT_EQ(stream->ImportKv(2, 3, keys, values).code(), ErrorCode::kSyntax);
  EXPECT_EQ(stream->ImportKv(3, 2, keys, values).code(), ErrorCode::kSyntax);
  EXPECT_EQ(stream->position(), 1);
  // The window fills, then LIMIT.
  auto full = CpuStream::Create(cpu_model);
  ASSERT_TRUE(full.ok());
  for (int i = 0; i < c.seq_len; ++i) ASSERT_TRUE(full->Step(1 + i % 50, logits).ok());
  EXPECT_EQ(full->Step(5, logits).code(), ErrorCode::kLimit);
}

}  // namespace
}  // namespace engram::compute
