#include "query/language/input.h"

namespace engram::query {
namespace {

// What Scan found.
struct ScanResult {
  std::size_t stop = 0;              // just past the ';' it stopped at, or text.size()
  bool open = false;                 // the text ended inside a string or quoted name
  bool any_token = false;            // something other than whitespace and comments was seen
  bool ends_with_semicolon = false;  // the last such thing was a ';'
};

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Walks `text` from `from` by the lexer's quoting and comment rules; stops after the first
// top-level ';' when `stop_at_semicolon`.
ScanResult Scan(std::string_view text, std::size_t from, bool stop_at_semicolon) {
  ScanResult result;
  std::size_t i = from;
  while (i < text.size()) {
    const char c = text[i];
    if (IsSpace(c)) {
      ++i;
      continue;
    }
    if (c == '-' && i + 1 < text.size() && text[i + 1] == '-') {
      std::size_t newline = text.find('\n', i);
      i = newline == std::string_view::npos ? text.size() : newline + 1;
      continue;
    }
    result.any_token = true;
    result.ends_with_semicolon = false;
    if (c == '\'' || c == '"') {
      // A '' inside a string closes it and opens the next one at once: the same outcome as the
      // lexer's escaped quote.
      std::size_t close = text.find(c, i + 1);
      if (close == std::string_view::npos) {
        result.open = true;
        result.stop = text.size();
        return result;
      }
      i = close + 1;
      continue;
    }
    ++i;
    if (c == ';') {
      result.ends_with_semicolon = true;
      if (stop_at_semicolon) {
        result.stop = i;
        return result;
      }
    }
  }
  result.stop = text.size();
  return result;
}

}  // namespace

InputState ScanInput(std::string_view text) {
  ScanResult scan = Scan(text, 0, /*stop_at_semicolon=*/false);
  if (scan.open) return InputState::kIncomplete;
  if (!scan.any_token) return InputState::kEmpty;
  return scan.ends_with_semicolon ? InputState::kComplete : InputState::kIncomplete;
}

bool IsComplete(std::string_view text) {
  return ScanInput(text) == InputState::kComplete;
}

std::size_t FindStatementEnd(std::string_view text, std::size_t from) {
  if (from >= text.size()) return text.size();
  return Scan(text, from, /*stop_at_semicolon=*/true).stop;
}

}  // namespace engram::query
