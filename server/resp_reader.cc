#include "server/resp_reader.h"

#include <charconv>
#include <utility>

namespace engram::server {
namespace {

// A decimal length or count of a header line ("*3", "$11"): digits only (an optional '-' for
// the null forms a client never sends is refused too).
std::optional<std::uint64_t> ParseLength(std::string_view digits) {
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

std::string Printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 32)) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 || byte >= 0x7f) ? '?' : c;
  }
  return out;
}

}  // namespace

void RequestReader::Feed(std::string_view bytes) {
  Compact();
  buffer_.append(bytes);
}

void RequestReader::Compact() {
  // Drop consumed bytes once they are the larger part, so the buffer does not grow without end
  // under pipelining and the copying stays amortised.
  if (offset_ > 0 && offset_ * 2 >= buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
}

Result<std::optional<std::pair<std::string_view, std::size_t>>> RequestReader::Line(
    std::size_t from, std::size_t max) const {
  const std::size_t newline = buffer_.find('\n', from);
  if (newline == std::string::npos) {
    if (buffer_.size() - from > max) {
      return LimitError("protocol error: a line longer than " + std::to_string(max) + " bytes");
    }
    return std::optional<std::pair<std::string_view, std::size_t>>();
  }
  if (newline - from > max) {
    return LimitError("protocol error: a line longer than " + std::to_string(max) + " bytes");
  }
  std::size_t end = newline;
  if (end > from && buffer_[end - 1] == '\r') --end;
  return std::optional(
      std::make_pair(std::string_view(buffer_).substr(from, end - from), newline + 1));
}

Result<bool> RequestReader::Next(std::vector<std::string>& args) {
  while (offset_ < buffer_.size()) {
    if (buffer_[offset_] == '*') return NextArray(args);
    ENGRAM_ASSIGN_OR_RETURN(bool complete, NextInline(args));
    if (!complete || !args.empty()) return complete;
  }
  return false;
}

Result<bool> RequestReader::NextArray(std::vector<std::string>& args) {
  constexpr std::size_t kMaxHeader = 32;
  std::size_t at = offset_;
  ENGRAM_ASSIGN_OR_RETURN(auto header, Line(at, kMaxHeader));
  if (!header) return false;
  std::optional<std::uint64_t> count = ParseLength(header->first.substr(1));
  if (!count || *count == 0) {
    return SyntaxError("protocol error: invalid multibulk length '" + Printable(header->first) +
                       "'");
  }
  if (*count > limits_.max_arguments) {
    return LimitError("protocol error: " + std::to_string(*count) +
                      " arguments, over the limit of " + std::to_string(limits_.max_arguments));
  }
  at = header->second;
  // Grown as the arguments arrive, not from the header: a count alone must not allocate.
  std::size_t total = 0;
  for (std::uint64_t i = 0; i < *count; ++i) {
    ENGRAM_ASSIGN_OR_RETURN(auto bulk_header, Line(at, kMaxHeader));
    if (!bulk_header) return false;
    if (bulk_header->first.empty() || bulk_header->first[0] != '$') {
      return SyntaxError("protocol error: expected '$', found '" + Printable(bulk_header->first) +
                         "'");
    }
    std::optional<std::uint64_t> length = ParseLength(bulk_header->first.substr(1));
    if (!length) {
      return SyntaxError("protocol error: invalid bulk length '" + Printable(bulk_header->first) +
                         "'");
    }
    if (*length > limits_.max_bulk_bytes) {
      return LimitError("protocol error: a bulk string of " + std::to_string(*length) +
                        " bytes, over the limit of " + std::to_string(limits_.max_bulk_bytes));
    }
    total += *length;
    if (total > limits_.max_request_bytes) {
      return LimitError("protocol error: a command of more than " +
                        std::to_string(limits_.max_request_bytes) + " bytes");
    }
    at = bulk_header->second;
    if (buffer_.size() < at + *length + 2) return false;
    if (buffer_[at + *length] != '\r' || buffer_[at + *length + 1] != '\n') {
      return SyntaxError("protocol error: a bulk string not followed by CRLF");
    }
    if (i < args.size()) {
      args[i].assign(buffer_, at, *length);
    } else {
      args.emplace_back(buffer_, at, *length);
    }
    at += *length + 2;
  }
  args.resize(static_cast<std::size_t>(*count));
  offset_ = at;
  return true;
}

Result<bool> RequestReader::NextInline(std::vector<std::string>& args) {
  ENGRAM_ASSIGN_OR_RETURN(auto line, Line(offset_, limits_.max_inline_bytes));
  if (!line) return false;
  // Words split on blanks; "double" (with \" and \\) or 'single' quotes keep blanks in one.
  args.clear();
  const std::string_view text = line->first;
  std::size_t i = 0;
  while (true) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i >= text.size()) break;
    std::string word;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') {
      const char quote = text[i];
      if (quote == '"' || quote == '\'') {
        ++i;
        bool closed = false;
        while (i < text.size()) {
          if (quote == '"' && text[i] == '\\' && i + 1 < text.size()) {
            word += text[i + 1];
            i += 2;
            continue;
          }
          if (text[i] == quote) {
            closed = true;
            ++i;
            break;
          }
          word += text[i++];
        }
        if (!closed) return SyntaxError("protocol error: unbalanced quotes in an inline command");
      } else {
        word += text[i++];
      }
    }
    args.push_back(std::move(word));
  }
  offset_ = line->second;
  return true;
}

}  // namespace engram::server
