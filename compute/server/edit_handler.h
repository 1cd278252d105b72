// The seam between the torch-free service and the edit memory (WISE; docs/protocol.md §5.10):
// the service parses EditApply/EditRoute frames and edited generations into these plain calls
// and runs them on a worker thread. The implementation (compute/editing/edit_engine.h) is
// injected where the service is built.
#ifndef ENGRAM_COMPUTE_SERVER_EDIT_HANDLER_H_
#define ENGRAM_COMPUTE_SERVER_EDIT_HANDLER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "compute/model/llama_weights.h"
#include "compute/protocol/edit_types.h"
#include "compute/runtime/generation.h"
#include "compute/server/blob_cache.h"
#include "engram/status.h"

namespace engram::compute {

// Implementations serialise their own state (the service calls them from several worker
// threads) and may block; never called on the I/O thread.
class EditHandler {
 public:
  virtual ~EditHandler() = default;
  // Trains one edit into, or forgets one edit from, the state (a new memory without one). The
  // new state's delta blobs go into `blobs`. need != kNothing: nothing was done.
  virtual Result<protocol::EditApplyResult> Apply(const protocol::EditApplyParams& params,
                                                  BlobCache& blobs) = 0;
  // Routes `prompt` (tokenised with BOS) and scores the state's memories: the top_k best.
  virtual Result<protocol::EditRouteResult> Route(const protocol::EditStateSpec& state,
                                                  std::string_view prompt, std::uint32_t top_k,
                                                  BlobCache& blobs) = 0;
  // Generates `request` on the model whose side memory is `edit.memory` of the cached state
  // `edit.state` (NOTFOUND when that state is no longer cached, or has no such memory: route
  // again). `on_token` sees
  // (previous, token) for each new token; `cancelled` is polled between steps.
  virtual Result<GenerationResult> Generate(const protocol::GenerateEditRef& edit,
                                            GenerationRequest request,
                                            const std::function<void(int, int)>& on_token,
                                            const std::function<bool()>& cancelled) = 0;
  // The model's weights with the side memory `edit.memory` of the cached state `edit.state` in
  // place of its layer's w2 (a copy, ~1 MB for stories260K), for a generation that also attends
  // to context memories. Errors: NOTFOUND as Generate.
  virtual Result<std::shared_ptr<const LlamaWeights>> EditedWeights(
      const protocol::GenerateEditRef& edit) = 0;
};

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_SERVER_EDIT_HANDLER_H_
