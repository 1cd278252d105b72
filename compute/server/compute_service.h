// The request handlers of engram-compute, independent of sockets: a verified request frame in,
// reply frames out through a ReplySink. The sessions of compute_server.cc do the I/O.
#ifndef ENGRAM_COMPUTE_SERVER_COMPUTE_SERVICE_H_
#define ENGRAM_COMPUTE_SERVER_COMPUTE_SERVICE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "compute/model/model_bundle.h"
#include "compute/protocol/frame_codec.h"
#include "compute/runtime/batch_scheduler.h"
#include "compute/server/blob_cache.h"
#include "compute/server/context_handler.h"
#include "compute/server/edit_handler.h"
#include "compute/server/episodic_handler.h"

namespace engram::compute {

// Where replies to one connection go. Send() is thread-safe and never blocks; after the
// connection closed it drops frames. Every request handed to the service gets exactly one
// final frame (`final` = true) for its `id`, after any number of non-final (streamed) ones; the
// session counts requests in flight by it.
class ReplySink {
 public:
  virtual ~ReplySink() = default;
  virtual void Send(std::string frame, std::uint64_t id, bool final) = 0;
};

// Per-connection state the service keeps: generations in flight by request id, so a Cancel
// or a disconnect can stop them — also in the window between a generation's registration and
// its submission to the scheduler. Thread-safe.
class ConnectionState {
 public:
  enum class AddResult { kAdded, kDuplicate, kClosed };
  // Registers request `request_id` before its generation is submitted.
  AddResult TryAdd(std::uint64_t request_id);
  // Records the scheduler ticket of a registered request. Returns true when a cancel (or the
  // connection's close) arrived before the ticket was known: the caller cancels it now.
  bool SetTicket(std::uint64_t request_id, std::uint64_t ticket);
  void Remove(std::uint64_t request_id);
  // Whether request `request_id` was asked to stop (a CancelRequest, or the connection closed).
  bool CancelRequested(std::uint64_t request_id) const;
  // For a CancelRequest: false when no such generation is in flight. Otherwise `*ticket` is its
  // scheduler ticket, or 0 when it is not submitted yet (it is then cancelled at submission).
  bool RequestCancel(std::uint64_t request_id, std::uint64_t* ticket);
  // Marks the connection closed and returns the tickets of its submitted generations; the rest
  // are cancelled as they are submitted, and later TryAdds return kClosed.
  std::vector<std::uint64_t> Close();

 private:
  struct Entry {
    std::uint64_t ticket = 0;
    bool cancel_requested = false;
  };
  mutable std::mutex mutex_;
  bool closed_ = false;
  std::unordered_map<std::uint64_t, Entry> generations_;
};

struct ServiceOptions {
  std::size_t blob_cache_bytes = 1u << 30;
  // Short work off the I/O thread: tokenising, a GENERATE's checks before the scheduler, blob
  // hashing and copying, context reads.
  int worker_threads = 2;
  // Long model work, in a pool of its own so that it never queues the short work: context and
  // prefix encodes and the generations that run outside the batch scheduler (with context
  // memories, a prefix or a routed edit). Episodic and edit ops run on a thread each.
  int model_threads = 2;
  // A reply larger than this is replaced by a LIMIT error (the peer could not read it).
  std::size_t max_reply_bytes = protocol::kDefaultMaxFrameBytes;
  // Generations waiting for a free slot; beyond this GENERATE fails with LIMIT.
  std::size_t max_waiting_generations = 4096;
};

class ComputeService {
 public:
  // `model` and `engine` must outlive the service. Without an `episodic` handler the episodic
  // requests fail with COMPUTE "episodic memory not available".
  ComputeService(const ModelBundle& model, DecodeEngine& engine, const ServiceOptions& options,
                 std::unique_ptr<EpisodicHandler> episodic = nullptr,
                 std::unique_ptr<ContextHandler> context = nullptr,
                 std::unique_ptr<EditHandler> edit = nullptr);
  ~ComputeService();

  // Handles one verified request frame whose payload `payload` owns. Replies go to `sink`, now
  // or later, from this or another thread.
  void Handle(std::shared_ptr<const protocol::FrameBuffer> payload,
              const protocol::fb::Frame& frame, const std::shared_ptr<ReplySink>& sink,
              const std::shared_ptr<ConnectionState>& conn);

  // Cancels every generation of a connection that went away.
  void OnDisconnect(ConnectionState& conn);

  // Stops generating (pending generations finish as cancelled) and joins the workers.
  void Shutdown();

 private:
  std::string ModelInfoFrame(std::uint64_t id, bool hello) const;
  void HandleGenerate(std::uint64_t id, const protocol::fb::GenerateRequest& request,
                      const std::shared_ptr<ReplySink>& sink,
                      const std::shared_ptr<ConnectionState>& conn);
  // Episodic requests, on a worker thread.
  void HandleEpisodicApply(std::uint64_t id, const protocol::fb::EpisodicApplyRequest& request,
                           ReplySink& sink);
  void HandleEpisodicRead(std::uint64_t id, const protocol::fb::EpisodicReadRequest& request,
                          ReplySink& sink);
  // Context memory requests, on a worker thread (context_service.cc). A GENERATE that names
  // context memories runs here instead of in the batch scheduler (on edited weights when it
  // names an edit too).
  void HandleContextEncode(std::uint64_t id, const protocol::fb::ContextEncodeRequest& request,
                           ReplySink& sink);
  void HandleContextRead(std::uint64_t id, const protocol::fb::ContextReadRequest& request,
                         ReplySink& sink);
  void HandlePrefixEncode(std::uint64_t id, const protocol::fb::PrefixEncodeRequest& request,
                          ReplySink& sink);
  void HandleContextGenerate(std::uint64_t id, const protocol::fb::GenerateRequest& wire,
                             GenerationRequest request, const std::shared_ptr<ReplySink>& sink,
                             const std::shared_ptr<ConnectionState>& conn);
  // Edit memory requests, on a worker thread (edit_service.cc). A GENERATE that names an edit
  // runs here instead of in the batch scheduler.
  void HandleEditApply(std::uint64_t id, const protocol::fb::EditApplyRequest& request,
                       ReplySink& sink);
  void HandleEditRoute(std::uint64_t id, const protocol::fb::EditRouteRequest& request,
                       ReplySink& sink);
  void HandleEditGenerate(std::uint64_t id, const protocol::fb::GenerateRequest& wire,
                          GenerationRequest request, const std::shared_ptr<ReplySink>& sink,
                          const std::shared_ptr<ConnectionState>& conn);
  // Registers generation `id` on `conn`; false when it must not run (a reply was sent for a
  // duplicate id, or the connection is gone).
  bool Register(std::uint64_t id, ReplySink& sink, ConnectionState& conn);
  // For the generations that run on a worker: one streamed GenerateChunk of request `id`
  // (`token`, its piece decoded after `previous`), and the final reply of one that started at
  // `start`.
  void SendChunk(ReplySink& sink, std::uint64_t id, int previous, int token) const;
  void ReplyGenerated(ReplySink& sink, std::uint64_t id, std::vector<int> tokens,
                      StopReason stop_reason, int prompt_tokens,
                      std::chrono::steady_clock::time_point start, int last_prompt_token) const;
  // The final GenerateReply frame of a generation.
  std::string GenerateReplyFrame(std::uint64_t id, const GenerationOutcome& outcome,
                                 int last_prompt_token) const;
  // Sends `frame`, or a LIMIT error for request `id` when it exceeds max_reply_bytes.
  void Reply(ReplySink& sink, std::uint64_t id, std::string frame) const;

  const ModelBundle& model_;
  ServiceOptions options_;
  DecodeEngine& engine_;
  BlobCache blobs_;
  std::unique_ptr<EpisodicHandler> episodic_;
  std::unique_ptr<ContextHandler> context_;
  std::unique_ptr<EditHandler> edit_;
  std::unique_ptr<BatchScheduler> scheduler_;
  boost::asio::thread_pool workers_;
  boost::asio::thread_pool model_workers_;
  // The episodic and the edit engines each serialise their ops under one mutex: a thread each,
  // so that a read or route waiting behind a long apply holds up nothing else.
  boost::asio::thread_pool episodic_lane_{1};
  boost::asio::thread_pool edit_lane_{1};
};

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_SERVER_COMPUTE_SERVICE_H_
