// engram-compute's socket server: a Boost.Asio acceptor on a unix or TCP address and one
// session per connection. All socket I/O runs on one thread; model work runs on the batch
// scheduler's thread and on a small worker pool, never on the I/O thread.
//
// Robustness: every frame is length-checked and verified before use. An oversized length gets a
// LIMIT error reply and the connection closed (the stream cannot be resynchronised); a frame
// that fails verification gets a CORRUPT reply (id 0) and the connection continues; an unknown
// op gets SYNTAX. Other connections are unaffected by any of these.
#ifndef ENGRAM_COMPUTE_SERVER_COMPUTE_SERVER_H_
#define ENGRAM_COMPUTE_SERVER_COMPUTE_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "compute/protocol/address.h"
#include "compute/server/compute_service.h"

namespace engram::compute {

struct ServerOptions {
  std::size_t max_frame_bytes = protocol::kDefaultMaxFrameBytes;
  std::size_t max_connections = 256;
  // A connection whose unsent replies exceed this is closed (a client that stopped reading).
  std::size_t max_pending_reply_bytes = 256u << 20;
  // A connection with this many requests (or request bytes) awaiting their final reply is not
  // read any further until some complete: one client cannot queue unbounded work.
  std::size_t max_requests_in_flight = 256;
  std::size_t max_request_bytes_in_flight = 256u << 20;
};

class ComputeServer {
 public:
  ComputeServer(ComputeService& service, const ServerOptions& options);
  ~ComputeServer();
  ComputeServer(const ComputeServer&) = delete;
  ComputeServer& operator=(const ComputeServer&) = delete;

  // Binds and listens. For unix addresses a stale socket file is replaced, a live one (another
  // server answers) is an EXISTS error. Returns the bound address (the actual port for tcp port
  // 0). Errors: SYNTAX (bad address), EXISTS (address in use), INTERNAL (bind failure).
  Result<protocol::Address> Listen(const protocol::Address& address);

  // Serves until Stop() or SIGINT/SIGTERM (when `handle_signals`). Blocks the caller.
  void Run(bool handle_signals);

  // Stops the server when `fd` (the read end of a pipe whose write end the parent holds)
  // reaches end of file, i.e. when the process that spawned this one has exited. Takes
  // ownership of `fd`. Call before Run().
  void WatchParent(int fd);

  // Thread-safe: closes the acceptor and every connection, and makes Run() return.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_SERVER_COMPUTE_SERVER_H_
