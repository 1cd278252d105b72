// WRITE … CONTEXT, READ … CONTEXT and FORGET … CONTEXT (docs/query-language.md §5.5, §5.7,
// §5.8) and the context memories of GENERATE … USING (§5.9): the long-term context memory
// (LongMem; docs/context.md). The model work runs in the co-process; this file keeps the records
// of docs/format.md §12.
#include <algorithm>
#include <set>

#include "query/executor/context_state.h"
#include "query/executor/episodic_header.h"
#include "query/executor/executor.h"
#include "query/executor/memory_options.h"
#include "query/executor/statement_helpers.h"
#include "query/executor/text_file.h"

namespace engram::query {
namespace {

using internal::At;
using internal::AttrsRecord;
using internal::ContextView;
using internal::NextId;
using internal::Pos;
using storage::RecordKey;
using storage::RecordKind;

constexpr std::uint32_t kDefaultContextTop = 4;

}  // namespace

Result<internal::ContextView> Executor::LoadContext(const storage::ReadTxn& read,
                                                    const std::string& memory) const {
  return ContextView::Load(read, options_.tenant, memory, StateVersion(),
                           txn_ ? &txn_->batch : nullptr);
}

Result<StatementResult> Executor::WriteContext(const WriteContextStatement& write,
                                               std::string_view text, const StatementHooks& hooks,
                                               std::size_t position) {
  std::string content, source;
  ENGRAM_ASSIGN_OR_RETURN(std::tie(content, source),
                          internal::StatementText(write.from_file, write.text, "context"));
  ENGRAM_ASSIGN_OR_RETURN(ComputeLink * link, Link(position));
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  ENGRAM_ASSIGN_OR_RETURN(MemorySettings settings, BoundMemory(read, write.memory, *link));
  ENGRAM_ASSIGN_OR_RETURN(ContextView view, LoadContext(read, write.memory.value));
  if (!view.exists()) {
    Result<ModelInfo> model = link->Model();
    if (!model.ok()) return At(model.status(), "WRITE CONTEXT", position);
    if (settings.context_layer >= model->n_layers || settings.context_window > model->seq_len) {
      return Status::Error(ErrorCode::kSyntax,
                           "memory '" + write.memory.value + "' has context_layer " +
                               std::to_string(settings.context_layer) + " and context_window " +
                               std::to_string(settings.context_window) + "; the model has " +
                               std::to_string(model->n_layers) + " layers and a window of " +
                               std::to_string(model->seq_len),
                           Pos(write.memory.position));
    }
    ContextHeader header;
    header.layer = static_cast<std::uint32_t>(settings.context_layer);
    header.chunk_tokens = static_cast<std::uint32_t>(settings.chunk_tokens);
    header.window = static_cast<std::uint32_t>(settings.context_window);
    header.heads = static_cast<std::uint32_t>(model->n_kv_heads);
    header.head_size = static_cast<std::uint32_t>(model->dim / model->n_heads);
    header.max_chunks = static_cast<std::uint64_t>(settings.max_chunks);
    header.uid = NewUid();
    view.StartWith(header);
  }
  ContextHeader header = view.header();
  Result<protocol::ContextEncodeResult> encoded =
      link->ContextEncode(internal::SettingsOf(header), content, hooks.on_progress);
  if (!encoded.ok()) return At(encoded.status(), "WRITE CONTEXT", position);

  ENGRAM_ASSIGN_OR_RETURN(std::uint64_t write_id,
                          NextId(read, options_.tenant, write.memory.value,
                                 RecordKind::kContextState, header.next_write));
  ENGRAM_ASSIGN_OR_RETURN(std::uint64_t block_id,
                          NextId(read, options_.tenant, write.memory.value,
                                 RecordKind::kContextChunk, header.next_block));
  const std::uint64_t first_block = block_id;
  const std::uint64_t csz = header.chunk_tokens, hs = header.head_size, heads = header.heads;
  // The new blocks, then FIFO eviction over every live block, oldest first.
  struct NewBlock {
    std::uint64_t id;
    ContextBlockInfo info;
    protocol::ContextBlockRef ref;
  };
  std::vector<NewBlock> fresh;
  std::uint64_t chunks = 0;
  for (const protocol::ContextBlockRef& ref : encoded->blocks) {
    ContextBlockInfo info;
    info.write = write_id;
    info.token_offset = ref.token_offset;
    info.chunk_offset = chunks;
    info.tokens = ref.tokens;
    info.chunks = static_cast<std::uint32_t>((ref.tokens + csz - 1) / csz);
    chunks += info.chunks;
    fresh.push_back({block_id++, info, ref});
  }
  header.live_chunks += chunks;
  header.live_tokens += encoded->tokens;
  std::set<std::uint64_t> evicted;                     // block ids
  std::map<std::uint64_t, std::uint64_t> blocks_left;  // write id -> live blocks after eviction
  for (const auto& [id, block] : view.blocks()) ++blocks_left[block.info.write];
  blocks_left[write_id] = fresh.size();
  std::uint64_t evicted_chunks = 0;
  auto evict = [&](std::uint64_t id, const ContextBlockInfo& info) {
    evicted.insert(id);
    header.live_chunks -= info.chunks;
    header.live_tokens -= info.tokens;
    evicted_chunks += info.chunks;
    --blocks_left[info.write];
  };
  if (header.max_chunks > 0) {
    for (const auto& [id, block] : view.blocks()) {
      if (header.live_chunks <= header.max_chunks) break;
      evict(id, block.info);
    }
    for (const NewBlock& block : fresh) {
      if (header.live_chunks <= header.max_chunks) break;
      evict(block.id, block.info);
    }
  }
  header.evicted_chunks += evicted_chunks;
  header.next_write = write_id + 1;
  header.next_block = block_id;

  storage::WriteBatch batch = StartBatch(read.head());
  for (const NewBlock& block : fresh) {
    if (evicted.count(block.id)) continue;
    storage::RecordData data = AttrsRecord(EncodeContextBlock(block.info));
    const std::uint64_t n = block.info.tokens, c = block.info.chunks;
    const std::vector<std::uint64_t> shapes[] = {
        {heads, n, hs}, {heads, n, hs}, {heads, c, hs}, {n}, {n}};
    for (std::size_t t = 0; t < protocol::kContextBlockTensors; ++t) {
      ENGRAM_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes, link->BlobGet(block.ref.tensors[t]));
      const storage::DType dtype = t < 3 ? storage::DType::kF32 : storage::DType::kI32;
      std::uint64_t expected = 4;
      for (const std::uint64_t d : shapes[t]) expected *= d;
      if (bytes.size() != expected) {
        return Status::Error(ErrorCode::kCompute, "a context block tensor of the wrong size",
                             Pos(position));
      }
      static constexpr const char* kNames[] = {"keys", "values", "chunk_keys", "tokens", "next"};
      data.tensors.push_back(
          storage::TensorData::Copy(kNames[t], dtype, shapes[t], bytes.data(), bytes.size()));
    }
    ENGRAM_RETURN_IF_ERROR(batch.Put(
        RecordKey{write.memory.value, RecordKind::kContextChunk, block.id}, std::move(data)));
  }
  for (const std::uint64_t id : evicted) {
    if (id < first_block) {
      ENGRAM_RETURN_IF_ERROR(
          batch.Tombstone(RecordKey{write.memory.value, RecordKind::kContextChunk, id}));
    }
  }
  for (const auto& [id, entry] : view.writes()) {
    if (blocks_left[id] == 0) {
      ENGRAM_RETURN_IF_ERROR(
          batch.Tombstone(RecordKey{write.memory.value, RecordKind::kContextState, id}));
    }
  }
  if (blocks_left[write_id] > 0) {
    ContextWriteInfo info{encoded->tokens, first_block, fresh.size(), chunks};
    ENGRAM_RETURN_IF_ERROR(
        batch.Put(RecordKey{write.memory.value, RecordKind::kContextState, write_id},
                  AttrsRecord(EncodeContextWrite(info), source)));
  }
  if (settings.model_fingerprint.empty()) {
    ENGRAM_RETURN_IF_ERROR(BindMemoryToModel(read, write.memory.value, *link, batch));
  }
  ENGRAM_RETURN_IF_ERROR(
      batch.Put(RecordKey{write.memory.value, RecordKind::kContextState, kContextHeaderId},
                AttrsRecord(EncodeContextHeader(header))));
  StatementResult result = internal::Named("WRITE CONTEXT");
  internal::EndSnapshot(read);
  ENGRAM_RETURN_IF_ERROR(FinishBatch(std::move(batch), text, result));
  result.Add("id", write_id)
      .Add("chunks", chunks)
      .Add("tokens", encoded->tokens)
      .Add("blocks", std::uint64_t{fresh.size()})
      .Add("evicted_chunks", evicted_chunks);
  return result;
}

Result<StatementResult> Executor::ReadContext(const ReadContextStatement& statement,
                                              std::size_t position) {
  if (statement.query.value.size() > internal::kMaxTextFileBytes) {
    return Status::Error(ErrorCode::kLimit, "the query is over 16 MiB",
                         Pos(statement.query.position));
  }
  if (statement.query.value.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::Error(ErrorCode::kSyntax, "the query has no text",
                         Pos(statement.query.position));
  }
  ENGRAM_ASSIGN_OR_RETURN(ComputeLink * link, Link(position));
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  ENGRAM_ASSIGN_OR_RETURN(MemorySettings settings, BoundMemory(read, statement.memory, *link));
  (void)settings;
  ENGRAM_ASSIGN_OR_RETURN(ContextView view, LoadContext(read, statement.memory.value));
  StatementResult result = internal::Named("READ CONTEXT");
  result.has_rows = true;
  result.columns = {"chunk", "id", "text", "score", "match"};
  if (!view.exists() || view.blocks().empty()) return result;
  const std::uint32_t top =
      statement.top ? static_cast<std::uint32_t>(statement.top->value) : kDefaultContextTop;
  Result<protocol::ContextReadResult> hits =
      internal::ReadContext(*link, view, statement.query.value, top);
  if (!hits.ok()) return At(hits.status(), "READ CONTEXT", position);
  for (protocol::ContextHit& hit : hits->hits) {
    auto block = view.blocks().find(hit.block);
    if (block == view.blocks().end()) {
      return InternalError("READ CONTEXT: the co-process named a block that is not live");
    }
    result.rows.push_back({Value(block->second.info.chunk_offset + hit.chunk),
                           Value(block->second.info.write), Value(std::move(hit.text)),
                           Value(hit.score), Value(std::uint64_t{hit.match})});
  }
  return result;
}

Result<StatementResult> Executor::ForgetContext(const Name& memory, std::optional<Count> write_id,
                                                std::optional<Text> source, Located<bool> purge,
                                                std::string_view text) {
  if (purge.value) ENGRAM_RETURN_IF_ERROR(ForbidInTransaction("FORGET ... PURGE", purge.position));
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  ENGRAM_RETURN_IF_ERROR(RequireMemory(read, memory));
  ENGRAM_ASSIGN_OR_RETURN(ContextView view, LoadContext(read, memory.value));
  std::vector<std::uint64_t> writes;
  if (write_id) {
    if (view.writes().count(write_id->value)) writes.push_back(write_id->value);
    if (writes.empty()) {
      return Status::Error(
          ErrorCode::kNotFound,
          "memory '" + memory.value + "' has no context with id " + std::to_string(write_id->value),
          Pos(write_id->position));
    }
  } else {
    const std::string normal = internal::NormalPath(source->value);
    for (const auto& [id, entry] : view.writes()) {
      if (!entry.source.empty() && entry.source == normal) writes.push_back(id);
    }
    if (writes.empty()) {
      return Status::Error(ErrorCode::kNotFound,
                           "memory '" + memory.value + "' has no context from '" + normal + "'",
                           Pos(source->position));
    }
  }
  ContextHeader header = view.header();
  storage::WriteBatch batch = StartBatch(read.head());
  std::vector<RecordKey> keys;
  std::uint64_t chunks = 0;
  const std::set<std::uint64_t> forgotten(writes.begin(), writes.end());
  for (const auto& [id, block] : view.blocks()) {
    if (!forgotten.count(block.info.write)) continue;
    if (block.pending) {
      return Status::Error(ErrorCode::kConflict,
                           "this context was written in this transaction; COMMIT before "
                           "forgetting it",
                           Pos(memory.position));
    }
    keys.push_back(RecordKey{memory.value, RecordKind::kContextChunk, id});
    header.live_chunks -= block.info.chunks;
    header.live_tokens -= block.info.tokens;
    chunks += block.info.chunks;
  }
  for (const std::uint64_t id : writes) {
    keys.push_back(RecordKey{memory.value, RecordKind::kContextState, id});
  }
  for (const RecordKey& key : keys) ENGRAM_RETURN_IF_ERROR(batch.Tombstone(key));
  ENGRAM_RETURN_IF_ERROR(
      batch.Put(RecordKey{memory.value, RecordKind::kContextState, kContextHeaderId},
                AttrsRecord(EncodeContextHeader(header))));
  StatementResult result = internal::Named("FORGET CONTEXT");
  internal::EndSnapshot(read);
  ENGRAM_RETURN_IF_ERROR(FinishBatch(std::move(batch), text, result));
  if (purge.value) {
    Result<storage::Version> purged = store_.Purge(options_.tenant, memory.value, keys);
    if (!purged.ok()) return At(purged.status(), "FORGET ... PURGE", purge.position);
    result.fields.clear();
    result.Add("version", *purged);
  }
  result.Add("forgotten", std::uint64_t{writes.size()}).Add("chunks", chunks);
  return result;
}

Result<Executor::ContextRecall> Executor::RecallContext(ComputeLink& link,
                                                        const std::vector<Name>& memories) const {
  ContextRecall recall;
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  for (const Name& memory : memories) {
    ENGRAM_ASSIGN_OR_RETURN(MemorySettings settings, BoundMemory(read, memory, link));
    ENGRAM_ASSIGN_OR_RETURN(ContextView view, LoadContext(read, memory.value));
    if (!view.exists() || view.blocks().empty()) continue;
    // Loaded now (its blobs sent if the co-process lacks them), so the generation finds it.
    Result<protocol::ContextReadResult> loaded = internal::ReadContext(link, view, "", 1);
    if (!loaded.ok()) return At(loaded.status(), "GENERATE USING", memory.position);
    recall.states.push_back(view.Spec());
    recall.weight = std::max(recall.weight, static_cast<float>(settings.context_weight));
  }
  return recall;
}

}  // namespace engram::query
