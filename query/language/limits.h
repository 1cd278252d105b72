// The limits of the query language (docs/query-language.md, "Limits").
//
// The front end enforces them while it parses, so that an oversized statement is refused before
// the executor or the compute co-process spends anything on it. Exceeding a size or count limit
// is a LIMIT error; a value outside its meaningful range (TOP 0, TOP_P 2) is a SYNTAX error.
// Both carry the byte position of the offending token.
#ifndef ENGRAM_QUERY_LANGUAGE_LIMITS_H_
#define ENGRAM_QUERY_LANGUAGE_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace engram::query {

// A memory, snapshot or option name, in bytes. Equal to storage::kMaxNameBytes: a name the
// parser accepts is one the store accepts.
inline constexpr std::size_t kMaxNameBytes = 64;

// One statement, from its first token to its last, in bytes, not counting the text literal of
// WRITE ... CONTEXT / PREFIX (which has its own, larger limit below). Every other string
// literal (a fact, prompt, target, query, path) is bounded by this limit only.
inline constexpr std::size_t kMaxStatementBytes = std::size_t{1} << 20;

// Any string literal (decoded), checked by the lexer: in effect the limit of the text of
// WRITE m CONTEXT '...' and WRITE m PREFIX '...', the one literal the statement limit leaves
// out. Also the largest file CONTEXT FILE / PREFIX FILE may name (the executor checks that).
// Far below the store's 64 MiB record text limit.
inline constexpr std::size_t kMaxContextTextBytes = std::size_t{16} << 20;

// Facts in one WRITE m 'a', 'b', ...: one episode, which the episodic memory writes at once.
inline constexpr std::size_t kMaxFactsPerWrite = 1024;

// Options in CREATE MEMORY ... WITH (...).
inline constexpr std::size_t kMaxOptions = 64;

// Memories in GENERATE ... USING a, b, ...
inline constexpr std::size_t kMaxUsingMemories = 16;

// READ ... TOP k: 1 ..= kMaxTop.
inline constexpr std::uint64_t kMaxTop = 1000;

// GENERATE ... MAX n (new tokens): 1 ..= kMaxGenerateTokens.
inline constexpr std::uint64_t kMaxGenerateTokens = 4096;

// HISTORY m LIMIT n: 1 ..= kMaxHistoryLimit.
inline constexpr std::uint64_t kMaxHistoryLimit = 1000000;

// GENERATE ... TEMPERATURE t: 0 ..= kMaxTemperature (0 is greedy decoding).
inline constexpr double kMaxTemperature = 10.0;

}  // namespace engram::query

#endif  // ENGRAM_QUERY_LANGUAGE_LIMITS_H_
