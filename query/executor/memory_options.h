// The options of CREATE MEMORY ... WITH (...) (docs/query-language.md §5.1): validation
// against the option table, defaults, and the encoding stored in the `memory` record's attrs.
//
// Attrs encoding (format 1): UTF-8 JSON text, one object on one line,
//   {"format": 1, "options": {"slots": 512, "ridge": 0.001, ...}, "model": "<hex>" | null}
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
#include <utility>
#include <vector>

#include "compute/editing/edit_options.h"
#include "engram/status.h"
#include "query/language/ast.h"

namespace engram::query {

// K = 768 keeps paraphrase recall at 1,209 facts above 85 % (docs/episodic.md §7: readout
// recall by K, 512: .84, 640: .87, 768: .90, 1024: .93).
inline constexpr std::int64_t kDefaultSlots = 768;
// M is K x C float64 and crosses the socket whole: K = 1024 (C = 4096) is 32 MiB.
inline constexpr std::int64_t kMaxSlots = 1024;
inline constexpr double kDefaultRidge = 1e-3;
inline constexpr double kDefaultScopeThreshold = 0.3;  // docs/episodic.md §6
inline constexpr double kDefaultGuideWeight = 0.9;
inline constexpr std::int64_t kDefaultCheckpointEvery = 256;
// The context memory's defaults, measured (docs/context.md: engram-context-eval --sweep).
inline constexpr std::int64_t kDefaultContextLayer = 2;
inline constexpr std::int64_t kDefaultChunkTokens = 1;
inline constexpr std::int64_t kDefaultContextWindow = 256;
inline constexpr double kDefaultContextWeight = 0.9;
// The edit memory's defaults are the co-process's (compute/editing/edit_options.h, measured
// in docs/editing.md §4); a memory records them at CREATE so that it keeps them.
inline constexpr compute::editing::EditOptions kEditDefaults{};
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

// A memory's settings as read back from its record's attrs (defaults for options the record
// predates).
struct MemorySettings {
  std::int64_t slots = kDefaultSlots;
  double ridge = kDefaultRidge;
  double scope_threshold = kDefaultScopeThreshold;
  double guide_weight = kDefaultGuideWeight;
  std::int64_t checkpoint_every = kDefaultCheckpointEvery;
  std::int64_t context_layer = kDefaultContextLayer;
  std::int64_t chunk_tokens = kDefaultChunkTokens;
  std::int64_t context_window = kDefaultContextWindow;
  std::int64_t max_chunks = 0;  // 0: no eviction
  double context_weight = kDefaultContextWeight;
  // The edit_* options by name (sent to the co-process when the edit memory is created).
  std::vector<std::pair<std::string, double>> edit_settings;
  std::string model_fingerprint;  // empty: null (not bound)
};

// Errors: CORRUPT (not the JSON above, or a value out of range).
Result<MemorySettings> DecodeMemoryAttrs(std::string_view attrs);

// `attrs` with "model" set to `model_fingerprint`, every other member kept as written (numbers
// keep their text). For a memory created before the database's model was known, bound by its
// first WRITE. Errors: CORRUPT (not a JSON object).
Result<std::string> BindMemoryAttrs(std::string_view attrs, std::string_view model_fingerprint);

// The attrs text of a memory record (format above). `model_fingerprint` empty: null.
std::string EncodeMemoryAttrs(const std::vector<ResolvedOption>& options,
                              std::string_view model_fingerprint);

}  // namespace engram::query

#endif  // ENGRAM_QUERY_EXECUTOR_MEMORY_OPTIONS_H_
