// The decode engines against each other: LibTorch full-sequence forward (no cache) is the
// reference; LibTorch and the fused CPU kernels (every instruction set this CPU has) must match
// it step by step through their KV caches, and batching must not change any stream's logits.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "compute/runtime/cpu_decode_engine.h"
#include "compute/runtime/engine_factory.h"
#include "compute/runtime/torch_decode_engine.h"
#include "tests/compute/test_model.h"

namespace engram::compute {
namespace {

using testing::Book;
using testing::Model;

std::vector<int> BookTokens(const std::string& book, std::size_t count) {
  auto tokens = Model().tokenizer.Encode(Book(book, 20'000), true, false);
  tokens.resize(count);
  return tokens;
}

// Logits of every position, one step at a time through the engine's cache (slot 0).
std::vector<float> Stepwise(DecodeEngine& engine, const std::vector<int>& tokens) {
  const auto vocab = static_cast<std::size_t>(engine.config().vocab_size);
  std::vector<float> all(tokens.size() * vocab);
  for (std::size_t pos = 0; pos < tokens.size(); ++pos) {
    const int slot = 0, token = tokens[pos], p = static_cast<int>(pos);
    Status s = engine.Step({&slot, 1}, {&token, 1}, {&p, 1}, {all.data() + pos * vocab, vocab});
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return all;
}

float MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

std::vector<std::string> AvailableIsas() {
  std::vector<std::string> isas;
  for (const char* isa : {"avx512", "avx2", "generic"}) {
    if (CpuForwardByName(isa) != nullptr) isas.push_back(isa);
  }
  return isas;
}

TEST(EngineTest, AllEnginesMatchTheFullSequenceReference) {
  const auto tokens = BookTokens("pg11.txt", 300);
  auto torch = TorchDecodeEngine::Create(Model().checkpoint.weights, {"cpu", 4});
  ASSERT_TRUE(torch.ok()) << torch.status().ToString();
  std::vector<float> reference(tokens.size() * 512);
  ASSERT_TRUE((*torch)->ForwardSequence(tokens, reference).ok());

  EXPECT_LE(MaxAbsDiff(Stepwise(**torch, tokens), reference), 1e-4f) << "torch, cached";
  for (const std::string& isa : AvailableIsas()) {
    auto cpu = CpuDecodeEngine::Create(Model().checkpoint.weights, {4, 1, isa});
    ASSERT_TRUE(cpu.ok()) << cpu.status().ToString();
    EXPECT_LE(MaxAbsDiff(Stepwise(**cpu, tokens), reference), 1e-4f) << "cpu-fused/" << isa;
  }
}

TEST(EngineTest, FullContextWindow) {
  // Every position of the 512-token window, including the last.
  const auto tokens = BookTokens("pg1661.txt", 512);
  auto torch = TorchDecodeEngine::Create(Model().checkpoint.weights, {"cpu", 1});
  ASSERT_TRUE(torch.ok());
  std::vector<float> reference(tokens.size() * 512);
  ASSERT_TRUE((*torch)->ForwardSequence(tokens, reference).ok());
  auto cpu = CpuDecodeEngine::Create(Model().checkpoint.weights, {1, 1, ""});
  ASSERT_TRUE(cpu.ok());
  EXPECT_LE(MaxAbsDiff(Stepwise(**cpu, tokens), reference), 1e-4f);
}

TEST(EngineTest, BatchingDoesNotChangeAnyStream) {
  // Five streams of different texts, admitted at staggered steps so that one batch mixes
  // positions; each stream's logits must equal those of running it alone.
  const char* books[] = {"pg11.txt", "pg16.txt", "pg1661.txt", "pg236.txt", "pg98.txt"};
  const int kStreams = 5, kLength = 60, kStagger = 7;
  std::vector<std::vector<int>> texts;
  for (const char* b : books) texts.push_back(BookTokens(b, kLength));

  for (const char* engine_name : {"cpu", "torch"}) {
    EngineOptions options;
    options.engine = engine_name;
    options.max_slots = 8;
    options.threads = 2;
    auto alone = CreateDecodeEngine(Model().checkpoint.weights, options);
    auto batched = CreateDecodeEngine(Model().checkpoint.weights, options);
    ASSERT_TRUE(alone.ok() && batched.ok());
    std::vector<std::vector<float>> expected;
    for (const auto& t : texts) expected.push_back(Stepwise(**alone, t));

    std::vector<std::vector<float>> got(kStreams, std::vector<float>(kLength * 512));
    for (int step = 0; step < kLength + kStagger * kStreams; ++step) {
      std::vector<int> slots, tokens, positions, rows;
      for (int s = 0; s < kStreams; ++s) {
        const int pos = step - s * kStagger;
        if (pos < 0 || pos >= kLength) continue;
        slots.push_back(7 - s);  // slots need not match stream order
        tokens.push_back(texts[static_cast<std::size_t>(s)][static_cast<std::size_t>(pos)]);
        positions.push_back(pos);
        rows.push_back(s);
      }
      if (slots.empty()) continue;
      std::vector<float> logits(slots.size() * 512);
      ASSERT_TRUE((*batched)->Step(slots, tokens, positions, logits).ok());
      for (std::size_t i = 0; i < rows.size(); ++i) {
        std::copy_n(logits.begin() + static_cast<std::ptrdiff_t>(i * 512), 512,
                    got[static_cast<std::size_t>(rows[i])].begin() + positions[i] * 512);
      }
    }
    for (int s = 0; s < kStreams; ++s) {
      if (std::string(engine_name) == "cpu") {
        // Same kernels, same summation order per element: bit-identical.
        EXPECT_EQ(got[static_cast<std::size_t>(s)], expected[static_cast<std::size_t>(s)])
            << "stream " << s;
      } else {
        EXPECT_LE(
            MaxAbsDiff(got[static_cast<std::size_t>(s)], expected[static_cast<std::size_t>(s)]),
            1e-4f);
      }
    }
  }
}

TEST(EngineTest, StepRejectsBadArguments) {
  for (const char* engine_name : {"cpu", "torch"}) {
    EngineOptions options;
    options.engine = engine_name;
    options.max_slots = 2;
    auto engine = CreateDecodeEngine(Model().checkpoint.weights, options);
    ASSERT_TRUE(engine.ok());
    std::vector<float> logits(2 * 512);
    auto step = [&](std::vector<int> slots, std::vector<int> tokens, std::vector<int> positions) {
      return (*engine)->Step(slots, tokens, positions, logits).code();
    };
    EXPECT_EQ(step({0}, {1}, {512}), ErrorCode::kLimit) << "position past the window";
    EXPECT_EQ(step({0}, {1}, {-1}), ErrorCode::kLimit);
    EXPECT_EQ(step({0}, {512}, {0}), ErrorCode::kSyntax) << "token outside the vocabulary";
    EXPECT_EQ(step({2}, {1}, {0}), ErrorCode::kLimit) << "slot out of range";
    EXPECT_EQ(step({1, 1}, {1, 1}, {0, 0}), ErrorCode::kInternal) << "slot twice";
    EXPECT_EQ(step({0, 1}, {1}, {0, 0}), ErrorCode::kInternal) << "ragged batch";
    EXPECT_EQ(step({}, {}, {}), ErrorCode::kOk);
    EXPECT_EQ(step({0, 1}, {1, 1}, {0, 0}), ErrorCode::kOk);
  }
}

TEST(EngineTest, FactoryErrors) {
  EngineOptions options;
  options.engine = "tensorrt";
  EXPECT_EQ(CreateDecodeEngine(Model().checkpoint.weights, options).status().code(),
            ErrorCode::kSyntax);
  options.engine = "cpu";
  options.device = "cuda";
  EXPECT_EQ(CreateDecodeEngine(Model().checkpoint.weights, options).status().code(),
            ErrorCode::kSyntax);
  options.engine = "cpu";
  options.device = "cpu";
  options.isa = "neon";
  EXPECT_EQ(CreateDecodeEngine(Model().checkpoint.weights, options).status().code(),
            ErrorCode::kModel);
  if (!TorchCudaAvailable()) {
    auto cuda = TorchDecodeEngine::Create(Model().checkpoint.weights, {"cuda", 1});
    EXPECT_EQ(cuda.status().code(), ErrorCode::kCompute);
    EXPECT_NE(cuda.status().message().find("no CUDA"), std::string::npos);
  }
  auto bogus = TorchDecodeEngine::Create(Model().checkpoint.weights, {"tpu:9", 1});
  EXPECT_EQ(bogus.status().code(), ErrorCode::kCompute);
}

}  // namespace
}  // namespace engram::compute
