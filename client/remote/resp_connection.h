// RespConnection: a blocking RESP2/RESP3 client connection, the transport of RemoteClient
// (engram/remote.h) and of the server tests. It sends commands as arrays of bulk strings and
// reads back one value at a time, pushes included.
//
// Errors (Status): SYNTAX (a malformed address), COMPUTE (cannot connect, the peer closed, a
// timeout, a socket error), CORRUPT (bytes that are not RESP). After a COMPUTE or CORRUPT error
// the connection is closed and every later call fails.
//
// Ownership: owns its socket. Thread-safety: one thread at a time.
#ifndef ENGRAM_CLIENT_REMOTE_RESP_CONNECTION_H_
#define ENGRAM_CLIENT_REMOTE_RESP_CONNECTION_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"

namespace engram::remote {

struct RespValue {
  enum class Type {
    kSimple,     // +text
    kError,      // -CODE message (text holds "CODE message")
    kInteger,    // :n
    kBulk,       // $n (also RESP3 verbatim strings, without their format prefix)
    kNull,       // $-1, *-1, _
    kArray,      // *n (also RESP3 sets)
    kMap,        // %n: elements are key, value, key, value, ...
    kDouble,     // ,d
    kBool,       // #t / #f
    kBigNumber,  // (digits, in text
    kPush,       // >n
  };
  Type type = Type::kNull;
  std::string text;
  std::int64_t integer = 0;
  double number = 0;
  bool boolean = false;
  std::vector<RespValue> elements;
};

// The socket address of an engramd: tcp host and port, or a unix socket path.
struct RespAddress {
  bool unix_socket = false;
  std::string host;  // tcp
  int port = 0;      // tcp
  std::string path;  // unix
};

// "resp://host:port", "tcp://host:port", "host:port", "[v6]:port", "unix:/path".
Result<RespAddress> ParseRespAddress(std::string_view address);

class RespConnection {
 public:
  static Result<std::unique_ptr<RespConnection>> Open(const RespAddress& address,
                                                      std::chrono::milliseconds timeout);
  ~RespConnection();
  RespConnection(const RespConnection&) = delete;
  RespConnection& operator=(const RespConnection&) = delete;

  // Sends one command (an array of bulk strings).
  Status Send(const std::vector<std::string>& args);
  // Sends raw bytes (tests of malformed frames).
  Status SendRaw(std::string_view bytes);
  // The next value the server sends.
  Result<RespValue> Receive();
  // True once the peer has closed (a Receive failed for it).
  bool closed() const { return fd_ < 0; }
  void Close();

 private:
  explicit RespConnection(int fd, std::chrono::milliseconds timeout) : fd_(fd), timeout_(timeout) {}
  // Reads more bytes into buffer_; COMPUTE on EOF, error or timeout.
  Status Fill();
  Result<std::string> ReadLine();
  Result<RespValue> ReadValue(int depth);

  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buffer_;
  std::size_t offset_ = 0;
};

}  // namespace engram::remote

#endif  // ENGRAM_CLIENT_REMOTE_RESP_CONNECTION_H_
