// ContextEngine: the co-process's context memory operations (docs/protocol.md §5.9) behind the
// service's ContextHandler seam (compute/server/context_handler.h).
//
//  - Encode: a write's text through the tokenizer and the model (context_encoder.h) into blocks,
//    whose five tensors go into the blob cache for the engine to store.
//  - Read: a memory's state — its live blocks — is built into a ContextMemory from the blocks'
//    blobs (need 2, with the missing hashes, when some are not in the blob cache) and kept in an
//    LRU cache under a key over (memory uid, settings, each block's id and tensor hashes). A
//    query is read like a prompt (BOS, its last window − 1 tokens) and its last token's
//    memory-layer key probes every head (the probe decoding uses): per head the top_k chunks,
//    then all candidates ranked by their mean cosine over the heads (ties: lower chunk).
//  - Generate: ContextModel decodes the prompt and the continuation (one stream, plain loops;
//    limited to the model's window), each step mixing the memories' proposals (MemoryReader)
//    and any episodic guides into the model's distribution (memory_guide.h's mixing: greedy
//    or through the ordinary Sampler).
//
// Thread-safety: thread-safe; the cache is guarded by a mutex, and reads and generations run
// on a shared, immutable ContextMemory outside it.
#ifndef ENGRAM_COMPUTE_CONTEXT_CONTEXT_ENGINE_H_
#define ENGRAM_COMPUTE_CONTEXT_CONTEXT_ENGINE_H_

#include <memory>
#include <string>

#include "compute/model/model_bundle.h"
#include "compute/server/context_handler.h"

namespace engram::compute::context {

struct ContextEngineOptions {
  std::size_t cache_bytes = std::size_t{512} << 20;  // built memories
  // The fused CPU kernels for prefixes and for generation without a context memory (as the
  // decode engine's --isa): "" = the best this CPU has.
  std::string isa;
};

class ContextEngine final : public ContextHandler {
 public:
  // `model` must outlive the engine.
  ContextEngine(const ModelBundle& model, ContextEngineOptions options = {});
  ~ContextEngine() override;

  // Errors: SYNTAX (bad settings, empty text), LIMIT (too many tokens), COMPUTE.
  Result<protocol::ContextEncodeResult> Encode(const protocol::ContextSettings& settings,
                                               std::string_view text, BlobCache& blobs,
                                               const EncodeProgress& progress = {}) override;
  // Errors: SYNTAX (no text), LIMIT (more tokens than the model's window).
  Result<protocol::PrefixRef> EncodePrefix(std::string_view text, BlobCache& blobs) override;
  // Errors: SYNTAX (bad settings, top_k), CORRUPT (a block's blobs do not fit).
  Result<protocol::ContextReadResult> Read(const protocol::ContextState& state,
                                           std::string_view query, std::uint32_t top_k,
                                           BlobCache& blobs) override;
  // Errors: NOTFOUND (a memory's blobs are not in the cache: Read it first), SYNTAX, LIMIT.
  Result<ContextGenerateOutcome> Generate(const ContextGenerateCall& call, BlobCache& blobs,
                                          const std::function<void(int token)>& on_token,
                                          const std::function<bool()>& cancelled) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram::compute::context

#endif  // ENGRAM_COMPUTE_CONTEXT_CONTEXT_ENGINE_H_
