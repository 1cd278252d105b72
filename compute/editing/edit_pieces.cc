#include "compute/editing/edit_pieces.h"

#include <algorithm>
#include <map>

namespace engram::compute::editing {

std::string StateHeader(const SideMemoryState& state) {
  // Field by field rather than a copy of the state: the deltas are nearly all of its bytes.
  SideMemoryState skeleton;
  skeleton.options = state.options;
  skeleton.model_fingerprint = state.model_fingerprint;
  skeleton.gate_encoder = state.gate_encoder;
  skeleton.rows = state.rows;
  skeleton.cols = state.cols;
  skeleton.next_edit_id = state.next_edit_id;
  skeleton.next_shard_id = state.next_shard_id;
  skeleton.next_memory_id = state.next_memory_id;
  skeleton.open_shard = state.open_shard;
  for (const Shard& shard : state.shards) {
    skeleton.shards.push_back({shard.id, shard.mask_seed, shard.edits, {}});
  }
  for (const RoutedMemory& memory : state.memories) {
    skeleton.memories.push_back(
        {memory.id, memory.shards, memory.merged, {}, memory.threshold, memory.min_act});
  }
  return EncodeState(skeleton);
}

std::vector<EditPiece> EditPieces(const SideMemoryState& state) {
  std::vector<EditPiece> edits;
  for (const EditRecord& record : state.edits) {
    edits.push_back({record.id, EncodeJournalOp({JournalOp::Kind::kEdit, record})});
  }
  std::sort(edits.begin(), edits.end(),
            [](const EditPiece& a, const EditPiece& b) { return a.id < b.id; });
  return edits;
}

std::vector<std::pair<std::uint64_t, const SparseDelta*>> StateDeltas(
    const SideMemoryState& state) {
  std::vector<std::pair<std::uint64_t, const SparseDelta*>> deltas;
  for (const Shard& shard : state.shards) deltas.emplace_back(shard.id, &shard.delta);
  for (const RoutedMemory& memory : state.memories) {
    if (memory.merged) deltas.emplace_back(kMergedDeltaBase + memory.id, &memory.delta);
  }
  std::sort(deltas.begin(), deltas.end());
  return deltas;
}

StatePieces SplitState(const SideMemoryState& state) {
  StatePieces pieces;
  const std::size_t numel = static_cast<std::size_t>(state.rows) * state.cols;
  pieces.header = StateHeader(state);
  pieces.edits = EditPieces(state);
  for (const auto& [id, delta] : StateDeltas(state)) {
    pieces.deltas.push_back({id, DenseFromSparse(*delta, numel)});
  }
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
