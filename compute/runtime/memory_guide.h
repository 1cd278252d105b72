// Memory-conditioned decoding (docs/episodic.md §5): kNN-LM-style interpolation of the model's
// next-token distribution with proposals from "guides", token sequences recalled from memory.
// stories260K cannot copy from its context (shared/docs/mechanisms.md §4), so a recalled fact
// is injected here, in the decode loop, rather than in front of the prompt.
//
// Semantics, per generated step:
//  - Matching. The context is the stream's tokens so far (prompt + generated). Its matchable
//    suffix never extends over a BOS token (id 1): matching looks only at the tokens after the
//    last BOS, so a guide encoded with or without a leading BOS matches alike. For each guide,
//    the matcher finds the longest suffix of the context, of length >= min_match (values below
//    1 count as 1), that occurs as a contiguous run in the guide's tokens ending before the
//    guide's last token; the guide proposes the token right after that run. Among occurrences
//    of that longest suffix the earliest one wins. A guide without such a match proposes nothing.
//  - Mixing. With proposing guides g (weight w_g), p_mem(t) = Σ_{g proposes t} w_g / Σ_g w_g and
//    λ = max_g w_g. The step's distribution is p = λ·p_mem + (1 − λ)·p_model.
//  - Sampling (temperature > 0): p_model = softmax(logits / T). The mixed p is handed to the
//    ordinary Sampler as logits T·log(p), so the Sampler's softmax recovers p (up to float
//    rounding), and its nucleus (top-p) cut and its single random draw apply to the mixed p —
//    the RNG advances exactly as on an unguided step.
//  - Greedy (temperature 0): p_model is the one-hot of the model's argmax a (first maximum).
//    Candidates score p(a) = (1 − λ) + λ·p_mem(a) and p(t) = λ·p_mem(t) for proposed t ≠ a; the
//    highest wins, a wins ties, then the lowest token id. So one proposing guide with λ > 0.5
//    makes its token win; λ <= 0.5 keeps the model's argmax (which may coincide with it).
//  - No proposing guide (or no guides): the step is the plain Sampler's, bit for bit.
//
// Limits: at most kMaxGuides guides of at most kMaxGuideTokens tokens each; ValidateGuides
// reports violations. The matcher is O(guides × guide length × match length) per step (at most
// 16 × 256 × 256 comparisons, in practice a few thousand for a handful of 64-token guides).
//
// Pure functions; thread-compatible.
#ifndef ENGRAM_COMPUTE_RUNTIME_MEMORY_GUIDE_H_
#define ENGRAM_COMPUTE_RUNTIME_MEMORY_GUIDE_H_

#include <span>
#include <vector>

#include "engram/status.h"

namespace engram::compute {

struct MemoryGuide {
  std::vector<int> tokens;
  float weight = 1.0f;  // λ contribution, in (0, 1]
};

inline constexpr int kMaxGuides = 16;
inline constexpr int kMaxGuideTokens = 256;

// SYNTAX error when there are more than kMaxGuides guides, a guide is longer than
// kMaxGuideTokens, or a weight is outside (0, 1].
Status ValidateGuides(std::span<const MemoryGuide> guides);

// The guide's match: the length of the longest context suffix found (0 when none of at least
// `min_match`) and the proposed token (-1 when none).
struct GuideMatch {
  int length = 0;
  int token = -1;
};
GuideMatch MatchGuide(std::span<const int> context, std::span<const int> guide, int min_match);

struct GuideProposal {
  int token;
  float weight;
};
// The proposals of every guide that matches; guides with a weight outside (0, 1] (or NaN) and
// tokens outside [0, vocab_size) propose nothing.
std::vector<GuideProposal> ProposeTokens(std::span<const int> context,
                                         std::span<const MemoryGuide> guides, int min_match,
                                         int vocab_size);

// Greedy choice of the mixed distribution (see above). `proposals` must not be empty.
int GreedyMix(std::span<const float> logits, std::span<const GuideProposal> proposals);

// Replaces `logits` by temperature·log(p), p = λ·p_mem + (1 − λ)·softmax(logits / temperature),
// so that Sampler::Sample(logits) draws from p. `temperature` > 0; `proposals` not empty.
void MixIntoLogits(std::span<float> logits, float temperature,
                   std::span<const GuideProposal> proposals);

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_RUNTIME_MEMORY_GUIDE_H_
