#include "query/compute_client/compute_link.h"

namespace engram::query {

ComputeLink::ComputeLink(LinkOptions options) : options_(std::move(options)) {}

ComputeLink::~ComputeLink() {
  std::lock_guard lock(mutex_);
  client_.reset();
  process_.reset();  // stops the child
}

Status ComputeLink::EnsureConnectedLocked() {
  // A spawned child that died while idle is noticed here, so the next call does not fail.
  const bool child_ok = options_.address.has_value() || (process_ && process_->Alive());
  if (client_ && client_->connected() && child_ok) return Status::Ok();
  client_.reset();

  Result<std::unique_ptr<ComputeClient>> client = ComputeError("not connected");
  if (options_.address) {
    client = ComputeClient::Connect(*options_.address, options_.client);
  } else {
    // Two attempts: a child that is still exiting after a crash (or is wedged) can refuse the
    // first connection; it is then stopped and replaced.
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!process_ || !process_->Alive()) {
        process_.reset();
        ENGRAM_ASSIGN_OR_RETURN(process_, ComputeProcess::Spawn(options_.spawn));
        ++stats_.starts;
      }
      client = ComputeClient::Connect(process_->address(), options_.client);
      if (client.ok()) break;
      process_.reset();  // stops it
    }
  }
  if (!client.ok()) return client.status();
  const std::string& fingerprint = (*client)->model().fingerprint;
  if (fingerprint_ && *fingerprint_ != fingerprint) {
    return ModelError("engram-compute now serves model " + fingerprint + ", not " + *fingerprint_ +
                      " (the model changed since this engine first connected)");
  }
  fingerprint_ = fingerprint;
  client_ = std::move(*client);
  ++stats_.connects;
  return Status::Ok();
}

template <typename T>
Result<T> ComputeLink::With(const std::function<Result<T>(ComputeClient&)>& call) {
  std::shared_ptr<ComputeClient> client;
  {
    std::lock_guard lock(mutex_);
    ENGRAM_RETURN_IF_ERROR(EnsureConnectedLocked());
    client = client_;
  }
  Result<T> result = call(*client);
  if (!result.ok() && !client->connected()) {
    std::lock_guard lock(mutex_);
    ++stats_.failures;
    if (client_ == client) client_.reset();  // the next call reconnects (and respawns if dead)
    return result.status().WithContext(
        options_.address ? "the request failed; the next one reconnects to engram-compute"
                         : "the request failed and engram-compute will be restarted");
  }
  return result;
}

Status ComputeLink::Start() {
  std::lock_guard lock(mutex_);
  return EnsureConnectedLocked();
}

Result<ModelInfo> ComputeLink::Model() {
  return With<ModelInfo>([](ComputeClient& c) -> Result<ModelInfo> { return c.model(); });
}

Result<std::vector<int>> ComputeLink::Tokenize(std::string_view text, bool bos, bool eos) {
  return With<std::vector<int>>([&](ComputeClient& c) { return c.Tokenize(text, bos, eos); });
}

Result<std::string> ComputeLink::Detokenize(std::span<const int> tokens, int prev_token) {
  return With<std::string>([&](ComputeClient& c) { return c.Detokenize(tokens, prev_token); });
}

Result<GenerateResult> ComputeLink::Generate(
    const GenerateParams& params, const std::function<bool(const GenerateChunk&)>& on_chunk) {
  return With<GenerateResult>([&](ComputeClient& c) { return c.Generate(params, on_chunk); });
}

Result<EpisodicApplyResult> ComputeLink::EpisodicApply(const EpisodicStateSpec& state,
                                                       const std::vector<EpisodicOp>& ops,
                                                       const std::vector<EpisodicText>& texts,
                                                       bool checkpoint) {
  return With<EpisodicApplyResult>(
      [&](ComputeClient& c) { return c.EpisodicApply(state, ops, texts, checkpoint); });
}

Result<EpisodicReadResult> ComputeLink::EpisodicRead(const EpisodicStateSpec& state,
                                                     const EpisodicReadParams& params) {
  return With<EpisodicReadResult>([&](ComputeClient& c) { return c.EpisodicRead(state, params); });
}

Result<protocol::ContextEncodeResult> ComputeLink::ContextEncode(
    const protocol::ContextSettings& settings, std::string_view text,
    const ComputeClient::EncodeProgress& progress) {
  return With<protocol::ContextEncodeResult>(
      [&](ComputeClient& c) { return c.ContextEncode(settings, text, progress); });
}

Result<protocol::ContextReadResult> ComputeLink::ContextRead(const protocol::ContextState& state,
                                                             std::string_view query,
                                                             std::uint32_t top_k) {
  return With<protocol::ContextReadResult>(
      [&](ComputeClient& c) { return c.ContextRead(state, query, top_k); });
}

Result<protocol::PrefixRef> ComputeLink::PrefixEncode(std::string_view text) {
  return With<protocol::PrefixRef>([&](ComputeClient& c) { return c.PrefixEncode(text); });
}

Result<protocol::EditApplyResult> ComputeLink::EditApply(const protocol::EditApplyParams& params) {
  return With<protocol::EditApplyResult>([&](ComputeClient& c) { return c.EditApply(params); });
}

Result<protocol::EditRouteResult> ComputeLink::EditRoute(const protocol::EditStateSpec& state,
                                                         std::string_view prompt,
                                                         std::uint32_t top_k) {
  return With<protocol::EditRouteResult>(
      [&](ComputeClient& c) { return c.EditRoute(state, prompt, top_k); });
}

Result<Hash128> ComputeLink::BlobPut(std::span<const std::uint8_t> data) {
  return With<Hash128>([&](ComputeClient& c) { return c.BlobPut(data); });
}

Result<std::vector<bool>> ComputeLink::BlobHas(std::span<const Hash128> hashes) {
  return With<std::vector<bool>>([&](ComputeClient& c) { return c.BlobHas(hashes); });
}

Result<std::vector<std::uint8_t>> ComputeLink::BlobGet(const Hash128& hash) {
  return With<std::vector<std::uint8_t>>([&](ComputeClient& c) { return c.BlobGet(hash); });
}

pid_t ComputeLink::child_pid() const {
  std::lock_guard lock(mutex_);
  return process_ ? process_->pid() : -1;
}

LinkStats ComputeLink::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace engram::query
