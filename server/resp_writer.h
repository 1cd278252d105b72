// RespWriter: encodes engramd's replies in the protocol version a connection speaks: RESP2
// (the default) or RESP3 (after `HELLO 3`). The RESP3-only types fall back to their RESP2
// spellings: a map becomes a flat array of keys and values, null a null bulk string, a boolean
// the integer 1 or 0, a double or a big number a bulk string of its digits. Pushes are RESP3
// only (callers do not push to RESP2 clients).
//
// Ownership: appends to a string the caller owns. Thread-safety: plain value; one thread.
#ifndef ENGRAM_SERVER_RESP_WRITER_H_
#define ENGRAM_SERVER_RESP_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace engram::server {

class RespWriter {
 public:
  RespWriter(std::string& out, int protocol) : out_(out), protocol_(protocol) {}

  int protocol() const { return protocol_; }

  void SimpleString(std::string_view text);  // must not contain CR or LF
  // `-CODE message`; CR and LF in the message become spaces (an error is one line).
  void Error(std::string_view code, std::string_view message);
  void Integer(std::int64_t value);
  void Unsigned(std::uint64_t value);  // an integer, or a big number above INT64_MAX
  void Bulk(std::string_view bytes);
  void Null();
  void Bool(bool value);
  void Double(double value);
  void ArrayHeader(std::size_t count);
  void MapHeader(std::size_t pairs);
  void PushHeader(std::size_t count);  // RESP3 only

 private:
  void Header(char type, std::size_t count);

  std::string& out_;
  int protocol_;
};

}  // namespace engram::server

#endif  // ENGRAM_SERVER_RESP_WRITER_H_
