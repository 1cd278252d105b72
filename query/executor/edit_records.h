// The edit part of one memory as a statement sees it (docs/format.md §14): its header (the
// state's key and the co-process's state header), its live edits and deltas in the store as
// of a version with an open transaction's batch applied over them; and the calls that bring
// the co-process to that state (docs/protocol.md §5.10), answering its requests for the whole
// state and for blobs. Internal to the executor.
//
// Thread-safety: an EditView is used by one thread; it borrows the ReadTxn and the batch,
// which must outlive it.
#ifndef ENGRAM_QUERY_EXECUTOR_EDIT_RECORDS_H_
#define ENGRAM_QUERY_EXECUTOR_EDIT_RECORDS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "compute/protocol/edit_types.h"
#include "engram/status.h"
#include "query/compute_client/compute_link.h"
#include "storage/store.h"
#include "storage/write_batch.h"

namespace engram::query::internal {

inline constexpr std::uint64_t kEditHeaderId = 0;

// The header record's attrs (format.md §14): the state's key and the co-process's header.
struct EditHeader {
  Hash128 key;
  std::string state_header;
};
std::vector<std::byte> EncodeEditHeader(const EditHeader& header);
// Errors: CORRUPT (size, magic, format, checksum).
Result<EditHeader> DecodeEditHeader(std::span<const std::byte> bytes);

struct EditEntry {
  std::string prompt;    // the record's text
  std::string bytes;     // the record's attrs: the edit as the co-process encodes it
  bool pending = false;  // the open transaction's batch holds a change of it
  bool stored = false;   // the store holds it live (else it exists only in the batch)
};

struct EditDelta {
  storage::TensorRef tensor;  // "delta", F32 [dim, hidden_dim]
  bool pending = false;
  bool stored = false;
};

class EditView {
 public:
  // The header, and with `with_pieces` every live edit and delta (else LoadPieces reads them
  // when needed: a route or generation usually finds its state cached by key, and listing a
  // thousand edits' records costs milliseconds). Errors: those of the store reads, CORRUPT (a
  // malformed header, a delta record without its tensor, pieces without a header).
  static Result<EditView> Load(const storage::ReadTxn& read, const storage::Tenant& tenant,
                               std::string memory, storage::Version as_of,
                               const storage::WriteBatch* batch, bool with_pieces = true);
  Status LoadPieces();

  bool exists() const { return header_.has_value(); }
  const EditHeader& header() const { return *header_; }
  const std::string& memory() const { return memory_; }
  // Live edits and deltas; empty until the pieces are loaded.
  const std::map<std::uint64_t, EditEntry>& edits() const { return edits_; }
  const std::map<std::uint64_t, EditDelta>& deltas() const { return deltas_; }

  // The state for the co-process: the key alone, or (complete; the pieces loaded) every piece.
  protocol::EditStateSpec Spec(bool complete) const;
  // Sends the delta blobs among `missing` to the co-process's blob cache.
  Status PutBlobs(ComputeLink& link, const std::vector<Hash128>& missing) const;

 private:
  explicit EditView(storage::Tenant tenant) : tenant_(std::move(tenant)) {}
  // The records of `kind` as of as_of_ with the batch over them; `pending` gets the ids the
  // batch holds, `stored` those the store holds live.
  Status ReadKind(storage::RecordKind kind, std::map<std::uint64_t, storage::Record>& into,
                  std::set<std::uint64_t>* pending, std::set<std::uint64_t>* stored) const;

  storage::Tenant tenant_;
  storage::Version as_of_ = 0;
  bool pieces_loaded_ = false;
  const storage::ReadTxn* read_ = nullptr;
  const storage::WriteBatch* batch_ = nullptr;
  std::string memory_;
  std::optional<EditHeader> header_;
  std::map<std::uint64_t, EditEntry> edits_;
  std::map<std::uint64_t, EditDelta> deltas_;
};

// Applies `params` (its state filled in from `view` when the view exists) in the co-process,
// sending the complete state and blobs when it asks. Errors: those of the calls; COMPUTE when
// the co-process keeps asking.
Result<protocol::EditApplyResult> ApplyEdit(ComputeLink& link, EditView& view,
                                            protocol::EditApplyParams params);
// Routes `prompt` through `view`'s state (which must exist), likewise.
Result<protocol::EditRouteResult> RouteEdits(ComputeLink& link, EditView& view,
                                             const std::string& prompt, std::uint32_t top_k);

}  // namespace engram::query::internal

#endif  // ENGRAM_QUERY_EXECUTOR_EDIT_RECORDS_H_
