// A blocking, deadline-aware frame channel over a stream socket (unix or TCP), built on
// Boost.Asio: every read and write either completes, fails, or times out — a dead or hung
// co-process never blocks the engine forever.
//
// Thread-safety: none; the owner serialises use.
#ifndef ENGRAM_QUERY_COMPUTE_CLIENT_FRAME_CHANNEL_H_
#define ENGRAM_QUERY_COMPUTE_CLIENT_FRAME_CHANNEL_H_

#include <chrono>
#include <memory>
#include <string_view>

#include "compute/protocol/address.h"
#include "compute/protocol/frame_codec.h"

namespace engram::query {

struct ReceivedFrame {
  std::shared_ptr<protocol::FrameBuffer> payload;
  const protocol::fb::Frame* frame = nullptr;  // views payload
};

class FrameChannel {
 public:
  // Errors: COMPUTE (cannot connect within `timeout`).
  static Result<std::unique_ptr<FrameChannel>> Connect(const protocol::Address& address,
                                                       std::chrono::milliseconds timeout);
  ~FrameChannel();
  FrameChannel(const FrameChannel&) = delete;
  FrameChannel& operator=(const FrameChannel&) = delete;

  // Writes raw bytes (normally one encoded frame). COMPUTE error on failure or timeout.
  Status Write(std::string_view bytes, std::chrono::milliseconds timeout);

  // Reads and verifies one frame. Errors: COMPUTE (closed, failed, timed out), LIMIT (frame
  // larger than `max_frame_bytes`), CORRUPT (verification failed). After any error the
  // channel is closed.
  Result<ReceivedFrame> Read(std::chrono::milliseconds timeout,
                             std::size_t max_frame_bytes = protocol::kDefaultMaxFrameBytes);

  bool is_open() const;
  void Close();

 private:
  struct Impl;
  explicit FrameChannel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram::query

#endif  // ENGRAM_QUERY_COMPUTE_CLIENT_FRAME_CHANNEL_H_
