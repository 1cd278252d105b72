#include "compute/server/compute_service.h"

#include <cmath>

#include <boost/asio/post.hpp>

#include "compute/server/episodic_wire.h"

namespace engram::compute {
namespace fb = protocol::fb;

ConnectionState::AddResult ConnectionState::TryAdd(std::uint64_t request_id) {
  std::lock_guard lock(mutex_);
  if (closed_) return AddResult::kClosed;
  return generations_.emplace(request_id, Entry{}).second ? AddResult::kAdded
                                                          : AddResult::kDuplicate;
}

bool ConnectionState::SetTicket(std::uint64_t request_id, std::uint64_t ticket) {
  std::lock_guard lock(mutex_);
  auto it = generations_.find(request_id);
  if (it == generations_.end()) return false;  // already finished
  it->second.ticket = ticket;
  return it->second.cancel_requested || closed_;
}

void ConnectionState::Remove(std::uint64_t request_id) {
  std::lock_guard lock(mutex_);
  generations_.erase(request_id);
}

bool ConnectionState::RequestCancel(std::uint64_t request_id, std::uint64_t* ticket) {
  std::lock_guard lock(mutex_);
  auto it = generations_.find(request_id);
  if (it == generations_.end()) return false;
  it->second.cancel_requested = true;
  *ticket = it->second.ticket;
  return true;
}

bool ConnectionState::CancelRequested(std::uint64_t request_id) const {
  std::lock_guard lock(mutex_);
  if (closed_) return true;
  auto it = generations_.find(request_id);
  return it != generations_.end() && it->second.cancel_requested;
}

std::vector<std::uint64_t> ConnectionState::Close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  std::vector<std::uint64_t> tickets;
  for (const auto& [id, entry] : generations_) {
    if (entry.ticket != 0) tickets.push_back(entry.ticket);
  }
  return tickets;
}

ComputeService::ComputeService(const ModelBundle& model, DecodeEngine& engine,
                               const ServiceOptions& options,
                               std::unique_ptr<EpisodicHandler> episodic,
                               std::unique_ptr<ContextHandler> context,
                               std::unique_ptr<EditHandler> edit)
    : model_(model),
      options_(options),
      engine_(engine),
      blobs_(options.blob_cache_bytes),
      episodic_(std::move(episodic)),
      context_(std::move(context)),
      edit_(std::move(edit)),
      scheduler_(std::make_unique<BatchScheduler>(engine, model.tokenizer)),
      workers_(static_cast<std::size_t>(std::max(1, options.worker_threads))),
      model_workers_(static_cast<std::size_t>(std::max(1, options.model_threads))) {}

ComputeService::~ComputeService() {
  Shutdown();
}

void ComputeService::Shutdown() {
  // Workers first: a queued GENERATE still submits to the scheduler, which must outlive it.
  workers_.join();
  model_workers_.join();
  episodic_lane_.join();
  edit_lane_.join();
  scheduler_.reset();  // finishes pending generations as cancelled
}

void ComputeService::Reply(ReplySink& sink, std::uint64_t id, std::string frame) const {
  if (frame.size() - protocol::kFrameHeaderBytes > options_.max_reply_bytes) {
    frame = protocol::EncodeErrorFrame(id, LimitError("reply of " + std::to_string(frame.size()) +
                                                      " bytes exceeds the frame limit of " +
                                                      std::to_string(options_.max_reply_bytes)));
  }
  sink.Send(std::move(frame), id, /*final=*/true);
}

void ComputeService::OnDisconnect(ConnectionState& conn) {
  for (std::uint64_t ticket : conn.Close()) {
    if (scheduler_) scheduler_->Cancel(ticket);
  }
}

std::string ComputeService::ModelInfoFrame(std::uint64_t id, bool hello) const {
  flatbuffers::FlatBufferBuilder b(512);
  const LlamaConfig& c = model_.config();
  const auto info = fb::CreateModelInfoDirect(
      b, model_.fingerprint.ToHex().c_str(), model_.checkpoint_path.c_str(),
      std::string(CheckpointFormatName(model_.checkpoint.format)).c_str(), c.dim, c.hidden_dim,
      c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len, c.shared_classifier,
      c.ParameterCount(), engine_.name().c_str(), engine_.device().c_str(), engine_.max_slots());
  if (hello) {
    const auto server = b.CreateString(std::string("engram-compute ") + ENGRAM_VERSION);
    const auto reply = fb::CreateHelloReply(b, protocol::kProtocolVersion, server, info);
    return protocol::FinishFrame(
        b, fb::CreateFrame(b, id, false, fb::Body::HelloReply, reply.Union()));
  }
  const auto reply = fb::CreateModelInfoReply(b, info);
  return protocol::FinishFrame(
      b, fb::CreateFrame(b, id, false, fb::Body::ModelInfoReply, reply.Union()));
}

void ComputeService::Handle(std::shared_ptr<const protocol::FrameBuffer> payload,
                            const fb::Frame& frame, const std::shared_ptr<ReplySink>& sink,
                            const std::shared_ptr<ConnectionState>& conn) {
  const std::uint64_t id = frame.id();
  auto fail = [&](const Status& s) { sink->Send(protocol::EncodeErrorFrame(id, s), id, true); };
  const Tokenizer& tokenizer = model_.tokenizer;

  switch (frame.body_type()) {
    case fb::Body::HelloRequest: {
      const auto* req = frame.body_as_HelloRequest();
      if (req->protocol_version() != protocol::kProtocolVersion) {
        return fail(ComputeError("protocol version " + std::to_string(req->protocol_version()) +
                                 " is not supported (engram-compute speaks " +
                                 std::to_string(protocol::kProtocolVersion) + ")"));
      }
      return sink->Send(ModelInfoFrame(id, /*hello=*/true), id, true);
    }
    case fb::Body::ModelInfoRequest:
      return sink->Send(ModelInfoFrame(id, /*hello=*/false), id, true);

    case fb::Body::TokenizeRequest:
      // Tokenising a book takes a while: keep the I/O thread free.
      boost::asio::post(workers_, [this, payload, &frame, sink, id, &tokenizer] {
        const auto* req = frame.body_as_TokenizeRequest();
        const std::string_view text = req->text() ? req->text()->string_view() : std::string_view();
        const std::vector<int> tokens = tokenizer.Encode(text, req->bos(), req->eos());
        flatbuffers::FlatBufferBuilder b(64 + tokens.size() * 4);
        const auto reply = fb::CreateTokenizeReplyDirect(b, &tokens);
        Reply(*sink, id,
              protocol::FinishFrame(
                  b, fb::CreateFrame(b, id, false, fb::Body::TokenizeReply, reply.Union())));
      });
      return;

    case fb::Body::DetokenizeRequest: {
      const auto* req = frame.body_as_DetokenizeRequest();
      std::vector<int> tokens;
      if (req->tokens()) tokens.assign(req->tokens()->begin(), req->tokens()->end());
      for (int t : tokens) {
        if (t < 0 || t >= tokenizer.vocab_size()) {
          return fail(SyntaxError("token id " + std::to_string(t) + " outside the vocabulary of " +
                                  std::to_string(tokenizer.vocab_size())));
        }
      }
      const std::string text = tokenizer.Decode(tokens, req->prev_token());
      flatbuffers::FlatBufferBuilder b(64 + text.size());
      const auto reply = fb::CreateDetokenizeReply(b, b.CreateString(text));
      return Reply(*sink, id,
                   protocol::FinishFrame(
                       b, fb::CreateFrame(b, id, false, fb::Body::DetokenizeReply, reply.Union())));
    }

    case fb::Body::GenerateRequest: {
      // Tokenising a long prompt takes a while: keep the I/O thread free. A generation that
      // runs outside the batch scheduler runs its whole length on the thread: the model pool.
      const auto* req = frame.body_as_GenerateRequest();
      const bool outside_scheduler =
          req->edit() || req->prefix() || (req->context() && req->context()->size() > 0);
      boost::asio::post(outside_scheduler ? model_workers_ : workers_,
                        [this, payload, &frame, sink, conn, id] {
                          HandleGenerate(id, *frame.body_as_GenerateRequest(), sink, conn);
                        });
      return;
    }

    case fb::Body::CancelRequest: {
      std::uint64_t ticket = 0;
      bool found = conn->RequestCancel(frame.body_as_CancelRequest()->target_id(), &ticket);
      // Ticket 0: registered but not yet submitted; SetTicket cancels it on submission.
      if (found && ticket != 0) found = scheduler_ && scheduler_->Cancel(ticket);
      flatbuffers::FlatBufferBuilder b(64);
      const auto reply = fb::CreateCancelReply(b, found);
      return sink->Send(protocol::FinishFrame(
                            b, fb::CreateFrame(b, id, false, fb::Body::CancelReply, reply.Union())),
                        id, true);
    }

    case fb::Body::BlobPutRequest:
      boost::asio::post(workers_, [this, payload, &frame, sink, id] {
        const auto* req = frame.body_as_BlobPutRequest();
        std::span<const std::uint8_t> data;
        if (req->data()) data = {req->data()->data(), req->data()->size()};
        std::optional<Hash128> expected;
        if (req->expected_hash()) expected = protocol::FromWire(*req->expected_hash());
        auto hash = blobs_.Put(data, expected);
        if (!hash.ok()) {
          sink->Send(protocol::EncodeErrorFrame(id, hash.status()), id, true);
          return;
        }
        flatbuffers::FlatBufferBuilder b(64);
        const fb::Hash128 wire = protocol::ToWire(*hash);
        const auto reply = fb::CreateBlobPutReply(b, &wire, data.size());
        sink->Send(protocol::FinishFrame(
                       b, fb::CreateFrame(b, id, false, fb::Body::BlobPutReply, reply.Union())),
                   id, true);
      });
      return;

    case fb::Body::BlobHasRequest: {
      const auto* req = frame.body_as_BlobHasRequest();
      std::vector<std::uint8_t> present;
      if (req->hashes()) {
        for (const fb::Hash128* h : *req->hashes())
          present.push_back(blobs_.Has(protocol::FromWire(*h)) ? 1 : 0);
      }
      flatbuffers::FlatBufferBuilder b(64 + present.size());
      const auto reply = fb::CreateBlobHasReply(b, b.CreateVector(present));
      return sink->Send(
          protocol::FinishFrame(
              b, fb::CreateFrame(b, id, false, fb::Body::BlobHasReply, reply.Union())),
          id, true);
    }

    case fb::Body::BlobGetRequest: {
      const auto* req = frame.body_as_BlobGetRequest();
      if (req->hash() == nullptr) return fail(SyntaxError("BlobGet needs a hash"));
      const Hash128 hash = protocol::FromWire(*req->hash());
      BlobBytes blob = blobs_.Get(hash);
      if (!blob) return fail(NotFoundError("blob " + hash.ToHex() + " is not in the cache"));
      boost::asio::post(workers_, [this, blob, sink, id] {
        flatbuffers::FlatBufferBuilder b(128 + blob->size());
        b.ForceVectorAlignment(blob->size(), 1, 64);  // 64-byte aligned for the reader
        const auto reply = fb::CreateBlobGetReply(b, b.CreateVector(blob->data(), blob->size()));
        Reply(*sink, id,
              protocol::FinishFrame(
                  b, fb::CreateFrame(b, id, false, fb::Body::BlobGetReply, reply.Union())));
      });
      return;
    }

    case fb::Body::EpisodicApplyRequest:
      // The math takes milliseconds (a rebuild, seconds): keep the I/O thread free.
      boost::asio::post(episodic_lane_, [this, payload, &frame, sink, id] {
        HandleEpisodicApply(id, *frame.body_as_EpisodicApplyRequest(), *sink);
      });
      return;

    case fb::Body::EpisodicReadRequest:
      boost::asio::post(episodic_lane_, [this, payload, &frame, sink, id] {
        HandleEpisodicRead(id, *frame.body_as_EpisodicReadRequest(), *sink);
      });
      return;

    case fb::Body::ContextEncodeRequest:
      boost::asio::post(model_workers_, [this, payload, &frame, sink, id] {
        HandleContextEncode(id, *frame.body_as_ContextEncodeRequest(), *sink);
      });
      return;

    case fb::Body::PrefixEncodeRequest:
      boost::asio::post(model_workers_, [this, payload, &frame, sink, id] {
        HandlePrefixEncode(id, *frame.body_as_PrefixEncodeRequest(), *sink);
      });
      return;

    case fb::Body::ContextReadRequest:
      boost::asio::post(workers_, [this, payload, &frame, sink, id] {
        HandleContextRead(id, *frame.body_as_ContextReadRequest(), *sink);
      });
      return;

    case fb::Body::EditApplyRequest:
      boost::asio::post(edit_lane_, [this, payload, &frame, sink, id] {
        HandleEditApply(id, *frame.body_as_EditApplyRequest(), *sink);
      });
      return;

    case fb::Body::EditRouteRequest:
      boost::asio::post(edit_lane_, [this, payload, &frame, sink, id] {
        HandleEditRoute(id, *frame.body_as_EditRouteRequest(), *sink);
      });
      return;

    default:
      return fail(SyntaxError("unknown op " + std::to_string(static_cast<int>(frame.body_type())) +
                              " (" + std::string(protocol::BodyName(frame.body_type())) + ")"));
  }
}

void ComputeService::HandleEpisodicApply(std::uint64_t id, const fb::EpisodicApplyRequest& request,
                                         ReplySink& sink) {
  auto fail = [&](const Status& s) { sink.Send(protocol::EncodeErrorFrame(id, s), id, true); };
  if (!episodic_) return fail(ComputeError("episodic memory not available"));
  auto call = ParseEpisodicApply(request);
  if (!call.ok()) return fail(call.status());
  auto outcome = episodic_->Apply(*call, blobs_);
  if (!outcome.ok()) return fail(outcome.status());
  Reply(sink, id, EncodeEpisodicApplyReply(id, *outcome));
}

void ComputeService::HandleEpisodicRead(std::uint64_t id, const fb::EpisodicReadRequest& request,
                                        ReplySink& sink) {
  auto fail = [&](const Status& s) { sink.Send(protocol::EncodeErrorFrame(id, s), id, true); };
  if (!episodic_) return fail(ComputeError("episodic memory not available"));
  auto call = ParseEpisodicRead(request);
  if (!call.ok()) return fail(call.status());
  auto outcome = episodic_->Read(*call, blobs_);
  if (!outcome.ok()) return fail(outcome.status());
  Reply(sink, id, EncodeEpisodicReadReply(id, *outcome));
}

void ComputeService::HandleGenerate(std::uint64_t id, const fb::GenerateRequest& req,
                                    const std::shared_ptr<ReplySink>& sink,
                                    const std::shared_ptr<ConnectionState>& conn) {
  const Tokenizer& tokenizer = model_.tokenizer;
  const LlamaConfig& c = model_.config();
  auto fail = [&](const Status& s) { sink->Send(protocol::EncodeErrorFrame(id, s), id, true); };

  GenerationRequest request;
  if (req.prompt_tokens() && req.prompt_tokens()->size() > 0) {
    request.prompt_tokens.assign(req.prompt_tokens()->begin(), req.prompt_tokens()->end());
    for (int t : request.prompt_tokens) {
      if (t < 0 || t >= c.vocab_size) {
        return fail(
            SyntaxError("prompt token id " + std::to_string(t) + " outside the vocabulary"));
      }
    }
  } else if (!req.prefix()) {
    // After a prefix the prompt tokens continue it as given (none: the prefix alone).
    const std::string_view prompt = req.prompt() ? req.prompt()->string_view() : std::string_view();
    request.prompt_tokens = tokenizer.Encode(prompt, /*bos=*/true, /*eos=*/false);
  }
  if (static_cast<int>(request.prompt_tokens.size()) > c.seq_len) {
    return fail(LimitError("prompt of " + std::to_string(request.prompt_tokens.size()) +
                           " tokens exceeds the context window of " + std::to_string(c.seq_len)));
  }
  if (req.max_new_tokens() < 0) return fail(SyntaxError("max_new_tokens must not be negative"));
  if (!std::isfinite(req.temperature()) || req.temperature() < 0) {
    return fail(SyntaxError("temperature must be a finite number >= 0"));
  }
  if (!std::isfinite(req.top_p())) return fail(SyntaxError("top_p must be a finite number"));
  request.max_new_tokens = req.max_new_tokens();
  request.sampling.temperature = req.temperature();
  request.sampling.top_p = req.top_p();
  request.sampling.seed = req.seed();
  request.stop_at_bos = req.stop_at_bos();
  if (req.guides() && req.guides()->size() > 0) {
    // Guides continue the prompt's text, so they are tokenised as it is, minus the BOS.
    // ValidateGuides checks the count too, but only after tokenising: refuse a flood first.
    if (req.guides()->size() > static_cast<flatbuffers::uoffset_t>(kMaxGuides)) {
      return fail(SyntaxError("at most " + std::to_string(kMaxGuides) + " memory guides"));
    }
    for (const fb::GenerateGuide* guide : *req.guides()) {
      const std::string_view text =
          guide->text() ? guide->text()->string_view() : std::string_view();
      request.guides.push_back(
          MemoryGuide{tokenizer.Encode(text, /*bos=*/false, /*eos=*/false), guide->weight()});
    }
    if (Status s = ValidateGuides(request.guides); !s.ok()) return fail(s);
    request.min_match = req.min_match();
  }
  if (req.edit()) {
    if (req.prefix()) {
      return fail(SyntaxError(
          "a generation with an edited side memory cannot also run after a prefix (its keys and "
          "values are the unedited model's)"));
    }
    // With context memories the plain loop of the context engine runs, on edited weights.
    if (!req.context() || req.context()->size() == 0) {
      return HandleEditGenerate(id, req, std::move(request), sink, conn);
    }
  }
  if ((req.context() && req.context()->size() > 0) || req.prefix()) {
    return HandleContextGenerate(id, req, std::move(request), sink, conn);
  }
  const int last_prompt_token = request.prompt_tokens.back();

  GenerationCallbacks callbacks;
  if (req.stream()) {
    callbacks.on_token = [sink, id](int token, std::string_view piece) {
      flatbuffers::FlatBufferBuilder b(64 + piece.size());
      const std::vector<int> tokens = {token};
      const auto chunk = fb::CreateGenerateChunk(b, b.CreateVector(tokens),
                                                 b.CreateString(piece.data(), piece.size()));
      sink->Send(protocol::FinishFrame(
                     b, fb::CreateFrame(b, id, true, fb::Body::GenerateChunk, chunk.Union())),
                 id, /*final=*/false);
    };
  }
  callbacks.on_done = [this, sink, conn, id, last_prompt_token](GenerationOutcome outcome) {
    conn->Remove(id);
    if (!outcome.status.ok()) {
      sink->Send(protocol::EncodeErrorFrame(id, outcome.status), id, true);
      return;
    }
    Reply(*sink, id, GenerateReplyFrame(id, outcome, last_prompt_token));
  };
  if (!scheduler_) return fail(ComputeError("engram-compute is shutting down"));
  if (static_cast<std::size_t>(scheduler_->Stats().waiting) >= options_.max_waiting_generations) {
    return fail(LimitError(std::to_string(options_.max_waiting_generations) +
                           " generations are already waiting for a slot"));
  }
  // Register before submitting so that a fast finish's Remove cannot precede the registration.
  switch (conn->TryAdd(id)) {
    case ConnectionState::AddResult::kAdded:
      break;
    case ConnectionState::AddResult::kDuplicate:
      return fail(SyntaxError("request id " + std::to_string(id) + " is already in flight"));
    case ConnectionState::AddResult::kClosed:
      return;  // the client is gone: nothing to run, nobody to answer
  }
  const std::uint64_t ticket = scheduler_->Submit(std::move(request), std::move(callbacks));
  if (conn->SetTicket(id, ticket)) scheduler_->Cancel(ticket);  // cancelled while submitting
}

}  // namespace engram::compute
