// The editing graph (compute/editing/llama_graph.h through model_forward.h) against the
// project's references: the LibTorch engine's full-sequence forward, llama2.c's greedy output,
// and finite differences of its gradient.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "compute/editing/model_forward.h"
#include "compute/runtime/torch_decode_engine.h"
#include "tests/compute/test_model.h"

namespace engram::compute::editing {
namespace {

using testing::Model;

std::vector<float> LayerW2(int layer) {
  const LlamaConfig& c = Model().config();
  const std::size_t n = static_cast<std::size_t>(c.dim) * c.hidden_dim;
  const auto all = Model().checkpoint.weights.Tensor(WeightId::kW2);
  return {all.begin() + static_cast<std::ptrdiff_t>(n * layer),
          all.begin() + static_cast<std::ptrdiff_t>(n * (layer + 1))};
}

float MaxAbsDiff(std::span<const float> a, std::span<const float> b) {
  float m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

TEST(EditingForwardTest, BatchedLogitsMatchTheTorchEngine) {
  auto forward = ModelForward::Create(Model().checkpoint.weights);
  ASSERT_TRUE(forward.ok()) << forward.status().ToString();
  TorchEngineOptions options;
  options.max_slots = 1;
  auto engine = TorchDecodeEngine::Create(Model().checkpoint.weights, options);
  ASSERT_TRUE(engine.ok());
  const auto& tok = Model().tokenizer;
  // Sequences of different lengths share one padded batch.
  const std::vector<std::vector<int>> batch = {
      tok.Encode("Once upon a time, there was a little girl named Lily.", true, false),
      tok.Encode("The mother tongue of Danielle Darrieux is", true, false),
      tok.Encode(testing::Book("pg11.txt", 500), true, false),
      {1}};
  auto logits = (*forward)->Logits(batch);
  ASSERT_TRUE(logits.ok()) << logits.status().ToString();
  const int vocab = Model().config().vocab_size;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    std::vector<float> expected(batch[i].size() * vocab);
    ASSERT_TRUE((*engine)->ForwardSequence(batch[i], expected).ok());
    ASSERT_EQ((*logits)[i].size(), expected.size());
    EXPECT_LE(MaxAbsDiff((*logits)[i], expected), 1e-4f) << "sequence " << i;
  }
  // With the original w2 passed as the replacement, the split forward gives the same logits.
  for (int layer : {0, 2, Model().config().n_layers - 1}) {
    auto split = (*forward)->Logits(batch, layer, LayerW2(layer));
    ASSERT_TRUE(split.ok());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      EXPECT_LE(MaxAbsDiff((*split)[i], (*logits)[i]), 1e-5f) << "layer " << layer;
    }
  }
}

TEST(EditingForwardTest, GreedyDecodingReproducesLlama2cGolden) {
  auto forward = ModelForward::Create(Model().checkpoint.weights);
  ASSERT_TRUE(forward.ok());
  const int vocab = Model().config().vocab_size;
  std::vector<int> tokens = {1};
  std::string text;
  // llama2.c samples at every one of the 200 positions (the last sampled token is not fed).
  for (int step = 0; step < 200; ++step) {
    auto logits = (*forward)->Logits({tokens});
    ASSERT_TRUE(logits.ok());
    const float* last = (*logits)[0].data() + (tokens.size() - 1) * vocab;
    const int next = static_cast<int>(std::max_element(last, last + vocab) - last);
    text += Model().tokenizer.DecodePiece(tokens.back(), next);
    tokens.push_back(next);
  }
  EXPECT_EQ(text + "\n", testing::GoldenGreedy200());
}

TEST(EditingForwardTest, GradientMatchesFiniteDifferences) {
  auto forward = ModelForward::Create(Model().checkpoint.weights);
  ASSERT_TRUE(forward.ok());
  const int layer = 3;
  const auto& tok = Model().tokenizer;
  const std::vector<int> prompt =
      tok.Encode("The mother tongue of Danielle Darrieux is", true, false);
  std::vector<int> tokens =
      tok.Encode("The mother tongue of Danielle Darrieux is English", true, false);
  std::vector<float> w2 = LayerW2(layer);
  auto grad = (*forward)->TargetGradient(tokens, static_cast<int>(prompt.size()), layer, w2);
  ASSERT_TRUE(grad.ok()) << grad.status().ToString();
  ASSERT_EQ(grad->w2_grad.size(), w2.size());
  // The largest gradient entries, by central differences in float32.
  std::vector<std::size_t> order(w2.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::partial_sort(order.begin(), order.begin() + 5, order.end(), [&](auto a, auto b) {
    return std::fabs(grad->w2_grad[a]) > std::fabs(grad->w2_grad[b]);
  });
  ASSERT_GT(std::fabs(grad->w2_grad[order[0]]), 1e-3f);
  for (int k = 0; k < 5; ++k) {
    const std::size_t i = order[static_cast<std::size_t>(k)];
    const float h = 1e-2f, original = w2[i];
    w2[i] = original + h;
    auto up = (*forward)->TargetGradient(tokens, static_cast<int>(prompt.size()), layer, w2);
    w2[i] = original - h;
    auto down = (*forward)->TargetGradient(tokens, static_cast<int>(prompt.size()), layer, w2);
    w2[i] = original;
    ASSERT_TRUE(up.ok() && down.ok());
    const float numeric = (up->loss - down->loss) / (2 * h);
    EXPECT_NEAR(numeric, grad->w2_grad[i], 0.05f * std::fabs(grad->w2_grad[i]) + 1e-3f)
        << "entry " << i;
  }
}

TEST(EditingForwardTest, BadInputsAreErrors) {
  auto forward = ModelForward::Create(Model().checkpoint.weights);
  ASSERT_TRUE(forward.ok());
  EXPECT_EQ((*forward)->Logits({{}}).status().code(), ErrorCode::kSyntax);
  EXPECT_EQ((*forward)->Logits({{1, 99999}}).status().code(), ErrorCode::kSyntax);
  EXPECT_EQ((*forward)->Logits({std::vector<int>(513, 1)}).status().code(), ErrorCode::kLimit);
  EXPECT_EQ((*forward)->Logits({{1, 2}}, 2, std::vector<float>(3)).status().code(),
            ErrorCode::kSyntax);
}

}  // namespace
}  // namespace engram::compute::editing
