#include "query/executor/episodic_header.h"

#include <cstring>
#include <random>

#include "query/executor/attrs_codec.h"

namespace engram::query {
namespace {

constexpr char kMagic[4] = {'E', 'P', 'H', 'D'};
constexpr std::uint8_t kOpWrite = 1;   // frozen (format.md §11)
constexpr std::uint8_t kOpForget = 2;  // frozen
constexpr std::size_t kFixedBytes = 68;

Status Corrupt(const std::string& what) {
  return Status::Error(ErrorCode::kCorrupt, "episodic header: " + what);
}

}  // namespace

std::vector<EpisodicCheckpointTensor> EpisodicCheckpointTensors(const EpisodicHeader& header) {
  const std::uint64_t k = header.slots, c = header.code_width;
  return {{"Bt", {c, k}}, {"S", {k, k}}, {"Q", {k, k}}};
}

std::vector<std::byte> EncodeEpisodicHeader(const EpisodicHeader& header) {
  internal::ByteWriter w;
  w.PutBytes(kMagic, sizeof(kMagic));
  w.Put<std::uint32_t>(kEpisodicHeaderFormat);
  w.Put<std::uint32_t>(header.slots);
  w.Put<std::uint32_t>(header.code_width);
  w.Put<double>(header.ridge);
  w.Put<std::uint64_t>(header.seed);
  w.Put<std::uint32_t>(header.encoder_version);
  w.Put<std::uint32_t>(header.checkpoint_every);
  w.Put<std::uint64_t>(header.next_id);
  w.PutBytes(header.uid.data(), header.uid.size());
  w.Put<std::uint32_t>(static_cast<std::uint32_t>(header.ops.size()));
  for (const EpisodicJournalOp& op : header.ops) {
    w.Put<std::uint8_t>(op.forget ? kOpForget : kOpWrite);
    w.Put<std::uint8_t>(0);
    w.Put<std::uint16_t>(0);
    w.Put<std::uint32_t>(static_cast<std::uint32_t>(op.ids.size()));
    for (std::size_t i = 0; i < op.ids.size(); ++i) {
      w.Put<std::uint64_t>(op.ids[i]);
      w.Put<std::uint64_t>(i < op.versions.size() ? op.versions[i] : 0);
    }
  }
  return w.FinishWithChecksum();
}

Result<EpisodicHeader> DecodeEpisodicHeader(std::span<const std::byte> bytes) {
  if (bytes.size() < kFixedBytes + 8) return Corrupt("truncated");
  Result<internal::ByteReader> opened = internal::OpenAttrs(bytes, kMagic, kEpisodicHeaderFormat);
  if (!opened.ok()) return Corrupt(opened.status().message());
  internal::ByteReader& r = *opened;
  EpisodicHeader header;
  std::uint32_t op_count = 0;
  r.Get(&header.slots);
  r.Get(&header.code_width);
  r.Get(&header.ridge);
  r.Get(&header.seed);
  r.Get(&header.encoder_version);
  r.Get(&header.checkpoint_every);
  r.Get(&header.next_id);
  r.GetBytes(header.uid.data(), header.uid.size());
  r.Get(&op_count);
  // Each op takes at least 8 bytes: a count beyond that is corrupt, not a huge allocation.
  if (op_count > r.remaining() / 8) return Corrupt("operation count beyond the record");
  header.ops.resize(op_count);
  for (EpisodicJournalOp& op : header.ops) {
    std::uint8_t kind = 0, pad8 = 0;
    std::uint16_t pad16 = 0;
    std::uint32_t n = 0;
    if (!r.Get(&kind) || !r.Get(&pad8) || !r.Get(&pad16) || !r.Get(&n)) {
      return Corrupt("truncated operation");
    }
    if (kind != kOpWrite && kind != kOpForget) return Corrupt("unknown operation");
    if (n == 0 || n > r.remaining() / 16) return Corrupt("bad operation size");
    op.forget = kind == kOpForget;
    op.ids.resize(n);
    op.versions.resize(n);
    for (std::uint32_t i = 0; i < n; ++i) {
      r.Get(&op.ids[i]);
      r.Get(&op.versions[i]);
    }
  }
  if (r.remaining() != 0) return Corrupt("trailing bytes");
  if (header.slots == 0 || header.code_width == 0 || !(header.ridge > 0) ||
      header.checkpoint_every == 0 || header.next_id == 0) {
    return Corrupt("invalid settings");
  }
  return header;
}

std::string UidHex(const std::array<std::uint8_t, 16>& uid) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (std::uint8_t b : uid) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
}

std::array<std::uint8_t, 16> NewUid() {
  std::random_device device;
  std::array<std::uint8_t, 16> uid{};
  for (std::size_t i = 0; i < uid.size(); i += 4) {
    const std::uint32_t v = device();
    std::memcpy(uid.data() + i, &v, 4);
  }
  return uid;
}

}  // namespace engram::query
