// The syntax tree of the query language: one struct per statement form, held in a
// std::variant (docs/query-language.md gives each statement's meaning).
//
// Every argument carries the byte position where it starts in the source (Located<T>), and
// every statement its source range, so that the executor can report NOTFOUND for a memory,
// LIMIT for a file, ... at the right byte. Values are decoded: string literals without quotes
// and with '' turned into ', names as written (names are case-sensitive; keywords are not).
// Optional clauses are std::optional: the parser records what was written and the executor
// applies the documented defaults.
//
// Thread-safety: plain values.
#ifndef ENGRAM_QUERY_LANGUAGE_AST_H_
#define ENGRAM_QUERY_LANGUAGE_AST_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace engram::query {

// A value and the byte offset of its first byte in the source (for a string literal, its
// opening quote; for a flag such as PURGE, the keyword; 0 when the flag is absent).
template <typename T>
struct Located {
  T value{};
  std::size_t position = 0;
  friend bool operator==(const Located&, const Located&) = default;
};

using Name = Located<std::string>;  // a memory or snapshot name (validated)
using Text = Located<std::string>;  // a decoded string literal
using Count = Located<std::uint64_t>;

// CREATE MEMORY ... WITH (key = value): an integer (with an optional '-'), a decimal, TRUE or
// FALSE, or a string.
using OptionValue = std::variant<std::int64_t, double, bool, std::string>;
struct Option {
  Name key;  // lower-cased: option keys are case-insensitive
  Located<OptionValue> value;
  friend bool operator==(const Option&, const Option&) = default;
};

// A point in a memory's history: a snapshot name, VERSION n, or HEAD (DIFF only).
struct VersionRef {
  enum class Kind { kSnapshot, kVersion, kHead };
  Kind kind = Kind::kHead;
  std::string snapshot;       // kSnapshot
  std::uint64_t version = 0;  // kVersion
  std::size_t position = 0;   // the snapshot name, the VERSION keyword or HEAD
  friend bool operator==(const VersionRef&, const VersionRef&) = default;
};

struct CreateMemoryStatement {
  Name memory;
  std::vector<Option> options;  // in source order; keys are distinct
  friend bool operator==(const CreateMemoryStatement&, const CreateMemoryStatement&) = default;
};

struct DropMemoryStatement {
  Name memory;
  Located<bool> purge;
  friend bool operator==(const DropMemoryStatement&, const DropMemoryStatement&) = default;
};

// WRITE m 'fact' [, 'fact' ...]: one episode of facts (episodic memory).
struct WriteFactsStatement {
  Name memory;
  std::vector<Text> facts;  // 1 .. kMaxFactsPerWrite
  friend bool operator==(const WriteFactsStatement&, const WriteFactsStatement&) = default;
};

// WRITE m EDIT 'prompt' -> 'target' (edit memory).
struct WriteEditStatement {
  Name memory;
  Text prompt;
  Text target;
  friend bool operator==(const WriteEditStatement&, const WriteEditStatement&) = default;
};

// WRITE m CONTEXT 'text' | CONTEXT FILE 'path' (context memory).
struct WriteContextStatement {
  Name memory;
  Text text;  // the text itself, or with from_file the path of the file holding it
  bool from_file = false;
  friend bool operator==(const WriteContextStatement&, const WriteContextStatement&) = default;
};

// WRITE m PREFIX 'text' | PREFIX FILE 'path' (a reusable generation prefix).
struct WritePrefixStatement {
  Name memory;
  Text text;  // as in WriteContextStatement
  bool from_file = false;
  friend bool operator==(const WritePrefixStatement&, const WritePrefixStatement&) = default;
};

// READ m 'query' [TOP k].
struct ReadFactsStatement {
  Name memory;
  Text query;
  std::optional<Count> top;
  // READ m, m2, … 'q': further memories read together with `memory` (the hierarchical read);
  // distinct names, at most kMaxUsingMemories in all.
  std::vector<Name> more;
  friend bool operator==(const ReadFactsStatement&, const ReadFactsStatement&) = default;
};

// READ m EDITS 'query' [TOP k].
struct ReadEditsStatement {
  Name memory;
  Text query;
  std::optional<Count> top;
  friend bool operator==(const ReadEditsStatement&, const ReadEditsStatement&) = default;
};

// READ m CONTEXT 'query' [TOP k].
struct ReadContextStatement {
  Name memory;
  Text query;
  std::optional<Count> top;
  friend bool operator==(const ReadContextStatement&, const ReadContextStatement&) = default;
};

// FORGET m 'fact' [PURGE]: every episode whose text is exactly `fact`.
struct ForgetFactStatement {
  Name memory;
  Text fact;
  Located<bool> purge;
  friend bool operator==(const ForgetFactStatement&, const ForgetFactStatement&) = default;
};

// FORGET m ID n [PURGE]: the episode with id n.
struct ForgetFactIdStatement {
  Name memory;
  Count id;
  Located<bool> purge;
  friend bool operator==(const ForgetFactIdStatement&, const ForgetFactIdStatement&) = default;
};

// FORGET m EDIT ID n [PURGE].
struct ForgetEditStatement {
  Name memory;
  Count id;
  Located<bool> purge;
  friend bool operator==(const ForgetEditStatement&, const ForgetEditStatement&) = default;
};

// FORGET m CONTEXT ID n [PURGE]: every chunk of the context write with id n.
struct ForgetContextStatement {
  Name memory;
  Count id;
  Located<bool> purge;
  friend bool operator==(const ForgetContextStatement&, const ForgetContextStatement&) = default;
};

// FORGET m CONTEXT SOURCE 'path' [PURGE]: every context written from that file.
struct ForgetContextSourceStatement {
  Name memory;
  Text path;
  Located<bool> purge;
  friend bool operator==(const ForgetContextSourceStatement&,
                         const ForgetContextSourceStatement&) = default;
};

// FORGET m PREFIX ID n [PURGE].
struct ForgetPrefixStatement {
  Name memory;
  Count id;
  Located<bool> purge;
  friend bool operator==(const ForgetPrefixStatement&, const ForgetPrefixStatement&) = default;
};

// GENERATE 'prompt' [USING m, ...] [AFTER PREFIX m [ID n]] [MAX n] [TEMPERATURE t] [TOP_P p]
// [SEED s], the clauses in any order, each at most once.
struct GenerateStatement {
  Text prompt;
  std::vector<Name> memories;                  // USING; distinct names, at most kMaxUsingMemories
  std::optional<Name> prefix_memory;           // AFTER PREFIX m
  std::optional<Count> prefix_id;              // ... ID n (absent: m's newest prefix)
  std::optional<Count> max_tokens;             // MAX: 1 .. kMaxGenerateTokens
  std::optional<Located<double>> temperature;  // 0 .. kMaxTemperature
  std::optional<Located<double>> top_p;        // (0, 1]
  std::optional<Count> seed;
  friend bool operator==(const GenerateStatement&, const GenerateStatement&) = default;
};

// SNAPSHOT m AS s | SNAPSHOT AS s (all memories of the tenant: no memory).
struct SnapshotStatement {
  std::optional<Name> memory;
  Name name;
  friend bool operator==(const SnapshotStatement&, const SnapshotStatement&) = default;
};

// ROLLBACK m TO s | ROLLBACK m TO VERSION v | ROLLBACK TO s | ROLLBACK TO VERSION v.
struct RollbackStatement {
  std::optional<Name> memory;  // absent: every memory of the tenant
  VersionRef target;           // kSnapshot or kVersion, never kHead
  friend bool operator==(const RollbackStatement&, const RollbackStatement&) = default;
};

// HISTORY m [LIMIT n].
struct HistoryStatement {
  Name memory;
  std::optional<Count> limit;
  friend bool operator==(const HistoryStatement&, const HistoryStatement&) = default;
};

// DIFF m a b: what changed in m from a to b.
struct DiffStatement {
  Name memory;
  VersionRef from;
  VersionRef to;
  friend bool operator==(const DiffStatement&, const DiffStatement&) = default;
};

struct ShowMemoriesStatement {
  friend bool operator==(const ShowMemoriesStatement&, const ShowMemoriesStatement&) = default;
};

// SHOW SNAPSHOTS [m]: no memory lists all of the tenant's snapshots.
struct ShowSnapshotsStatement {
  std::optional<Name> memory;
  friend bool operator==(const ShowSnapshotsStatement&, const ShowSnapshotsStatement&) = default;
};

struct ShowStatsStatement {
  friend bool operator==(const ShowStatsStatement&, const ShowStatsStatement&) = default;
};

struct BeginStatement {
  friend bool operator==(const BeginStatement&, const BeginStatement&) = default;
};

struct CommitStatement {
  friend bool operator==(const CommitStatement&, const CommitStatement&) = default;
};

// ABORT, or its synonym ROLLBACK TRANSACTION.
struct AbortStatement {
  friend bool operator==(const AbortStatement&, const AbortStatement&) = default;
};

using StatementBody = std::variant<
    CreateMemoryStatement, DropMemoryStatement, WriteFactsStatement, WriteEditStatement,
    WriteContextStatement, WritePrefixStatement, ReadFactsStatement, ReadEditsStatement,
    ReadContextStatement, ForgetFactStatement, ForgetFactIdStatement, ForgetEditStatement,
    ForgetContextStatement, ForgetContextSourceStatement, ForgetPrefixStatement, GenerateStatement,
    SnapshotStatement, RollbackStatement, HistoryStatement, DiffStatement, ShowMemoriesStatement,
    ShowSnapshotsStatement, ShowStatsStatement, BeginStatement, CommitStatement, AbortStatement>;

struct Statement {
  StatementBody body;
  // Source range: the first byte of the first token to one past the last token; the ';' that
  // ends the statement is not part of it. Comments between tokens are.
  std::size_t begin = 0;
  std::size_t end = 0;

  // The statement's text in `source` (the text it was parsed from): what a commit records.
  std::string_view SourceText(std::string_view source) const {
    return source.substr(begin, end - begin);
  }
  friend bool operator==(const Statement&, const Statement&) = default;
};

// The statement form's name for messages and output: "CREATE MEMORY", "WRITE EDIT",
// "FORGET CONTEXT SOURCE", "ROLLBACK", "ABORT", ...
std::string_view StatementKindName(const StatementBody& body);

}  // namespace engram::query

#endif  // ENGRAM_QUERY_LANGUAGE_AST_H_
