#include "compute/protocol/edit_wire.h"

#include <string>
#include <vector>

namespace engram::protocol {
namespace {

std::vector<fb::Hash128> HashesToWire(const std::vector<Hash128>& hashes) {
  std::vector<fb::Hash128> out;
  out.reserve(hashes.size());
  for (const Hash128& h : hashes) out.push_back(ToWire(h));
  return out;
}

std::vector<Hash128> HashesFromWire(const flatbuffers::Vector<const fb::Hash128*>* hashes) {
  std::vector<Hash128> out;
  if (hashes == nullptr) return out;
  for (const fb::Hash128* h : *hashes) out.push_back(FromWire(*h));
  return out;
}

std::string_view View(const flatbuffers::String* s) {
  return s ? s->string_view() : std::string_view();
}

void AppendU64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace

Hash128 EditStateKey(const EditStateSpec& state) {
  std::string bytes = "engram-edit-state-v1";
  AppendU64(bytes, state.header.size());
  bytes += state.header;
  AppendU64(bytes, state.edits.size());
  for (const EditPieceRef& edit : state.edits) {
    AppendU64(bytes, edit.id);
    AppendU64(bytes, edit.bytes.size());
    bytes += edit.bytes;
  }
  AppendU64(bytes, state.deltas.size());
  for (const EditDeltaRef& delta : state.deltas) {
    AppendU64(bytes, delta.id);
    AppendU64(bytes, delta.blob.high);
    AppendU64(bytes, delta.blob.low);
  }
  return ContentHash(bytes.data(), bytes.size());
}

flatbuffers::Offset<fb::EditState> EditStateToWire(flatbuffers::FlatBufferBuilder& b,
                                                   const EditStateSpec& state) {
  flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>> header;
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::EditPiece>>> edits;
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::EditDeltaRef>>> deltas;
  if (state.complete) {
    header = b.CreateVector(reinterpret_cast<const std::uint8_t*>(state.header.data()),
                            state.header.size());
    std::vector<flatbuffers::Offset<fb::EditPiece>> pieces;
    pieces.reserve(state.edits.size());
    for (const EditPieceRef& edit : state.edits) {
      pieces.push_back(fb::CreateEditPiece(
          b, edit.id,
          b.CreateVector(reinterpret_cast<const std::uint8_t*>(edit.bytes.data()),
                         edit.bytes.size())));
    }
    edits = b.CreateVector(pieces);
    std::vector<flatbuffers::Offset<fb::EditDeltaRef>> refs;
    refs.reserve(state.deltas.size());
    for (const EditDeltaRef& delta : state.deltas) {
      const fb::Hash128 blob = ToWire(delta.blob);
      refs.push_back(fb::CreateEditDeltaRef(b, delta.id, &blob));
    }
    deltas = b.CreateVector(refs);
  }
  const fb::Hash128 key = ToWire(state.key);
  return fb::CreateEditState(b, &key, state.complete, header, edits, deltas);
}

Result<std::optional<EditStateSpec>> EditStateFromWire(const fb::EditState* state) {
  if (state == nullptr) return std::optional<EditStateSpec>();
  if (state->key() == nullptr) return SyntaxError("an edit state needs its key");
  EditStateSpec out;
  out.key = FromWire(*state->key());
  out.complete = state->complete();
  if (state->header()) {
    out.header.assign(reinterpret_cast<const char*>(state->header()->data()),
                      state->header()->size());
  }
  if (state->edits()) {
    for (const fb::EditPiece* edit : *state->edits()) {
      EditPieceRef piece;
      piece.id = edit->id();
      if (edit->bytes()) {
        piece.bytes.assign(reinterpret_cast<const char*>(edit->bytes()->data()),
                           edit->bytes()->size());
      }
      out.edits.push_back(std::move(piece));
    }
  }
  if (state->deltas()) {
    for (const fb::EditDeltaRef* delta : *state->deltas()) {
      if (delta->blob() == nullptr) return SyntaxError("an edit delta needs its blob");
      out.deltas.push_back({delta->id(), FromWire(*delta->blob())});
    }
  }
  return std::optional<EditStateSpec>(std::move(out));
}

std::string EditApplyFrame(std::uint64_t id, const EditApplyParams& params) {
  flatbuffers::FlatBufferBuilder b(1024);
  flatbuffers::Offset<fb::EditState> state;
  if (params.state) state = EditStateToWire(b, *params.state);
  std::vector<flatbuffers::Offset<fb::EditSetting>> settings;
  for (const auto& [name, value] : params.settings) {
    settings.push_back(fb::CreateEditSetting(b, b.CreateString(name), value));
  }
  const auto request =
      fb::CreateEditApplyRequest(b, state, b.CreateVector(settings), b.CreateString(params.prompt),
                                 b.CreateString(params.target), params.forget, params.edit_id);
  return FinishFrame(b, fb::CreateFrame(b, id, false, fb::Body::EditApplyRequest, request.Union()));
}

std::string EditRouteFrame(std::uint64_t id, const EditStateSpec& state, std::string_view prompt,
                           std::uint32_t top_k) {
  flatbuffers::FlatBufferBuilder b(1024);
  const auto wire = EditStateToWire(b, state);
  const auto request =
      fb::CreateEditRouteRequest(b, wire, b.CreateString(prompt.data(), prompt.size()), top_k);
  return FinishFrame(b, fb::CreateFrame(b, id, false, fb::Body::EditRouteRequest, request.Union()));
}

std::string EditApplyReplyFrame(std::uint64_t id, const EditApplyResult& result) {
  flatbuffers::FlatBufferBuilder b(1024);
  const auto missing = b.CreateVectorOfStructs(HashesToWire(result.missing));
  flatbuffers::Offset<fb::EditState> state;
  if (result.need == EditNeed::kNothing) state = EditStateToWire(b, result.state);
  const auto reply = fb::CreateEditApplyReply(b, static_cast<std::uint8_t>(result.need), missing,
                                              state, result.edit, result.iterations, result.loss);
  return FinishFrame(b, fb::CreateFrame(b, id, false, fb::Body::EditApplyReply, reply.Union()));
}

Result<EditApplyResult> EditApplyResultFromWire(const fb::EditApplyReply& reply) {
  EditApplyResult result;
  result.need = static_cast<EditNeed>(reply.need());
  result.missing = HashesFromWire(reply.missing());
  ENGRAM_ASSIGN_OR_RETURN(std::optional<EditStateSpec> state, EditStateFromWire(reply.state()));
  if (result.need == EditNeed::kNothing) {
    if (!state || !state->complete) return SyntaxError("an edit reply without its new state");
    result.state = std::move(*state);
  }
  result.edit = reply.edit();
  result.iterations = reply.iterations();
  result.loss = reply.loss();
  return result;
}

std::string EditRouteReplyFrame(std::uint64_t id, const EditRouteResult& result) {
  flatbuffers::FlatBufferBuilder b(1024);
  const auto missing = b.CreateVectorOfStructs(HashesToWire(result.missing));
  std::vector<flatbuffers::Offset<fb::EditScore>> scores;
  for (const EditScore& s : result.scores) {
    scores.push_back(fb::CreateEditScore(b, s.edit, s.memory, b.CreateString(s.prompt),
                                         b.CreateString(s.target), s.score, s.threshold, s.key,
                                         s.routed));
  }
  const auto reply = fb::CreateEditRouteReply(b, static_cast<std::uint8_t>(result.need), missing,
                                              result.routed, result.memory, b.CreateVector(scores));
  return FinishFrame(b, fb::CreateFrame(b, id, false, fb::Body::EditRouteReply, reply.Union()));
}

EditRouteResult EditRouteResultFromWire(const fb::EditRouteReply& reply) {
  EditRouteResult result;
  result.need = static_cast<EditNeed>(reply.need());
  result.missing = HashesFromWire(reply.missing());
  result.routed = reply.routed();
  result.memory = reply.memory();
  if (reply.scores()) {
    for (const fb::EditScore* s : *reply.scores()) {
      result.scores.push_back({s->edit(), s->memory(), std::string(View(s->prompt())),
                               std::string(View(s->target())), s->score(), s->threshold(), s->key(),
                               s->routed()});
    }
  }
  return result;
}

}  // namespace engram::protocol
