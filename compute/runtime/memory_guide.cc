#include "compute/runtime/memory_guide.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "compute/model/sampler.h"
#include "compute/model/tokenizer.h"

namespace engram::compute {
namespace {

bool ValidWeight(float w) {
  return w > 0.0f && w <= 1.0f;
}  // false for NaN

}  // namespace

Status ValidateGuides(std::span<const MemoryGuide> guides) {
  if (guides.size() > static_cast<std::size_t>(kMaxGuides))
    return SyntaxError("at most " + std::to_string(kMaxGuides) + " memory guides");
  for (const MemoryGuide& g : guides) {
    if (g.tokens.size() > static_cast<std::size_t>(kMaxGuideTokens))
      return SyntaxError("a memory guide has at most " + std::to_string(kMaxGuideTokens) +
                         " tokens");
    if (!ValidWeight(g.weight)) return SyntaxError("a memory guide's weight must be in (0, 1]");
  }
  return Status::Ok();
}

GuideMatch MatchGuide(std::span<const int> context, std::span<const int> guide, int min_match) {
  min_match = std::max(min_match, 1);
  // Only the tokens after the context's last BOS are matchable.
  std::size_t start = context.size();
  while (start > 0 && context[start - 1] != Tokenizer::kBos) --start;
  const std::span<const int> tail = context.subspan(start);
  GuideMatch best;
  if (guide.size() < 2) return best;
  // For each end position e (the run ends at guide[e], so guide[e + 1] exists), the length of
  // the common suffix of tail and guide[0..e]; strict > keeps the earliest occurrence.
  for (std::size_t e = 0; e + 1 < guide.size(); ++e) {
    std::size_t len = 0;
    while (len < tail.size() && len <= e && tail[tail.size() - 1 - len] == guide[e - len]) ++len;
    if (static_cast<int>(len) >= min_match && static_cast<int>(len) > best.length) {
      best.length = static_cast<int>(len);
      best.token = guide[e + 1];
    }
  }
  return best;
}

std::vector<GuideProposal> ProposeTokens(std::span<const int> context,
                                         std::span<const MemoryGuide> guides, int min_match,
                                         int vocab_size) {
  std::vector<GuideProposal> proposals;
  for (const MemoryGuide& g : guides) {
    if (!ValidWeight(g.weight)) continue;
    const GuideMatch m = MatchGuide(context, g.tokens, min_match);
    if (m.token < 0 || m.token >= vocab_size) continue;
    proposals.push_back({m.token, g.weight});
  }
  return proposals;
}

namespace {

// λ and the normaliser Σ w of the proposals.
void Weights(std::span<const GuideProposal> proposals, float* lambda, float* total) {
  *lambda = 0.0f;
  *total = 0.0f;
  for (const GuideProposal& p : proposals) {
    *lambda = std::max(*lambda, p.weight);
    *total += p.weight;
  }
}

}  // namespace

int GreedyMix(std::span<const float> logits, std::span<const GuideProposal> proposals) {
  const int model_token = Argmax(logits);
  float lambda, total;
  Weights(proposals, &lambda, &total);
  // p_mem per distinct proposed token.
  std::vector<GuideProposal> mem;
  for (const GuideProposal& p : proposals) {
    auto it = std::find_if(mem.begin(), mem.end(),
                           [&](const GuideProposal& q) { return q.token == p.token; });
    if (it == mem.end()) {
      mem.push_back({p.token, p.weight});
    } else {
      it->weight += p.weight;
    }
  }
  float model_score = 1.0f - lambda;
  for (const GuideProposal& q : mem)
    if (q.token == model_token) model_score += lambda * (q.weight / total);
  int best = model_token;
  float best_score = model_score;
  for (const GuideProposal& q : mem) {
    if (q.token == model_token) continue;
    const float score = lambda * (q.weight / total);
    if (score > best_score || (score == best_score && best != model_token && q.token < best)) {
      best = q.token;
      best_score = score;
    }
  }
  return best;
}

void MixIntoLogits(std::span<float> logits, float temperature,
                   std::span<const GuideProposal> proposals) {
  float lambda, total;
  Weights(proposals, &lambda, &total);
  for (float& v : logits) v /= temperature;
  Softmax(logits);
  for (float& v : logits) v *= 1.0f - lambda;
  for (const GuideProposal& p : proposals)
    logits[static_cast<std::size_t>(p.token)] += lambda * (p.weight / total);
  for (float& v : logits) v = temperature * std::log(v);  // log(0) = -inf: never drawn
}

}  // namespace engram::compute
