// ComputeService's edit memory requests (docs/protocol.md §5.10): EditApply, EditRoute, and a
// GENERATE with a routed side memory. All run on a worker thread.
#include <chrono>
#include <string>

#include "compute/protocol/edit_wire.h"
#include "compute/server/compute_service.h"

namespace engram::compute {

namespace fb = protocol::fb;

void ComputeService::HandleEditApply(std::uint64_t id, const fb::EditApplyRequest& request,
                                     ReplySink& sink) {
  auto fail = [&](const Status& s) { sink.Send(protocol::EncodeErrorFrame(id, s), id, true); };
  if (!edit_) return fail(ComputeError("edit memory not available"));
  protocol::EditApplyParams params;
  auto state = protocol::EditStateFromWire(request.state());
  if (!state.ok()) return fail(state.status());
  params.state = std::move(*state);
  if (request.settings()) {
    for (const fb::EditSetting* setting : *request.settings()) {
      params.settings.emplace_back(setting->name() ? setting->name()->str() : std::string(),
                                   setting->value());
    }
  }
  if (request.prompt()) params.prompt = request.prompt()->str();
  if (request.target()) params.target = request.target()->str();
  params.forget = request.forget();
  params.edit_id = request.edit_id();
  auto result = edit_->Apply(params, blobs_);
  if (!result.ok()) return fail(result.status());
  Reply(sink, id, protocol::EditApplyReplyFrame(id, *result));
}

void ComputeService::HandleEditRoute(std::uint64_t id, const fb::EditRouteRequest& request,
                                     ReplySink& sink) {
  auto fail = [&](const Status& s) { sink.Send(protocol::EncodeErrorFrame(id, s), id, true); };
  if (!edit_) return fail(ComputeError("edit memory not available"));
  auto state = protocol::EditStateFromWire(request.state());
  if (!state.ok()) return fail(state.status());
  if (!*state) return fail(SyntaxError("EditRoute needs a state"));
  const std::string_view prompt =
      request.prompt() ? request.prompt()->string_view() : std::string_view();
  auto result = edit_->Route(**state, prompt, request.top_k(), blobs_);
  if (!result.ok()) return fail(result.status());
  Reply(sink, id, protocol::EditRouteReplyFrame(id, *result));
}

void ComputeService::HandleEditGenerate(std::uint64_t id, const fb::GenerateRequest& wire,
                                        GenerationRequest request,
                                        const std::shared_ptr<ReplySink>& sink,
                                        const std::shared_ptr<ConnectionState>& conn) {
  auto fail = [&](const Status& s) { sink->Send(protocol::EncodeErrorFrame(id, s), id, true); };
  if (!edit_) return fail(ComputeError("edit memory not available"));
  const fb::GenerateEdit* edit = wire.edit();
  if (edit->state() == nullptr) return fail(SyntaxError("a generation's edit needs its state"));
  const protocol::GenerateEditRef ref{protocol::FromWire(*edit->state()), edit->memory()};
  const int last_prompt_token = request.prompt_tokens.back();
  const int prompt_tokens = static_cast<int>(request.prompt_tokens.size());
  if (!Register(id, *sink, *conn)) return;
  const auto start = std::chrono::steady_clock::now();
  auto on_token = [&](int previous, int token) {
    if (wire.stream()) SendChunk(*sink, id, previous, token);
  };
  auto result =
      edit_->Generate(ref, std::move(request), on_token, [&] { return conn->CancelRequested(id); });
  conn->Remove(id);
  if (!result.ok()) return fail(result.status());
  ReplyGenerated(*sink, id, std::move(result->tokens), result->stop_reason, prompt_tokens, start,
                 last_prompt_token);
}

}  // namespace engram::compute
