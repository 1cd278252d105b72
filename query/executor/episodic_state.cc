#include "query/executor/episodic_state.h"

#include <map>
#include <set>
#include <span>

namespace engram::query::internal {
namespace {

using storage::RecordKey;
using storage::RecordKind;

RecordKey EntryKey(const std::string& memory, std::uint64_t id) {
  return RecordKey{memory, RecordKind::kEpisodicEntry, id};
}

// A guard against a co-process that keeps asking: each need of each state is answered once.
constexpr int kMaxRounds = 3;

// Calls `call(specs)` with the light form of every view's state, then answers the co-process's
// needs one state at a time (its complete form, then its checkpoint blobs) until it is done.
// `need_state` of a reply says which state a need concerns.
template <typename Reply, typename Call>
Result<Reply> WithNeeds(ComputeLink& link, std::span<const EpisodicView* const> views,
                        const Call& call) {
  std::vector<EpisodicStateSpec> specs;
  for (const EpisodicView* view : views) {
    ENGRAM_ASSIGN_OR_RETURN(EpisodicStateSpec spec, view->Spec(/*complete=*/false));
    specs.push_back(std::move(spec));
  }
  std::vector<bool> blobs_sent(views.size(), false);
  const std::size_t max_rounds = kMaxRounds * views.size();
  for (std::size_t round = 0; round < max_rounds; ++round) {
    ENGRAM_ASSIGN_OR_RETURN(Reply reply, call(specs));
    if (reply.need == EpisodicNeed::kNothing) return reply;
    std::size_t i = 0;
    if constexpr (requires { reply.need_state; }) i = reply.need_state;
    if (i >= views.size()) break;
    if (reply.need == EpisodicNeed::kCompleteState && !specs[i].complete) {
      ENGRAM_ASSIGN_OR_RETURN(specs[i], views[i]->Spec(/*complete=*/true));
      continue;
    }
    if (reply.need == EpisodicNeed::kCheckpointBlobs && specs[i].complete && !blobs_sent[i]) {
      ENGRAM_RETURN_IF_ERROR(views[i]->PutCheckpoint(link));
      blobs_sent[i] = true;
      continue;
    }
    break;
  }
  return Status::Error(ErrorCode::kCompute,
                       "the co-process could not rebuild the episodic state of memory '" +
                           views.front()->memory() + "'");
}

}  // namespace

Result<EpisodicView> EpisodicView::Load(const storage::ReadTxn& read, const storage::Tenant& tenant,
                                        std::string memory, storage::Version as_of,
                                        const storage::WriteBatch* batch) {
  EpisodicView view;
  view.read_ = &read;
  view.batch_ = batch;
  view.tenant_ = tenant;
  view.memory_ = std::move(memory);
  view.as_of_ = as_of;
  ENGRAM_ASSIGN_OR_RETURN(
      std::optional<storage::Record> header,
      view.GetRecord(RecordKey{view.memory_, RecordKind::kEpisodicState, kEpisodicHeaderId},
                     as_of));
  if (!header) return view;
  ENGRAM_ASSIGN_OR_RETURN(EpisodicHeader decoded, DecodeEpisodicHeader(header->attrs));
  view.header_ = std::move(decoded);
  const RecordKey checkpoint_key{view.memory_, RecordKind::kEpisodicState, kEpisodicCheckpointId};
  view.checkpoint_pending_ = batch != nullptr && batch->Find(checkpoint_key) != nullptr;
  ENGRAM_ASSIGN_OR_RETURN(view.checkpoint_, view.GetRecord(checkpoint_key, as_of));
  if (view.checkpoint_) {
    const auto& tensors = view.checkpoint_->tensors;
    const std::vector<EpisodicCheckpointTensor> parts = EpisodicCheckpointTensors(*view.header_);
    bool matches = tensors.size() == parts.size();
    for (std::size_t i = 0; matches && i < parts.size(); ++i) {
      matches = tensors[i].name == parts[i].name && tensors[i].dtype == storage::DType::kF64 &&
                tensors[i].shape == parts[i].shape;
    }
    if (!matches) {
      return Status::Error(ErrorCode::kCorrupt, "episodic checkpoint of memory '" + view.memory_ +
                                                    "' does not match its header's settings");
    }
  }
  return view;
}

Result<std::optional<storage::Record>> EpisodicView::GetRecord(const RecordKey& key,
                                                               storage::Version as_of) const {
  if (batch_ != nullptr && as_of == as_of_) {
    if (const auto* pending = batch_->Find(key)) {
      if (pending->tombstone) return std::optional<storage::Record>();
      return std::optional<storage::Record>(pending->record);
    }
  }
  return read_->Get(tenant_, key, as_of);
}

Result<std::optional<EpisodicEntry>> EpisodicView::Entry(std::uint64_t id) const {
  const RecordKey key = EntryKey(memory_, id);
  ENGRAM_ASSIGN_OR_RETURN(std::optional<storage::Record> record, GetRecord(key, as_of_));
  if (!record) return std::optional<EpisodicEntry>();
  const bool pending = batch_ != nullptr && batch_->Find(key) != nullptr;
  return std::optional<EpisodicEntry>(
      EpisodicEntry{id, std::move(record->text), pending ? 0 : record->version});
}

Result<std::vector<EpisodicEntry>> EpisodicView::LiveEntries() const {
  ENGRAM_ASSIGN_OR_RETURN(std::vector<storage::Record> records,
                          read_->List(tenant_, memory_, RecordKind::kEpisodicEntry, as_of_));
  std::map<std::uint64_t, EpisodicEntry> live;
  for (storage::Record& record : records) {
    live[record.key.id] = EpisodicEntry{record.key.id, std::move(record.text), record.version};
  }
  if (batch_ != nullptr) {
    for (const auto& [key, pending] : batch_->pending()) {
      if (key.memory != memory_ || key.kind != RecordKind::kEpisodicEntry) continue;
      if (pending.tombstone) {
        live.erase(key.id);
      } else {
        live[key.id] = EpisodicEntry{key.id, pending.record.text, 0};
      }
    }
  }
  std::vector<EpisodicEntry> entries;
  entries.reserve(live.size());
  for (auto& [id, entry] : live) entries.push_back(std::move(entry));
  return entries;
}

Result<EpisodicStateSpec> EpisodicView::Spec(bool complete) const {
  // An older version's journal may name a fact purged since (a rollback refuses to restore
  // such a version; a purge racing the rollback can still leave one).
  auto PurgedError = [&](std::uint64_t id) {
    return Status::Error(ErrorCode::kNotFound,
                         "fact " + std::to_string(id) + " of memory '" + memory_ +
                             "' was purged: this version of the memory's episodic state can no "
                             "longer be rebuilt");
  };
  EpisodicStateSpec spec;
  spec.memory_uid = UidHex(header_->uid);
  spec.settings = SettingsOf(*header_);
  if (checkpoint_) {
    for (const storage::TensorRef& tensor : checkpoint_->tensors) {
      spec.checkpoint.push_back(tensor.hash);
    }
  }
  for (const EpisodicJournalOp& op : header_->ops) spec.ops.push_back(WireOp(op));
  spec.complete = complete;
  if (!complete) return spec;
  ENGRAM_ASSIGN_OR_RETURN(std::vector<EpisodicEntry> live, LiveEntries());
  std::set<std::uint64_t> have;
  for (EpisodicEntry& entry : live) {
    have.insert(entry.id);
    spec.texts.push_back(EpisodicText{entry.id, std::move(entry.text)});
  }
  for (const EpisodicJournalOp& op : header_->ops) {
    if (!op.forget) continue;
    for (std::size_t i = 0; i < op.ids.size(); ++i) {
      if (!have.insert(op.ids[i]).second) continue;
      ENGRAM_ASSIGN_OR_RETURN(std::optional<storage::Record> record,
                              read_->Get(tenant_, EntryKey(memory_, op.ids[i]), op.versions[i]));
      if (!record) return PurgedError(op.ids[i]);
      spec.texts.push_back(EpisodicText{op.ids[i], std::move(record->text)});
    }
  }
  for (const EpisodicJournalOp& op : header_->ops) {
    for (std::uint64_t id : op.ids) {
      if (have.count(id) == 0) return PurgedError(id);
    }
  }
  return spec;
}

Status EpisodicView::PutCheckpoint(ComputeLink& link) const {
  if (!checkpoint_) return Status::Ok();
  for (const storage::TensorRef& tensor : checkpoint_->tensors) {
    std::span<const std::uint8_t> bytes;
    std::optional<storage::TensorView> view;
    if (checkpoint_pending_) {
      const auto* pending =
          batch_->Find(RecordKey{memory_, RecordKind::kEpisodicState, kEpisodicCheckpointId});
      for (const auto& [hash, piece] : pending->pieces) {
        if (hash == tensor.hash) {
          bytes = {reinterpret_cast<const std::uint8_t*>(piece.data()), piece.size()};
        }
      }
      if (bytes.empty()) return InternalError("pending checkpoint tensor without its bytes");
    } else {
      ENGRAM_ASSIGN_OR_RETURN(storage::TensorView tensor_view, read_->Tensor(tensor));
      view.emplace(std::move(tensor_view));
      bytes = {static_cast<const std::uint8_t*>(view->data()), view->size()};
    }
    ENGRAM_ASSIGN_OR_RETURN(Hash128 hash, link.BlobPut(bytes));
    if (hash != tensor.hash) {
      return Status::Error(ErrorCode::kCorrupt, "checkpoint tensor hash mismatch");
    }
  }
  return Status::Ok();
}

EpisodicSettings SettingsOf(const EpisodicHeader& header) {
  EpisodicSettings settings;
  settings.slots = header.slots;
  settings.code_width = header.code_width;
  settings.ridge = header.ridge;
  settings.seed = header.seed;
  settings.encoder_version = header.encoder_version;
  return settings;
}

EpisodicOp WireOp(const EpisodicJournalOp& op) {
  // A write's second field is its texts' XXH3-64 (format.md §11): the wire op's tags.
  return EpisodicOp{op.forget, op.ids, op.forget ? std::vector<std::uint64_t>{} : op.versions};
}

Result<EpisodicApplyResult> ApplyEpisodic(ComputeLink& link, const EpisodicView& view,
                                          const std::vector<EpisodicOp>& ops,
                                          const std::vector<EpisodicText>& texts, bool checkpoint) {
  const EpisodicView* views[] = {&view};
  return WithNeeds<EpisodicApplyResult>(
      link, views, [&](const std::vector<EpisodicStateSpec>& specs) {
        return link.EpisodicApply(specs.front(), ops, texts, checkpoint);
      });
}

Result<EpisodicReadResult> ReadEpisodic(ComputeLink& link, const EpisodicView& view,
                                        const EpisodicReadParams& params) {
  const EpisodicView* views[] = {&view};
  return ReadEpisodic(link, views, params);
}

Result<EpisodicReadResult> ReadEpisodic(ComputeLink& link,
                                        std::span<const EpisodicView* const> views,
                                        const EpisodicReadParams& params) {
  return WithNeeds<EpisodicReadResult>(link, views,
                                       [&](const std::vector<EpisodicStateSpec>& specs) {
                                         EpisodicReadParams with_states = params;
                                         with_states.more.assign(specs.begin() + 1, specs.end());
                                         return link.EpisodicRead(specs.front(), with_states);
                                       });
}

}  // namespace engram::query::internal
