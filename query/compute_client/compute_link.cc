#include "query/compute_client/compute_link.h"

#include <algorithm>
#include <limits>

namespace engram::query {

ComputeLink::ComputeLink(LinkOptions options) : options_(std::move(options)) {}

ComputeLink::~ComputeLink() {
  std::lock_guard lock(mutex_);
  idle_.clear();
  process_.reset();  // stops the child
}

void ComputeLink::DropIdleLocked() {
  open_ -= static_cast<int>(idle_.size());
  idle_.clear();
  ++epoch_;
  connect_cap_ = std::numeric_limits<int>::max();
}

Status ComputeLink::EnsureProcessLocked() {
  if (options_.address || (process_ && process_->Alive())) return Status::Ok();
  // Noticed before a call rather than by it failing: its connections are dead too.
  DropIdleLocked();
  process_.reset();
  ENGRAM_ASSIGN_OR_RETURN(process_, ComputeProcess::Spawn(options_.spawn));
  ++stats_.starts;
  return Status::Ok();
}

Result<std::shared_ptr<ComputeClient>> ComputeLink::ConnectLocked() {
  Result<std::unique_ptr<ComputeClient>> client = ComputeError("not connected");
  if (options_.address) {
    client = ComputeClient::Connect(*options_.address, options_.client);
  } else {
    // Two attempts: a child that is still exiting after a crash (or is wedged) can refuse the
    // connection; it is then stopped and replaced. Not one that other calls are using: it is
    // busy (at its connection limit, slow to answer), not broken.
    for (int attempt = 0; attempt < 2; ++attempt) {
      ENGRAM_RETURN_IF_ERROR(EnsureProcessLocked());
      client = ComputeClient::Connect(process_->address(), options_.client);
      if (client.ok() || open_ > 0) break;
      DropIdleLocked();
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
  ++stats_.connects;
  return std::shared_ptr<ComputeClient>(std::move(*client));
}

Result<ComputeLink::Lease> ComputeLink::Acquire() {
  std::unique_lock lock(mutex_);
  // A waiter woken for a connection that it cannot use passes the wake-up on.
  auto fail = [&](const Status& status) {
    returned_.notify_one();
    return status;
  };
  while (true) {
    if (Status s = EnsureProcessLocked(); !s.ok()) return fail(s);
    while (!idle_.empty()) {
      std::shared_ptr<ComputeClient> client = std::move(idle_.back());
      idle_.pop_back();
      if (client->connected()) return Lease{std::move(client), epoch_};
      --open_;
    }
    if (open_ < std::min(std::max(1, options_.max_connections), connect_cap_)) {
      Result<std::shared_ptr<ComputeClient>> client = ConnectLocked();
      if (client.ok()) {
        ++open_;
        return Lease{std::move(*client), epoch_};
      }
      if (open_ == 0 || client.status().code() == ErrorCode::kModel) return fail(client.status());
      // The co-process takes no more connections now: share those open as they come free.
      connect_cap_ = open_;
    }
    returned_.wait(lock);
  }
}

void ComputeLink::Release(Lease lease, bool transport_failed) {
  std::lock_guard lock(mutex_);
  if (transport_failed) {
    ++stats_.failures;
    DropIdleLocked();  // the next call reconnects (and respawns a dead co-process)
  }
  if (!transport_failed && lease.epoch == epoch_ && lease.client->connected()) {
    idle_.push_back(std::move(lease.client));
  } else {
    --open_;
  }
  returned_.notify_all();
}

template <typename T>
Result<T> ComputeLink::With(const std::function<Result<T>(ComputeClient&)>& call) {
  ENGRAM_ASSIGN_OR_RETURN(Lease lease, Acquire());
  Result<T> result = call(*lease.client);
  const bool transport_failed = !result.ok() && !lease.client->connected();
  Release(std::move(lease), transport_failed);
  if (transport_failed) {
    return result.status().WithContext(
        options_.address ? "the request failed; the next one reconnects to engram-compute"
                         : "the request failed and engram-compute will be restarted");
  }
  return result;
}

Status ComputeLink::Start() {
  ENGRAM_ASSIGN_OR_RETURN(Lease lease, Acquire());
  Release(std::move(lease), false);
  return Status::Ok();
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
