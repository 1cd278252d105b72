// The options of CREATE MEMORY ... WITH (...) (docs/query-language.md §5.1): validation
// against the option table, defaults, and the encoding stored in the `memory` record's attrs.
//
// Attrs encoding (format 1): UTF-8 JSON text, one object on one line,
//   {"format": 1, "options": {"slots": 512}, "model": "<fingerprint hex>" | null}
// where "options" holds every option of the table in table order, with the written value or
// the default, so that a memory keeps its settings even if a default changes later. Readers
// must ignore members they do not know.
//
// Thread-safety: pure functions.
#ifndef ENGRAM_QUERY_EXECUTOR_MEMORY_OPTIONS_H_
#define ENGRAM_QUERY_EXECUTOR_MEMORY_OPTIONS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"
#include "query/language/ast.h"

namespace engram::query {

inline constexpr std::int64_t kDefaultSlots = 512;
inline constexpr int kMemoryAttrsFormat = 1;

// One resolved option: its key and its value (written or default).
struct ResolvedOption {
  std::string key;
  OptionValue value;
};

// Checks `options` against the table and returns every option of the table, resolved.
// Errors: SYNTAX at the key for an unknown key, SYNTAX at the value for a value of the wrong
// type or range; the message names the key and what it takes.
Result<std::vector<ResolvedOption>> ResolveMemoryOptions(const std::vector<Option>& options);

// The attrs text of a memory record (format above). `model_fingerprint` empty: null.
std::string EncodeMemoryAttrs(const std::vector<ResolvedOption>& options,
                              std::string_view model_fingerprint);

}  // namespace engram::query

#endif  // ENGRAM_QUERY_EXECUTOR_MEMORY_OPTIONS_H_
