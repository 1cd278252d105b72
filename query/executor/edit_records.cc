#include "query/executor/edit_records.h"

#include <cstring>
#include <set>

#include "query/executor/attrs_codec.h"
#include "query/executor/statement_helpers.h"

namespace engram::query::internal {
namespace {

using storage::RecordKind;

constexpr char kMagic[4] = {'E', 'D', 'H', 'D'};
constexpr std::uint32_t kEditHeaderFormat = 1;
constexpr std::size_t kFixedBytes = 4 + 4 + 16 + 4 + 8;  // magic .. length, checksum
constexpr int kRounds = 3;                               // key, complete state, blobs

Status Corrupt(const std::string& what) {
  return Status::Error(ErrorCode::kCorrupt, "edit header record: " + what);
}

std::string AttrsText(const std::vector<std::byte>& attrs) {
  return std::string(reinterpret_cast<const char*>(attrs.data()), attrs.size());
}

// The request with the state `view` names (key only, or complete).
template <typename Call>
auto WithState(ComputeLink& link, EditView& view, const Call& call)
    -> decltype(call(view.Spec(false))) {
  bool complete = false;
  for (int round = 0; round < kRounds; ++round) {
    if (complete) ENGRAM_RETURN_IF_ERROR(view.LoadPieces());
    auto result = call(view.Spec(complete));
    if (!result.ok()) return result.status();
    switch (result->need) {
      case protocol::EditNeed::kNothing:
        return result;
      case protocol::EditNeed::kState:
        if (complete) break;
        complete = true;
        continue;
      case protocol::EditNeed::kBlobs:
        complete = true;
        ENGRAM_RETURN_IF_ERROR(view.PutBlobs(link, result->missing));
        continue;
    }
    break;
  }
  std::uint64_t bytes = 0;
  for (const auto& [id, delta] : view.deltas()) bytes += delta.tensor.nbytes;
  return Status::Error(ErrorCode::kCompute,
                       "the co-process could not load the edits of memory '" + view.memory() +
                           "': it kept asking for their " + std::to_string(view.deltas().size()) +
                           " deltas (" + std::to_string(bytes >> 10) +
                           " KiB); is its blob cache (serve --blob-cache) smaller than that?");
}

}  // namespace

std::vector<std::byte> EncodeEditHeader(const EditHeader& h) {
  ByteWriter w;
  w.PutBytes(kMagic, sizeof(kMagic));
  w.Put<std::uint32_t>(kEditHeaderFormat);
  w.Put<std::uint64_t>(h.key.high);
  w.Put<std::uint64_t>(h.key.low);
  w.Put<std::uint32_t>(static_cast<std::uint32_t>(h.state_header.size()));
  w.PutBytes(h.state_header.data(), h.state_header.size());
  return w.FinishWithChecksum();
}

Result<EditHeader> DecodeEditHeader(std::span<const std::byte> bytes) {
  if (bytes.size() < kFixedBytes) return Corrupt("too short");
  Result<ByteReader> opened = OpenAttrs(bytes, kMagic, kEditHeaderFormat);
  if (!opened.ok()) return Corrupt(opened.status().message());
  ByteReader& r = *opened;
  std::uint32_t size = 0;
  EditHeader h;
  r.Get(&h.key.high);
  r.Get(&h.key.low);
  r.Get(&size);
  if (r.remaining() != size) return Corrupt("the state header's length does not match");
  h.state_header.resize(size);
  r.GetBytes(h.state_header.data(), size);
  return h;
}

Result<EditView> EditView::Load(const storage::ReadTxn& read, const storage::Tenant& tenant,
                                std::string memory, storage::Version as_of,
                                const storage::WriteBatch* batch, bool with_pieces) {
  EditView view(tenant);
  view.read_ = &read;
  view.batch_ = batch;
  view.memory_ = std::move(memory);
  view.as_of_ = as_of;
  std::map<std::uint64_t, storage::Record> states;
  ENGRAM_RETURN_IF_ERROR(view.ReadKind(RecordKind::kEditState, states, nullptr, nullptr));
  if (auto it = states.find(kEditHeaderId); it != states.end()) {
    ENGRAM_ASSIGN_OR_RETURN(EditHeader header, DecodeEditHeader(it->second.attrs));
    view.header_ = std::move(header);
  }
  if (with_pieces) ENGRAM_RETURN_IF_ERROR(view.LoadPieces());
  return view;
}

Status EditView::ReadKind(RecordKind kind, std::map<std::uint64_t, storage::Record>& into,
                          std::set<std::uint64_t>* pending, std::set<std::uint64_t>* stored) const {
  ENGRAM_ASSIGN_OR_RETURN(std::vector<storage::Record> records,
                          read_->List(tenant_, memory_, kind, as_of_));
  for (storage::Record& record : records) {
    if (stored != nullptr) stored->insert(record.key.id);
    into[record.key.id] = std::move(record);
  }
  if (batch_ == nullptr) return Status::Ok();
  for (const auto& [key, change] : batch_->pending()) {
    if (key.memory != memory_ || key.kind != kind) continue;
    if (change.tombstone) {
      into.erase(key.id);
    } else {
      into[key.id] = change.record;
      if (pending != nullptr) pending->insert(key.id);
    }
  }
  return Status::Ok();
}

Status EditView::LoadPieces() {
  if (pieces_loaded_) return Status::Ok();
  std::map<std::uint64_t, storage::Record> edits, deltas;
  std::set<std::uint64_t> pending_edits, pending_deltas, stored_edits, stored_deltas;
  ENGRAM_RETURN_IF_ERROR(ReadKind(RecordKind::kEditEntry, edits, &pending_edits, &stored_edits));
  ENGRAM_RETURN_IF_ERROR(ReadKind(RecordKind::kEditDelta, deltas, &pending_deltas, &stored_deltas));
  for (auto& [id, record] : edits) {
    edits_[id] = EditEntry{std::move(record.text), AttrsText(record.attrs),
                           pending_edits.count(id) > 0, stored_edits.count(id) > 0};
  }
  for (auto& [id, record] : deltas) {
    if (record.tensors.size() != 1 || record.tensors[0].name != "delta" ||
        record.tensors[0].dtype != storage::DType::kF32) {
      return Status::Error(ErrorCode::kCorrupt,
                           "edit delta " + std::to_string(id) + " does not hold its tensor");
    }
    deltas_[id] = EditDelta{std::move(record.tensors[0]), pending_deltas.count(id) > 0,
                            stored_deltas.count(id) > 0};
  }
  if (!header_ && (!edits_.empty() || !deltas_.empty())) {
    return Status::Error(ErrorCode::kCorrupt,
                         "memory '" + memory_ + "' has edit records but no header");
  }
  pieces_loaded_ = true;
  return Status::Ok();
}

protocol::EditStateSpec EditView::Spec(bool complete) const {
  protocol::EditStateSpec spec;
  spec.key = header_->key;
  spec.complete = complete;
  if (!complete) return spec;
  spec.header = header_->state_header;
  for (const auto& [id, entry] : edits_) spec.edits.push_back({id, entry.bytes});
  for (const auto& [id, delta] : deltas_) spec.deltas.push_back({id, delta.tensor.hash});
  return spec;
}

Status EditView::PutBlobs(ComputeLink& link, const std::vector<Hash128>& missing) const {
  std::set<std::pair<std::uint64_t, std::uint64_t>> wanted;
  for (const Hash128& h : missing) wanted.insert({h.high, h.low});
  for (const auto& [id, delta] : deltas_) {
    if (!wanted.erase({delta.tensor.hash.high, delta.tensor.hash.low})) continue;
    const auto* change = delta.pending
                             ? batch_->Find(storage::RecordKey{memory_, RecordKind::kEditDelta, id})
                             : nullptr;
    ENGRAM_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes,
                            RecordTensorBytes(*read_, change, delta.tensor));
    ENGRAM_ASSIGN_OR_RETURN(Hash128 hash, link.BlobPut(bytes));
    if (hash != delta.tensor.hash) {
      return Status::Error(ErrorCode::kCorrupt, "edit delta hash mismatch");
    }
  }
  return Status::Ok();
}

Result<protocol::EditApplyResult> ApplyEdit(ComputeLink& link, EditView& view,
                                            protocol::EditApplyParams params) {
  if (!view.exists()) return link.EditApply(params);
  return WithState(link, view, [&](protocol::EditStateSpec spec) {
    params.state = std::move(spec);
    return link.EditApply(params);
  });
}

Result<protocol::EditRouteResult> RouteEdits(ComputeLink& link, EditView& view,
                                             const std::string& prompt, std::uint32_t top_k) {
  return WithState(link, view, [&](const protocol::EditStateSpec& spec) {
    return link.EditRoute(spec, prompt, top_k);
  });
}

}  // namespace engram::query::internal
