#include "query/compute_client/compute_client.h"

#include "compute/protocol/context_wire.h"
#include "compute/protocol/edit_wire.h"

namespace engram::query {
namespace fb = protocol::fb;
namespace {

std::string Str(const flatbuffers::String* s) {
  return s ? s->str() : std::string();
}

ModelInfo FromWire(const fb::ModelInfo* info) {
  ModelInfo m;
  if (info == nullptr) return m;
  m.fingerprint = Str(info->fingerprint());
  m.checkpoint_path = Str(info->checkpoint_path());
  m.checkpoint_format = Str(info->checkpoint_format());
  m.dim = info->dim();
  m.hidden_dim = info->hidden_dim();
  m.n_layers = info->n_layers();
  m.n_heads = info->n_heads();
  m.n_kv_heads = info->n_kv_heads();
  m.vocab_size = info->vocab_size();
  m.seq_len = info->seq_len();
  m.shared_classifier = info->shared_classifier();
  m.parameters = info->parameters();
  m.engine = Str(info->engine());
  m.device = Str(info->device());
  m.max_slots = info->max_slots();
  return m;
}

std::string StopReasonText(int reason) {
  static constexpr const char* kNames[] = {"max_tokens", "bos", "context", "cancelled", "error"};
  return reason >= 0 && reason < 5 ? kNames[reason] : "unknown";
}

// A reply body of the wrong type means the peer does not speak this protocol.
Status Unexpected(const fb::Frame& frame, std::string_view wanted) {
  return CorruptError("engram-compute replied with " +
                      std::string(protocol::BodyName(frame.body_type())) + " where " +
                      std::string(wanted) + " was expected");
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::EpisodicOp>>> OpsToWire(
    flatbuffers::FlatBufferBuilder& b, const std::vector<EpisodicOp>& ops) {
  std::vector<flatbuffers::Offset<fb::EpisodicOp>> list;
  list.reserve(ops.size());
  for (const EpisodicOp& op : ops) {
    list.push_back(fb::CreateEpisodicOp(b, op.forget, b.CreateVector(op.ids),
                                        op.tags.empty() ? 0 : b.CreateVector(op.tags)));
  }
  return b.CreateVector(list);
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::EpisodicText>>> TextsToWire(
    flatbuffers::FlatBufferBuilder& b, const std::vector<EpisodicText>& texts) {
  std::vector<flatbuffers::Offset<fb::EpisodicText>> list;
  list.reserve(texts.size());
  for (const EpisodicText& t : texts) {
    list.push_back(fb::CreateEpisodicText(b, t.id, b.CreateString(t.text)));
  }
  return b.CreateVector(list);
}

flatbuffers::Offset<fb::EpisodicState> StateToWire(flatbuffers::FlatBufferBuilder& b,
                                                   const EpisodicStateSpec& state) {
  const auto uid = b.CreateString(state.memory_uid);
  const EpisodicSettings& s = state.settings;
  const auto settings =
      fb::CreateEpisodicSettings(b, s.slots, s.code_width, s.ridge, s.seed, s.encoder_version);
  const auto ops = OpsToWire(b, state.ops);
  const auto texts = TextsToWire(b, state.texts);
  std::vector<fb::Hash128> hashes;
  for (const Hash128& h : state.checkpoint) hashes.push_back(protocol::ToWire(h));
  const auto checkpoint = hashes.empty() ? 0 : b.CreateVectorOfStructs(hashes);
  return fb::CreateEpisodicState(b, uid, settings, checkpoint, ops, texts, state.complete);
}

std::size_t StateBytes(const EpisodicStateSpec& state) {
  std::size_t n = 256 + state.memory_uid.size() + state.ops.size() * 32;
  for (const EpisodicOp& op : state.ops) n += (op.ids.size() + op.tags.size()) * 8;
  for (const EpisodicText& t : state.texts) n += 32 + t.text.size();
  return n;
}

// The wire's need byte; a value this client does not know means a newer, incompatible peer.
Result<EpisodicNeed> NeedFromWire(std::uint8_t need) {
  if (need > static_cast<std::uint8_t>(EpisodicNeed::kCheckpointBlobs)) {
    return CorruptError("engram-compute asked for unknown episodic need " + std::to_string(need));
  }
  return static_cast<EpisodicNeed>(need);
}

}  // namespace

ComputeClient::ComputeClient(std::unique_ptr<FrameChannel> channel, const ClientOptions& options)
    : channel_(std::move(channel)), options_(options) {}

Result<std::unique_ptr<ComputeClient>> ComputeClient::Connect(const protocol::Address& address,
                                                              const ClientOptions& options) {
  ENGRAM_ASSIGN_OR_RETURN(auto channel, FrameChannel::Connect(address, options.connect_timeout));
  std::unique_ptr<ComputeClient> client(new ComputeClient(std::move(channel), options));
  auto reply = client->Call([&](std::uint64_t id) {
    flatbuffers::FlatBufferBuilder b(128);
    const auto req =
        fb::CreateHelloRequestDirect(b, protocol::kProtocolVersion, options.client_name.c_str());
    return protocol::FinishFrame(
        b, fb::CreateFrame(b, id, false, fb::Body::HelloRequest, req.Union()));
  });
  if (!reply.ok()) return reply.status().WithContext("hello to " + address.ToString());
  const auto* hello = reply->frame->body_as_HelloReply();
  if (hello == nullptr) return Unexpected(*reply->frame, "HelloReply");
  client->model_ = FromWire(hello->model());
  client->model_.server_name = Str(hello->server_name());
  return client;
}

bool ComputeClient::connected() const {
  return channel_ && channel_->is_open();
}

Result<ReceivedFrame> ComputeClient::Call(
    const FrameBuilder& build, const std::function<FrameBuilder(const fb::Frame&)>& on_partial) {
  std::lock_guard lock(mutex_);
  if (!connected()) return ComputeError("not connected to engram-compute");
  const std::uint64_t id = next_id_++;
  ENGRAM_RETURN_IF_ERROR(channel_->Write(build(id), options_.reply_timeout));
  for (;;) {
    ENGRAM_ASSIGN_OR_RETURN(ReceivedFrame received,
                            channel_->Read(options_.reply_timeout, options_.max_frame_bytes));
    const fb::Frame& frame = *received.frame;
    // A reply to a side request (a cancel) of this or an earlier call: skip it. It can arrive
    // after the call it belonged to has returned, when the generation won the race.
    if (auto side = side_ids_.find(frame.id()); side != side_ids_.end()) {
      if (!frame.more()) side_ids_.erase(side);
      continue;
    }
    if (frame.body_type() == fb::Body::ErrorReply && (frame.id() == id || frame.id() == 0)) {
      // Id 0: the server could not read our frame (or refused the connection) and may have
      // closed the stream; start afresh next time.
      if (frame.id() == 0) channel_->Close();
      const fb::ErrorReply* error = frame.body_as_ErrorReply();
      if (error == nullptr) {
        channel_->Close();
        return CorruptError("engram-compute sent an error frame without a body");
      }
      return protocol::StatusFromErrorReply(*error);
    }
    if (frame.id() != id) {
      channel_->Close();
      return CorruptError("engram-compute replied to request " + std::to_string(frame.id()) +
                          " while " + std::to_string(id) + " was pending");
    }
    if (frame.body() == nullptr) {
      channel_->Close();
      return CorruptError("engram-compute sent a " +
                          std::string(protocol::BodyName(frame.body_type())) +
                          " frame without a body");
    }
    if (!frame.more()) return received;
    if (on_partial) {
      if (FrameBuilder side = on_partial(frame)) {
        const std::uint64_t side_id = next_id_++;
        side_ids_.insert(side_id);
        ENGRAM_RETURN_IF_ERROR(channel_->Write(side(side_id), options_.reply_timeout));
      }
    }
  }
}

Result<ModelInfo> ComputeClient::GetModelInfo() {
  ENGRAM_ASSIGN_OR_RETURN(
      auto reply, Call([](std::uint64_t id) {
        flatbuffers::FlatBufferBuilder b(64);
        const auto req = fb::CreateModelInfoRequest(b);
        return protocol::FinishFrame(
            b, fb::CreateFrame(b, id, false, fb::Body::ModelInfoRequest, req.Union()));
      }));
  const auto* info = reply.frame->body_as_ModelInfoReply();
  if (info == nullptr) return Unexpected(*reply.frame, "ModelInfoReply");
  return FromWire(info->model());
}

Result<std::vector<int>> ComputeClient::Tokenize(std::string_view text, bool bos, bool eos) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto reply, Call([&](std::uint64_t id) {
        flatbuffers::FlatBufferBuilder b(64 + text.size());
        const auto req =
            fb::CreateTokenizeRequest(b, b.CreateString(text.data(), text.size()), bos, eos);
        return protocol::FinishFrame(
            b, fb::CreateFrame(b, id, false, fb::Body::TokenizeRequest, req.Union()));
      }));
  const auto* tokens = reply.frame->body_as_TokenizeReply();
  if (tokens == nullptr) return Unexpected(*reply.frame, "TokenizeReply");
  std::vector<int> out;
  if (tokens->tokens()) out.assign(tokens->tokens()->begin(), tokens->tokens()->end());
  return out;
}

Result<std::string> ComputeClient::Detokenize(std::span<const int> tokens, int prev_token) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto reply, Call([&](std::uint64_t id) {
        flatbuffers::FlatBufferBuilder b(64 + tokens.size() * 4);
        const auto req = fb::CreateDetokenizeRequest(
            b, b.CreateVector(tokens.data(), tokens.size()), prev_token);
        return protocol::FinishFrame(
            b, fb::CreateFrame(b, id, false, fb::Body::DetokenizeRequest, req.Union()));
      }));
  const auto* text = reply.frame->body_as_DetokenizeReply();
  if (text == nullptr) return Unexpected(*reply.frame, "DetokenizeReply");
  return Str(text->text());
}

Result<GenerateResult> ComputeClient::Generate(
    const GenerateParams& params, const std::function<bool(const GenerateChunk&)>& on_chunk) {
  std::uint64_t request_id = 0;
  bool cancelled = false;
  auto build = [&](std::uint64_t id) {
    request_id = id;
    flatbuffers::FlatBufferBuilder b(128 + params.prompt.size());
    const auto prompt = b.CreateString(params.prompt);
    flatbuffers::Offset<flatbuffers::Vector<std::int32_t>> tokens;
    if (params.prompt_tokens) tokens = b.CreateVector(*params.prompt_tokens);
    flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::GenerateGuide>>> guides;
    if (!params.guides.empty()) {
      std::vector<flatbuffers::Offset<fb::GenerateGuide>> list;
      for (const GuideText& g : params.guides) {
        list.push_back(fb::CreateGenerateGuide(b, b.CreateString(g.text), g.weight));
      }
      guides = b.CreateVector(list);
    }
    flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::ContextState>>> context;
    if (!params.context.empty()) {
      std::vector<flatbuffers::Offset<fb::ContextState>> list;
      for (const protocol::ContextState& state : params.context) {
        list.push_back(protocol::ContextStateToWire(b, state));
      }
      context = b.CreateVector(list);
    }
    flatbuffers::Offset<fb::GeneratePrefix> prefix;
    if (params.prefix) {
      const fb::Hash128 keys = protocol::ToWire(params.prefix->keys);
      const fb::Hash128 values = protocol::ToWire(params.prefix->values);
      prefix = fb::CreateGeneratePrefix(b, b.CreateVector(params.prefix->tokens), &keys, &values);
    }
    flatbuffers::Offset<fb::GenerateEdit> edit;
    if (params.edit) {
      const fb::Hash128 state = protocol::ToWire(params.edit->state);
      edit = fb::CreateGenerateEdit(b, &state, params.edit->memory);
    }
    const auto req = fb::CreateGenerateRequest(
        b, prompt, tokens, params.max_new_tokens, params.temperature, params.top_p, params.seed,
        params.stop_at_bos, params.stream, guides, params.min_match, context, params.context_lambda,
        prefix, edit);
    return protocol::FinishFrame(
        b, fb::CreateFrame(b, id, false, fb::Body::GenerateRequest, req.Union()));
  };
  auto on_partial = [&](const fb::Frame& frame) -> FrameBuilder {
    const auto* chunk = frame.body_as_GenerateChunk();
    if (chunk == nullptr || !on_chunk || cancelled) return {};
    GenerateChunk c;
    if (chunk->tokens()) c.tokens.assign(chunk->tokens()->begin(), chunk->tokens()->end());
    c.text = Str(chunk->text());
    if (on_chunk(c)) return {};
    cancelled = true;
    return [request_id](std::uint64_t id) {
      flatbuffers::FlatBufferBuilder b(64);
      const auto req = fb::CreateCancelRequest(b, request_id);
      return protocol::FinishFrame(
          b, fb::CreateFrame(b, id, false, fb::Body::CancelRequest, req.Union()));
    };
  };
  ENGRAM_ASSIGN_OR_RETURN(auto reply, Call(build, on_partial));
  const auto* done = reply.frame->body_as_GenerateReply();
  if (done == nullptr) return Unexpected(*reply.frame, "GenerateReply");
  GenerateResult result;
  if (done->tokens()) result.tokens.assign(done->tokens()->begin(), done->tokens()->end());
  result.text = Str(done->text());
  result.prompt_tokens = done->prompt_tokens();
  result.stop_reason = done->stop_reason();
  result.stop_reason_name = StopReasonText(done->stop_reason());
  result.seconds = done->seconds();
  return result;
}

Result<EpisodicApplyResult> ComputeClient::EpisodicApply(const EpisodicStateSpec& state,
                                                         const std::vector<EpisodicOp>& ops,
                                                         const std::vector<EpisodicText>& texts,
                                                         bool checkpoint) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto reply, Call([&](std::uint64_t id) {
        std::size_t size = StateBytes(state);
        for (const EpisodicOp& op : ops) size += 32 + (op.ids.size() + op.tags.size()) * 8;
        for (const EpisodicText& t : texts) size += 32 + t.text.size();
        flatbuffers::FlatBufferBuilder b(size);
        const auto wire_state = StateToWire(b, state);
        const auto wire_ops = OpsToWire(b, ops);
        const auto wire_texts = TextsToWire(b, texts);
        const auto req =
            fb::CreateEpisodicApplyRequest(b, wire_state, wire_ops, wire_texts, checkpoint);
        return protocol::FinishFrame(
            b, fb::CreateFrame(b, id, false, fb::Body::EpisodicApplyRequest, req.Union()));
      }));
  const auto* done = reply.frame->body_as_EpisodicApplyReply();
  if (done == nullptr) return Unexpected(*reply.frame, "EpisodicApplyReply");
  EpisodicApplyResult result;
  ENGRAM_ASSIGN_OR_RETURN(result.need, NeedFromWire(done->need()));
  result.rows = done->rows();
  if (done->checkpoint()) {
    for (const fb::Hash128* hash : *done->checkpoint()) {
      result.checkpoint.push_back(protocol::FromWire(*hash));
    }
  }
  if (result.need == EpisodicNeed::kNothing && checkpoint &&
      result.checkpoint.size() != protocol::kEpisodicCheckpointBlobs) {
    return CorruptError("engram-compute did not return the checkpoint it was asked for");
  }
  return result;
}

Result<EpisodicReadResult> ComputeClient::EpisodicRead(const EpisodicStateSpec& state,
                                                       const EpisodicReadParams& params) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto reply, Call([&](std::uint64_t id) {
        std::size_t size = StateBytes(state);
        for (const EpisodicStateSpec& more : params.more) size += StateBytes(more);
        for (const std::string& q : params.queries) size += 16 + q.size();
        flatbuffers::FlatBufferBuilder b(size);
        const auto wire_state = StateToWire(b, state);
        std::vector<flatbuffers::Offset<fb::EpisodicState>> more;
        for (const EpisodicStateSpec& spec : params.more) more.push_back(StateToWire(b, spec));
        std::vector<flatbuffers::Offset<flatbuffers::String>> queries;
        queries.reserve(params.queries.size());
        for (const std::string& q : params.queries) queries.push_back(b.CreateString(q));
        const auto req = fb::CreateEpisodicReadRequest(
            b, wire_state, b.CreateVector(queries), params.top_k, params.iterations,
            params.scope_threshold, more.empty() ? 0 : b.CreateVector(more));
        return protocol::FinishFrame(
            b, fb::CreateFrame(b, id, false, fb::Body::EpisodicReadRequest, req.Union()));
      }));
  const auto* done = reply.frame->body_as_EpisodicReadReply();
  if (done == nullptr) return Unexpected(*reply.frame, "EpisodicReadReply");
  EpisodicReadResult result;
  ENGRAM_ASSIGN_OR_RETURN(result.need, NeedFromWire(done->need()));
  if (result.need != EpisodicNeed::kNothing) {
    result.need_state = done->need_state();
    if (result.need_state > params.more.size()) {
      return CorruptError("EpisodicReadReply names a state the request did not send");
    }
    return result;
  }
  if (done->results()) {
    for (const fb::EpisodicReadResult* r : *done->results()) {
      EpisodicRecall recall;
      recall.in_scope = r->in_scope();
      recall.scope_score = r->scope_score();
      if (r->ids()) recall.ids.assign(r->ids()->begin(), r->ids()->end());
      if (r->scores()) recall.scores.assign(r->scores()->begin(), r->scores()->end());
      if (r->memories()) recall.memories.assign(r->memories()->begin(), r->memories()->end());
      if (recall.ids.size() != recall.scores.size() ||
          (!params.more.empty() && recall.memories.size() != recall.ids.size())) {
        return CorruptError("EpisodicReadReply has a different number of ids and scores");
      }
      for (const std::uint32_t m : recall.memories) {
        if (m > params.more.size()) {
          return CorruptError("EpisodicReadReply names a memory the request did not send");
        }
      }
      result.results.push_back(std::move(recall));
    }
  }
  if (result.results.size() != params.queries.size()) {
    return CorruptError("EpisodicReadReply answers a different number of queries");
  }
  return result;
}

Result<protocol::ContextEncodeResult> ComputeClient::ContextEncode(
    const protocol::ContextSettings& settings, std::string_view text,
    const EncodeProgress& progress) {
  auto build = [&](std::uint64_t id) {
    flatbuffers::FlatBufferBuilder b(128 + text.size());
    const auto wire_settings = protocol::ContextSettingsToWire(b, settings);
    // Progress frames always: besides feeding `progress` they keep a long encode (16 MiB of
    // text takes tens of minutes) from running into the reply timeout.
    const auto req = fb::CreateContextEncodeRequest(
        b, wire_settings, b.CreateString(text.data(), text.size()), /*progress=*/true);
    return protocol::FinishFrame(
        b, fb::CreateFrame(b, id, false, fb::Body::ContextEncodeRequest, req.Union()));
  };
  auto on_partial = [&](const fb::Frame& frame) -> FrameBuilder {
    const auto* step = frame.body_as_ContextEncodeProgress();
    if (step != nullptr && progress && step->tokens() <= step->total()) {
      progress(step->tokens(), step->total());
    }
    return {};
  };
  ENGRAM_ASSIGN_OR_RETURN(auto reply, Call(build, on_partial));
  const auto* done = reply.frame->body_as_ContextEncodeReply();
  if (done == nullptr) return Unexpected(*reply.frame, "ContextEncodeReply");
  protocol::ContextEncodeResult result;
  result.tokens = done->tokens();
  ENGRAM_ASSIGN_OR_RETURN(result.blocks, protocol::ContextBlocksFromWire(done->blocks()));
  return result;
}

Result<protocol::EditApplyResult> ComputeClient::EditApply(
    const protocol::EditApplyParams& params) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto reply, Call([&](std::uint64_t id) { return protocol::EditApplyFrame(id, params); }));
  const auto* done = reply.frame->body_as_EditApplyReply();
  if (done == nullptr) return Unexpected(*reply.frame, "EditApplyReply");
  if (done->need() > 2) {
    return CorruptError("EditApplyReply has an unknown need " + std::to_string(done->need()));
  }
  return protocol::EditApplyResultFromWire(*done);
}

Result<protocol::EditRouteResult> ComputeClient::EditRoute(const protocol::EditStateSpec& state,
                                                           std::string_view prompt,
                                                           std::uint32_t top_k) {
  ENGRAM_ASSIGN_OR_RETURN(auto reply, Call([&](std::uint64_t id) {
                            return protocol::EditRouteFrame(id, state, prompt, top_k);
                          }));
  const auto* done = reply.frame->body_as_EditRouteReply();
  if (done == nullptr) return Unexpected(*reply.frame, "EditRouteReply");
  if (done->need() > 2) {
    return CorruptError("EditRouteReply has an unknown need " + std::to_string(done->need()));
  }
  return protocol::EditRouteResultFromWire(*done);
}

Result<protocol::ContextReadResult> ComputeClient::ContextRead(const protocol::ContextState& state,
                                                               std::string_view query,
                                                               std::uint32_t top_k) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto reply, Call([&](std::uint64_t id) {
        flatbuffers::FlatBufferBuilder b(256 + query.size() + state.blocks.size() * 160);
        const auto wire_state = protocol::ContextStateToWire(b, state);
        const auto req = fb::CreateContextReadRequest(
            b, wire_state, b.CreateString(query.data(), query.size()), top_k);
        return protocol::FinishFrame(
            b, fb::CreateFrame(b, id, false, fb::Body::ContextReadRequest, req.Union()));
      }));
  const auto* done = reply.frame->body_as_ContextReadReply();
  if (done == nullptr) return Unexpected(*reply.frame, "ContextReadReply");
  protocol::ContextReadResult result;
  result.need = done->need();
  if (done->missing()) {
    for (const fb::Hash128* h : *done->missing()) result.missing.push_back(protocol::FromWire(*h));
  }
  if (done->hits()) {
    for (const fb::ContextHit* hit : *done->hits()) {
      result.hits.push_back(protocol::ContextHit{hit->block(), hit->chunk(), hit->score(),
                                                 hit->text() ? hit->text()->str() : "",
                                                 hit->match()});
    }
  }
  if (result.need != 0 && result.need != 2) {
    return CorruptError("ContextReadReply has an unknown need " + std::to_string(result.need));
  }
  return result;
}

Result<protocol::PrefixRef> ComputeClient::PrefixEncode(std::string_view text) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto reply, Call([&](std::uint64_t id) {
        flatbuffers::FlatBufferBuilder b(64 + text.size());
        const auto req = fb::CreatePrefixEncodeRequest(b, b.CreateString(text.data(), text.size()));
        return protocol::FinishFrame(
            b, fb::CreateFrame(b, id, false, fb::Body::PrefixEncodeRequest, req.Union()));
      }));
  const auto* done = reply.frame->body_as_PrefixEncodeReply();
  if (done == nullptr) return Unexpected(*reply.frame, "PrefixEncodeReply");
  if (!done->tokens() || !done->keys() || !done->values()) {
    return CorruptError("PrefixEncodeReply lacks its tokens, keys or values");
  }
  protocol::PrefixRef prefix;
  prefix.tokens.assign(done->tokens()->begin(), done->tokens()->end());
  prefix.keys = protocol::FromWire(*done->keys());
  prefix.values = protocol::FromWire(*done->values());
  return prefix;
}

Result<Hash128> ComputeClient::BlobPut(std::span<const std::uint8_t> data,
                                       std::optional<Hash128> expected) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto reply, Call([&](std::uint64_t id) {
        flatbuffers::FlatBufferBuilder b(256 + data.size());
        b.ForceVectorAlignment(data.size(), 1, 64);
        const auto bytes = b.CreateVector(data.data(), data.size());
        const fb::Hash128 wire = expected ? protocol::ToWire(*expected) : fb::Hash128();
        const auto req = fb::CreateBlobPutRequest(b, bytes, expected ? &wire : nullptr);
        return protocol::FinishFrame(
            b, fb::CreateFrame(b, id, false, fb::Body::BlobPutRequest, req.Union()));
      }));
  const auto* put = reply.frame->body_as_BlobPutReply();
  if (put == nullptr || put->hash() == nullptr) return Unexpected(*reply.frame, "BlobPutReply");
  return protocol::FromWire(*put->hash());
}

Result<std::vector<bool>> ComputeClient::BlobHas(std::span<const Hash128> hashes) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto reply, Call([&](std::uint64_t id) {
        flatbuffers::FlatBufferBuilder b(64 + hashes.size() * 16);
        std::vector<fb::Hash128> wire;
        for (const Hash128& h : hashes) wire.push_back(protocol::ToWire(h));
        const auto req = fb::CreateBlobHasRequest(b, b.CreateVectorOfStructs(wire));
        return protocol::FinishFrame(
            b, fb::CreateFrame(b, id, false, fb::Body::BlobHasRequest, req.Union()));
      }));
  const auto* has = reply.frame->body_as_BlobHasReply();
  if (has == nullptr) return Unexpected(*reply.frame, "BlobHasReply");
  std::vector<bool> out;
  if (has->present()) {
    for (auto v : *has->present()) out.push_back(v != 0);
  }
  if (out.size() != hashes.size())
    return CorruptError("BlobHasReply answers a different number of hashes");
  return out;
}

Result<std::vector<std::uint8_t>> ComputeClient::BlobGet(const Hash128& hash) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto reply, Call([&](std::uint64_t id) {
        flatbuffers::FlatBufferBuilder b(64);
        const fb::Hash128 wire = protocol::ToWire(hash);
        const auto req = fb::CreateBlobGetRequest(b, &wire);
        return protocol::FinishFrame(
            b, fb::CreateFrame(b, id, false, fb::Body::BlobGetRequest, req.Union()));
      }));
  const auto* get = reply.frame->body_as_BlobGetReply();
  if (get == nullptr) return Unexpected(*reply.frame, "BlobGetReply");
  std::vector<std::uint8_t> out;
  if (get->data()) out.assign(get->data()->begin(), get->data()->end());
  if (!(ContentHash(out.data(), out.size()) == hash)) {
    return CorruptError("blob " + hash.ToHex() + " came back with different content");
  }
  return out;
}

Result<ReceivedFrame> ComputeClient::RawExchange(std::string_view bytes) {
  std::lock_guard lock(mutex_);
  if (!connected()) return ComputeError("not connected to engram-compute");
  ENGRAM_RETURN_IF_ERROR(channel_->Write(bytes, options_.reply_timeout));
  return channel_->Read(options_.reply_timeout, options_.max_frame_bytes);
}

}  // namespace engram::query
