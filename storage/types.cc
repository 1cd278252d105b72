#include "storage/types.h"

#include <cstring>

namespace engram::storage {

Status ValidateName(std::string_view name, std::string_view what) {
  auto fail = [&](std::string why) {
    return Status::Error(ErrorCode::kSyntax,
                         std::string(what) + " name '" + std::string(name) + "' " + why);
  };
  if (name.empty()) return Status::Error(ErrorCode::kSyntax, std::string(what) + " name is empty");
  if (name.size() > kMaxNameBytes) {
    return fail("is longer than " + std::to_string(kMaxNameBytes) + " bytes");
  }
  auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!is_alpha(name[0]) && name[0] != '_') return fail("must start with a letter or '_'");
  for (char c : name) {
    if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '_') {
      return fail("may contain only letters, digits and '_'");
    }
  }
  return Status::Ok();
}

Result<Tenant> Tenant::Make(std::string_view name) {
  ENGRAM_RETURN_IF_ERROR(ValidateName(name, "tenant"));
  return Tenant(std::string(name));
}

std::string_view RecordKindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kMemory:
      return "memory";
    case RecordKind::kEpisodicState:
      return "episodic_state";
    case RecordKind::kEpisodicEntry:
      return "episodic_entry";
    case RecordKind::kEditState:
      return "edit_state";
    case RecordKind::kEditEntry:
      return "edit_entry";
    case RecordKind::kContextChunk:
      return "context_chunk";
    case RecordKind::kContextState:
      return "context_state";
    case RecordKind::kPrefix:
      return "prefix";
    case RecordKind::kEditDelta:
      return "edit_delta";
  }
  return "kind_other";
}

std::size_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return 4;
    case DType::kF16:
      return 2;
    case DType::kBF16:
      return 2;
    case DType::kI32:
      return 4;
    case DType::kU8:
      return 1;
    case DType::kF64:
      return 8;
  }
  return 0;
}

std::optional<std::uint64_t> TensorBytes(DType dtype, const std::vector<std::uint64_t>& shape) {
  std::uint64_t bytes = DTypeSize(dtype);
  if (bytes == 0) return std::nullopt;
  for (std::uint64_t dim : shape) {
    if (__builtin_mul_overflow(bytes, dim, &bytes) || bytes > kMaxTensorBytes) {
      return std::nullopt;
    }
  }
  return bytes;
}

std::string_view DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "f32";
    case DType::kF16:
      return "f16";
    case DType::kBF16:
      return "bf16";
    case DType::kI32:
      return "i32";
    case DType::kU8:
      return "u8";
    case DType::kF64:
      return "f64";
  }
  return "invalid";
}

std::string_view DiffChangeName(DiffChange change) {
  switch (change) {
    case DiffChange::kAdded:
      return "added";
    case DiffChange::kChanged:
      return "changed";
    case DiffChange::kRemoved:
      return "removed";
  }
  return "unknown";
}

TensorData TensorData::Copy(std::string name, DType dtype, std::vector<std::uint64_t> shape,
                            const void* data, std::size_t size, std::uint64_t chunk_bytes) {
  auto bytes = std::make_shared<std::vector<std::byte>>(size);
  if (size > 0) std::memcpy(bytes->data(), data, size);
  return TensorData{std::move(name), dtype, std::move(shape), std::move(bytes), chunk_bytes};
}

}  // namespace engram::storage
