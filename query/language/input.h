// Statement boundaries without a full parse: what a REPL needs to decide whether to run the
// input typed so far or to prompt for another line, and what a script runner needs to skip the
// rest of a statement that failed to parse.
//
// Both scanners know exactly the lexer's rules for what hides a ';': single-quoted strings
// (with '' inside), double-quoted names and `--` comments to the end of the line. They never
// fail: a character the lexer would refuse is simply skipped, so that the parser reports it.
//
// Thread-safety: pure functions.
#ifndef ENGRAM_QUERY_LANGUAGE_INPUT_H_
#define ENGRAM_QUERY_LANGUAGE_INPUT_H_

#include <cstddef>
#include <string_view>

namespace engram::query {

enum class InputState {
  kEmpty,       // only whitespace and comments: nothing to run
  kIncomplete,  // inside a string or quoted name, or the last token is not ';': read more
  kComplete,    // ends with ';' (then whitespace or comments): run it
};

InputState ScanInput(std::string_view text);

// ScanInput(text) == InputState::kComplete. (A one-shot `-c` statement needs no final ';';
// this is for the REPL, where Enter inside a statement continues it on the next line.)
bool IsComplete(std::string_view text);

// The offset just past the first ';' at or after `from` that is outside strings, quoted names
// and comments, or text.size() when there is none. `from` must be where a token may start
// (not inside a string or comment), e.g. the start of the token an error was reported at.
std::size_t FindStatementEnd(std::string_view text, std::size_t from);

}  // namespace engram::query

#endif  // ENGRAM_QUERY_LANGUAGE_INPUT_H_
