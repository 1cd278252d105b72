// WRITE facts, READ, FORGET (docs/query-language.md §5.3, §5.7, §5.8) and the recall behind
// GENERATE … USING (§5.9): the episodic memory (Larimar; docs/episodic.md). The math runs in
// the co-process; this file keeps the records of docs/format.md §11.
#include <algorithm>
#include <utility>

#include <xxhash.h>

#include "compute/episodic/ngram_encoder.h"
#include "query/executor/episodic_state.h"
#include "query/executor/executor.h"
#include "query/executor/memory_options.h"
#include "query/executor/statement_helpers.h"

namespace engram::query {
namespace {

using internal::At;
using internal::EpisodicEntry;
using internal::EpisodicView;
using internal::Pos;
using storage::RecordKey;
using storage::RecordKind;

// Longest fact or query, in bytes (LIMIT beyond): far above any sentence, small enough that
// a WRITE of 1024 facts stays a modest frame.
constexpr std::size_t kMaxFactBytes = 16 * 1024;
// Guides a GENERATE takes from one memory's readout (the best in-scope facts).
constexpr std::uint32_t kGuidesPerMemory = 3;
// Reference memory seed of every episodic memory (recorded in its header): addresses depend
// on it, and one shared value lets the co-process build one reference memory per K.
constexpr std::uint64_t kReferenceSeed = 1;

RecordKey EntryKey(const std::string& memory, std::uint64_t id) {
  return RecordKey{memory, RecordKind::kEpisodicEntry, id};
}

// SYNTAX/LIMIT for a fact or query the memory cannot take.
Status CheckText(const Text& text, std::string_view what) {
  if (text.value.size() > kMaxFactBytes) {
    return Status::Error(ErrorCode::kLimit,
                         std::string(what) + " is " + std::to_string(text.value.size()) +
                             " bytes; the limit is " + std::to_string(kMaxFactBytes),
                         Pos(text.position));
  }
  if (compute::episodic::NormalisedWords(text.value).empty()) {
    return Status::Error(ErrorCode::kSyntax,
                         std::string(what) + " has no words (letters or digits) to be recalled by",
                         Pos(text.position));
  }
  return Status::Ok();
}

storage::RecordData HeaderRecord(const EpisodicHeader& header) {
  storage::RecordData data;
  data.attrs = EncodeEpisodicHeader(header);
  return data;
}

}  // namespace

Result<ComputeLink*> Executor::Link(std::size_t position) const {
  if (!options_.compute) {
    return Status::Error(ErrorCode::kCompute,
                         "this statement needs the model co-process, and this session has none",
                         Pos(position));
  }
  Result<ComputeLink*> link = options_.compute();
  if (!link.ok())
    return Status::Error(link.status().code(), link.status().message(), Pos(position));
  return link;
}

Result<MemorySettings> Executor::BoundMemory(const storage::ReadTxn& read, const Name& memory,
                                             ComputeLink& link) const {
  ENGRAM_RETURN_IF_ERROR(RequireMemory(read, memory));
  const RecordKey key = internal::MemoryKey(memory.value);
  std::string attrs;
  const auto* pending = txn_ ? txn_->batch.Find(key) : nullptr;
  if (pending != nullptr) {
    attrs.assign(reinterpret_cast<const char*>(pending->record.attrs.data()),
                 pending->record.attrs.size());
  } else {
    ENGRAM_ASSIGN_OR_RETURN(std::optional<storage::Record> record,
                            read.Get(options_.tenant, key, StateVersion()));
    if (!record) return InternalError("memory record vanished");
    attrs.assign(reinterpret_cast<const char*>(record->attrs.data()), record->attrs.size());
  }
  ENGRAM_ASSIGN_OR_RETURN(MemorySettings settings, DecodeMemoryAttrs(attrs));
  if (!settings.model_fingerprint.empty()) {
    Result<ModelInfo> model = link.Model();
    if (!model.ok()) return At(model.status(), "model", memory.position);
    if (model->fingerprint != settings.model_fingerprint) {
      return Status::Error(ErrorCode::kModel,
                           "memory '" + memory.value + "' was built with model " +
                               settings.model_fingerprint + "; the co-process serves " +
                               model->fingerprint,
                           Pos(memory.position));
    }
  }
  return settings;
}

Status Executor::BindMemoryToModel(const storage::ReadTxn& read, const std::string& memory,
                                   ComputeLink& link, storage::WriteBatch& batch) const {
  Result<ModelInfo> model = link.Model();
  if (!model.ok()) return model.status();
  const RecordKey key = internal::MemoryKey(memory);
  storage::RecordData data;
  if (const auto* pending = batch.Find(key)) {
    data.attrs = pending->record.attrs;
  } else {
    ENGRAM_ASSIGN_OR_RETURN(std::optional<storage::Record> record,
                            read.Get(options_.tenant, key, StateVersion()));
    if (!record) return InternalError("memory record vanished");
    data.attrs = std::move(record->attrs);
  }
  ENGRAM_ASSIGN_OR_RETURN(
      std::string bound,
      BindMemoryAttrs(
          std::string_view(reinterpret_cast<const char*>(data.attrs.data()), data.attrs.size()),
          model->fingerprint));
  data.attrs.assign(reinterpret_cast<const std::byte*>(bound.data()),
                    reinterpret_cast<const std::byte*>(bound.data()) + bound.size());
  return batch.Put(key, std::move(data));
}

Result<internal::EpisodicView> Executor::LoadEpisodic(const storage::ReadTxn& read,
                                                      const std::string& memory) const {
  return EpisodicView::Load(read, options_.tenant, memory, StateVersion(),
                            txn_ ? &txn_->batch : nullptr);
}

Result<StatementResult> Executor::WriteFacts(const WriteFactsStatement& write,
                                             std::string_view text, std::size_t position) {
  for (const Text& fact : write.facts) ENGRAM_RETURN_IF_ERROR(CheckText(fact, "the fact"));
  ENGRAM_ASSIGN_OR_RETURN(ComputeLink * link, Link(position));
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  ENGRAM_ASSIGN_OR_RETURN(MemorySettings settings, BoundMemory(read, write.memory, *link));
  ENGRAM_ASSIGN_OR_RETURN(EpisodicView view, LoadEpisodic(read, write.memory.value));
  if (!view.exists()) {
    EpisodicHeader header;
    header.slots = static_cast<std::uint32_t>(settings.slots);
    header.code_width = compute::episodic::kDefaultCodeDim;
    header.ridge = settings.ridge;
    header.seed = kReferenceSeed;
    header.encoder_version = compute::episodic::kEncoderVersion;
    header.checkpoint_every = static_cast<std::uint32_t>(settings.checkpoint_every);
    header.uid = NewUid();
    view.StartWith(std::move(header));
  }
  EpisodicHeader header = view.header();
  // Ids are never reused, also after a rollback restored an older header: continue after the
  // largest id ever stored (the co-process's state keys rely on an id naming one text).
  ENGRAM_ASSIGN_OR_RETURN(
      std::optional<std::uint64_t> max_id,
      read.MaxRecordId(options_.tenant, write.memory.value, RecordKind::kEpisodicEntry));
  if (max_id && *max_id >= header.next_id) header.next_id = *max_id + 1;
  if (txn_) {  // entries pending in the transaction are not in the store yet
    for (const auto& [key, pending] : txn_->batch.pending()) {
      if (key.memory == write.memory.value && key.kind == RecordKind::kEpisodicEntry &&
          key.id >= header.next_id) {
        header.next_id = key.id + 1;
      }
    }
  }
  EpisodicJournalOp op;
  std::vector<EpisodicText> texts;
  for (const Text& fact : write.facts) {
    op.ids.push_back(header.next_id + op.ids.size());
    op.versions.push_back(XXH3_64bits(fact.value.data(), fact.value.size()));
    texts.push_back(EpisodicText{op.ids.back(), fact.value});
  }
  const bool checkpoint = header.ops.size() + 1 >= header.checkpoint_every;
  Result<EpisodicApplyResult> applied =
      internal::ApplyEpisodic(*link, view, {internal::WireOp(op)}, texts, checkpoint);
  if (!applied.ok()) return At(applied.status(), "WRITE", position);

  storage::WriteBatch next = StartBatch(read.head());
  for (std::size_t i = 0; i < write.facts.size(); ++i) {
    storage::RecordData entry;
    entry.text = write.facts[i].value;
    ENGRAM_RETURN_IF_ERROR(next.Put(EntryKey(write.memory.value, op.ids[i]), std::move(entry)));
  }
  header.next_id += op.ids.size();
  if (settings.model_fingerprint.empty()) {
    // A memory created before the database's model was known is bound by its first WRITE.
    ENGRAM_RETURN_IF_ERROR(BindMemoryToModel(read, write.memory.value, *link, next));
  }
  ENGRAM_RETURN_IF_ERROR(AddEpisodicState(*link, *applied, checkpoint, std::move(op), header,
                                          write.memory.value, next));
  StatementResult result = internal::Named("WRITE");
  internal::EndSnapshot(read);
  ENGRAM_RETURN_IF_ERROR(FinishBatch(std::move(next), text, result));
  result.Add("id", header.next_id - write.facts.size())
      .Add("facts", std::uint64_t{write.facts.size()});
  return result;
}

Status Executor::AddEpisodicState(ComputeLink& link, const EpisodicApplyResult& applied,
                                  bool checkpoint, EpisodicJournalOp op, EpisodicHeader& header,
                                  const std::string& memory, storage::WriteBatch& batch) const {
  if (checkpoint) {
    ENGRAM_RETURN_IF_ERROR(WriteCheckpoint(link, applied, header, memory, batch));
  } else {
    header.ops.push_back(std::move(op));
  }
  return batch.Put(RecordKey{memory, RecordKind::kEpisodicState, kEpisodicHeaderId},
                   HeaderRecord(header));
}

Status Executor::WriteCheckpoint(ComputeLink& link, const EpisodicApplyResult& applied,
                                 EpisodicHeader& header, const std::string& memory,
                                 storage::WriteBatch& batch) const {
  const std::vector<EpisodicCheckpointTensor> parts = EpisodicCheckpointTensors(header);
  if (applied.checkpoint.size() != parts.size()) {
    return InternalError("the co-process returned no checkpoint");
  }
  storage::RecordData data;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const EpisodicCheckpointTensor& part = parts[i];
    ENGRAM_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes, link.BlobGet(applied.checkpoint[i]));
    if (bytes.size() != part.shape[0] * part.shape[1] * sizeof(double)) {
      return Status::Error(ErrorCode::kCompute, "checkpoint tensor of the wrong size");
    }
    data.tensors.push_back(storage::TensorData::Copy(part.name, storage::DType::kF64, part.shape,
                                                     bytes.data(), bytes.size()));
  }
  data.attrs.resize(8);  // u64 operations included: informational (format.md §11)
  header.ops.clear();
  return batch.Put(RecordKey{memory, RecordKind::kEpisodicState, kEpisodicCheckpointId},
                   std::move(data));
}

Result<StatementResult> Executor::ReadFacts(const ReadFactsStatement& statement,
                                            std::size_t position) {
  if (statement.query.value.size() > kMaxFactBytes) {
    return CheckText(statement.query, "the query");
  }
  ENGRAM_ASSIGN_OR_RETURN(ComputeLink * link, Link(position));
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  // The memories in order (the first's settings give the scope threshold); those without
  // episodic records hold no facts and are left out of the read.
  std::vector<const Name*> names = {&statement.memory};
  for (const Name& more : statement.more) names.push_back(&more);
  std::vector<EpisodicView> views;
  std::vector<const Name*> read_names;
  double scope_threshold = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    ENGRAM_ASSIGN_OR_RETURN(MemorySettings settings, BoundMemory(read, *names[i], *link));
    if (i == 0) scope_threshold = settings.scope_threshold;
    ENGRAM_ASSIGN_OR_RETURN(EpisodicView view, LoadEpisodic(read, names[i]->value));
    if (!view.exists()) continue;
    views.push_back(std::move(view));
    read_names.push_back(names[i]);
  }
  const bool several = !statement.more.empty();
  StatementResult result = internal::Named("READ");
  result.has_rows = true;
  result.columns = several ? std::vector<std::string>{"memory", "id", "text", "score"}
                           : std::vector<std::string>{"id", "text", "score"};
  if (views.empty()) {
    result.Add("in_scope", false).Add("scope_score", 0.0);
    return result;
  }
  EpisodicReadParams params;
  params.queries = {statement.query.value};
  params.top_k = statement.top ? static_cast<std::uint32_t>(statement.top->value) : 5;
  params.scope_threshold = scope_threshold;
  std::vector<const EpisodicView*> view_pointers;
  for (const EpisodicView& view : views) view_pointers.push_back(&view);
  Result<EpisodicReadResult> recalled = internal::ReadEpisodic(*link, view_pointers, params);
  if (!recalled.ok()) return At(recalled.status(), "READ", position);
  if (recalled->results.size() != 1) return InternalError("READ: one result per query expected");
  const EpisodicRecall& recall = recalled->results[0];
  result.Add("in_scope", recall.in_scope).Add("scope_score", recall.scope_score);
  for (std::size_t i = 0; i < recall.ids.size(); ++i) {
    const std::size_t m = recall.memories.empty() ? 0 : recall.memories[i];
    if (m >= views.size()) return InternalError("READ: the co-process named an unknown memory");
    ENGRAM_ASSIGN_OR_RETURN(std::optional<EpisodicEntry> entry, views[m].Entry(recall.ids[i]));
    if (!entry) return InternalError("READ: the co-process named a fact that is not live");
    std::vector<Value> row;
    if (several) row.push_back(Value(read_names[m]->value));
    row.push_back(Value(entry->id));
    row.push_back(Value(std::move(entry->text)));
    row.push_back(Value(i < recall.scores.size() ? recall.scores[i] : 0.0));
    result.rows.push_back(std::move(row));
  }
  return result;
}

Result<StatementResult> Executor::ForgetFacts(const ForgetTarget& target, std::string_view text,
                                              std::size_t position) {
  if (target.purge.value) {
    ENGRAM_RETURN_IF_ERROR(ForbidInTransaction("FORGET ... PURGE", target.purge.position));
  }
  ENGRAM_ASSIGN_OR_RETURN(ComputeLink * link, Link(position));
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  ENGRAM_ASSIGN_OR_RETURN(MemorySettings settings, BoundMemory(read, target.memory, *link));
  (void)settings;
  ENGRAM_ASSIGN_OR_RETURN(EpisodicView view, LoadEpisodic(read, target.memory.value));
  std::vector<EpisodicEntry> forgotten;
  std::size_t at = target.memory.position;
  if (target.id) {
    at = target.id->position;
    if (view.exists()) {
      ENGRAM_ASSIGN_OR_RETURN(std::optional<EpisodicEntry> entry, view.Entry(target.id->value));
      if (entry) forgotten.push_back(std::move(*entry));
    }
    if (forgotten.empty()) {
      return Status::Error(ErrorCode::kNotFound,
                           "memory '" + target.memory.value + "' has no fact with id " +
                               std::to_string(target.id->value),
                           Pos(at));
    }
  } else {
    at = target.fact->position;
    if (view.exists()) {
      ENGRAM_ASSIGN_OR_RETURN(std::vector<EpisodicEntry> live, view.LiveEntries());
      for (EpisodicEntry& entry : live) {
        if (entry.text == target.fact->value) forgotten.push_back(std::move(entry));
      }
    }
    if (forgotten.empty()) {
      return Status::Error(
          ErrorCode::kNotFound,
          "memory '" + target.memory.value + "' has no fact with exactly this text", Pos(at));
    }
  }
  EpisodicJournalOp op;
  op.forget = true;
  for (const EpisodicEntry& entry : forgotten) {
    if (entry.version == 0) {
      return Status::Error(ErrorCode::kConflict,
                           "fact " + std::to_string(entry.id) +
                               " was written in this transaction; COMMIT before forgetting it",
                           Pos(at));
    }
    op.ids.push_back(entry.id);
    op.versions.push_back(entry.version);
  }
  EpisodicHeader header = view.header();
  // PURGE deletes the texts: the head state must not need them, so it starts a checkpoint.
  const bool checkpoint = target.purge.value || header.ops.size() + 1 >= header.checkpoint_every;
  Result<EpisodicApplyResult> applied =
      internal::ApplyEpisodic(*link, view, {internal::WireOp(op)}, {}, checkpoint);
  if (!applied.ok()) return At(applied.status(), "FORGET", position);

  storage::WriteBatch next = StartBatch(read.head());
  std::vector<RecordKey> keys;
  for (const EpisodicEntry& entry : forgotten) {
    keys.push_back(EntryKey(target.memory.value, entry.id));
    ENGRAM_RETURN_IF_ERROR(next.Tombstone(keys.back()));
  }
  ENGRAM_RETURN_IF_ERROR(AddEpisodicState(*link, *applied, checkpoint, std::move(op), header,
                                          target.memory.value, next));
  StatementResult result = internal::Named("FORGET");
  internal::EndSnapshot(read);
  ENGRAM_RETURN_IF_ERROR(FinishBatch(std::move(next), text, result));
  if (target.purge.value) {
    Result<storage::Version> purged = store_.Purge(options_.tenant, target.memory.value, keys);
    if (!purged.ok()) return At(purged.status(), "FORGET ... PURGE", target.purge.position);
    result.fields.clear();
    result.Add("version", *purged);
  }
  result.Add("forgotten", std::uint64_t{forgotten.size()});
  return result;
}

Result<Executor::Recall> Executor::RecallGuides(ComputeLink& link,
                                                const std::vector<Name>& memories,
                                                const std::string& prompt) const {
  Recall recall;
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  for (const Name& memory : memories) {
    ENGRAM_ASSIGN_OR_RETURN(MemorySettings settings, BoundMemory(read, memory, link));
    ENGRAM_ASSIGN_OR_RETURN(EpisodicView view, LoadEpisodic(read, memory.value));
    if (!view.exists() || compute::episodic::NormalisedWords(prompt).empty()) continue;
    EpisodicReadParams params;
    params.queries = {prompt};
    params.top_k = kGuidesPerMemory;
    params.scope_threshold = settings.scope_threshold;
    Result<EpisodicReadResult> read_result = internal::ReadEpisodic(link, view, params);
    if (!read_result.ok()) return At(read_result.status(), "GENERATE USING", memory.position);
    const EpisodicRecall& result = read_result->results.at(0);
    if (!result.in_scope || result.ids.empty()) continue;
    recall.in_scope = true;
    // kNN-LM weighting: the best fact at the memory's guide weight, the others in proportion
    // to their scores; facts below the scope threshold do not guide.
    const double best = result.scores[0];
    for (std::size_t i = 0; i < result.ids.size(); ++i) {
      if (result.scores[i] < settings.scope_threshold || !(best > 0)) continue;
      ENGRAM_ASSIGN_OR_RETURN(std::optional<EpisodicEntry> entry, view.Entry(result.ids[i]));
      if (!entry) continue;
      const double weight = settings.guide_weight * std::min(1.0, result.scores[i] / best);
      recall.guides.push_back(GuideText{std::move(entry->text), static_cast<float>(weight)});
    }
  }
  // The co-process takes at most 16 guides: keep the heaviest.
  std::stable_sort(recall.guides.begin(), recall.guides.end(),
                   [](const GuideText& a, const GuideText& b) { return a.weight > b.weight; });
  if (recall.guides.size() > 16) recall.guides.resize(16);
  return recall;
}

}  // namespace engram::query
