// The context part of one memory as a statement sees it (docs/format.md §12): its header, its
// live writes and blocks in the store as of a version, with an open transaction's batch applied
// over them; and the calls that bring the co-process to that state (docs/protocol.md §5.9),
// answering its requests for blobs. Internal to the executor.
//
// Thread-safety: a ContextView is used by one thread; it borrows the ReadTxn and the batch,
// which must outlive it.
#ifndef ENGRAM_QUERY_EXECUTOR_CONTEXT_STATE_H_
#define ENGRAM_QUERY_EXECUTOR_CONTEXT_STATE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compute/protocol/context_types.h"
#include "engram/status.h"
#include "query/compute_client/compute_link.h"
#include "query/executor/context_header.h"
#include "storage/store.h"
#include "storage/write_batch.h"

namespace engram::query::internal {

struct ContextBlockEntry {
  std::uint64_t id = 0;
  ContextBlockInfo info;
  std::vector<storage::TensorRef> tensors;  // keys, values, chunk_keys, tokens, next
  bool pending = false;                     // in the batch, not the store
};

struct ContextWriteEntry {
  std::uint64_t id = 0;
  ContextWriteInfo info;
  std::string source;
};

class ContextView {
 public:
  // Errors: those of the store reads, CORRUPT (a malformed header, write or block record).
  static Result<ContextView> Load(const storage::ReadTxn& read, const storage::Tenant& tenant,
                                  std::string memory, storage::Version as_of,
                                  const storage::WriteBatch* batch);

  bool exists() const { return header_.has_value(); }
  const ContextHeader& header() const { return *header_; }
  void StartWith(ContextHeader header) { header_ = std::move(header); }
  const std::string& memory() const { return memory_; }

  // Live blocks by id (oldest first) and live writes by id.
  const std::map<std::uint64_t, ContextBlockEntry>& blocks() const { return blocks_; }
  const std::map<std::uint64_t, ContextWriteEntry>& writes() const { return writes_; }

  // The state for the co-process: the live blocks, oldest first.
  protocol::ContextState Spec() const;
  // Sends the blobs among `missing` that live blocks hold to the co-process's blob cache.
  Status PutBlobs(ComputeLink& link, const std::vector<Hash128>& missing) const;

 private:
  ContextView() = default;

  const storage::ReadTxn* read_ = nullptr;
  const storage::WriteBatch* batch_ = nullptr;
  std::string memory_;
  std::optional<ContextHeader> header_;
  std::map<std::uint64_t, ContextBlockEntry> blocks_;
  std::map<std::uint64_t, ContextWriteEntry> writes_;
};

// The settings of a header, as the co-process takes them.
protocol::ContextSettings SettingsOf(const ContextHeader& header);

// Reads `view`'s state in the co-process (loading it: BlobPut of what it lacks, then again),
// with `query` (empty: only load) and `top_k`. Errors: those of the calls; COMPUTE when the
// co-process keeps lacking blobs.
Result<protocol::ContextReadResult> ReadContext(ComputeLink& link, const ContextView& view,
                                                const std::string& query, std::uint32_t top_k);

}  // namespace engram::query::internal

#endif  // ENGRAM_QUERY_EXECUTOR_CONTEXT_STATE_H_
