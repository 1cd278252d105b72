#include "query/language/argument_lexer.h"

#include <utility>

#include "query/language/lexer.h"

namespace engram::query {

ArgumentLexer::ArgumentLexer(std::span<const std::string> arguments) {
  for (const std::string& argument : arguments) {
    if (!begins_.empty()) text_ += ' ';
    begins_.push_back(text_.size());
    sizes_.push_back(argument.size());
    text_ += argument;
  }
}

Result<Token> ArgumentLexer::Next() {
  if (!pending_.empty()) {
    Token token = std::move(pending_.front());
    pending_.pop_front();
    return token;
  }
  if (next_argument_ >= begins_.size()) {
    Token end;
    end.kind = TokenKind::kEnd;
    end.position = text_.size();
    return end;
  }
  current_argument_ = next_argument_++;
  const std::size_t begin = begins_[current_argument_];
  const std::size_t size = sizes_[current_argument_];
  // The lexer sees only this argument (the view ends with it) but positions stay those of
  // text_. A comment start (`--`) inside an argument is lexed as the lexer always does.
  Lexer lexer(std::string_view(text_).substr(0, begin + size), begin);
  std::deque<Token> tokens;
  bool failed = false;
  while (true) {
    Result<Token> token = lexer.Next();
    if (!token.ok()) {
      failed = true;
      break;
    }
    if (token->kind == TokenKind::kEnd) break;
    tokens.push_back(std::move(token).value());
  }
  if (failed || tokens.empty()) {
    // Not statement text (or nothing at all): usable only as a string.
    Token raw;
    raw.kind = TokenKind::kArgument;
    raw.position = begin;
    raw.length = size;
    raw.text = text_.substr(begin, size);
    raw.string_argument = true;
    return raw;
  }
  const bool lone_keyword = tokens.size() == 1 && tokens.front().kind == TokenKind::kWord &&
                            tokens.front().keyword != Keyword::kNone;
  tokens.front().string_argument = !lone_keyword;
  Token first = std::move(tokens.front());
  tokens.pop_front();
  pending_ = std::move(tokens);
  return first;
}

std::string_view ArgumentLexer::CurrentArgument() const {
  if (begins_.empty()) return {};
  return std::string_view(text_).substr(begins_[current_argument_], sizes_[current_argument_]);
}

std::size_t ArgumentLexer::CurrentArgumentBegin() const {
  return begins_.empty() ? 0 : begins_[current_argument_];
}

}  // namespace engram::query
