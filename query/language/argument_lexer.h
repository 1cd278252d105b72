// ArgumentLexer: the tokens of a statement that arrives already split into arguments, as a
// Redis client sends a command (`WRITE agent "Alice lives in Paris."` is the four arguments
// WRITE, agent, Alice lives in Paris. — the client removed the quotes). Internal to the language
// front end: use ParseArguments (parser.h).
//
// Each argument is lexed on its own with the ordinary lexer, so `TOP`, `3`, `(dim`, `=` and
// `64)` give the tokens they would in statement text. What the lexer alone cannot know is
// which arguments are string literals; the parser decides that from the grammar: the first
// token of every argument carries `string_argument`, and where the grammar expects a string
// literal the parser takes that whole argument, verbatim, as the string (CurrentArgument,
// SkipRestOfArgument). The exception is an argument that is exactly one keyword (`EDIT`,
// `top`): it is always the keyword, so `WRITE m EDIT ...` keeps its meaning. An argument the
// lexer refuses (`Paris.`, `it's`, the empty argument) becomes one kArgument token, which only a
// string position accepts.
//
// Positions are byte offsets into the arguments joined by single spaces (text()), so error
// messages and Statement source ranges work as for statement text.
//
// Ownership: copies the arguments. Thread-safety: one thread.
#ifndef ENGRAM_QUERY_LANGUAGE_ARGUMENT_LEXER_H_
#define ENGRAM_QUERY_LANGUAGE_ARGUMENT_LEXER_H_

#include <cstddef>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"
#include "query/language/token.h"

namespace engram::query {

class ArgumentLexer {
 public:
  explicit ArgumentLexer(std::span<const std::string> arguments);

  // The arguments joined by single spaces: what token positions refer to.
  std::string_view text() const { return text_; }

  // The next token; kEnd (at text().size()) after the last argument, and again after that.
  Result<Token> Next();

  // The argument whose first token Next() returned last, verbatim, and its offset in text()
  // (which may be before that token: the lexer skipped blanks).
  std::string_view CurrentArgument() const;
  std::size_t CurrentArgumentBegin() const;

  // Drops the tokens left of the current argument (it was taken whole as a string).
  void SkipRestOfArgument() { pending_.clear(); }

 private:
  std::string text_;
  std::vector<std::size_t> begins_;  // each argument's offset in text_
  std::vector<std::size_t> sizes_;
  std::size_t next_argument_ = 0;
  std::size_t current_argument_ = 0;
  std::deque<Token> pending_;  // the current argument's tokens not yet returned
};

}  // namespace engram::query

#endif  // ENGRAM_QUERY_LANGUAGE_ARGUMENT_LEXER_H_
