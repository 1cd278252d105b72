// WRITE … PREFIX, FORGET … PREFIX and the prefix of GENERATE … AFTER PREFIX
// (docs/query-language.md §5.6, §5.8, §5.9): prefix reuse. A prefix's keys and values of every
// layer are computed once by the co-process and kept as a versioned record (docs/format.md §13);
// a generation after it loads them instead of computing them again. The record's key chains
// the model fingerprint with the token ids, so a prefix is never served to another model.
#include <cstring>
#include <tuple>

#include "query/executor/executor.h"
#include "query/executor/prefix_header.h"
#include "query/executor/statement_helpers.h"
#include "query/executor/text_file.h"

namespace engram::query {
namespace {

using internal::At;
using internal::AttrsRecord;
using internal::Pos;
using storage::RecordKey;
using storage::RecordKind;

constexpr const char* kTensorNames[] = {"keys", "values", "tokens"};

RecordKey PrefixRecordKey(const std::string& memory, std::uint64_t id) {
  return RecordKey{memory, RecordKind::kPrefix, id};
}

// The key/value width of one layer of `model`.
std::uint64_t KvDim(const ModelInfo& model) {
  return static_cast<std::uint64_t>(model.dim) / static_cast<std::uint64_t>(model.n_heads) *
         static_cast<std::uint64_t>(model.n_kv_heads);
}

// CORRUPT unless `record` holds the tensors of format.md §13 in the sizes its header names.
Status CheckPrefixTensors(const storage::Record& record, const PrefixHeader& header) {
  const std::vector<std::uint64_t> kv = {header.layers, header.tokens, header.kv_dim};
  const std::vector<std::uint64_t> shapes[] = {kv, kv, {header.tokens}};
  const storage::DType dtypes[] = {storage::DType::kF32, storage::DType::kF32,
                                   storage::DType::kI32};
  bool ok = record.tensors.size() == std::size(kTensorNames);
  for (std::size_t i = 0; ok && i < record.tensors.size(); ++i) {
    const storage::TensorRef& t = record.tensors[i];
    ok = t.name == kTensorNames[i] && t.dtype == dtypes[i] && t.shape == shapes[i];
  }
  if (ok) return Status::Ok();
  return Status::Error(ErrorCode::kCorrupt, "prefix " + std::to_string(record.key.id) +
                                                " does not hold its keys, values and tokens");
}

}  // namespace

Result<Executor::PrefixEntry> Executor::LoadPrefix(const storage::ReadTxn& read, const Name& memory,
                                                   std::optional<Count> id) const {
  // The memory's prefix records as this statement sees them: the store's, then the open
  // transaction's changes over them.
  std::map<std::uint64_t, PrefixEntry> live;
  ENGRAM_ASSIGN_OR_RETURN(
      std::vector<storage::Record> records,
      read.List(options_.tenant, memory.value, RecordKind::kPrefix, StateVersion()));
  for (storage::Record& record : records) live[record.key.id].record = std::move(record);
  if (txn_) {
    for (const auto& [key, pending] : txn_->batch.pending()) {
      if (key.memory != memory.value || key.kind != RecordKind::kPrefix) continue;
      if (pending.tombstone) {
        live.erase(key.id);
      } else {
        live[key.id] = PrefixEntry{pending.record, &pending};
      }
    }
  }
  auto found = live.end();
  if (id) {
    found = live.find(id->value);
    if (found == live.end()) {
      return Status::Error(
          ErrorCode::kNotFound,
          "memory '" + memory.value + "' has no prefix with id " + std::to_string(id->value),
          Pos(id->position));
    }
  } else if (!live.empty()) {
    found = std::prev(live.end());
  } else {
    return Status::Error(ErrorCode::kNotFound, "memory '" + memory.value + "' has no prefix",
                         Pos(memory.position));
  }
  return std::move(found->second);
}

Result<StatementResult> Executor::WritePrefix(const WritePrefixStatement& write,
                                              std::string_view text, std::size_t position) {
  std::string content, source;
  ENGRAM_ASSIGN_OR_RETURN(std::tie(content, source),
                          internal::StatementText(write.from_file, write.text, "prefix"));
  ENGRAM_ASSIGN_OR_RETURN(ComputeLink * link, Link(position));
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  ENGRAM_ASSIGN_OR_RETURN(MemorySettings settings, BoundMemory(read, write.memory, *link));
  Result<ModelInfo> model = link->Model();
  if (!model.ok()) return At(model.status(), "WRITE PREFIX", position);
  Result<protocol::PrefixRef> encoded = link->PrefixEncode(content);
  if (!encoded.ok()) return At(encoded.status(), "WRITE PREFIX", position);

  PrefixHeader header;
  header.tokens = static_cast<std::uint32_t>(encoded->tokens.size());
  header.layers = static_cast<std::uint32_t>(model->n_layers);
  header.kv_dim = static_cast<std::uint32_t>(KvDim(*model));
  ENGRAM_ASSIGN_OR_RETURN(header.key, PrefixKey(model->fingerprint, encoded->tokens));
  ENGRAM_ASSIGN_OR_RETURN(
      std::uint64_t id,
      internal::NextId(read, options_.tenant, write.memory.value, RecordKind::kPrefix, 1));
  storage::RecordData data = AttrsRecord(EncodePrefixHeader(header), source);
  const std::vector<std::uint64_t> kv_shape = {header.layers, header.tokens, header.kv_dim};
  const Hash128 blobs[] = {encoded->keys, encoded->values};
  for (std::size_t t = 0; t < 2; ++t) {
    ENGRAM_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes, link->BlobGet(blobs[t]));
    if (bytes.size() != std::uint64_t{header.layers} * header.tokens * header.kv_dim * 4) {
      return Status::Error(ErrorCode::kCompute, "the prefix's keys or values have the wrong size",
                           Pos(position));
    }
    data.tensors.push_back(storage::TensorData::Copy(kTensorNames[t], storage::DType::kF32,
                                                     kv_shape, bytes.data(), bytes.size()));
  }
  data.tensors.push_back(storage::TensorData::Copy(kTensorNames[2], storage::DType::kI32,
                                                   {header.tokens}, encoded->tokens.data(),
                                                   encoded->tokens.size() * sizeof(int)));
  storage::WriteBatch batch = StartBatch(read.head());
  ENGRAM_RETURN_IF_ERROR(batch.Put(PrefixRecordKey(write.memory.value, id), std::move(data)));
  if (settings.model_fingerprint.empty()) {
    ENGRAM_RETURN_IF_ERROR(BindMemoryToModel(read, write.memory.value, *link, batch));
  }
  StatementResult result = internal::Named("WRITE PREFIX");
  internal::EndSnapshot(read);
  ENGRAM_RETURN_IF_ERROR(FinishBatch(std::move(batch), text, result));
  result.Add("id", id).Add("tokens", std::uint64_t{header.tokens});
  return result;
}

Result<StatementResult> Executor::ForgetPrefix(const ForgetPrefixStatement& forget,
                                               std::string_view text) {
  if (forget.purge.value) {
    ENGRAM_RETURN_IF_ERROR(ForbidInTransaction("FORGET ... PURGE", forget.purge.position));
  }
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  ENGRAM_RETURN_IF_ERROR(RequireMemory(read, forget.memory));
  ENGRAM_ASSIGN_OR_RETURN(PrefixEntry entry, LoadPrefix(read, forget.memory, forget.id));
  if (entry.pending != nullptr) {
    return Status::Error(ErrorCode::kConflict,
                         "this prefix was written in this transaction; COMMIT before forgetting it",
                         Pos(forget.id.position));
  }
  const RecordKey key = PrefixRecordKey(forget.memory.value, forget.id.value);
  storage::WriteBatch batch = StartBatch(read.head());
  ENGRAM_RETURN_IF_ERROR(batch.Tombstone(key));
  StatementResult result = internal::Named("FORGET PREFIX");
  internal::EndSnapshot(read);
  ENGRAM_RETURN_IF_ERROR(FinishBatch(std::move(batch), text, result));
  if (forget.purge.value) {
    Result<storage::Version> purged = store_.Purge(options_.tenant, forget.memory.value, {key});
    if (!purged.ok()) return At(purged.status(), "FORGET ... PURGE", forget.purge.position);
    result.fields.clear();
    result.Add("version", *purged);
  }
  result.Add("forgotten", std::uint64_t{1});
  return result;
}

Result<protocol::PrefixRef> Executor::RecallPrefix(ComputeLink& link, const Name& memory,
                                                   std::optional<Count> id,
                                                   const ModelInfo& model) const {
  ENGRAM_ASSIGN_OR_RETURN(storage::ReadTxn read, Read());
  ENGRAM_ASSIGN_OR_RETURN(MemorySettings settings, BoundMemory(read, memory, link));
  (void)settings;
  ENGRAM_ASSIGN_OR_RETURN(PrefixEntry entry, LoadPrefix(read, memory, id));
  const storage::Record& record = entry.record;
  ENGRAM_ASSIGN_OR_RETURN(PrefixHeader header, DecodePrefixHeader(std::span<const std::byte>(
                                                   record.attrs.data(), record.attrs.size())));
  ENGRAM_RETURN_IF_ERROR(CheckPrefixTensors(record, header));
  ENGRAM_ASSIGN_OR_RETURN(std::vector<std::uint8_t> token_bytes,
                          internal::RecordTensorBytes(read, entry.pending, record.tensors[2]));
  protocol::PrefixRef prefix;
  prefix.tokens.resize(header.tokens);
  std::memcpy(prefix.tokens.data(), token_bytes.data(), token_bytes.size());
  // The key again, from the tokens and the model the co-process serves now: another model (or
  // another revision of it) gives another key, and the stored keys and values are not its own.
  ENGRAM_ASSIGN_OR_RETURN(Hash128 key, PrefixKey(model.fingerprint, prefix.tokens));
  if (key != header.key || header.layers != static_cast<std::uint32_t>(model.n_layers) ||
      header.kv_dim != KvDim(model)) {
    return Status::Error(ErrorCode::kModel,
                         "prefix " + std::to_string(record.key.id) + " of memory '" + memory.value +
                             "' was computed by another model than the one the "
                             "co-process serves (" +
                             model.fingerprint + "); write it again",
                         Pos(memory.position));
  }
  // Its keys and values go to the co-process unless its blob cache still holds them.
  const std::vector<Hash128> hashes = {record.tensors[0].hash, record.tensors[1].hash};
  ENGRAM_ASSIGN_OR_RETURN(std::vector<bool> present, link.BlobHas(hashes));
  for (std::size_t t = 0; t < hashes.size(); ++t) {
    if (t < present.size() && present[t]) continue;
    ENGRAM_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes,
                            internal::RecordTensorBytes(read, entry.pending, record.tensors[t]));
    ENGRAM_ASSIGN_OR_RETURN(Hash128 hash, link.BlobPut(bytes));
    if (hash != hashes[t]) {
      return Status::Error(ErrorCode::kCorrupt, "prefix tensor hash mismatch");
    }
  }
  prefix.keys = hashes[0];
  prefix.values = hashes[1];
  return prefix;
}

}  // namespace engram::query
