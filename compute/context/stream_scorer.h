// StreamScorer: the negative log-likelihood of every token of a long token stream under the
// model with a bounded window and, optionally, a long-term context memory (docs/context.md —
// the "memory helps" measurement of issue 7).
//
// The stream is cut into segments of `window` - 1 tokens; each segment is read from position 0
// after a BOS (the model's window holds only the segment), every token predicted from the
// segment's tokens before it. With a memory, each step reads the memory (MemoryReader: fusion
// and/or proposals mixed in with weight `lambda`), and when a segment is done its tokens' keys
// and values at the memory layer are appended to the memory — after its reads, so a segment
// never retrieves itself. Without a memory the same segments are scored by the plain model:
// "the same window".
//
// Thread-safety: one scorer per thread; it borrows the weights.
#ifndef ENGRAM_COMPUTE_CONTEXT_STREAM_SCORER_H_
#define ENGRAM_COMPUTE_CONTEXT_STREAM_SCORER_H_

#include <optional>
#include <span>
#include <vector>

#include "compute/context/memory_reader.h"
#include "compute/model/llama_weights.h"
#include "engram/status.h"

namespace engram::compute::context {

// The defaults are the measured choice (docs/context.md, engram-context-eval --sweep).
struct ScorerOptions {
  int window = 256;  // positions per segment, BOS included (<= seq_len)
  int memory_layer = 2;
  int chunk_tokens = 1;  // csz
  bool cosine = true;    // search chunk keys by cosine (ContextMemoryOptions::normalize_keys)
  bool use_memory = true;
  ReaderOptions reader;
  float lambda = 0.9f;  // weight of the memory's proposals, times the reader's confidence
};

// Per stream token, -log p(token | its segment before it [, the memory]) in nats.
// Errors: SYNTAX (bad options, a token out of the vocabulary), LIMIT.
Result<std::vector<double>> ScoreStream(const LlamaWeights& weights, std::span<const int> stream,
                                        const ScorerOptions& options);

}  // namespace engram::compute::context

#endif  // ENGRAM_COMPUTE_CONTEXT_STREAM_SCORER_H_
