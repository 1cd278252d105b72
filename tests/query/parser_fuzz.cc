// libFuzzer target for the query language's lexer and parser: every statement is untrusted
// input (a REPL line, a `-c` argument, a RESP command from the network), and the front end must
// answer a statement list or a SYNTAX/LIMIT error pointing inside the input, never crash, hang
// or read out of bounds. Checked on every input:
//   - ParseScript: on error, the code is SYNTAX or LIMIT and 0 <= position <= input size; on
//     success, statement ranges are ordered and inside the input, and each statement's
//     canonical text (printer.h) parses back to the same canonical text;
//   - StatementReader (statement by statement, going on after errors) makes progress on every
//     call, ends, and agrees with ParseScript up to ParseScript's first error;
//   - Tokenize gives ordered tokens inside the input, ending with kEnd;
//   - ScanInput says kEmpty only for inputs without statements;
//   - ParseArguments, on the input split into arguments at every ' ' and at every '\n' (the
//     shape engramd receives): an error is SYNTAX or LIMIT inside the joined arguments; a
//     statement's canonical text parses back to the same canonical text.
//
// How to run the fuzzer (needs clang with libFuzzer), from the root:
//
//   CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DENGRAM_FUZZ=ON
//     -DENGRAM_BUILD_BENCHMARKS=OFF      (one command line)
//   ninja -C build-fuzz language_parser_fuzz
//   mkdir -p /tmp/language-corpus /tmp/language-seeds
//   ENGRAM_PARSER_FUZZ_SEED_DIR=/tmp/language-seeds build/bin/language_tests
//     --gtest_filter=ParserFuzz.SeedsParse   (optional, one line: seeds to start from)
//   build-fuzz/bin/language_parser_fuzz /tmp/language-corpus /tmp/language-seeds
//     -max_total_time=60
//
// The same entry point runs without libFuzzer inside language_tests (parser_fuzz_test.cc), on
// mutations of valid scripts: that build defines ENGRAM_FUZZ_IN_GTEST, and a failed
// check becomes a GoogleTest failure instead of an abort.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "query/language/input.h"
#include "query/language/lexer.h"
#include "query/language/limits.h"
#include "query/language/parser.h"
#include "query/language/printer.h"

#include "tests/common/fuzz_check.h"

namespace engram::query::parser_fuzz {
namespace {

bool IsParseError(const Status& status, std::size_t size) {
  return (status.code() == ErrorCode::kSyntax || status.code() == ErrorCode::kLimit) &&
         status.position() >= 0 && static_cast<std::size_t>(status.position()) <= size &&
         !status.message().empty();
}

void CheckTokens(std::string_view text) {
  Result<std::vector<Token>> tokens = Tokenize(text);
  if (!tokens.ok()) {
    FUZZ_CHECK(IsParseError(tokens.status(), text.size()), "lexer error code or position");
    return;
  }
  FUZZ_CHECK(!tokens->empty() && tokens->back().kind == TokenKind::kEnd, "tokens end with kEnd");
  std::size_t previous_end = 0;
  for (const Token& token : *tokens) {
    FUZZ_CHECK(token.position >= previous_end, "tokens are ordered");
    FUZZ_CHECK(token.end() <= text.size(), "token inside the input");
    previous_end = token.end();
  }
}

void CheckScript(std::string_view text) {
  Result<std::vector<Statement>> script = ParseScript(text);
  if (!script.ok()) {
    FUZZ_CHECK(IsParseError(script.status(), text.size()), "parse error code or position");
  } else {
    std::size_t previous_end = 0;
    for (const Statement& statement : *script) {
      FUZZ_CHECK(statement.begin >= previous_end, "statements are ordered");
      FUZZ_CHECK(statement.begin < statement.end && statement.end <= text.size(),
                 "statement range inside the input");
      previous_end = statement.end;
      const std::string canonical = FormatStatement(statement.body);
      // The canonical text may be a little longer than the source (spaces, quotes), so a
      // statement near the length limit may not round-trip; fuzz inputs are far smaller.
      if (canonical.size() > kMaxStatementBytes / 2) continue;
      Result<Statement> again = ParseStatement(canonical);
      FUZZ_CHECK(again.ok(), "canonical text parses");
      FUZZ_CHECK(FormatStatement(again->body) == canonical, "canonical text round-trips");
      FUZZ_CHECK(again->body.index() == statement.body.index(), "same statement kind");
    }
    if (ScanInput(text) == InputState::kEmpty) {
      FUZZ_CHECK(script->empty(), "an empty input has no statements");
    }
  }

  // Statement by statement, going on after errors.
  StatementReader reader(text);
  std::size_t index = 0;
  bool failed = false;  // an error was seen (ParseScript stops at the first)
  for (std::size_t calls = 0;; ++calls) {
    FUZZ_CHECK(calls <= text.size() + 1, "the reader ends");
    const std::size_t before = reader.offset();
    Result<std::optional<Statement>> next = reader.Next();
    if (!next.ok()) {
      FUZZ_CHECK(IsParseError(next.status(), text.size()), "reader error code or position");
      if (!failed && !script.ok()) {
        FUZZ_CHECK(next.status() == script.status(), "reader and ParseScript fail alike");
      }
      FUZZ_CHECK(!script.ok(), "the reader fails only where ParseScript does");
      failed = true;
      FUZZ_CHECK(reader.offset() > before || before == text.size(), "the reader makes progress");
      continue;
    }
    if (!next->has_value()) break;
    FUZZ_CHECK(reader.offset() > before, "the reader makes progress");
    if (!failed && script.ok()) {
      FUZZ_CHECK(index < script->size() && **next == (*script)[index], "reader = ParseScript");
    }
    ++index;
  }
  if (script.ok()) FUZZ_CHECK(index == script->size(), "reader found every statement");
}

void CheckArguments(std::string_view text, char separator) {
  std::vector<std::string> arguments;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    arguments.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  Result<Statement> statement = ParseArguments(arguments);
  // The arguments joined by single spaces are as long as the input.
  if (!statement.ok()) {
    FUZZ_CHECK(IsParseError(statement.status(), text.size()), "argument error code or position");
    return;
  }
  FUZZ_CHECK(statement->begin <= statement->end && statement->end <= text.size(),
             "argument statement range inside the input");
  const std::string canonical = FormatStatement(statement->body);
  if (canonical.size() > kMaxStatementBytes / 2) return;
  Result<Statement> again = ParseStatement(canonical);
  FUZZ_CHECK(again.ok(), "canonical text of arguments parses");
  FUZZ_CHECK(FormatStatement(again->body) == canonical, "canonical text of arguments round-trips");
}

}  // namespace
}  // namespace engram::query::parser_fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  engram::query::parser_fuzz::CheckTokens(text);
  engram::query::parser_fuzz::CheckScript(text);
  engram::query::parser_fuzz::CheckArguments(text, ' ');
  engram::query::parser_fuzz::CheckArguments(text, '\n');
  (void)engram::query::IsComplete(text);
  (void)engram::query::FindStatementEnd(text, 0);
  return 0;
}
