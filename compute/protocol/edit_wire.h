// FlatBuffers conversions of the edit memory values (edit_types.h), shared by the co-process's
// service and the engine's compute client so both sides read and write them alike.
#ifndef ENGRAM_COMPUTE_PROTOCOL_EDIT_WIRE_H_
#define ENGRAM_COMPUTE_PROTOCOL_EDIT_WIRE_H_

#include <optional>

#include "compute/protocol/edit_types.h"
#include "compute/protocol/frame_codec.h"
#include "engram/status.h"

namespace engram::protocol {

// The key of a complete state: XXH3-128 over its header, its edits (id, size, bytes) and its
// deltas (id, blob hash), in order. Two states with the same pieces have the same key.
Hash128 EditStateKey(const EditStateSpec& state);

flatbuffers::Offset<fb::EditState> EditStateToWire(flatbuffers::FlatBufferBuilder& b,
                                                   const EditStateSpec& state);
// Absent: nullopt. Errors: SYNTAX (a state without its key).
Result<std::optional<EditStateSpec>> EditStateFromWire(const fb::EditState* state);

// The request frames (request id `id`).
std::string EditApplyFrame(std::uint64_t id, const EditApplyParams& params);
std::string EditRouteFrame(std::uint64_t id, const EditStateSpec& state, std::string_view prompt,
                           std::uint32_t top_k);

// The reply frames and their readers. Errors: SYNTAX (a malformed state).
std::string EditApplyReplyFrame(std::uint64_t id, const EditApplyResult& result);
Result<EditApplyResult> EditApplyResultFromWire(const fb::EditApplyReply& reply);
std::string EditRouteReplyFrame(std::uint64_t id, const EditRouteResult& result);
EditRouteResult EditRouteResultFromWire(const fb::EditRouteReply& reply);

}  // namespace engram::protocol

#endif  // ENGRAM_COMPUTE_PROTOCOL_EDIT_WIRE_H_
