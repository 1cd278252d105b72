// MemoryReader: what one decoding step takes from a ContextMemory at the memory layer
// (docs/context.md). Two uses, separately switchable:
//
//  - Fusion (LongMem's memory-augmented attention, training-free): per key/value head, the top
//    `top_k` chunks of each of its query heads' pre-RoPE queries; their tokens' keys and values
//    go to ContextModel's joint softmax over [memory ‖ local].
//  - Proposals (memory-conditioned decoding, kNN-LM style): per key/value head, the top `top_k`
//    chunks of a probe — the step's own pre-RoPE key (`kKey`: "where was a token like this one,
//    in a context like this one?") or its queries' mean (`kQuery`) — then a softmax over the
//    probe's inner products with those chunks' token keys (/√d, at `temperature`); each token
//    proposes its continuation (the token that followed it in its text) with its weight. The
//    heads' distributions are averaged. The decoder mixes p = λ·p_mem + (1 − λ)·p_model.
//
// Thread-safety: one reader per decoding stream; it borrows the memory, which must not change
// while a step runs.
#ifndef ENGRAM_COMPUTE_CONTEXT_MEMORY_READER_H_
#define ENGRAM_COMPUTE_CONTEXT_MEMORY_READER_H_

#include <utility>
#include <vector>

#include "compute/context/context_memory.h"
#include "compute/context/context_model.h"

namespace engram::compute::context {

enum class ProposalProbe { kNone, kKey, kQuery };

// The defaults are the measured choice (docs/context.md, engram-context-eval --sweep).
struct ReaderOptions {
  int top_k = 16;  // chunks per head (LongMem: K/csz tokens; here 16 tokens of csz 1)
  bool fuse = false;
  ProposalProbe probe = ProposalProbe::kKey;
  float temperature = 1.0f;
  // Proposals only from memory tokens that are the token being read (its continuation is then
  // aligned with ours), and of those, weight e^(suffix_bonus · n) for n more preceding tokens
  // that agree with the stream's (up to max_suffix).
  bool match_token = true;
  float suffix_bonus = 1.0f;
  int max_suffix = 8;
  // How far to trust the proposals: confidence() = min(1, n / confident_suffix) for the longest
  // agreeing suffix n among the candidates (0: always 1). The decoder scales λ by it, so a
  // memory that only knows the current token leaves the model's distribution alone.
  int confident_suffix = 4;
  // Candidates from the memory's exact trigram index (the latest this many occurrences of the
  // stream's last three tokens), besides the key search's; 0: the key search alone.
  int trigram_candidates = 64;
};

class MemoryReader final : public MemoryLayerHook {
 public:
  MemoryReader(const ContextMemory& memory, int n_heads, ReaderOptions options);

  void AtMemoryLayer(const LayerVectors& vectors, MemoryTokens& fuse) override;

  // The tokens read so far in this stream, the current one last (for match_token and
  // suffix_bonus); set before each step. Borrowed until the next call.
  void SetRecent(std::span<const int> recent) { recent_ = recent; }

  // The last step's proposals: (token, probability), summing to 1; empty when the memory
  // offered nothing (no chunks, or no token with a continuation).
  const std::vector<std::pair<int, float>>& proposals() const { return proposals_; }
  float confidence() const { return confidence_; }

 private:
  void Propose(const LayerVectors& vectors);

  const ContextMemory* memory_;
  int n_heads_;
  ReaderOptions options_;
  std::vector<std::pair<int, float>> proposals_;
  float confidence_ = 0.0f;
  std::span<const int> recent_;
};

// Mixes λ·p_mem + (1 − λ)·softmax(logits) into `probs` (vocab values). With no proposals, the
// model's softmax.
void MixProposals(std::span<const float> logits, const std::vector<std::pair<int, float>>& mem,
                  float lambda, std::vector<float>& probs);

}  // namespace engram::compute::context

#endif  // ENGRAM_COMPUTE_CONTEXT_MEMORY_READER_H_
