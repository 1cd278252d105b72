// ComputeClient: one connection to an engram-compute co-process and the typed protocol calls.
// It does not start or restart processes; ComputeLink (compute_link.h) does.
//
// Every call sends one request and reads frames until that request's final reply. Transport
// failures (the co-process died, the connection broke, a reply timed out or failed
// verification) close the connection and return COMPUTE (or CORRUPT / LIMIT for bad replies);
// errors the co-process reports come back with their own code.
//
// Thread-safety: calls are serialised by an internal mutex; a client may be shared.
#ifndef ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_CLIENT_H_
#define ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_CLIENT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "compute/protocol/content_hash.h"
#include "query/compute_client/compute_types.h"
#include "query/compute_client/frame_channel.h"

namespace engram::query {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  // Longest wait for any one frame of a reply (a GENERATE streams a frame per token).
  std::chrono::milliseconds reply_timeout{120'000};
  std::size_t max_frame_bytes = protocol::kDefaultMaxFrameBytes;
  std::string client_name = "engram";
};

class ComputeClient {
 public:
  // Connects and says hello (protocol version check). Errors: COMPUTE (unreachable, version
  // mismatch, connection lost), or whatever error the co-process replies to the hello with.
  static Result<std::unique_ptr<ComputeClient>> Connect(const protocol::Address& address,
                                                        const ClientOptions& options = {});

  // The model the co-process announced in its hello.
  const ModelInfo& model() const { return model_; }
  bool connected() const;

  Result<ModelInfo> GetModelInfo();
  Result<std::vector<int>> Tokenize(std::string_view text, bool bos = true, bool eos = false);
  Result<std::string> Detokenize(std::span<const int> tokens, int prev_token = 1);

  // Generates; `on_chunk` (optional) sees each streamed chunk and may return false to cancel,
  // in which case the call still returns the final result (stop reason "cancelled").
  Result<GenerateResult> Generate(const GenerateParams& params,
                                  const std::function<bool(const GenerateChunk&)>& on_chunk = {});

  // Episodic memory operations (protocol.md §5.8). A reply with need != kNothing did nothing.
  // Errors: SYNTAX (malformed request, a text without words), NOTFOUND (forgetting an id that
  // is not live), LIMIT, COMPUTE, MODEL (the memory's encoder version is not served).
  Result<EpisodicApplyResult> EpisodicApply(const EpisodicStateSpec& state,
                                            const std::vector<EpisodicOp>& ops,
                                            const std::vector<EpisodicText>& texts,
                                            bool checkpoint);
  Result<EpisodicReadResult> EpisodicRead(const EpisodicStateSpec& state,
                                          const EpisodicReadParams& params);
  // Context memory operations (protocol.md §5.9). Errors: SYNTAX (bad settings, no text),
  // LIMIT, CORRUPT (blocks that do not fit), COMPUTE.
  // `progress` (optional) sees (tokens encoded, tokens in all) now and then while it runs.
  using EncodeProgress = std::function<void(std::uint64_t tokens, std::uint64_t total)>;
  Result<protocol::ContextEncodeResult> ContextEncode(const protocol::ContextSettings& settings,
                                                      std::string_view text,
                                                      const EncodeProgress& progress = {});
  Result<protocol::ContextReadResult> ContextRead(const protocol::ContextState& state,
                                                  std::string_view query, std::uint32_t top_k);
  // Runs BOS + text through the model; the prefix's keys and values are left in the blob
  // cache (BlobGet them). Errors: SYNTAX (no text), LIMIT (over the model's window).
  Result<protocol::PrefixRef> PrefixEncode(std::string_view text);
  // Edit memory operations (protocol.md §5.10). A reply with need != kNothing did nothing.
  // Errors: SYNTAX (empty prompt or target, bad settings), LIMIT (over the window), NOTFOUND
  // (forgetting an edit that is not live), CORRUPT (a state that does not match its key),
  // MODEL (a state of another model), COMPUTE.
  Result<protocol::EditApplyResult> EditApply(const protocol::EditApplyParams& params);
  Result<protocol::EditRouteResult> EditRoute(const protocol::EditStateSpec& state,
                                              std::string_view prompt, std::uint32_t top_k);
  Result<Hash128> BlobPut(std::span<const std::uint8_t> data,
                          std::optional<Hash128> expected = std::nullopt);
  Result<std::vector<bool>> BlobHas(std::span<const Hash128> hashes);
  Result<std::vector<std::uint8_t>> BlobGet(const Hash128& hash);

  // Sends raw bytes and reads one frame: for tests of the co-process's handling of bad input.
  Result<ReceivedFrame> RawExchange(std::string_view bytes);

 private:
  ComputeClient(std::unique_ptr<FrameChannel> channel, const ClientOptions& options);

  using FrameBuilder = std::function<std::string(std::uint64_t id)>;

  // Sends one request frame built by `build` (given the request id) and returns its final
  // reply, passing streamed frames to `on_partial`. `on_partial` may return a builder for a
  // side request (a cancel) that is sent at once and whose reply is skipped. An ErrorReply
  // becomes its Status.
  Result<ReceivedFrame> Call(
      const FrameBuilder& build,
      const std::function<FrameBuilder(const protocol::fb::Frame&)>& on_partial = {});

  std::mutex mutex_;
  std::unique_ptr<FrameChannel> channel_;
  ClientOptions options_;
  std::uint64_t next_id_ = 1;
  std::unordered_set<std::uint64_t> side_ids_;  // side requests whose replies are still due
  ModelInfo model_;
};

}  // namespace engram::query

#endif  // ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_CLIENT_H_
