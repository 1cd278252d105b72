// Small helpers shared by the executor's statement files. Internal to query/executor/.
#ifndef ENGRAM_QUERY_EXECUTOR_STATEMENT_HELPERS_H_
#define ENGRAM_QUERY_EXECUTOR_STATEMENT_HELPERS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engram/statement_result.h"
#include "storage/store.h"
#include "storage/types.h"
#include "storage/write_batch.h"

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

// `status` with `what: ` before its message, at `position`.
inline Status At(const Status& status, std::string_view what, std::size_t position) {
  return Status::Error(status.code(), std::string(what) + ": " + status.message(), Pos(position));
}

// The next id of `kind` for `memory`: never an id used before, also after a rollback restored
// an older header (whose counter is `counter`).
inline Result<std::uint64_t> NextId(const storage::ReadTxn& read, const storage::Tenant& tenant,
                                    const std::string& memory, storage::RecordKind kind,
                                    std::uint64_t counter) {
  ENGRAM_ASSIGN_OR_RETURN(std::optional<std::uint64_t> max, read.MaxRecordId(tenant, memory, kind));
  return std::max<std::uint64_t>(counter, max ? *max + 1 : 1);
}

// A record of `attrs` and `text`, without tensors.
inline storage::RecordData AttrsRecord(const std::vector<std::byte>& attrs, std::string text = {}) {
  storage::RecordData data;
  data.attrs = attrs;
  data.text = std::move(text);
  return data;
}

// The payload of `tensor`, a tensor of a record this statement read: from `pending` (the open
// transaction's change that holds the record) when it is given, else through `read`.
// Errors: NOTFOUND (a blob is missing), CORRUPT (a checksum fails), INTERNAL (a pending tensor
// without its bytes).
inline Result<std::vector<std::uint8_t>> RecordTensorBytes(
    const storage::ReadTxn& read, const storage::WriteBatch::Pending* pending,
    const storage::TensorRef& tensor) {
  std::vector<std::uint8_t> bytes;
  auto append = [&bytes](const void* data, std::size_t size) {
    const auto* begin = static_cast<const std::uint8_t*>(data);
    bytes.insert(bytes.end(), begin, begin + size);
  };
  if (pending == nullptr) {
    ENGRAM_ASSIGN_OR_RETURN(storage::TensorView view, read.Tensor(tensor));
    append(view.data(), view.size());
    return bytes;
  }
  for (const storage::TensorRef& t : pending->record.tensors) {
    if (t.name != tensor.name) continue;
    if (t.blobs.empty()) {
      append(t.inline_data.data(), t.inline_data.size());
    } else {
      for (const Hash128& blob : t.blobs) {
        auto piece = std::find_if(pending->pieces.begin(), pending->pieces.end(),
                                  [&](const auto& p) { return p.first == blob; });
        if (piece == pending->pieces.end()) break;
        append(piece->second.data(), piece->second.size());
      }
    }
  }
  if (bytes.size() != tensor.nbytes) return InternalError("a pending tensor without its bytes");
  return bytes;
}

// An empty result of the statement form `statement`.
inline StatementResult Named(std::string_view statement) {
  StatementResult result;
  result.statement = std::string(statement);
  return result;
}

}  // namespace engram::query::internal

#endif  // ENGRAM_QUERY_EXECUTOR_STATEMENT_HELPERS_H_
