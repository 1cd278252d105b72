#include "query/language/token.h"

#include <algorithm>
#include <array>
#include <utility>

namespace engram::query {
namespace {

struct KeywordEntry {
  std::string_view spelling;
  Keyword keyword;
};

// Sorted by spelling, for the binary search in LookupKeyword.
constexpr std::array<KeywordEntry, 42> kKeywords = {{
    {"ABORT", Keyword::kAbort},
    {"AFTER", Keyword::kAfter},
    {"AS", Keyword::kAs},
    {"BEGIN", Keyword::kBegin},
    {"COMMIT", Keyword::kCommit},
    {"CONTEXT", Keyword::kContext},
    {"CREATE", Keyword::kCreate},
    {"DIFF", Keyword::kDiff},
    {"DROP", Keyword::kDrop},
    {"EDIT", Keyword::kEdit},
    {"EDITS", Keyword::kEdits},
    {"FALSE", Keyword::kFalse},
    {"FILE", Keyword::kFile},
    {"FORGET", Keyword::kForget},
    {"GENERATE", Keyword::kGenerate},
    {"HEAD", Keyword::kHead},
    {"HISTORY", Keyword::kHistory},
    {"ID", Keyword::kId},
    {"LIMIT", Keyword::kLimit},
    {"MAX", Keyword::kMax},
    {"MEMORIES", Keyword::kMemories},
    {"MEMORY", Keyword::kMemory},
    {"PREFIX", Keyword::kPrefix},
    {"PURGE", Keyword::kPurge},
    {"READ", Keyword::kRead},
    {"ROLLBACK", Keyword::kRollback},
    {"SEED", Keyword::kSeed},
    {"SHOW", Keyword::kShow},
    {"SNAPSHOT", Keyword::kSnapshot},
    {"SNAPSHOTS", Keyword::kSnapshots},
    {"SOURCE", Keyword::kSource},
    {"STATS", Keyword::kStats},
    {"TEMPERATURE", Keyword::kTemperature},
    {"TO", Keyword::kTo},
    {"TOP", Keyword::kTop},
    {"TOP_P", Keyword::kTopP},
    {"TRANSACTION", Keyword::kTransaction},
    {"TRUE", Keyword::kTrue},
    {"USING", Keyword::kUsing},
    {"VERSION", Keyword::kVersion},
    {"WITH", Keyword::kWith},
    {"WRITE", Keyword::kWrite},
}};

constexpr std::size_t kLongestKeyword = 11;  // TEMPERATURE, TRANSACTION

// Longest prefix of a string literal an error message quotes.
constexpr std::size_t kQuotedStringBytes = 24;

// `text` cut to at most `limit` bytes at a UTF-8 character boundary, control characters shown
// as spaces (a message is one line), with "..." when something was cut.
std::string Excerpt(std::string_view text, std::size_t limit) {
  std::size_t n = text.size();
  bool cut = false;
  if (n > limit) {
    n = limit;
    // Step back over continuation bytes so that a multi-byte character is not split.
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    cut = true;
  }
  std::string out(text.substr(0, n));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  if (cut) out += "...";
  return out;
}

}  // namespace

Keyword LookupKeyword(std::string_view word) {
  if (word.empty() || word.size() > kLongestKeyword) return Keyword::kNone;
  char upper[kLongestKeyword];
  for (std::size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    upper[i] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  std::string_view key(upper, word.size());
  auto it =
      std::lower_bound(kKeywords.begin(), kKeywords.end(), key,
                       [](const KeywordEntry& e, std::string_view k) { return e.spelling < k; });
  if (it != kKeywords.end() && it->spelling == key) return it->keyword;
  return Keyword::kNone;
}

std::string_view KeywordSpelling(Keyword keyword) {
  for (const KeywordEntry& e : kKeywords) {
    if (e.keyword == keyword) return e.spelling;
  }
  return "";
}

std::string DescribeToken(const Token& token, std::string_view source) {
  auto quoted_source = [&] {
    std::string_view text;
    if (token.position <= source.size()) {
      text = source.substr(token.position, token.length);
    }
    std::string out = "'";
    out += Excerpt(text, kQuotedStringBytes);
    out += '\'';
    return out;
  };
  switch (token.kind) {
    case TokenKind::kEnd:
      return "end of input";
    case TokenKind::kString:
      return "string '" + Excerpt(token.text, kQuotedStringBytes) + "'";
    case TokenKind::kQuotedName:
      return "\"" + token.text + "\"";
    case TokenKind::kArgument:
      return "argument '" + Excerpt(token.text, kQuotedStringBytes) + "'";
    case TokenKind::kWord:
    case TokenKind::kInteger:
    case TokenKind::kDecimal:
    case TokenKind::kSemicolon:
    case TokenKind::kComma:
    case TokenKind::kLeftParen:
    case TokenKind::kRightParen:
    case TokenKind::kEquals:
    case TokenKind::kArrow:
    case TokenKind::kMinus:
      return quoted_source();
  }
  return quoted_source();
}

}  // namespace engram::query
