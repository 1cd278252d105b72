// RequestReader: the commands in the bytes a client sends to engramd, in either form a Redis
// client uses: a RESP array of bulk strings (`*2\r\n$4\r\nPING\r\n$2\r\nhi\r\n`, what redis-cli,
// redis-py and redis-benchmark send) or an inline command line (`PING hi\r\n`, telnet). Bytes
// are fed as they arrive; a command split across reads is returned once complete, and several
// pipelined commands in one read come out one by one.
//
// Limits (ReaderLimits) are checked as soon as the header that announces a size is read, so an
// oversized request is refused before its bytes arrive. Errors are final: after one the
// connection's byte stream cannot be resynchronised, and the server replies and closes.
//   SYNTAX  a malformed frame (not an array of bulk strings, a bad length, missing CRLF, an
//           unbalanced quote in an inline command);
//   LIMIT   a bulk string, argument count, inline line or whole command over its limit.
//
// Ownership: copies what it is fed. Thread-safety: one thread (the connection's event loop).
#ifndef ENGRAM_SERVER_RESP_READER_H_
#define ENGRAM_SERVER_RESP_READER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"

namespace engram::server {

struct ReaderLimits {
  std::size_t max_bulk_bytes = std::size_t{64} << 20;     // one argument
  std::size_t max_request_bytes = std::size_t{80} << 20;  // one command, all arguments
  std::size_t max_arguments = 1u << 20;
  std::size_t max_inline_bytes = 64u << 10;  // one inline command line
};

class RequestReader {
 public:
  explicit RequestReader(ReaderLimits limits = {}) : limits_(limits) {}

  // Appends received bytes.
  void Feed(std::string_view bytes);

  // The next complete command into `args` (its arguments; never empty; the vector and its
  // strings are reused, so a connection parsing a pipeline allocates nothing per command):
  // true; false when more bytes are needed (`args` then unspecified); or the error that ends
  // the stream. Empty inline lines are skipped.
  Result<bool> Next(std::vector<std::string>& args);

  // Bytes received and not yet returned as commands.
  std::size_t buffered() const { return buffer_.size() - offset_; }

 private:
  Result<bool> NextArray(std::vector<std::string>& args);
  Result<bool> NextInline(std::vector<std::string>& args);
  // The line starting at `from` (without its CRLF) and the offset after it; nullopt when no
  // complete line is buffered yet (error when one longer than `max` is).
  Result<std::optional<std::pair<std::string_view, std::size_t>>> Line(std::size_t from,
                                                                       std::size_t max) const;
  void Compact();

  ReaderLimits limits_;
  std::string buffer_;
  std::size_t offset_ = 0;  // the first byte of the next command
};

}  // namespace engram::server

#endif  // ENGRAM_SERVER_RESP_READER_H_
