// WRITE … EDIT, READ … EDITS and FORGET … EDIT (docs/query-language.md §5.4, §5.7, §5.8) and the
// edit memories of GENERATE … USING (§5.9): the side-memory edits of WISE (docs/editing.md). The
// training and routing run in the co-process; this file keeps the records of docs/format.md
// §14.
#include <optional>
#include <set>

#include "query/executor/executor.h"
#include "query/executor/statement_helpers.h"

namespace engram::query {
namespace {

using internal::At;
using internal::AttrsRecord;
using internal::EditView;
using internal::Pos;
using storage::RecordKey;
using storage::RecordKind;

constexpr std::uint32_t kDefaultEditsTop = 5;

std::vector<std::byte> Bytes(const std::string& text) {
  const auto* begin = reinterpret_cast<const std::byte*>(text.data());
  return std::vector<std::byte>(begin, begin + text.size());
}

Status RequireText(const Text& text, std::string_view what) {
  if (text.value.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::Error(
        ErrorCode::kSyntax,
        "the " + std::string(what) + (text.value.empty() ? " is empty" : " is blank"),
        Pos(text.position));
  }
  return Status::Ok();
}

}  // namespace

Result<internal::EditView> Executor::LoadEdits(const storage::ReadTxn& read,
                                               const std::string& memory, bool with_pieces) const {
  return EditView::Load(read, options_.tenant, memory, StateVersion(),
                        txn_ ? &txn_->batch : nullptr, with_pieces);
}

Result<std::vector<RecordKey>> Executor::PutEditState(ComputeLink& link, const EditView& view,
                                                      const protocol::EditStateSpec& state,
                                                      std::uint64_t new_edit,
                                                      const std::string& new_prompt,
                                                      storage::WriteBatch& batch) const {
  const std::string& memory = view.memory();
  std::vector<RecordKey> gone;
  std::set<std::uint64_t> edits, deltas;
  for (const protocol::EditPieceRef& edit : state.edits) {
    edits.insert(edit.id);
    auto old = view.edits().find(edit.id);
    if (old != view.edits().end() && old->second.bytes == edit.bytes) continue;
    if (old == view.edits().end() && edit.id != new_edit) {
      return InternalError("the co-process returned an edit " + std::to_string(edit.id) +
                           " this statement did not make");
    }
    const std::string& prompt = old != view.edits().end() ? old->second.prompt : new_prompt;
    ENGRAM_RETURN_IF_ERROR(batch.Put(RecordKey{memory, RecordKind::kEditEntry, edit.id},
                                     AttrsRecord(Bytes(edit.bytes), prompt)));
  }
  Result<ModelInfo> model = link.Model();
  if (!model.ok()) return model.status();
  const std::vector<std::uint64_t> shape = {static_cast<std::uint64_t>(model->dim),
                                            static_cast<std::uint64_t>(model->hidden_dim)};
  for (const protocol::EditDeltaRef& delta : state.deltas) {
    deltas.insert(delta.id);
    auto old = view.deltas().find(delta.id);
    if (old != view.deltas().end() && old->second.tensor.hash == delta.blob) continue;
    ENGRAM_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes, link.BlobGet(delta.blob));
    if (bytes.size() != shape[0] * shape[1] * sizeof(float)) {
      return Status::Error(ErrorCode::kCompute, "an edit delta of the wrong size");
    }
    storage::RecordData data;
    data.tensors.push_back(storage::TensorData::Copy("delta", storage::DType::kF32, shape,
                                                     bytes.data(), bytes.size()));
    ENGRAM_RETURN_IF_ERROR(
        batch.Put(RecordKey{memory, RecordKind::kEditDelta, delta.id}, std::move(data)));
  }
  // Pieces the new state lacks: a stored record gets a tombstone; one that exists only in the
  // open transaction's batch is dropped from it (there is nothing in the store to delete).
  auto remove = [&](const RecordKey& key, bool stored) -> Status {
    if (!stored) {
      batch.Erase(key);
      return Status::Ok();
    }
    gone.push_back(key);
    return batch.Tombstone(key);
  };
  for (const auto& [id, entry] : view.edits()) {
    if (!edits.count(id)) {
      ENGRAM_RETURN_IF_ERROR(remove(RecordKey{memory, RecordKind::kEditEntry, id}, entry.stored));
    }
  }
  for (const auto& [id, delta] : view.deltas()) {
    if (!deltas.count(id)) {
      ENGRAM_RETURN_IF_ERROR(remove(RecordKey{memory, RecordKind::kEditDelta, id}, delta.stored));
    }
  }
  ENGRAM_RETURN_IF_ERROR(
      batch.Put(RecordKey{memory, RecordKind::kEditState, internal::kEditHeaderId},
                AttrsRecord(internal::EncodeEditHeader({state.key, state.header}))));
  return gone;
}

Result<StatementResult> Executor::WriteEdit(const WriteEditStatement& write, std::string_view text,
                                            std::size_t position) {
  ENGRAM_RETURN_IF_ERROR(RequireText(write.prompt, "prompt"));
  ENGRAM_RETURN_IF_ERROR(RequireText(write.target, "target"));
  ENGRAM_ASSIGN_OR_RETURN(ComputeLink * link, Link(position));
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  ENGRAM_ASSIGN_OR_RETURN(MemorySettings settings, BoundMemory(read, write.memory, *link));
  ENGRAM_ASSIGN_OR_RETURN(EditView view, LoadEdits(read, write.memory.value));
  // Never an id used before, also after a rollback restored an older header.
  ENGRAM_ASSIGN_OR_RETURN(
      std::uint64_t next_id,
      internal::NextId(read, options_.tenant, write.memory.value, RecordKind::kEditEntry, 1));
  protocol::EditApplyParams params;
  params.edit_id = next_id;
  params.settings = settings.edit_settings;
  params.prompt = write.prompt.value;
  params.target = write.target.value;
  Result<protocol::EditApplyResult> applied = internal::ApplyEdit(*link, view, std::move(params));
  if (!applied.ok()) return At(applied.status(), "WRITE EDIT", position);

  storage::WriteBatch batch = StartBatch(read.head());
  Result<std::vector<RecordKey>> put =
      PutEditState(*link, view, applied->state, applied->edit, write.prompt.value, batch);
  if (!put.ok()) return At(put.status(), "WRITE EDIT", position);
  if (settings.model_fingerprint.empty()) {
    ENGRAM_RETURN_IF_ERROR(BindMemoryToModel(read, write.memory.value, *link, batch));
  }
  StatementResult result = internal::Named("WRITE EDIT");
  internal::EndSnapshot(read);
  ENGRAM_RETURN_IF_ERROR(FinishBatch(std::move(batch), text, result));
  result.Add("id", applied->edit)
      .Add("iterations", std::uint64_t{applied->iterations})
      .Add("loss", static_cast<double>(applied->loss));
  return result;
}

Result<StatementResult> Executor::ReadEdits(const ReadEditsStatement& statement,
                                            std::size_t position) {
  ENGRAM_ASSIGN_OR_RETURN(ComputeLink * link, Link(position));
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  ENGRAM_ASSIGN_OR_RETURN(MemorySettings settings, BoundMemory(read, statement.memory, *link));
  (void)settings;
  ENGRAM_ASSIGN_OR_RETURN(EditView view,
                          LoadEdits(read, statement.memory.value, /*with_pieces=*/false));
  StatementResult result = internal::Named("READ EDITS");
  result.has_rows = true;
  result.columns = {"id", "prompt", "target", "score", "threshold", "similarity", "routed"};
  if (!view.exists()) return result;
  const std::uint32_t top =
      statement.top ? static_cast<std::uint32_t>(statement.top->value) : kDefaultEditsTop;
  Result<protocol::EditRouteResult> routed =
      internal::RouteEdits(*link, view, statement.query.value, top);
  if (!routed.ok()) return At(routed.status(), "READ EDITS", position);
  // The co-process returns every edit of the routed memory (with edit_save_freq > 1 a memory
  // holds several), beyond TOP if need be; TOP caps the rows.
  if (routed->scores.size() > top) routed->scores.resize(top);
  for (protocol::EditScore& score : routed->scores) {
    result.rows.push_back({Value(score.edit), Value(std::move(score.prompt)),
                           Value(std::move(score.target)), Value(static_cast<double>(score.score)),
                           Value(static_cast<double>(score.threshold)),
                           Value(static_cast<double>(score.key)), Value(score.routed)});
  }
  return result;
}

Result<StatementResult> Executor::ForgetEdit(const ForgetEditStatement& forget,
                                             std::string_view text, std::size_t position) {
  if (forget.purge.value) {
    ENGRAM_RETURN_IF_ERROR(ForbidInTransaction("FORGET ... PURGE", forget.purge.position));
  }
  ENGRAM_ASSIGN_OR_RETURN(ComputeLink * link, Link(position));
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  ENGRAM_ASSIGN_OR_RETURN(MemorySettings settings, BoundMemory(read, forget.memory, *link));
  (void)settings;
  ENGRAM_ASSIGN_OR_RETURN(EditView view, LoadEdits(read, forget.memory.value));
  if (!view.edits().count(forget.id.value)) {
    return Status::Error(ErrorCode::kNotFound,
                         "memory '" + forget.memory.value + "' has no edit with id " +
                             std::to_string(forget.id.value),
                         Pos(forget.id.position));
  }
  protocol::EditApplyParams params;
  params.forget = forget.id.value;
  Result<protocol::EditApplyResult> applied = internal::ApplyEdit(*link, view, std::move(params));
  if (!applied.ok()) return At(applied.status(), "FORGET EDIT", position);
  storage::WriteBatch batch = StartBatch(read.head());
  Result<std::vector<RecordKey>> gone =
      PutEditState(*link, view, applied->state, 0, std::string(), batch);
  if (!gone.ok()) return At(gone.status(), "FORGET EDIT", position);
  StatementResult result = internal::Named("FORGET EDIT");
  internal::EndSnapshot(read);
  ENGRAM_RETURN_IF_ERROR(FinishBatch(std::move(batch), text, result));
  if (forget.purge.value) {
    Result<storage::Version> purged = store_.Purge(options_.tenant, forget.memory.value, *gone);
    if (!purged.ok()) return At(purged.status(), "FORGET ... PURGE", forget.purge.position);
    result.fields.clear();
    result.Add("version", *purged);
  }
  result.Add("forgotten", std::uint64_t{1});
  return result;
}

Result<Executor::EditRecall> Executor::RecallEdits(ComputeLink& link,
                                                   const std::vector<Name>& memories,
                                                   const std::string& prompt) const {
  EditRecall recall;
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  float best_key = -2.0f;
  std::optional<EditView> chosen;  // the view of the routed memory
  bool chosen_last = false;        // it was the last memory routed
  std::size_t chosen_position = 0;
  for (const Name& memory : memories) {
    ENGRAM_ASSIGN_OR_RETURN(MemorySettings settings, BoundMemory(read, memory, link));
    (void)settings;
    ENGRAM_ASSIGN_OR_RETURN(EditView view, LoadEdits(read, memory.value, /*with_pieces=*/false));
    if (!view.exists()) continue;
    recall.any = true;
    chosen_last = false;
    // Routed once, on the prompt; the decision holds for every generated token.
    Result<protocol::EditRouteResult> routed = internal::RouteEdits(link, view, prompt, 0);
    if (!routed.ok()) return At(routed.status(), "GENERATE USING", memory.position);
    if (!routed->routed || routed->scores.empty()) continue;
    // Several memories route the prompt: the one whose edit is nearest to it.
    if (routed->scores.front().key > best_key) {
      best_key = routed->scores.front().key;
      recall.edit = protocol::GenerateEditRef{view.header().key, routed->memory};
      recall.routed_edit = routed->scores.front().edit;
      chosen.emplace(std::move(view));
      chosen_last = true;
      chosen_position = memory.position;
    }
  }
  // The states routed after the chosen one may have pushed it out of the co-process's cache:
  // touch it again so that the generation finds it.
  if (chosen && !chosen_last) {
    Result<protocol::EditRouteResult> touched = internal::RouteEdits(link, *chosen, prompt, 0);
    if (!touched.ok()) return At(touched.status(), "GENERATE USING", chosen_position);
  }
  return recall;
}

}  // namespace engram::query
