#include "client/remote/resp_connection.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace engram::remote {
namespace {

// Deep enough for any reply engramd sends (rows of maps); bounds a hostile server's nesting.
constexpr int kMaxDepth = 16;
// Bulk strings larger than this are refused (a server cannot make the client allocate at will).
constexpr std::int64_t kMaxBulkBytes = std::int64_t{512} << 20;

Status SocketError(std::string_view what) {
  return ComputeError(std::string(what) + ": " + std::strerror(errno));
}

bool ParseInt(std::string_view text, std::int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Result<RespAddress> ParseRespAddress(std::string_view address) {
  RespAddress out;
  if (address.rfind("unix:", 0) == 0) {
    out.unix_socket = true;
    out.path = std::string(address.substr(5));
    if (out.path.rfind("//", 0) == 0) out.path = out.path.substr(2);
    if (out.path.empty()) return SyntaxError("address '" + std::string(address) + "': no path");
    return out;
  }
  std::string_view rest = address;
  for (std::string_view scheme : {"resp://", "tcp://", "redis://"}) {
    if (rest.rfind(scheme, 0) == 0) rest.remove_prefix(scheme.size());
  }
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return SyntaxError("address '" + std::string(address) +
                       "': expected resp://host:port or unix:/path");
  }
  std::string_view host = rest.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::int64_t port = 0;
  if (!ParseInt(rest.substr(colon + 1), port) || port <= 0 || port > 65535) {
    return SyntaxError("address '" + std::string(address) + "': bad port");
  }
  out.host = std::string(host);
  out.port = static_cast<int>(port);
  return out;
}

Result<std::unique_ptr<RespConnection>> RespConnection::Open(const RespAddress& address,
                                                             std::chrono::milliseconds timeout) {
  int fd = -1;
  if (address.unix_socket) {
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    if (address.path.size() >= sizeof(un.sun_path)) {
      return SyntaxError("unix socket path too long: " + address.path);
    }
    std::memcpy(un.sun_path, address.path.c_str(), address.path.size() + 1);
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return SocketError("socket");
    if (::connect(fd, reinterpret_cast<sockaddr*>(&un), sizeof(un)) != 0) {
      Status error = SocketError("connect unix:" + address.path);
      ::close(fd);
      return error;
    }
  } else {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(address.port);
    const int rc = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found);
    if (rc != 0) {
      return ComputeError("resolve " + address.host + ": " + ::gai_strerror(rc));
    }
    Status last = ComputeError("no address for " + address.host);
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
      fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
      last = SocketError("connect " + address.host + ":" + port);
      ::close(fd);
      fd = -1;
    }
    ::freeaddrinfo(found);
    if (fd < 0) return last;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  return std::unique_ptr<RespConnection>(new RespConnection(fd, timeout));
}

RespConnection::~RespConnection() {
  Close();
}

void RespConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status RespConnection::SendRaw(std::string_view bytes) {
  while (!bytes.empty()) {
    if (fd_ < 0) return ComputeError("the connection to engramd is closed");
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status error = SocketError("send to engramd");
      Close();
      return error;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

Status RespConnection::Send(const std::vector<std::string>& args) {
  std::string frame;
  frame += '*';
  frame += std::to_string(args.size());
  frame += "\r\n";
  for (const std::string& arg : args) {
    frame += '$';
    frame += std::to_string(arg.size());
    frame += "\r\n";
    frame += arg;
    frame += "\r\n";
  }
  return SendRaw(frame);
}

Status RespConnection::Fill() {
  if (fd_ < 0) return ComputeError("the connection to engramd is closed");
  if (offset_ > 0 && offset_ * 2 >= buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  if (timeout_.count() > 0) {
    pollfd p{fd_, POLLIN, 0};
    int rc;
    do {
      rc = ::poll(&p, 1, static_cast<int>(timeout_.count()));
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) {
      Close();
      return ComputeError("no reply from engramd within " + std::to_string(timeout_.count()) +
                          " ms");
    }
  }
  char chunk[64 * 1024];
  ssize_t n;
  do {
    n = ::recv(fd_, chunk, sizeof(chunk), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    Status error = SocketError("receive from engramd");
    Close();
    return error;
  }
  if (n == 0) {
    Close();
    return ComputeError("engramd closed the connection");
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return Status::Ok();
}

Result<std::string> RespConnection::ReadLine() {
  while (true) {
    const std::size_t end = buffer_.find("\r\n", offset_);
    if (end != std::string::npos) {
      std::string line = buffer_.substr(offset_, end - offset_);
      offset_ = end + 2;
      return line;
    }
    ENGRAM_RETURN_IF_ERROR(Fill());
  }
}

Result<RespValue> RespConnection::Receive() {
  return ReadValue(0);
}

Result<RespValue> RespConnection::ReadValue(int depth) {
  if (depth > kMaxDepth) {
    Close();
    return CorruptError("RESP reply nested too deeply");
  }
  ENGRAM_ASSIGN_OR_RETURN(std::string line, ReadLine());
  auto corrupt = [&](std::string_view what) -> Status {
    Close();
    return CorruptError("malformed RESP reply (" + std::string(what) + "): '" + line.substr(0, 40) +
                        "'");
  };
  if (line.empty()) return corrupt("empty line");
  const char type = line[0];
  const std::string_view body = std::string_view(line).substr(1);
  RespValue value;
  std::int64_t n = 0;
  switch (type) {
    case '+':
      value.type = RespValue::Type::kSimple;
      value.text = std::string(body);
      return value;
    case '-':
      value.type = RespValue::Type::kError;
      value.text = std::string(body);
      return value;
    case ':':
      if (!ParseInt(body, n)) return corrupt("integer");
      value.type = RespValue::Type::kInteger;
      value.integer = n;
      return value;
    case '_':
      value.type = RespValue::Type::kNull;
      return value;
    case '#':
      if (body != "t" && body != "f") return corrupt("boolean");
      value.type = RespValue::Type::kBool;
      value.boolean = body == "t";
      return value;
    case ',': {
      value.type = RespValue::Type::kDouble;
      const std::string text(body);
      if (text == "inf") {
        value.number = HUGE_VAL;
      } else if (text == "-inf") {
        value.number = -HUGE_VAL;
      } else {
        char* end = nullptr;
        value.number = std::strtod(text.c_str(), &end);
        if (end != text.c_str() + text.size()) return corrupt("double");
      }
      return value;
    }
    case '(':
      value.type = RespValue::Type::kBigNumber;
      value.text = std::string(body);
      return value;
    case '$':
    case '=':
    case '!': {
      if (!ParseInt(body, n) || n < -1 || n > kMaxBulkBytes) return corrupt("bulk length");
      if (n == -1) {
        value.type = RespValue::Type::kNull;
        return value;
      }
      const auto length = static_cast<std::size_t>(n);
      while (buffer_.size() - offset_ < length + 2) ENGRAM_RETURN_IF_ERROR(Fill());
      if (buffer_.compare(offset_ + length, 2, "\r\n") != 0) return corrupt("bulk end");
      value.type = type == '!' ? RespValue::Type::kError : RespValue::Type::kBulk;
      value.text = buffer_.substr(offset_, length);
      offset_ += length + 2;
      // A verbatim string starts with its three-letter format and ':'.
      if (type == '=' && value.text.size() >= 4) value.text.erase(0, 4);
      return value;
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      if (!ParseInt(body, n) || n < -1 || n > (std::int64_t{1} << 24)) return corrupt("count");
      if (n == -1) {
        value.type = RespValue::Type::kNull;
        return value;
      }
      value.type = type == '%'   ? RespValue::Type::kMap
                   : type == '>' ? RespValue::Type::kPush
                                 : RespValue::Type::kArray;
      const std::int64_t count = type == '%' ? n * 2 : n;
      value.elements.reserve(static_cast<std::size_t>(count));
      for (std::int64_t i = 0; i < count; ++i) {
        ENGRAM_ASSIGN_OR_RETURN(RespValue element, ReadValue(depth + 1));
        value.elements.push_back(std::move(element));
      }
      return value;
    }
    default:
      return corrupt("unknown type");
  }
}

}  // namespace engram::remote
