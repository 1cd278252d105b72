// FlatBuffers conversions of the context memory values (context_types.h), shared by the
// co-process's service and the engine's compute client so both sides read and write them alike.
// The From* functions check what the verifier cannot: a block names exactly five tensors.
#ifndef ENGRAM_COMPUTE_PROTOCOL_CONTEXT_WIRE_H_
#define ENGRAM_COMPUTE_PROTOCOL_CONTEXT_WIRE_H_

#include <vector>

#include "compute/protocol/context_types.h"
#include "compute/protocol/frame_codec.h"
#include "engram/status.h"

namespace engram::protocol {

flatbuffers::Offset<fb::ContextSettings> ContextSettingsToWire(flatbuffers::FlatBufferBuilder& b,
                                                               const ContextSettings& settings);
ContextSettings ContextSettingsFromWire(const fb::ContextSettings* settings);

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::ContextBlockRef>>>
ContextBlocksToWire(flatbuffers::FlatBufferBuilder& b, const std::vector<ContextBlockRef>& blocks);
// Errors: SYNTAX (a block without five tensors).
Result<std::vector<ContextBlockRef>> ContextBlocksFromWire(
    const flatbuffers::Vector<flatbuffers::Offset<fb::ContextBlockRef>>* blocks);

flatbuffers::Offset<fb::ContextState> ContextStateToWire(flatbuffers::FlatBufferBuilder& b,
                                                         const ContextState& state);
// Errors: SYNTAX (no state, a malformed block).
Result<ContextState> ContextStateFromWire(const fb::ContextState* state);

}  // namespace engram::protocol

#endif  // ENGRAM_COMPUTE_PROTOCOL_CONTEXT_WIRE_H_
