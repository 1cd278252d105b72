#include "compute/server/episodic_wire.h"

#include <vector>

namespace engram::compute {
namespace fb = protocol::fb;
namespace {

std::vector<EpisodicOpSpec> OpsFromWire(
    const flatbuffers::Vector<flatbuffers::Offset<fb::EpisodicOp>>* ops) {
  std::vector<EpisodicOpSpec> out;
  if (ops == nullptr) return out;
  out.reserve(ops->size());
  for (const fb::EpisodicOp* op : *ops) {
    EpisodicOpSpec spec;
    spec.forget = op->forget();
    if (op->ids()) spec.ids.assign(op->ids()->begin(), op->ids()->end());
    if (op->tags()) spec.tags.assign(op->tags()->begin(), op->tags()->end());
    out.push_back(std::move(spec));
  }
  return out;
}

std::vector<EpisodicTextSpec> TextsFromWire(
    const flatbuffers::Vector<flatbuffers::Offset<fb::EpisodicText>>* texts) {
  std::vector<EpisodicTextSpec> out;
  if (texts == nullptr) return out;
  out.reserve(texts->size());
  for (const fb::EpisodicText* text : *texts) {
    EpisodicTextSpec spec;
    spec.id = text->id();
    if (text->text()) spec.text = text->text()->str();
    out.push_back(std::move(spec));
  }
  return out;
}

Result<EpisodicStateRequest> StateFromWire(const fb::EpisodicState* state, const char* op) {
  if (state == nullptr) return SyntaxError(std::string(op) + " needs a state");
  const fb::EpisodicSettings* settings = state->settings();
  if (settings == nullptr) return SyntaxError(std::string(op) + " needs the memory's settings");
  EpisodicStateRequest out;
  if (state->memory_uid()) out.memory_uid = state->memory_uid()->str();
  out.settings.slots = settings->slots();
  out.settings.code_width = settings->code_width();
  out.settings.ridge = settings->ridge();
  out.settings.seed = settings->seed();
  out.settings.encoder_version = settings->encoder_version();
  if (state->checkpoint()) {
    for (const fb::Hash128* hash : *state->checkpoint()) {
      out.checkpoint.push_back(protocol::FromWire(*hash));
    }
  }
  out.ops = OpsFromWire(state->ops());
  out.texts = TextsFromWire(state->texts());
  out.complete = state->complete();
  return out;
}

}  // namespace

Result<EpisodicApplyCall> ParseEpisodicApply(const fb::EpisodicApplyRequest& request) {
  EpisodicApplyCall call;
  ENGRAM_ASSIGN_OR_RETURN(call.state, StateFromWire(request.state(), "EpisodicApply"));
  call.ops = OpsFromWire(request.ops());
  call.texts = TextsFromWire(request.texts());
  call.checkpoint = request.checkpoint();
  return call;
}

Result<EpisodicReadCall> ParseEpisodicRead(const fb::EpisodicReadRequest& request) {
  EpisodicReadCall call;
  ENGRAM_ASSIGN_OR_RETURN(call.state, StateFromWire(request.state(), "EpisodicRead"));
  if (request.queries()) {
    call.queries.reserve(request.queries()->size());
    for (const flatbuffers::String* q : *request.queries()) call.queries.push_back(q->str());
  }
  call.top_k = request.top_k();
  call.iterations = request.iterations();
  call.scope_threshold = request.scope_threshold();
  if (request.more()) {
    for (const fb::EpisodicState* state : *request.more()) {
      ENGRAM_ASSIGN_OR_RETURN(EpisodicStateRequest more, StateFromWire(state, "EpisodicRead"));
      call.more.push_back(std::move(more));
    }
  }
  return call;
}

std::string EncodeEpisodicApplyReply(std::uint64_t id, const EpisodicApplyOutcome& outcome) {
  flatbuffers::FlatBufferBuilder b(128);
  std::vector<fb::Hash128> checkpoint;
  for (const Hash128& h : outcome.checkpoint) checkpoint.push_back(protocol::ToWire(h));
  const auto reply =
      fb::CreateEpisodicApplyReply(b, static_cast<std::uint8_t>(outcome.need), outcome.rows,
                                   checkpoint.empty() ? 0 : b.CreateVectorOfStructs(checkpoint));
  return protocol::FinishFrame(
      b, fb::CreateFrame(b, id, false, fb::Body::EpisodicApplyReply, reply.Union()));
}

std::string EncodeEpisodicReadReply(std::uint64_t id, const EpisodicReadOutcome& outcome) {
  flatbuffers::FlatBufferBuilder b(256);
  std::vector<flatbuffers::Offset<fb::EpisodicReadResult>> results;
  results.reserve(outcome.results.size());
  for (const EpisodicQueryOutcome& r : outcome.results) {
    results.push_back(fb::CreateEpisodicReadResult(
        b, r.in_scope, r.scope_score, b.CreateVector(r.ids), b.CreateVector(r.scores),
        r.memories.empty() ? 0 : b.CreateVector(r.memories)));
  }
  const auto reply = fb::CreateEpisodicReadReply(b, static_cast<std::uint8_t>(outcome.need),
                                                 b.CreateVector(results), outcome.need_state);
  return protocol::FinishFrame(
      b, fb::CreateFrame(b, id, false, fb::Body::EpisodicReadReply, reply.Union()));
}

}  // namespace engram::compute
