#include "compute/protocol/address.h"

#include <charconv>

namespace engram::protocol {
namespace {

constexpr std::size_t kMaxUnixPath = 107;  // sizeof(sockaddr_un::sun_path) - 1 on Linux

}  // namespace

std::string Address::ToString() const {
  if (kind == Kind::kUnix) return "unix:" + path;
  const bool v6 = host.find(':') != std::string::npos;
  return "tcp://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Address> ParseAddress(std::string_view text) {
  Address a;
  if (text.rfind("unix:", 0) == 0) {
    a.kind = Address::Kind::kUnix;
    a.path = std::string(text.substr(5));
    if (a.path.empty()) return SyntaxError("unix address needs a socket path", 5);
    if (a.path.size() > kMaxUnixPath) {
      return SyntaxError("unix socket path longer than " + std::to_string(kMaxUnixPath) + " bytes",
                         5);
    }
    return a;
  }
  if (text.rfind("tcp://", 0) == 0) {
    a.kind = Address::Kind::kTcp;
    std::string_view rest = text.substr(6);
    std::size_t colon;
    if (!rest.empty() && rest.front() == '[') {  // [v6]:port
      const std::size_t close = rest.find(']');
      if (close == std::string_view::npos) return SyntaxError("unclosed '[' in tcp address", 6);
      a.host = std::string(rest.substr(1, close - 1));
      colon = close + 1;
      if (colon >= rest.size() || rest[colon] != ':') {
        return SyntaxError("tcp address needs :PORT", static_cast<std::int64_t>(6 + colon));
      }
    } else {
      colon = rest.rfind(':');
      if (colon == std::string_view::npos) return SyntaxError("tcp address needs HOST:PORT", 6);
      a.host = std::string(rest.substr(0, colon));
    }
    if (a.host.empty()) return SyntaxError("tcp address needs a host", 6);
    const std::string_view port = rest.substr(colon + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
      return SyntaxError("invalid tcp port '" + std::string(port) + "'",
                         static_cast<std::int64_t>(6 + colon + 1));
    }
    a.port = static_cast<std::uint16_t>(value);
    return a;
  }
  return SyntaxError("address must start with unix: or tcp:// (got '" + std::string(text) + "')",
                     0);
}

}  // namespace engram::protocol
