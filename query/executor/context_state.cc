#include "query/executor/context_state.h"

#include <algorithm>
#include <set>

#include "query/executor/statement_helpers.h"

namespace engram::query::internal {
namespace {

using storage::RecordKind;

template <typename T>
std::span<const std::byte> AttrsOf(const T& record) {
  return std::span<const std::byte>(record.attrs.data(), record.attrs.size());
}

// The tensors a block record must hold, in order (format.md §12).
Status CheckBlockTensors(const std::vector<storage::TensorRef>& tensors, std::uint64_t id) {
  static constexpr const char* kNames[] = {"keys", "values", "chunk_keys", "tokens", "next"};
  bool ok = tensors.size() == std::size(kNames);
  for (std::size_t i = 0; ok && i < tensors.size(); ++i) ok = tensors[i].name == kNames[i];
  if (!ok) {
    return Status::Error(ErrorCode::kCorrupt,
                         "context block " + std::to_string(id) + " does not hold its five tensors");
  }
  return Status::Ok();
}

}  // namespace

protocol::ContextSettings SettingsOf(const ContextHeader& header) {
  protocol::ContextSettings s;
  s.layer = header.layer;
  s.chunk_tokens = header.chunk_tokens;
  s.window = header.window;
  s.cosine = header.cosine;
  return s;
}

Result<ContextView> ContextView::Load(const storage::ReadTxn& read, const storage::Tenant& tenant,
                                      std::string memory, storage::Version as_of,
                                      const storage::WriteBatch* batch) {
  ContextView view;
  view.read_ = &read;
  view.batch_ = batch;
  view.memory_ = std::move(memory);
  // Records of the store as of `as_of`, then the batch's changes over them.
  std::map<std::uint64_t, storage::Record> states, blocks;
  for (const auto& [kind, into] : {std::pair{RecordKind::kContextState, &states},
                                   std::pair{RecordKind::kContextChunk, &blocks}}) {
    ENGRAM_ASSIGN_OR_RETURN(std::vector<storage::Record> records,
                            read.List(tenant, view.memory_, kind, as_of));
    for (storage::Record& record : records) (*into)[record.key.id] = std::move(record);
  }
  std::set<std::uint64_t> pending_blocks;
  if (batch != nullptr) {
    for (const auto& [key, pending] : batch->pending()) {
      if (key.memory != view.memory_) continue;
      auto* into = key.kind == RecordKind::kContextState   ? &states
                   : key.kind == RecordKind::kContextChunk ? &blocks
                                                           : nullptr;
      if (into == nullptr) continue;
      if (pending.tombstone) {
        into->erase(key.id);
      } else {
        (*into)[key.id] = pending.record;
        if (key.kind == RecordKind::kContextChunk) pending_blocks.insert(key.id);
      }
    }
  }
  for (const auto& [id, record] : states) {
    if (id == kContextHeaderId) {
      ENGRAM_ASSIGN_OR_RETURN(ContextHeader header, DecodeContextHeader(AttrsOf(record)));
      view.header_ = header;
    } else {
      ENGRAM_ASSIGN_OR_RETURN(ContextWriteInfo info, DecodeContextWrite(AttrsOf(record)));
      view.writes_[id] = ContextWriteEntry{id, info, record.text};
    }
  }
  for (auto& [id, record] : blocks) {
    ENGRAM_ASSIGN_OR_RETURN(ContextBlockInfo info, DecodeContextBlock(AttrsOf(record)));
    ENGRAM_RETURN_IF_ERROR(CheckBlockTensors(record.tensors, id));
    view.blocks_[id] =
        ContextBlockEntry{id, info, std::move(record.tensors), pending_blocks.count(id) > 0};
  }
  if (!view.header_ && (!view.writes_.empty() || !view.blocks_.empty())) {
    return Status::Error(ErrorCode::kCorrupt,
                         "memory '" + view.memory_ + "' has context records but no header");
  }
  if (view.header_) {
    // The header's live counts are those of the blocks; a rollback past a purge restores a
    // header that still counts the purged blocks, and eviction must not go by those.
    view.header_->live_chunks = 0;
    view.header_->live_tokens = 0;
    for (const auto& [id, block] : view.blocks_) {
      view.header_->live_chunks += block.info.chunks;
      view.header_->live_tokens += block.info.tokens;
    }
  }
  return view;
}

protocol::ContextState ContextView::Spec() const {
  protocol::ContextState state;
  static constexpr char kHex[] = "0123456789abcdef";
  for (const std::uint8_t b : header_->uid) {
    state.memory_uid += kHex[b >> 4];
    state.memory_uid += kHex[b & 15];
  }
  state.settings = SettingsOf(*header_);
  for (const auto& [id, block] : blocks_) {
    protocol::ContextBlockRef ref;
    ref.id = id;
    ref.write = block.info.write;
    ref.token_offset = block.info.token_offset;
    ref.tokens = block.info.tokens;
    for (std::size_t t = 0; t < protocol::kContextBlockTensors; ++t) {
      ref.tensors[t] = block.tensors[t].hash;
    }
    state.blocks.push_back(ref);
  }
  return state;
}

Status ContextView::PutBlobs(ComputeLink& link, const std::vector<Hash128>& missing) const {
  std::set<std::pair<std::uint64_t, std::uint64_t>> wanted;
  for (const Hash128& h : missing) wanted.insert({h.high, h.low});
  for (const auto& [id, block] : blocks_) {
    for (const storage::TensorRef& tensor : block.tensors) {
      if (!wanted.erase({tensor.hash.high, tensor.hash.low})) continue;
      const auto* pending =
          block.pending ? batch_->Find(storage::RecordKey{memory_, RecordKind::kContextChunk, id})
                        : nullptr;
      ENGRAM_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes,
                              RecordTensorBytes(*read_, pending, tensor));
      ENGRAM_ASSIGN_OR_RETURN(Hash128 hash, link.BlobPut(bytes));
      if (hash != tensor.hash) {
        return Status::Error(ErrorCode::kCorrupt, "context tensor hash mismatch");
      }
    }
  }
  return Status::Ok();
}

Result<protocol::ContextReadResult> ReadContext(ComputeLink& link, const ContextView& view,
                                                const std::string& query, std::uint32_t top_k) {
  const protocol::ContextState state = view.Spec();
  for (int round = 0; round < 2; ++round) {
    ENGRAM_ASSIGN_OR_RETURN(protocol::ContextReadResult result,
                            link.ContextRead(state, query, top_k));
    if (result.need == 0) return result;
    if (round == 0) ENGRAM_RETURN_IF_ERROR(view.PutBlobs(link, result.missing));
  }
  return Status::Error(
      ErrorCode::kCompute,
      "the co-process could not load the context of memory '" + view.memory() + "'");
}

}  // namespace engram::query::internal
