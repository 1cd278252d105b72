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
#include "compute/protocol/episodic_types.h"
#include "compute/server/blob_cache.h"
#include "engram/status.h"

namespace engram::compute {

// The wire's values (compute/protocol/episodic_types.h) under the names the handler uses.
using EpisodicSettingsSpec = protocol::EpisodicSettings;
using EpisodicOpSpec = protocol::EpisodicOp;
using EpisodicTextSpec = protocol::EpisodicText;
using EpisodicStateRequest = protocol::EpisodicStateSpec;
using EpisodicNeedCode = protocol::EpisodicNeed;
using EpisodicQueryOutcome = protocol::EpisodicRecall;
using EpisodicApplyOutcome = protocol::EpisodicApplyResult;
using EpisodicReadOutcome = protocol::EpisodicReadResult;

struct EpisodicApplyCall {
  EpisodicStateRequest state;
  std::vector<EpisodicOpSpec> ops;
  std::vector<EpisodicTextSpec> texts;
  bool checkpoint = false;
};

struct EpisodicReadCall {
  EpisodicStateRequest state;
  std::vector<std::string> queries;
  std::uint32_t top_k = 5;
  std::uint32_t iterations = 1;
  double scope_threshold = 0.3;
  std::vector<EpisodicStateRequest> more;  // further memories read with `state` (hierarchical)
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
