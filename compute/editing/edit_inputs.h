// What the edit loop trains on, as token ids: a request's prompt and target tokens, and the
// memory's context set — the context prefixes (the model's own greedy continuations of short
// prompts, put in front of the prompt so that the edit holds in context) and the pool of
// unrelated samples (the model's own greedy stories; one per edit is the routing loss's
// negative). The context set is a fixed function of the model, so a memory recomputes it
// instead of storing it. Torch-free.
//
// Thread-safety: pure functions of their arguments.
#ifndef ENGRAM_COMPUTE_EDITING_EDIT_INPUTS_H_
#define ENGRAM_COMPUTE_EDITING_EDIT_INPUTS_H_

#include <vector>

#include "compute/editing/edit_state.h"
#include "compute/model/llama_weights.h"
#include "compute/model/tokenizer.h"
#include "engram/status.h"

namespace engram::compute::editing {

struct ContextSet {
  std::vector<std::vector<int>> prefixes;   // each: a short prompt + its greedy continuation
  std::vector<std::vector<int>> unrelated;  // each: a story opening + its greedy continuation
  std::size_t longest_prefix() const;
};

inline constexpr int kMaxPrefixes = 16;
inline constexpr int kUnrelatedPoolSize = 16;
inline constexpr int kUnrelatedTokens = 24;

// The first `prefix_count` (<= kMaxPrefixes) prefixes of `prefix_tokens` generated tokens each,
// and the kUnrelatedPoolSize unrelated samples, generated greedily with the fused CPU engine
// (token ids without BOS). Errors: those of the engine.
Result<ContextSet> BuildContextSet(const LlamaWeights& weights, const Tokenizer& tokenizer,
                                   int prefix_count, int prefix_tokens);

// A request as tokens. The prompt's tokens are Encode(prompt) without BOS; the target's are
// what Encode(prompt + target) adds after them, so that greedy decoding of [BOS] + prompt
// producing the target means producing exactly these tokens.
struct PromptTarget {
  std::vector<int> prompt;
  std::vector<int> target;
};
struct PreparedEdit {
  std::vector<int> prompt;
  std::vector<int> target;
  // The prompt cut before its last 1, 2, ... words (at most `truncations`, at least one word
  // left), each followed by the target: trained too, so that the memory, once routed, says the
  // target after other phrasings of the prompt (docs/editing.md §4, "truncations"). Variants
  // whose target does not start at a token boundary are left out.
  std::vector<PromptTarget> truncations;
};

// Errors (nothing is trained): SYNTAX for an empty prompt or target, a prompt or target made
// only of whitespace, or a target that does not start at a token boundary of the prompt
// (Encode(prompt + target) does not begin with Encode(prompt)); LIMIT when BOS + the longest
// prefix + prompt + target exceed the context window `seq_len`.
Result<PreparedEdit> PrepareEdit(const Tokenizer& tokenizer, const EditRequest& request,
                                 std::size_t longest_prefix, int seq_len, int truncations = 0);

}  // namespace engram::compute::editing

#endif  // ENGRAM_COMPUTE_EDITING_EDIT_INPUTS_H_
