// The seam between the torch-free service and the episodic memory's math (docs/protocol.md
// §5.8): the service parses EpisodicApply/EpisodicRead frames into these plain requests, calls
// the installed handler on a worker thread and encodes its outcome. The implementation
// (compute/episodic/episodic_engine.h) lives in the LibTorch library and is injected where the
// service is built, so compute_service.cc never names a LibTorch type.
#ifndef ENGRAM_COMPUTE_SERVER_EPISODIC_HANDLER_H_
#define ENGRAM_COMPUTE_SERVER_EPISODIC_HANDLER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compute/protocol/content_hash.h"
#include "compute/server/blob_cache.h"
#include "engram/status.h"

namespace engram::compute {

struct EpisodicSettingsSpec {
  std::uint32_t slots = 0;       // K
  std::uint32_t code_width = 0;  // C
  double ridge = 0;              // λ
  std::uint64_t seed = 0;        // reference memory seed
  std::uint32_t encoder_version = 0;
};

struct EpisodicOpSpec {
  bool forget = false;
  std::vector<std::uint64_t> ids;
  std::vector<std::uint64_t> tags;  // write: XXH3-64 of each text (frame.fbs EpisodicOp)
};

struct EpisodicTextSpec {
  std::uint64_t id = 0;
  std::string text;
};

// A state = replay(checkpoint, ops); see frame.fbs EpisodicState.
struct EpisodicStateRequest {
  std::string memory_uid;
  EpisodicSettingsSpec settings;
  std::optional<Hash128> checkpoint_m;
  std::optional<Hash128> checkpoint_p;
  std::vector<EpisodicOpSpec> ops;
  std::vector<EpisodicTextSpec> texts;
  bool complete = false;
};

// What the handler lacked (nothing was done): the wire's `need`.
enum class EpisodicNeedCode : std::uint8_t { kNone = 0, kCompleteState = 1, kCheckpointBlobs = 2 };

struct EpisodicApplyCall {
  EpisodicStateRequest state;
  std::vector<EpisodicOpSpec> ops;
  std::vector<EpisodicTextSpec> texts;
  bool checkpoint = false;
};

struct EpisodicApplyOutcome {
  EpisodicNeedCode need = EpisodicNeedCode::kNone;
  std::int64_t rows = 0;
  std::optional<Hash128> checkpoint_m;
  std::optional<Hash128> checkpoint_p;
};

struct EpisodicReadCall {
  EpisodicStateRequest state;
  std::vector<std::string> queries;
  std::uint32_t top_k = 5;
  std::uint32_t iterations = 1;
  double scope_threshold = 0.3;
};

struct EpisodicQueryOutcome {
  bool in_scope = false;
  double scope_score = 0;
  std::vector<std::uint64_t> ids;  // best first
  std::vector<double> scores;
};

struct EpisodicReadOutcome {
  EpisodicNeedCode need = EpisodicNeedCode::kNone;
  std::vector<EpisodicQueryOutcome> results;  // one per query unless need != kNone
};

// Implementations serialise their own work (the service calls them from several worker
// threads) and may block; they are never called on the I/O thread. `blobs` is the service's
// blob cache (checkpoints are read from and written to it).
class EpisodicHandler {
 public:
  virtual ~EpisodicHandler() = default;
  virtual Result<EpisodicApplyOutcome> Apply(const EpisodicApplyCall& call, BlobCache& blobs) = 0;
  virtual Result<EpisodicReadOutcome> Read(const EpisodicReadCall& call, BlobCache& blobs) = 0;
};

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_SERVER_EPISODIC_HANDLER_H_
