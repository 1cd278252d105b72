// Small helpers shared by the executor's statement files. Internal to query/executor/.
#ifndef ENGRAM_QUERY_EXECUTOR_STATEMENT_HELPERS_H_
#define ENGRAM_QUERY_EXECUTOR_STATEMENT_HELPERS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engram/statement_result.h"
#include "storage/store.h"
#include "storage/types.h"

namespace engram::query::internal {

// A byte position from the syntax tree, as Status takes it.
inline std::int64_t Pos(std::size_t position) {
  return static_cast<std::int64_t>(position);
}

// The key of a memory's definition record.
inline storage::RecordKey MemoryKey(const std::string& memory) {
  return storage::RecordKey{memory, storage::RecordKind::kMemory, 0};
}

// Ends a read snapshot before the statement commits: a commit that must grow the map waits
// for every read transaction of this process to end, this statement's own included.
inline void EndSnapshot(storage::ReadTxn& read) {
  storage::ReadTxn ended = std::move(read);
}

// An empty result of the statement form `statement`.
inline StatementResult Named(std::string_view statement) {
  StatementResult result;
  result.statement = std::string(statement);
  return result;
}

}  // namespace engram::query::internal

#endif  // ENGRAM_QUERY_EXECUTOR_STATEMENT_HELPERS_H_
