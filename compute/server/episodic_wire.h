// Conversions between the EpisodicApply/EpisodicRead frames (frame.fbs) and the plain requests
// and outcomes of episodic_handler.h. Only shapes are converted here; the handler checks values.
#ifndef ENGRAM_COMPUTE_SERVER_EPISODIC_WIRE_H_
#define ENGRAM_COMPUTE_SERVER_EPISODIC_WIRE_H_

#include <cstdint>
#include <string>

#include "compute/protocol/frame_codec.h"
#include "compute/server/episodic_handler.h"

namespace engram::compute {

// Errors: SYNTAX when the state or its settings are missing.
Result<EpisodicApplyCall> ParseEpisodicApply(const protocol::fb::EpisodicApplyRequest& request);
Result<EpisodicReadCall> ParseEpisodicRead(const protocol::fb::EpisodicReadRequest& request);

// Reply frames for request `id`.
std::string EncodeEpisodicApplyReply(std::uint64_t id, const EpisodicApplyOutcome& outcome);
std::string EncodeEpisodicReadReply(std::uint64_t id, const EpisodicReadOutcome& outcome);

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_SERVER_EPISODIC_WIRE_H_
