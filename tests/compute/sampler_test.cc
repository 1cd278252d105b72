#include "compute/model/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

namespace engram::compute {
namespace {

TEST(SamplerTest, ArgmaxTakesTheFirstMaximum) {
  EXPECT_EQ(Argmax(std::vector<float>{1, 3, 3, 2}), 1);
  EXPECT_EQ(Argmax(std::vector<float>{-5}), 0);
}

TEST(SamplerTest, TemperatureZeroIsGreedyAndLeavesLogitsAlone) {
  Sampler sampler({0.0f, 0.9f, 1});
  std::vector<float> logits = {0.1f, 2.0f, -1.0f, 1.9f};
  const std::vector<float> before = logits;
  EXPECT_EQ(sampler.Sample(logits), 1);
  EXPECT_EQ(logits, before);
}

TEST(SamplerTest, SoftmaxSumsToOne) {
  std::vector<float> v = {1000.0f, 999.0f, -1000.0f};  // max subtraction keeps it finite
  Softmax(v);
  EXPECT_NEAR(v[0] + v[1] + v[2], 1.0f, 1e-6f);
  EXPECT_GT(v[0], v[1]);
  EXPECT_EQ(v[2], 0.0f);
}

std::vector<int> Draw(SamplingParams params, const std::vector<float>& logits, int n) {
  Sampler sampler(params);
  std::vector<int> out;
  for (int i = 0; i < n; ++i) {
    std::vector<float> copy = logits;
    out.push_back(sampler.Sample(copy));
  }
  return out;
}

TEST(SamplerTest, SeedsAreReproducibleAndDistinct) {
  const std::vector<float> logits = {0.0f, 0.5f, 1.0f, 1.5f, 0.2f, -0.3f};
  EXPECT_EQ(Draw({1.0f, 1.0f, 42}, logits, 200), Draw({1.0f, 1.0f, 42}, logits, 200));
  EXPECT_NE(Draw({1.0f, 1.0f, 42}, logits, 200), Draw({1.0f, 1.0f, 43}, logits, 200));
  // Seed 0 is usable (xorshift would be stuck at zero without the documented substitution).
  const auto zero = Draw({1.0f, 1.0f, 0}, logits, 200);
  EXPECT_GT(std::set<int>(zero.begin(), zero.end()).size(), 2u);
}

TEST(SamplerTest, MultinomialFollowsTheSoftmax) {
  const std::vector<float> logits = {0.0f, std::log(2.0f), std::log(3.0f),
                                     std::log(4.0f)};  // 1:2:3:4
  const int n = 20000;
  std::map<int, int> counts;
  for (int t : Draw({1.0f, 1.0f, 7}, logits, n)) ++counts[t];
  for (int i = 0; i < 4; ++i) {
    const double expected = n * (i + 1) / 10.0;
    // Five standard deviations of a binomial count.
    const double sd = std::sqrt(n * ((i + 1) / 10.0) * (1 - (i + 1) / 10.0));
    EXPECT_NEAR(counts[i], expected, 5 * sd) << "token " << i;
  }
}

TEST(SamplerTest, TopPKeepsOnlyTheNucleus) {
  // Probabilities 0.5, 0.3, 0.15, 0.05: top-p 0.7 keeps the first two tokens only.
  const std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.15f),
                                     std::log(0.05f)};
  std::map<int, int> counts;
  for (int t : Draw({1.0f, 0.7f, 11}, logits, 5000)) ++counts[t];
  EXPECT_EQ(counts[2] + counts[3], 0);
  EXPECT_GT(counts[0], counts[1]);
  EXPECT_GT(counts[1], 1000);
}

TEST(SamplerTest, LowTemperatureConcentrates) {
  const std::vector<float> logits = {1.0f, 1.2f, 0.8f};
  std::map<int, int> counts;
  for (int t : Draw({0.01f, 1.0f, 3}, logits, 1000)) ++counts[t];
  EXPECT_EQ(counts[1], 1000);
}

}  // namespace
}  // namespace engram::compute
