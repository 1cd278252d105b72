// Typed calls of the episodic memory statements (docs/query-language.md §5.3 WRITE, §5.7 READ,
// §5.8 FORGET, §5.9 GENERATE … USING) through the public engine API (engram/database.h), for
// engram-episodic-eval and the statement benchmark: each function runs one statement and picks
// the result's fields, so a failing statement or a result of the wrong shape is a Status.
//
// Thread-safety: as Database::Execute (one caller at a time).
#ifndef ENGRAM_TOOLS_EPISODIC_EPISODIC_CLIENT_H_
#define ENGRAM_TOOLS_EPISODIC_EPISODIC_CLIENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engram/database.h"
#include "engram/statement_result.h"
#include "engram/status.h"

namespace engram::tools {

// `text` as a string literal of the query language: in single quotes, a quote doubled.
std::string QuoteString(std::string_view text);

// Runs exactly one statement; its error, or INTERNAL when the script was not one statement.
Result<StatementResult> RunOne(Database& db, std::string_view statement);

struct ReadRow {
  std::uint64_t id = 0;
  std::string text;
  double score = 0.0;
};

struct ReadOutcome {
  bool in_scope = false;
  double scope_score = 0.0;
  std::vector<ReadRow> rows;  // best first
};

struct GenerateOutcome {
  std::string text;
  std::uint64_t tokens = 0;
  bool in_scope = false;     // with USING only
  std::uint64_t guides = 0;  // with USING only
};

// WRITE memory 'fact': the fact's id.
Result<std::uint64_t> WriteFact(Database& db, std::string_view memory, std::string_view fact);
// READ memory 'query' TOP top.
Result<ReadOutcome> ReadFacts(Database& db, std::string_view memory, std::string_view query,
                              int top);
// FORGET memory ID id: the number of records forgotten.
Result<std::uint64_t> ForgetFact(Database& db, std::string_view memory, std::uint64_t id);
// GENERATE 'prompt' [USING memory] MAX max_tokens TEMPERATURE 0 (no USING when `memory` is
// empty).
Result<GenerateOutcome> GenerateGreedy(Database& db, std::string_view prompt,
                                       std::string_view memory, int max_tokens);

}  // namespace engram::tools

#endif  // ENGRAM_TOOLS_EPISODIC_EPISODIC_CLIENT_H_
