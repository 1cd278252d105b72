#include "server/resp_writer.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace engram::server {
namespace {

void AppendNumber(std::string& out, auto value) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, end);
}

// 17 significant digits (the JSON rendering's precision): the value round-trips.
std::string FormatDouble(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char text[32];
  const int n = std::snprintf(text, sizeof(text), "%.17g", value);
  return std::string(text, static_cast<std::size_t>(n));
}

}  // namespace

void RespWriter::Header(char type, std::size_t count) {
  out_ += type;
  AppendNumber(out_, count);
  out_ += "\r\n";
}

void RespWriter::SimpleString(std::string_view text) {
  out_ += '+';
  out_ += text;
  out_ += "\r\n";
}

void RespWriter::Error(std::string_view code, std::string_view message) {
  out_ += '-';
  out_ += code;
  out_ += ' ';
  for (char c : message) out_ += (c == '\r' || c == '\n') ? ' ' : c;
  out_ += "\r\n";
}

void RespWriter::Integer(std::int64_t value) {
  out_ += ':';
  AppendNumber(out_, value);
  out_ += "\r\n";
}

void RespWriter::Unsigned(std::uint64_t value) {
  if (value <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    Integer(static_cast<std::int64_t>(value));
    return;
  }
  if (protocol_ >= 3) {
    out_ += '(';
    AppendNumber(out_, value);
    out_ += "\r\n";
    return;
  }
  std::string digits;
  AppendNumber(digits, value);
  Bulk(digits);
}

void RespWriter::Bulk(std::string_view bytes) {
  Header('$', bytes.size());
  out_ += bytes;
  out_ += "\r\n";
}

void RespWriter::Null() {
  out_ += protocol_ >= 3 ? "_\r\n" : "$-1\r\n";
}

void RespWriter::Bool(bool value) {
  if (protocol_ >= 3) {
    out_ += value ? "#t\r\n" : "#f\r\n";
  } else {
    Integer(value ? 1 : 0);
  }
}

void RespWriter::Double(double value) {
  if (protocol_ >= 3) {
    out_ += ',';
    out_ += FormatDouble(value);
    out_ += "\r\n";
  } else {
    Bulk(FormatDouble(value));
  }
}

void RespWriter::ArrayHeader(std::size_t count) {
  Header('*', count);
}

void RespWriter::MapHeader(std::size_t pairs) {
  if (protocol_ >= 3) {
    Header('%', pairs);
  } else {
    Header('*', pairs * 2);
  }
}

void RespWriter::PushHeader(std::size_t count) {
  Header('>', count);
}

}  // namespace engram::server
