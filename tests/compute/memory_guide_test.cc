// Memory-conditioned decoding (compute/runtime/memory_guide.h): the matcher and the mixing as
// pure functions, then through GenerateSync on the shipped stories260K model — a guide makes the
// model state a fact it does not know, and a request whose guides never propose stays
// token-identical to llama2.c.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "compute/runtime/engine_factory.h"
#include "compute/runtime/generation.h"
#include "compute/runtime/memory_guide.h"
#include "tests/compute/test_model.h"

namespace engram::compute {
namespace {

using testing::GoldenGreedy200;
using testing::Model;

TEST(MemoryGuideMatchTest, LongestSuffixAndProposal) {
  const std::vector<int> guide = {10, 11, 12, 13, 14};
  // Suffix {11, 12} of length 2 occurs at guide[1..2]: proposes 13.
  GuideMatch m = MatchGuide(std::vector<int>{5, 11, 12}, guide, 2);
  EXPECT_EQ(m.length, 2);
  EXPECT_EQ(m.token, 13);
  // The longest suffix wins: {10, 11, 12} has length 3.
  m = MatchGuide(std::vector<int>{10, 11, 12}, guide, 2);
  EXPECT_EQ(m.length, 3);
  EXPECT_EQ(m.token, 13);
}

TEST(MemoryGuideMatchTest, MinMatch) {
  const std::vector<int> guide = {10, 11, 12, 13};
  EXPECT_EQ(MatchGuide(std::vector<int>{5, 11}, guide, 2).token, -1);  // only length 1
  GuideMatch m = MatchGuide(std::vector<int>{5, 11}, guide, 1);
  EXPECT_EQ(m.length, 1);
  EXPECT_EQ(m.token, 12);
  EXPECT_EQ(MatchGuide(std::vector<int>{5, 11}, guide, 0).token, 12);  // below 1 counts as 1
  EXPECT_EQ(MatchGuide(std::vector<int>{10, 11, 12}, guide, 4).token, -1);
}

TEST(MemoryGuideMatchTest, EarliestOccurrenceOnTies) {
  const std::vector<int> guide = {7, 8, 20, 7, 8, 30, 9};
  GuideMatch m = MatchGuide(std::vector<int>{7, 8}, guide, 2);
  EXPECT_EQ(m.length, 2);
  EXPECT_EQ(m.token, 20);
  // A longer match later beats a shorter earlier one.
  m = MatchGuide(std::vector<int>{20, 7, 8}, guide, 2);
  EXPECT_EQ(m.length, 3);
  EXPECT_EQ(m.token, 30);
}

TEST(MemoryGuideMatchTest, GuideEndProposesNothing) {
  const std::vector<int> guide = {10, 11, 12};
  // {11, 12} only occurs ending at the guide's last token: nothing follows it.
  EXPECT_EQ(MatchGuide(std::vector<int>{11, 12}, guide, 2).token, -1);
  EXPECT_EQ(MatchGuide(std::vector<int>{10, 11}, guide, 2).token, 12);
  EXPECT_EQ(MatchGuide(std::vector<int>{10, 11}, std::vector<int>{10}, 1).token, -1);
  EXPECT_EQ(MatchGuide(std::vector<int>{}, guide, 1).token, -1);
}

TEST(MemoryGuideMatchTest, SuffixNeverCrossesBos) {
  const std::vector<int> guide = {10, 1, 11, 12, 13};
  // The context's BOS ends the matchable suffix: only {11, 12} (length 2) counts.
  GuideMatch m = MatchGuide(std::vector<int>{10, 1, 11, 12}, guide, 2);
  EXPECT_EQ(m.length, 2);
  EXPECT_EQ(m.token, 13);
  EXPECT_EQ(MatchGuide(std::vector<int>{1, 12}, guide, 2).token, -1);
}

TEST(MemoryGuideMixTest, ProposeSkipsInvalidWeightsAndTokens) {
  const std::vector<MemoryGuide> guides = {
      {{10, 11, 12}, 0.8f}, {{10, 11, 13}, 0.0f}, {{10, 11, 99}, 0.5f}, {{10, 11, 14}, 0.3f}};
  const auto p = ProposeTokens(std::vector<int>{10, 11}, guides, 2, /*vocab_size=*/50);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].token, 12);
  EXPECT_FLOAT_EQ(p[0].weight, 0.8f);
  EXPECT_EQ(p[1].token, 14);
  EXPECT_EQ(ValidateGuides(guides).code(), ErrorCode::kSyntax);  // weight 0
  EXPECT_TRUE(ValidateGuides(std::vector<MemoryGuide>{{{1, 2}, 1.0f}}).ok());
  EXPECT_FALSE(ValidateGuides(std::vector<MemoryGuide>{{std::vector<int>(257, 5), 0.5f}}).ok());
  EXPECT_FALSE(ValidateGuides(std::vector<MemoryGuide>(17, MemoryGuide{{1, 2}, 0.5f})).ok());
}

TEST(MemoryGuideMixTest, GreedyThreshold) {
  const std::vector<float> logits = {0.0f, 3.0f, 1.0f, 2.0f};  // model argmax 1
  EXPECT_EQ(GreedyMix(logits, std::vector<GuideProposal>{{3, 0.51f}}), 3);
  EXPECT_EQ(GreedyMix(logits, std::vector<GuideProposal>{{3, 0.5f}}), 1);  // tie: the model
  EXPECT_EQ(GreedyMix(logits, std::vector<GuideProposal>{{3, 0.2f}}), 1);
  EXPECT_EQ(GreedyMix(logits, std::vector<GuideProposal>{{1, 0.9f}}), 1);  // coincides
  // Two guides split p_mem: λ = 0.9, p(2) = p(3) = 0.45 > p(1) = 0.1; lowest id on ties.
  EXPECT_EQ(GreedyMix(logits, std::vector<GuideProposal>{{3, 0.9f}, {2, 0.9f}}), 2);
  // λ = 0.9, p_mem(3) = 0.9/1.2 → 0.675; p(1) = 0.1 + 0.9·0.25 = 0.325.
  EXPECT_EQ(GreedyMix(logits, std::vector<GuideProposal>{{3, 0.9f}, {1, 0.3f}}), 3);
}

TEST(MemoryGuideMixTest, MixIntoLogitsRecoversTheMixture) {
  std::vector<float> logits = {0.0f, 1.0f, 2.0f, -1.0f};
  std::vector<float> model = logits;
  const float temperature = 0.7f;
  for (float& v : model) v /= temperature;
  Softmax(model);
  MixIntoLogits(logits, temperature, std::vector<GuideProposal>{{3, 0.6f}, {0, 0.2f}});
  for (float& v : logits) v /= temperature;
  Softmax(logits);
  const float lambda = 0.6f;
  const std::vector<float> expected = {lambda * 0.25f + (1 - lambda) * model[0],
                                       (1 - lambda) * model[1], (1 - lambda) * model[2],
                                       lambda * 0.75f + (1 - lambda) * model[3]};
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(logits[i], expected[i], 1e-6f);
}

std::unique_ptr<DecodeEngine> CpuEngine() {
  EngineOptions options;
  options.engine = "cpu";
  options.max_slots = 1;
  auto engine = CreateDecodeEngine(Model().checkpoint.weights, options);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return std::move(*engine);
}

std::vector<int> Generate(const GenerationRequest& request, int window = 0,
                          std::string* text = nullptr) {
  auto engine = CpuEngine();
  auto result = GenerateSync(
      *engine, request,
      [&](int prev, int token) {
        if (text) *text += Model().tokenizer.DecodePiece(prev, token);
      },
      window);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? result->tokens : std::vector<int>{};
}

TEST(MemoryGuideModelTest, GuideMakesTheModelStateTheFact) {
  const Tokenizer& tok = Model().tokenizer;
  const std::string prompt = "Vinson Massif is located in the continent of";
  GenerationRequest request;
  request.prompt_tokens = tok.Encode(prompt, /*bos=*/true, /*eos=*/false);
  request.sampling.temperature = 0.0f;
  request.max_new_tokens = 12;
  const std::vector<int> guide_tokens = tok.Encode(prompt + " Antarctica.", false, false);
  // The prompt (BOS dropped) is a prefix of the guide: llama2.c's dummy-prefix space makes both
  // start with the same " Vinson" tokens.
  const std::vector<int> prompt_body(request.prompt_tokens.begin() + 1,
                                     request.prompt_tokens.end());
  ASSERT_LT(prompt_body.size(), guide_tokens.size());
  ASSERT_TRUE(std::equal(prompt_body.begin(), prompt_body.end(), guide_tokens.begin()));
  const std::vector<int> fact(guide_tokens.begin() + static_cast<long>(prompt_body.size()),
                              guide_tokens.end());  // " Antarctica."
  EXPECT_EQ(tok.Decode(fact, /*prev=*/0), " Antarctica.");
  EXPECT_EQ(fact, (std::vector<int>{410, 447, 361, 295, 429, 413, 417, 429, 412, 426}));

  std::string plain_text;
  const std::vector<int> plain = Generate(request, 0, &plain_text);
  request.guides = {{guide_tokens, 0.9f}};
  std::string guided_text;
  const std::vector<int> guided = Generate(request, 0, &guided_text);

  std::string fact_ids;
  for (int t : fact) fact_ids += std::to_string(t) + " ";
  std::printf("fact tokens: %s\nplain:  [%s]\nguided: [%s]\n", fact_ids.c_str(), plain_text.c_str(),
              guided_text.c_str());
  ASSERT_GE(guided.size(), fact.size());
  EXPECT_TRUE(std::equal(fact.begin(), fact.end(), guided.begin())) << guided_text;
  EXPECT_EQ(guided_text.rfind(" Antarctica.", 0), 0u) << guided_text;
  ASSERT_GE(plain.size(), fact.size());
  EXPECT_FALSE(std::equal(fact.begin(), fact.end(), plain.begin())) << plain_text;
  EXPECT_NE(plain_text.rfind(" Antarctica", 0), 0u) << plain_text;
}

TEST(MemoryGuideModelTest, SamplingWithFullWeightFollowsTheGuide) {
  const Tokenizer& tok = Model().tokenizer;
  const std::string prompt = "Vinson Massif is located in the continent of";
  GenerationRequest request;
  request.prompt_tokens = tok.Encode(prompt, true, false);
  request.sampling.temperature = 1.0f;
  request.sampling.top_p = 0.9f;
  request.sampling.seed = 42;
  request.max_new_tokens = 12;  // " Antarctica." alone is 10 tokens
  request.guides = {{tok.Encode(prompt + " Antarctica.", false, false), 1.0f}};
  std::string text;
  Generate(request, 0, &text);
  EXPECT_EQ(text.rfind(" Antarctica.", 0), 0u) << text;
}

// A guide none of whose bigrams occur in the golden output: it never proposes.
std::vector<int> NonMatchingGuide() {
  return {400, 401, 402, 403, 404, 405};
}

GenerationRequest GoldenRequest() {
  GenerationRequest request;
  request.prompt_tokens = {1};
  request.sampling.temperature = 0.0f;
  request.max_new_tokens = 1000;
  return request;
}

TEST(MemoryGuideGoldenTest, EmptyAndNonMatchingGuidesKeepTheGoldenOutput) {
  GenerationRequest request = GoldenRequest();
  std::string plain_text;
  const std::vector<int> plain = Generate(request, 200, &plain_text);
  EXPECT_EQ(plain_text + "\n", GoldenGreedy200());
  // Precondition: the guide indeed never matches along the golden stream.
  std::vector<int> context = {1};
  for (int t : plain) {
    EXPECT_EQ(MatchGuide(context, NonMatchingGuide(), 2).token, -1);
    context.push_back(t);
  }

  request.guides = {};
  std::string empty_text;
  EXPECT_EQ(Generate(request, 200, &empty_text), plain);
  EXPECT_EQ(empty_text + "\n", GoldenGreedy200());

  request.guides = {{NonMatchingGuide(), 1.0f}};
  std::string guided_text;
  EXPECT_EQ(Generate(request, 200, &guided_text), plain);
  EXPECT_EQ(guided_text + "\n", GoldenGreedy200());
}

TEST(MemoryGuideGoldenTest, NonMatchingGuideKeepsSampledTokens) {
  GenerationRequest request = GoldenRequest();
  request.sampling.temperature = 1.0f;
  request.sampling.top_p = 0.9f;
  request.sampling.seed = 7;
  request.max_new_tokens = 150;
  const std::vector<int> plain = Generate(request);
  std::vector<int> context = {1};
  for (int t : plain) {
    ASSERT_EQ(MatchGuide(context, NonMatchingGuide(), 2).token, -1);
    context.push_back(t);
  }
  request.guides = {{NonMatchingGuide(), 0.9f}};
  EXPECT_EQ(Generate(request), plain);
}

TEST(MemoryGuideGoldenTest, InvalidGuidesAreRejected) {
  GenerationRequest request = GoldenRequest();
  request.guides = {{{5, 6, 7}, 1.5f}};
  auto engine = CpuEngine();
  auto result = GenerateSync(*engine, request, nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kSyntax);
}

}  // namespace
}  // namespace engram::compute
