// ComputeService's context memory requests (docs/protocol.md §5.9): ContextEncode, ContextRead,
// and a GENERATE that names context memories. All run on a worker thread.
#include <chrono>
#include <string>

#include "compute/protocol/context_wire.h"
#include "compute/server/compute_service.h"

namespace engram::compute {

namespace fb = protocol::fb;

namespace {
constexpr std::chrono::milliseconds kProgressInterval{100};
}  // namespace

std::string ComputeService::GenerateReplyFrame(std::uint64_t id, const GenerationOutcome& outcome,
                                               int last_prompt_token) const {
  const std::string text = model_.tokenizer.Decode(outcome.tokens, last_prompt_token);
  flatbuffers::FlatBufferBuilder b(128 + text.size() + outcome.tokens.size() * 4);
  const auto reply = fb::CreateGenerateReply(
      b, b.CreateVector(outcome.tokens), b.CreateString(text), outcome.prompt_tokens,
      static_cast<std::uint8_t>(outcome.stop_reason), outcome.seconds);
  return protocol::FinishFrame(
      b, fb::CreateFrame(b, id, false, fb::Body::GenerateReply, reply.Union()));
}

bool ComputeService::Register(std::uint64_t id, ReplySink& sink, ConnectionState& conn) {
  switch (conn.TryAdd(id)) {  // registered, so that CancelRequest and a disconnect reach it
    case ConnectionState::AddResult::kAdded:
      return true;
    case ConnectionState::AddResult::kDuplicate:
      sink.Send(protocol::EncodeErrorFrame(
                    id, SyntaxError("request id " + std::to_string(id) + " is already in flight")),
                id, true);
      return false;
    case ConnectionState::AddResult::kClosed:
      return false;
  }
  return false;
}

void ComputeService::HandleContextEncode(std::uint64_t id, const fb::ContextEncodeRequest& request,
                                         ReplySink& sink) {
  auto fail = [&](const Status& s) { sink.Send(protocol::EncodeErrorFrame(id, s), id, true); };
  if (!context_) return fail(ComputeError("context memory not available"));
  const std::string_view text = request.text() ? request.text()->string_view() : std::string_view();
  // Progress frames at most every kProgressInterval (and the last one), so that a book's
  // hundreds of segments cost a handful of frames.
  ContextHandler::EncodeProgress progress;
  auto last_sent = std::chrono::steady_clock::time_point{};
  if (request.progress()) {
    progress = [&](std::uint64_t tokens, std::uint64_t total) {
      const auto now = std::chrono::steady_clock::now();
      if (tokens < total && now - last_sent < kProgressInterval) return;
      last_sent = now;
      flatbuffers::FlatBufferBuilder b(64);
      const auto body = fb::CreateContextEncodeProgress(b, tokens, total);
      sink.Send(protocol::FinishFrame(
                    b, fb::CreateFrame(b, id, true, fb::Body::ContextEncodeProgress, body.Union())),
                id, /*final=*/false);
    };
  }
  auto result = context_->Encode(protocol::ContextSettingsFromWire(request.settings()), text,
                                 blobs_, progress);
  if (!result.ok()) return fail(result.status());
  flatbuffers::FlatBufferBuilder b(256 + result->blocks.size() * 160);
  const auto blocks = protocol::ContextBlocksToWire(b, result->blocks);
  const auto reply = fb::CreateContextEncodeReply(b, result->tokens, blocks);
  Reply(sink, id,
        protocol::FinishFrame(
            b, fb::CreateFrame(b, id, false, fb::Body::ContextEncodeReply, reply.Union())));
}

void ComputeService::HandlePrefixEncode(std::uint64_t id, const fb::PrefixEncodeRequest& request,
                                        ReplySink& sink) {
  auto fail = [&](const Status& s) { sink.Send(protocol::EncodeErrorFrame(id, s), id, true); };
  if (!context_) return fail(ComputeError("prefix reuse not available"));
  const std::string_view text = request.text() ? request.text()->string_view() : std::string_view();
  auto prefix = context_->EncodePrefix(text, blobs_);
  if (!prefix.ok()) return fail(prefix.status());
  flatbuffers::FlatBufferBuilder b(128 + prefix->tokens.size() * 4);
  const fb::Hash128 keys = protocol::ToWire(prefix->keys);
  const fb::Hash128 values = protocol::ToWire(prefix->values);
  const auto reply = fb::CreatePrefixEncodeReply(b, b.CreateVector(prefix->tokens), &keys, &values);
  Reply(sink, id,
        protocol::FinishFrame(
            b, fb::CreateFrame(b, id, false, fb::Body::PrefixEncodeReply, reply.Union())));
}

void ComputeService::HandleContextRead(std::uint64_t id, const fb::ContextReadRequest& request,
                                       ReplySink& sink) {
  auto fail = [&](const Status& s) { sink.Send(protocol::EncodeErrorFrame(id, s), id, true); };
  if (!context_) return fail(ComputeError("context memory not available"));
  auto state = protocol::ContextStateFromWire(request.state());
  if (!state.ok()) return fail(state.status());
  const std::string_view query =
      request.query() ? request.query()->string_view() : std::string_view();
  auto result = context_->Read(*state, query, request.top_k(), blobs_);
  if (!result.ok()) return fail(result.status());
  flatbuffers::FlatBufferBuilder b(256 + result->hits.size() * 128 + result->missing.size() * 16);
  std::vector<fb::Hash128> missing;
  for (const Hash128& h : result->missing) missing.push_back(protocol::ToWire(h));
  std::vector<flatbuffers::Offset<fb::ContextHit>> hits;
  for (const protocol::ContextHit& hit : result->hits) {
    hits.push_back(fb::CreateContextHit(b, hit.block, hit.chunk, hit.score,
                                        b.CreateString(hit.text), hit.match));
  }
  const auto reply = fb::CreateContextReadReply(b, result->need, b.CreateVectorOfStructs(missing),
                                                b.CreateVector(hits));
  Reply(sink, id,
        protocol::FinishFrame(
            b, fb::CreateFrame(b, id, false, fb::Body::ContextReadReply, reply.Union())));
}

void ComputeService::HandleContextGenerate(std::uint64_t id, const fb::GenerateRequest& wire,
                                           GenerationRequest request,
                                           const std::shared_ptr<ReplySink>& sink,
                                           const std::shared_ptr<ConnectionState>& conn) {
  auto fail = [&](const Status& s) { sink->Send(protocol::EncodeErrorFrame(id, s), id, true); };
  if (!context_) return fail(ComputeError("context memory not available"));
  ContextGenerateCall call;
  if (wire.context()) {
    for (const fb::ContextState* state : *wire.context()) {
      auto parsed = protocol::ContextStateFromWire(state);
      if (!parsed.ok()) return fail(parsed.status());
      call.memories.push_back(std::move(*parsed));
    }
  }
  if (const fb::GeneratePrefix* prefix = wire.prefix()) {
    if (!prefix->tokens() || prefix->tokens()->size() == 0 || !prefix->keys() ||
        !prefix->values()) {
      return fail(SyntaxError("a prefix needs its tokens, keys and values"));
    }
    protocol::PrefixRef ref;
    ref.tokens.assign(prefix->tokens()->begin(), prefix->tokens()->end());
    for (const int t : ref.tokens) {
      if (t < 0 || t >= model_.config().vocab_size) {
        return fail(
            SyntaxError("prefix token id " + std::to_string(t) + " outside the vocabulary"));
      }
    }
    ref.keys = protocol::FromWire(*prefix->keys());
    ref.values = protocol::FromWire(*prefix->values());
    call.prefix = std::move(ref);
  }
  if (!(wire.context_lambda() >= 0.0f && wire.context_lambda() <= 1.0f)) {
    return fail(SyntaxError("context_lambda must be within 0..1"));
  }
  call.lambda = wire.context_lambda();
  if (const fb::GenerateEdit* edit = wire.edit()) {
    if (!edit_) return fail(ComputeError("edit memory not available"));
    if (edit->state() == nullptr) return fail(SyntaxError("a generation's edit needs its state"));
    auto weights = edit_->EditedWeights({protocol::FromWire(*edit->state()), edit->memory()});
    if (!weights.ok()) return fail(weights.status());
    call.weights = std::move(*weights);
  }
  // The token before the first new one (its piece decodes against it).
  const int last_prompt_token = request.prompt_tokens.empty()
                                    ? (call.prefix ? call.prefix->tokens.back() : Tokenizer::kBos)
                                    : request.prompt_tokens.back();
  const int prompt_tokens = static_cast<int>(request.prompt_tokens.size());
  call.request = std::move(request);
  if (!Register(id, *sink, *conn)) return;
  const auto start = std::chrono::steady_clock::now();
  int previous = last_prompt_token;
  auto on_token = [&](int token) {
    if (wire.stream()) SendChunk(*sink, id, previous, token);
    previous = token;
  };
  auto result =
      context_->Generate(call, blobs_, on_token, [&] { return conn->CancelRequested(id); });
  conn->Remove(id);
  if (!result.ok()) return fail(result.status());
  ReplyGenerated(*sink, id, std::move(result->tokens), result->stop_reason, prompt_tokens, start,
                 last_prompt_token);
}

void ComputeService::SendChunk(ReplySink& sink, std::uint64_t id, int previous, int token) const {
  const std::string piece(model_.tokenizer.DecodePiece(previous, token));
  flatbuffers::FlatBufferBuilder b(64 + piece.size());
  const std::vector<int> tokens = {token};
  const auto chunk = fb::CreateGenerateChunk(b, b.CreateVector(tokens), b.CreateString(piece));
  sink.Send(protocol::FinishFrame(
                b, fb::CreateFrame(b, id, true, fb::Body::GenerateChunk, chunk.Union())),
            id, /*final=*/false);
}

void ComputeService::ReplyGenerated(ReplySink& sink, std::uint64_t id, std::vector<int> tokens,
                                    StopReason stop_reason, int prompt_tokens,
                                    std::chrono::steady_clock::time_point start,
                                    int last_prompt_token) const {
  GenerationOutcome outcome;
  outcome.tokens = std::move(tokens);
  outcome.stop_reason = stop_reason;
  outcome.prompt_tokens = prompt_tokens;
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Reply(sink, id, GenerateReplyFrame(id, outcome, last_prompt_token));
}

}  // namespace engram::compute
