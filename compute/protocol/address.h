// Addresses of an engram-compute endpoint: "unix:/path/to/socket" or "tcp://host:port".
#ifndef ENGRAM_COMPUTE_PROTOCOL_ADDRESS_H_
#define ENGRAM_COMPUTE_PROTOCOL_ADDRESS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "engram/status.h"

namespace engram::protocol {

struct Address {
  enum class Kind { kUnix, kTcp };
  Kind kind = Kind::kUnix;
  std::string path;  // kUnix
  std::string host;  // kTcp
  std::uint16_t port = 0;

  std::string ToString() const;
};

// SYNTAX error (with the byte position of the problem) for anything else. Unix socket paths
// must fit sockaddr_un (107 bytes); TCP ports are 0..65535 (0 = any free port when listening).
Result<Address> ParseAddress(std::string_view text);

}  // namespace engram::protocol

#endif  // ENGRAM_COMPUTE_PROTOCOL_ADDRESS_H_
