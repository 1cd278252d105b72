// A side memory's state split into the pieces the store keeps as separate records
// (docs/format.md §14): a small header (settings, fingerprint, counters, the shard and memory
// tables without their deltas), one piece per live edit, and one dense delta per shard and per
// merged memory. An unchanged piece keeps its bytes (and so its blob) across versions, and
// forgetting an edit with PURGE can delete the records that hold its text and its delta.
//
// JoinState puts the pieces back together: the result equals the split state, except that its
// journal is the live edits in id order (the store's history is the full journal).
//
// Torch-free. Plain values and pure functions.
#ifndef ENGRAM_COMPUTE_EDITING_EDIT_PIECES_H_
#define ENGRAM_COMPUTE_EDITING_EDIT_PIECES_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compute/editing/edit_state.h"
#include "engram/status.h"

namespace engram::compute::editing {

// Delta ids: a shard's delta has the shard's id; a merged memory's TIES delta has
// kMergedDeltaBase + the memory's id.
inline constexpr std::uint64_t kMergedDeltaBase = std::uint64_t{1} << 63;

struct EditPiece {
  std::uint64_t id = 0;
  std::string bytes;  // EncodeJournalOp of the edit's record (kind kEdit)
};

struct DeltaPiece {
  std::uint64_t id = 0;
  std::vector<float> dense;  // rows × cols, row-major; zero outside the delta
};

struct StatePieces {
  std::string header;              // EncodeState of the state without its edits, deltas and journal
  std::vector<EditPiece> edits;    // live edits, ascending id
  std::vector<DeltaPiece> deltas;  // ascending id
};

StatePieces SplitState(const SideMemoryState& state);

// SplitState's parts, for a caller that keeps unchanged deltas' blobs: the header alone, the
// edit pieces alone, and the deltas as (id, sparse delta) without making them dense.
std::string StateHeader(const SideMemoryState& state);
std::vector<EditPiece> EditPieces(const SideMemoryState& state);
std::vector<std::pair<std::uint64_t, const SparseDelta*>> StateDeltas(const SideMemoryState& state);

// One delta of a JoinState call: its id and its dense values (borrowed).
struct DeltaView {
  std::uint64_t id = 0;
  std::span<const float> dense;
};

// The state of `header` with `edits` and `deltas`. CORRUPT when a piece is malformed, a delta
// has the wrong size or is not referenced, an edit piece's id differs from the edit it holds,
// or a shard or merged memory lacks its delta.
Result<SideMemoryState> JoinState(std::string_view header, std::span<const EditPiece> edits,
                                  std::span<const DeltaView> deltas);

}  // namespace engram::compute::editing

#endif  // ENGRAM_COMPUTE_EDITING_EDIT_PIECES_H_
