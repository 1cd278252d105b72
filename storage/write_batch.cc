#include "storage/write_batch.h"

#include <cstring>

namespace engram::storage {
namespace {

Status CheckKey(const RecordKey& key) {
  ENGRAM_RETURN_IF_ERROR(ValidateName(key.memory, "memory"));
  if (static_cast<std::uint8_t>(key.kind) == 0) {
    return Status::Error(ErrorCode::kSyntax, "record kind 0 is invalid");
  }
  return Status::Ok();
}

std::string_view Bytes(const std::vector<std::byte>& v, std::size_t offset, std::size_t size) {
  return std::string_view(reinterpret_cast<const char*>(v.data()) + offset, size);
}

}  // namespace

Status WriteBatch::Put(const RecordKey& key, RecordData data) {
  ENGRAM_RETURN_IF_ERROR(CheckKey(key));
  if (data.text.size() > kMaxRecordTextBytes || data.attrs.size() > kMaxRecordTextBytes) {
    return Status::Error(ErrorCode::kLimit, "record text or attrs exceed 64 MiB");
  }
  Pending pending;
  pending.record.key = key;
  pending.record.text = std::move(data.text);
  pending.record.attrs = std::move(data.attrs);
  for (TensorData& t : data.tensors) {
    if (DTypeSize(t.dtype) == 0) {
      return Status::Error(ErrorCode::kInternal, "tensor '" + t.name + "' has no valid dtype");
    }
    static const std::vector<std::byte> kEmpty;
    const std::vector<std::byte>& bytes = t.bytes ? *t.bytes : kEmpty;
    std::optional<std::uint64_t> expected = TensorBytes(t.dtype, t.shape);
    if (!expected) {
      return Status::Error(ErrorCode::kLimit, "tensor '" + t.name + "' exceeds 4 GiB");
    }
    if (*expected != bytes.size()) {
      return Status::Error(ErrorCode::kInternal, "tensor '" + t.name + "': shape and dtype need " +
                                                     std::to_string(*expected) + " bytes, got " +
                                                     std::to_string(bytes.size()));
    }
    TensorRef ref;
    ref.name = t.name;
    ref.dtype = t.dtype;
    ref.shape = t.shape;
    ref.nbytes = bytes.size();
    ref.hash = ContentHash(Bytes(bytes, 0, bytes.size()));
    if (bytes.size() <= kInlineTensorMaxBytes) {
      ref.inline_data = bytes;
    } else {
      ref.chunk_bytes = t.chunk_bytes >= bytes.size() ? 0 : t.chunk_bytes;
      std::size_t step = ref.chunk_bytes == 0 ? bytes.size() : ref.chunk_bytes;
      for (std::size_t offset = 0; offset < bytes.size(); offset += step) {
        std::string_view piece = Bytes(bytes, offset, std::min(step, bytes.size() - offset));
        Hash128 hash = ref.chunk_bytes == 0 ? ref.hash : ContentHash(piece);
        ref.blobs.push_back(hash);
        pending.pieces.emplace_back(hash, piece);
      }
      pending.payloads.push_back(t.bytes);
    }
    pending.record.tensors.push_back(std::move(ref));
  }
  pending_[key] = std::move(pending);
  return Status::Ok();
}

Status WriteBatch::Tombstone(const RecordKey& key) {
  ENGRAM_RETURN_IF_ERROR(CheckKey(key));
  Pending pending;
  pending.tombstone = true;
  pending.record.key = key;
  pending.record.tombstone = true;
  pending_[key] = std::move(pending);
  return Status::Ok();
}

const WriteBatch::Pending* WriteBatch::Find(const RecordKey& key) const {
  auto it = pending_.find(key);
  return it == pending_.end() ? nullptr : &it->second;
}

}  // namespace engram::storage
