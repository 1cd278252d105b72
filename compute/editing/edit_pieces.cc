#include "compute/editing/edit_pieces.h"

#include <algorithm>
#include <map>

namespace engram::compute::editing {

StatePieces SplitState(const SideMemoryState& state) {
  StatePieces pieces;
  const std::size_t numel = static_cast<std::size_t>(state.rows) * state.cols;
  SideMemoryState skeleton = state;
  skeleton.edits.clear();
  skeleton.journal.clear();
  for (Shard& shard : skeleton.shards) shard.delta = {};
  for (RoutedMemory& memory : skeleton.memories) memory.delta = {};
  pieces.header = EncodeState(skeleton);
  for (const EditRecord& record : state.edits) {
    pieces.edits.push_back({record.id, EncodeJournalOp({JournalOp::Kind::kEdit, record})});
  }
  for (const Shard& shard : state.shards) {
    pieces.deltas.push_back({shard.id, DenseFromSparse(shard.delta, numel)});
  }
  for (const RoutedMemory& memory : state.memories) {
    if (!memory.merged) continue;
    pieces.deltas.push_back({kMergedDeltaBase + memory.id, DenseFromSparse(memory.delta, numel)});
  }
  std::sort(pieces.edits.begin(), pieces.edits.end(),
            [](const EditPiece& a, const EditPiece& b) { return a.id < b.id; });
  std::sort(pieces.deltas.begin(), pieces.deltas.end(),
            [](const DeltaPiece& a, const DeltaPiece& b) { return a.id < b.id; });
  return pieces;
}

Result<SideMemoryState> JoinState(std::string_view header, std::span<const EditPiece> edits,
                                  std::span<const DeltaView> deltas) {
  ENGRAM_ASSIGN_OR_RETURN(SideMemoryState state, DecodeStateFields(header));
  if (!state.edits.empty() || !state.journal.empty()) {
    return CorruptError("side memory header: holds edits");
  }
  const std::size_t numel = static_cast<std::size_t>(state.rows) * state.cols;
  std::map<std::uint64_t, std::span<const float>> by_id;
  for (const DeltaView& delta : deltas) {
    if (delta.dense.size() != numel) {
      return CorruptError("side memory delta " + std::to_string(delta.id) + ": " +
                          std::to_string(delta.dense.size()) + " values, expected " +
                          std::to_string(numel));
    }
    if (!by_id.emplace(delta.id, delta.dense).second) {
      return CorruptError("side memory delta " + std::to_string(delta.id) + " given twice");
    }
  }
  std::size_t used = 0;
  auto take = [&](std::uint64_t id, SparseDelta& into) -> Status {
    auto it = by_id.find(id);
    if (it == by_id.end()) {
      return CorruptError("side memory delta " + std::to_string(id) + " is missing");
    }
    into = SparseFromDense(it->second);
    ++used;
    return Status::Ok();
  };
  for (Shard& shard : state.shards) ENGRAM_RETURN_IF_ERROR(take(shard.id, shard.delta));
  for (RoutedMemory& memory : state.memories) {
    if (memory.merged) ENGRAM_RETURN_IF_ERROR(take(kMergedDeltaBase + memory.id, memory.delta));
  }
  if (used != by_id.size()) return CorruptError("side memory: a delta no shard or memory uses");
  std::uint64_t previous = 0;
  for (const EditPiece& piece : edits) {
    ENGRAM_ASSIGN_OR_RETURN(JournalOp op, DecodeJournalOp(piece.bytes));
    if (op.kind != JournalOp::Kind::kEdit || op.record.id != piece.id || piece.id <= previous) {
      return CorruptError("side memory edit " + std::to_string(piece.id) +
                          ": the piece holds another edit or is out of order");
    }
    previous = piece.id;
    state.edits.push_back(op.record);
    state.journal.push_back(std::move(op));
  }
  ENGRAM_RETURN_IF_ERROR(CheckStateReferences(state));
  return state;
}

}  // namespace engram::compute::editing
