#include "query/executor/context_header.h"

#include <cstring>
#include <string>

#include "query/executor/attrs_codec.h"

namespace engram::query {
namespace {

constexpr char kMagic[4] = {'C', 'X', 'H', 'D'};
constexpr std::size_t kHeaderBytes = 104;  // with the checksum
constexpr std::size_t kWriteBytes = 40;
constexpr std::size_t kBlockBytes = 40;

Status Corrupt(const std::string& record, const std::string& what) {
  return Status::Error(ErrorCode::kCorrupt, "context " + record + " record: " + what);
}

}  // namespace

std::vector<std::byte> EncodeContextHeader(const ContextHeader& h) {
  internal::ByteWriter w;
  w.PutBytes(kMagic, sizeof(kMagic));
  w.Put<std::uint32_t>(kContextHeaderFormat);
  w.Put<std::uint32_t>(h.layer);
  w.Put<std::uint32_t>(h.chunk_tokens);
  w.Put<std::uint32_t>(h.window);
  w.Put<std::uint32_t>(h.heads);
  w.Put<std::uint32_t>(h.head_size);
  w.Put<std::uint32_t>(h.cosine ? 1u : 0u);
  w.Put<std::uint64_t>(h.max_chunks);
  w.Put<std::uint64_t>(h.next_write);
  w.Put<std::uint64_t>(h.next_block);
  w.Put<std::uint64_t>(h.live_chunks);
  w.Put<std::uint64_t>(h.live_tokens);
  w.Put<std::uint64_t>(h.evicted_chunks);
  w.PutBytes(h.uid.data(), h.uid.size());
  return w.FinishWithChecksum();
}

Result<ContextHeader> DecodeContextHeader(std::span<const std::byte> bytes) {
  if (bytes.size() != kHeaderBytes) return Corrupt("header", "wrong size");
  Result<internal::ByteReader> opened = internal::OpenAttrs(bytes, kMagic, kContextHeaderFormat);
  if (!opened.ok()) return Corrupt("header", opened.status().message());
  internal::ByteReader& r = *opened;
  std::uint32_t flags = 0;
  ContextHeader h;
  r.Get(&h.layer);
  r.Get(&h.chunk_tokens);
  r.Get(&h.window);
  r.Get(&h.heads);
  r.Get(&h.head_size);
  r.Get(&flags);
  r.Get(&h.max_chunks);
  r.Get(&h.next_write);
  r.Get(&h.next_block);
  r.Get(&h.live_chunks);
  r.Get(&h.live_tokens);
  r.Get(&h.evicted_chunks);
  r.GetBytes(h.uid.data(), h.uid.size());
  h.cosine = (flags & 1u) != 0;
  if (h.chunk_tokens == 0 || h.window < 2 || h.heads == 0 || h.head_size == 0 ||
      h.next_write == 0 || h.next_block == 0 || (flags & ~1u) != 0) {
    return Corrupt("header", "invalid settings");
  }
  return h;
}

std::vector<std::byte> EncodeContextWrite(const ContextWriteInfo& write) {
  internal::ByteWriter w;
  w.Put<std::uint64_t>(write.tokens);
  w.Put<std::uint64_t>(write.first_block);
  w.Put<std::uint64_t>(write.blocks);
  w.Put<std::uint64_t>(write.chunks);
  return w.FinishWithChecksum();
}

Result<ContextWriteInfo> DecodeContextWrite(std::span<const std::byte> bytes) {
  if (bytes.size() != kWriteBytes) return Corrupt("write", "wrong size");
  if (!internal::ChecksumHolds(bytes)) return Corrupt("write", "checksum mismatch");
  internal::ByteReader r(bytes.first(bytes.size() - 8));
  ContextWriteInfo write;
  r.Get(&write.tokens);
  r.Get(&write.first_block);
  r.Get(&write.blocks);
  r.Get(&write.chunks);
  if (write.tokens == 0 || write.first_block == 0 || write.blocks == 0) {
    return Corrupt("write", "invalid values");
  }
  return write;
}

std::vector<std::byte> EncodeContextBlock(const ContextBlockInfo& block) {
  internal::ByteWriter w;
  w.Put<std::uint64_t>(block.write);
  w.Put<std::uint64_t>(block.token_offset);
  w.Put<std::uint64_t>(block.chunk_offset);
  w.Put<std::uint32_t>(block.tokens);
  w.Put<std::uint32_t>(block.chunks);
  return w.FinishWithChecksum();
}

Result<ContextBlockInfo> DecodeContextBlock(std::span<const std::byte> bytes) {
  if (bytes.size() != kBlockBytes) return Corrupt("block", "wrong size");
  if (!internal::ChecksumHolds(bytes)) return Corrupt("block", "checksum mismatch");
  internal::ByteReader r(bytes.first(bytes.size() - 8));
  ContextBlockInfo block;
  r.Get(&block.write);
  r.Get(&block.token_offset);
  r.Get(&block.chunk_offset);
  r.Get(&block.tokens);
  r.Get(&block.chunks);
  if (block.write == 0 || block.tokens == 0 || block.chunks == 0 || block.chunks > block.tokens) {
    return Corrupt("block", "invalid values");
  }
  return block;
}

}  // namespace engram::query
