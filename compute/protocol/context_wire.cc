#include "compute/protocol/context_wire.h"

#include <string>

namespace engram::protocol {

flatbuffers::Offset<fb::ContextSettings> ContextSettingsToWire(flatbuffers::FlatBufferBuilder& b,
                                                               const ContextSettings& s) {
  return fb::CreateContextSettings(b, s.layer, s.chunk_tokens, s.window, s.cosine);
}

ContextSettings ContextSettingsFromWire(const fb::ContextSettings* settings) {
  ContextSettings s;  // an absent table means the defaults, as FlatBuffers fields do
  if (settings == nullptr) return s;
  s.layer = settings->layer();
  s.chunk_tokens = settings->chunk_tokens();
  s.window = settings->window();
  s.cosine = settings->cosine();
  return s;
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::ContextBlockRef>>>
ContextBlocksToWire(flatbuffers::FlatBufferBuilder& b, const std::vector<ContextBlockRef>& blocks) {
  std::vector<flatbuffers::Offset<fb::ContextBlockRef>> out;
  out.reserve(blocks.size());
  for (const ContextBlockRef& block : blocks) {
    std::vector<fb::Hash128> tensors;
    for (const Hash128& h : block.tensors) tensors.push_back(ToWire(h));
    out.push_back(fb::CreateContextBlockRef(b, block.id, block.write, block.token_offset,
                                            block.tokens, b.CreateVectorOfStructs(tensors)));
  }
  return b.CreateVector(out);
}

Result<std::vector<ContextBlockRef>> ContextBlocksFromWire(
    const flatbuffers::Vector<flatbuffers::Offset<fb::ContextBlockRef>>* blocks) {
  std::vector<ContextBlockRef> out;
  if (blocks == nullptr) return out;
  out.reserve(blocks->size());
  for (const fb::ContextBlockRef* block : *blocks) {
    if (block->tensors() == nullptr || block->tensors()->size() != kContextBlockTensors) {
      return SyntaxError("a context block must name " + std::to_string(kContextBlockTensors) +
                         " tensors");
    }
    ContextBlockRef ref;
    ref.id = block->id();
    ref.write = block->write();
    ref.token_offset = block->token_offset();
    ref.tokens = block->tokens();
    for (std::size_t t = 0; t < kContextBlockTensors; ++t) {
      ref.tensors[t] = FromWire(*block->tensors()->Get(static_cast<flatbuffers::uoffset_t>(t)));
    }
    out.push_back(ref);
  }
  return out;
}

flatbuffers::Offset<fb::ContextState> ContextStateToWire(flatbuffers::FlatBufferBuilder& b,
                                                         const ContextState& state) {
  const auto uid = b.CreateString(state.memory_uid);
  const auto settings = ContextSettingsToWire(b, state.settings);
  const auto blocks = ContextBlocksToWire(b, state.blocks);
  return fb::CreateContextState(b, uid, settings, blocks);
}

Result<ContextState> ContextStateFromWire(const fb::ContextState* state) {
  if (state == nullptr) return SyntaxError("a context request needs its memory's state");
  ContextState out;
  if (state->memory_uid()) out.memory_uid = state->memory_uid()->str();
  out.settings = ContextSettingsFromWire(state->settings());
  ENGRAM_ASSIGN_OR_RETURN(out.blocks, ContextBlocksFromWire(state->blocks()));
  return out;
}

}  // namespace engram::protocol
