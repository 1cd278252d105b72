#include "query/language/lexer.h"

#include <charconv>
#include <cstdio>
#include <string>
#include <system_error>
#include <utility>

#include "query/language/limits.h"

namespace engram::query {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsWordStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// At most this many bytes of a long word or number are quoted in a message.
constexpr std::size_t kQuotedBytes = 24;

std::string Clip(std::string_view text) {
  if (text.size() <= kQuotedBytes) return std::string(text);
  return std::string(text.substr(0, kQuotedBytes)) + "...";
}

// The length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF) that starts at text[i], or 0 when none does (including one cut off by the end).
std::size_t Utf8SequenceLength(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) -> unsigned {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0x100;
  };
  auto in = [](unsigned b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
  unsigned b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (in(b0, 0xC2, 0xDF)) return in(byte(1), 0x80, 0xBF) ? 2 : 0;
  if (in(b0, 0xE0, 0xEF)) {
    unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80;
    unsigned hi = b0 == 0xED ? 0x9F : 0xBF;
    return in(byte(1), lo, hi) && in(byte(2), 0x80, 0xBF) ? 3 : 0;
  }
  if (in(b0, 0xF0, 0xF4)) {
    unsigned lo = b0 == 0xF0 ? 0x90 : 0x80;
    unsigned hi = b0 == 0xF4 ? 0x8F : 0xBF;
    return in(byte(1), lo, hi) && in(byte(2), 0x80, 0xBF) && in(byte(3), 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

Token MakeToken(TokenKind kind, std::size_t position, std::size_t length) {
  Token token;
  token.kind = kind;
  token.position = position;
  token.length = length;
  return token;
}

}  // namespace

std::size_t InvalidUtf8Offset(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t n = Utf8SequenceLength(text, i);
    if (n == 0) return i;
    i += n;
  }
  return text.size();
}

bool IsWordByte(char c) {
  return IsWordStart(c) || IsDigit(c);
}

Lexer::Lexer(std::string_view text, std::size_t offset)
    : text_(text), offset_(offset > text.size() ? text.size() : offset) {}

void Lexer::SkipSpaceAndComments() {
  while (offset_ < text_.size()) {
    char c = text_[offset_];
    if (IsSpace(c)) {
      ++offset_;
    } else if (c == '-' && offset_ + 1 < text_.size() && text_[offset_ + 1] == '-') {
      std::size_t newline = text_.find('\n', offset_);
      offset_ = newline == std::string_view::npos ? text_.size() : newline + 1;
    } else {
      return;
    }
  }
}

Result<Token> Lexer::Next() {
  SkipSpaceAndComments();
  const std::size_t start = offset_;
  error_start_ = start;
  if (start >= text_.size()) return MakeToken(TokenKind::kEnd, text_.size(), 0);
  const char c = text_[start];
  if (IsWordStart(c)) return LexWord(start);
  if (IsDigit(c)) return LexNumber(start);
  if (c == '\'') return LexString(start);
  if (c == '"') return LexQuotedName(start);
  auto single = [&](TokenKind kind) {
    offset_ = start + 1;
    return MakeToken(kind, start, 1);
  };
  switch (c) {
    case ';':
      return single(TokenKind::kSemicolon);
    case ',':
      return single(TokenKind::kComma);
    case '(':
      return single(TokenKind::kLeftParen);
    case ')':
      return single(TokenKind::kRightParen);
    case '=':
      return single(TokenKind::kEquals);
    case '-':
      if (start + 1 < text_.size() && text_[start + 1] == '>') {
        offset_ = start + 2;
        return MakeToken(TokenKind::kArrow, start, 2);
      }
      return single(TokenKind::kMinus);
    default:
      break;
  }
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x21 && byte < 0x7f) {
    return SyntaxError(std::string("unexpected character '") + c + "'", start);
  }
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", byte);
  std::string message = std::string("unexpected byte ") + hex;
  if (byte >= 0x80) message += " (names are ASCII; text goes in single quotes)";
  return SyntaxError(std::move(message), start);
}

Result<Token> Lexer::LexWord(std::size_t start) {
  std::size_t end = start;
  while (end < text_.size() && IsWordByte(text_[end])) ++end;
  std::string_view word = text_.substr(start, end - start);
  if (word.size() > kMaxNameBytes) {
    return Status::Error(
        ErrorCode::kLimit,
        "name '" + Clip(word) + "' is longer than " + std::to_string(kMaxNameBytes) + " bytes",
        static_cast<std::int64_t>(start));
  }
  Token token = MakeToken(TokenKind::kWord, start, end - start);
  token.text = std::string(word);
  token.keyword = LookupKeyword(word);
  offset_ = end;
  return token;
}

Result<Token> Lexer::LexQuotedName(std::size_t start) {
  std::size_t close = text_.find('"', start + 1);
  if (close == std::string_view::npos) {
    return SyntaxError("unterminated quoted name (no closing '\"')",
                       static_cast<std::int64_t>(start));
  }
  std::string_view name = text_.substr(start + 1, close - start - 1);
  if (name.empty()) return SyntaxError("empty quoted name", static_cast<std::int64_t>(start));
  if (name.size() > kMaxNameBytes) {
    return Status::Error(ErrorCode::kLimit,
                         "quoted name \"" + Clip(name) + "\" is longer than " +
                             std::to_string(kMaxNameBytes) + " bytes",
                         static_cast<std::int64_t>(start));
  }
  bool valid = IsWordStart(name[0]);
  for (char ch : name) valid = valid && IsWordByte(ch);
  if (!valid) {
    // Show printable ASCII only: the name may hold any byte up to the closing quote.
    std::string shown;
    for (char ch : name) shown += (ch >= 0x20 && ch < 0x7f) ? ch : '?';
    return SyntaxError("quoted name \"" + shown +
                           "\" must start with a letter or '_' and hold only letters, digits "
                           "and '_'",
                       static_cast<std::int64_t>(start));
  }
  Token token = MakeToken(TokenKind::kQuotedName, start, close + 1 - start);
  token.text = std::string(name);
  offset_ = close + 1;
  return token;
}

Result<Token> Lexer::LexString(std::size_t start) {
  std::string value;
  std::size_t i = start + 1;
  std::size_t run = i;  // start of the bytes not yet appended to `value`
  while (true) {
    if (i >= text_.size()) {
      return SyntaxError("unterminated string (no closing quote)",
                         static_cast<std::int64_t>(start));
    }
    if (value.size() + (i - run) > kMaxContextTextBytes) {
      return Status::Error(
          ErrorCode::kLimit,
          "string literal is longer than " + std::to_string(kMaxContextTextBytes) + " bytes",
          static_cast<std::int64_t>(start));
    }
    const char c = text_[i];
    if (c == '\'') {
      value.append(text_.data() + run, i - run);
      if (i + 1 < text_.size() && text_[i + 1] == '\'') {  // '' is one quote
        value.push_back('\'');
        i += 2;
        run = i;
        continue;
      }
      ++i;
      break;
    }
    if (static_cast<unsigned char>(c) < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = Utf8SequenceLength(text_, i);
    if (n == 0) {
      return SyntaxError("invalid UTF-8 in string literal", static_cast<std::int64_t>(i));
    }
    i += n;
  }
  Token token = MakeToken(TokenKind::kString, start, i - start);
  token.text = std::move(value);
  offset_ = i;
  return token;
}

Result<Token> Lexer::LexNumber(std::size_t start) {
  std::size_t i = start;
  bool decimal = false;
  bool malformed = false;
  while (i < text_.size() && IsDigit(text_[i])) ++i;
  if (i < text_.size() && text_[i] == '.') {
    decimal = true;
    ++i;
    if (i >= text_.size() || !IsDigit(text_[i])) malformed = true;
    while (i < text_.size() && IsDigit(text_[i])) ++i;
  }
  if (!malformed && i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
    decimal = true;
    ++i;
    if (i < text_.size() && (text_[i] == '+' || text_[i] == '-')) ++i;
    if (i >= text_.size() || !IsDigit(text_[i])) malformed = true;
    while (i < text_.size() && IsDigit(text_[i])) ++i;
  }
  // A number glued to a word or another '.' ("3abc", "1.2.3") is one malformed token, not two.
  if (i < text_.size() && (IsWordByte(text_[i]) || text_[i] == '.')) malformed = true;
  if (malformed) {
    while (i < text_.size() && (IsWordByte(text_[i]) || text_[i] == '.')) ++i;
    return SyntaxError("malformed number '" + Clip(text_.substr(start, i - start)) + "'",
                       static_cast<std::int64_t>(start));
  }
  std::string_view digits = text_.substr(start, i - start);
  Token token = MakeToken(decimal ? TokenKind::kDecimal : TokenKind::kInteger, start, i - start);
  const char* first = digits.data();
  const char* last = digits.data() + digits.size();
  std::from_chars_result parsed;
  if (decimal) {
    parsed = std::from_chars(first, last, token.decimal);
  } else {
    parsed = std::from_chars(first, last, token.integer);
  }
  if (parsed.ec == std::errc::result_out_of_range) {
    return SyntaxError("number '" + Clip(digits) + "' is out of range" +
                           (decimal ? std::string(" (not a finite double)")
                                    : std::string(" (integers are at most 18446744073709551615)")),
                       static_cast<std::int64_t>(start));
  }
  if (parsed.ec != std::errc() || parsed.ptr != last) {
    return SyntaxError("malformed number '" + Clip(digits) + "'", static_cast<std::int64_t>(start));
  }
  offset_ = i;
  return token;
}

Result<std::vector<Token>> Tokenize(std::string_view text) {
  Lexer lexer(text);
  std::vector<Token> tokens;
  while (true) {
    ENGRAM_ASSIGN_OR_RETURN(Token token, lexer.Next());
    const bool end = token.kind == TokenKind::kEnd;
    tokens.push_back(std::move(token));
    if (end) return tokens;
  }
}

}  // namespace engram::query
