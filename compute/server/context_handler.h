// The seam between the torch-free service and the context memory (docs/protocol.md §5.9): the
// service parses ContextEncode/ContextRead frames and context generations into these plain
// calls and runs them on a worker thread. The implementation (compute/context/context_engine.h)
// is injected where the service is built.
#ifndef ENGRAM_COMPUTE_SERVER_CONTEXT_HANDLER_H_
#define ENGRAM_COMPUTE_SERVER_CONTEXT_HANDLER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compute/model/llama_weights.h"
#include "compute/protocol/context_types.h"
#include "compute/runtime/generation.h"
#include "compute/server/blob_cache.h"
#include "engram/status.h"

namespace engram::compute {

struct ContextGenerateCall {
  // Prompt tokens (BOS first; without a prefix), sampling, guides, max tokens.
  GenerationRequest request;
  std::vector<protocol::ContextState> memories;
  float lambda = 0.9f;  // the memories' proposal weight (scaled by each step's confidence)
  // Generate after this stored prefix: its keys and values are loaded, not computed, and the
  // prompt tokens continue it (no BOS).
  std::optional<protocol::PrefixRef> prefix;
  // The model's weights with an edit memory's side memory in place (docs/editing.md §4): null
  // for the model's own. Not with a prefix (its keys and values are the unedited model's).
  std::shared_ptr<const LlamaWeights> weights;
};

struct ContextGenerateOutcome {
  std::vector<int> tokens;
  StopReason stop_reason = StopReason::kMaxTokens;
};

// Implementations serialise or share their own state safely (the service calls them from
// several worker threads) and may block; never called on the I/O thread.
class ContextHandler {
 public:
  virtual ~ContextHandler() = default;
  // Encodes `text` (its tokens, no BOS) into blocks whose tensors it puts into `blobs`.
  // `progress` (when set) sees (tokens encoded, tokens in all) after each segment.
  using EncodeProgress = std::function<void(std::uint64_t tokens, std::uint64_t total)>;
  virtual Result<protocol::ContextEncodeResult> Encode(const protocol::ContextSettings& settings,
                                                       std::string_view text, BlobCache& blobs,
                                                       const EncodeProgress& progress) = 0;
  // Runs BOS + `text` through the model; its keys and values (every layer) go into `blobs`.
  virtual Result<protocol::PrefixRef> EncodePrefix(std::string_view text, BlobCache& blobs) = 0;
  // Loads `state` (need 2 with the missing blobs when some are not in `blobs`) and, with a
  // non-empty `query`, retrieves its top_k chunks.
  virtual Result<protocol::ContextReadResult> Read(const protocol::ContextState& state,
                                                   std::string_view query, std::uint32_t top_k,
                                                   BlobCache& blobs) = 0;
  // Generates with the memories' proposals mixed in at every step. Every memory's blocks must
  // be in the blob cache (Read it first); `on_token` sees each token as it comes, and
  // `cancelled` (when set) is polled between steps.
  virtual Result<ContextGenerateOutcome> Generate(const ContextGenerateCall& call, BlobCache& blobs,
                                                  const std::function<void(int token)>& on_token,
                                                  const std::function<bool()>& cancelled) = 0;
};

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_SERVER_CONTEXT_HANDLER_H_
