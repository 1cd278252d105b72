// EpisodicEngine: the co-process's episodic memory operations (docs/protocol.md §5.8) behind
// the service's EpisodicHandler seam.
//
// A request names a state = replay(checkpoint, ops). The engine keeps recent states (memory
// M and P, and the code and address of every live entry) in a StateCache under their state
// keys (state_key.h). To answer, it takes the cached state with the longest prefix of the
// request's ops and applies the rest in place (a write does not copy the 18 MiB of M and P);
// with no cached prefix it rebuilds the state from the checkpoint when the request carries
// every text (state.complete), and otherwise answers need = 1; a checkpoint blob missing from
// the blob cache gives need = 2. Every check that can fail (settings, ids, texts, encodings,
// blobs) runs before the state changes, so a refused request leaves the cached state as it was;
// an update that still fails midway drops the state (the next request rebuilds it).
//
// Codes come from the shipped encoder (shipped_encoder.h), loaded at the first episodic
// request; addresses from the sparse codes through pinv(M_ref) (reference_cache.h).
//
// Thread-safe: requests are serialised by a mutex (EpisodicMemory::Read fills a cache).
#ifndef ENGRAM_COMPUTE_EPISODIC_EPISODIC_ENGINE_H_
#define ENGRAM_COMPUTE_EPISODIC_EPISODIC_ENGINE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "compute/episodic/state_cache.h"
#include "compute/server/episodic_handler.h"

namespace engram::compute::episodic {

struct EpisodicEngineOptions {
  std::string asset_dir;                 // the encoder's tables (shipped_encoder.h)
  std::size_t cache_bytes = 512u << 20;  // cached states; serve --episodic-cache
  std::size_t reference_memories = 4;    // cached pinv(M_ref), 16 MiB each at K=512, C=4096
};

struct EpisodicEngineStats {
  StateCacheStats cache;
  std::uint64_t rebuilds = 0;       // states rebuilt from a checkpoint and texts
  std::uint64_t ops_applied = 0;    // write and forget ops applied to states
  double encoder_load_seconds = 0;  // loading the encoder's tables (once)
};

class EpisodicEngine final : public EpisodicHandler {
 public:
  explicit EpisodicEngine(EpisodicEngineOptions options);
  ~EpisodicEngine() override;

  // Errors: SYNTAX (malformed request, a write of a live id, a text without words or a write
  // without its text), NOTFOUND (a forget of an id that is not live), MODEL (another encoder
  // version), CORRUPT (a checkpoint blob of the wrong size or content), LIMIT, COMPUTE (the
  // encoder's tables are missing, the math failed).
  Result<EpisodicApplyOutcome> Apply(const EpisodicApplyCall& call, BlobCache& blobs) override;
  Result<EpisodicReadOutcome> Read(const EpisodicReadCall& call, BlobCache& blobs) override;

  EpisodicEngineStats Stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram::compute::episodic

#endif  // ENGRAM_COMPUTE_EPISODIC_EPISODIC_ENGINE_H_
