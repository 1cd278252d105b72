#include "storage/codec.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "storage/keys.h"
#include "storage/schema/store_generated.h"

namespace engram::storage::codec {
namespace {

constexpr std::size_t kFrameHeaderBytes = 16;
constexpr std::string_view kRecordTag = "RECD";
constexpr std::string_view kCommitTag = "CMIT";
constexpr std::string_view kRefTag = "REF_";
constexpr std::string_view kAuditTag = "AUDT";

Status Corrupt(std::string_view what, std::string why) {
  return Status::Error(ErrorCode::kCorrupt, std::string(what) + ": " + std::move(why));
}

void AppendU32Le(std::string* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
std::uint32_t ReadU32Le(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string Frame(std::string_view tag, const flatbuffers::FlatBufferBuilder& fbb) {
  std::string out;
  out.reserve(kFrameHeaderBytes + fbb.GetSize());
  out.append(tag);
  AppendU32Le(&out, static_cast<std::uint32_t>(fbb.GetSize()));
  keys::AppendU64Le(&out, XXH3_64bits(fbb.GetBufferPointer(), fbb.GetSize()));
  out.append(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  return out;
}

// An aligned copy of a verified FlatBuffer, so that reads of its scalars are aligned.
struct AlignedBuffer {
  std::unique_ptr<std::uint64_t[]> words;
  const std::uint8_t* data() const { return reinterpret_cast<const std::uint8_t*>(words.get()); }
};

template <typename T>
Result<const T*> Unframe(std::string_view framed, std::string_view tag, std::string_view what,
                         AlignedBuffer* buffer) {
  if (framed.size() < kFrameHeaderBytes) return Corrupt(what, "value shorter than its header");
  if (framed.substr(0, 4) != tag) return Corrupt(what, "wrong type tag");
  std::uint32_t length = ReadU32Le(framed.data() + 4);
  if (length > kMaxFrameBytes || framed.size() - kFrameHeaderBytes != length) {
    return Corrupt(what, "length field does not match the value");
  }
  const char* body = framed.data() + kFrameHeaderBytes;
  if (XXH3_64bits(body, length) != keys::ReadU64Le(framed.substr(8, 8))) {
    return Corrupt(what, "checksum mismatch");
  }
  buffer->words = std::make_unique<std::uint64_t[]>(length / 8 + 1);
  std::memcpy(buffer->words.get(), body, length);
  // The default table budget (1M) would make a commit of over a million changed records
  // unreadable; every table costs at least 4 bytes, so length / 4 bounds the honest count.
  const flatbuffers::uoffset_t max_tables = std::max<flatbuffers::uoffset_t>(1000000, length / 4);
  flatbuffers::Verifier verifier(buffer->data(), length, /*max_depth=*/64, max_tables);
  if (!verifier.VerifyBuffer<T>(nullptr)) return Corrupt(what, "FlatBuffer fails verification");
  return flatbuffers::GetRoot<T>(buffer->data());
}

std::string Str(const flatbuffers::String* s) {
  return s == nullptr ? std::string() : s->str();
}

Hash128 FromFb(const fb::Hash128& h) {
  return Hash128{h.high(), h.low()};
}
fb::Hash128 ToFb(const Hash128& h) {
  return fb::Hash128(h.high, h.low);
}

bool ValidDType(fb::DType d) {
  return d >= fb::DType::F32 && d <= fb::DType::F64;
}

// Checks the internal consistency of a decoded tensor description.
Status CheckTensor(const TensorRef& t) {
  if (DTypeSize(t.dtype) == 0) return Corrupt("tensor", "unknown dtype");
  std::optional<std::uint64_t> bytes = TensorBytes(t.dtype, t.shape);
  if (!bytes || *bytes != t.nbytes) {
    return Corrupt("tensor '" + t.name + "'", "shape and dtype do not match the byte count");
  }
  if (!t.inline_data.empty() || t.blobs.empty()) {
    if (t.inline_data.size() != t.nbytes || !t.blobs.empty()) {
      return Corrupt("tensor '" + t.name + "'", "inline payload has the wrong size");
    }
    return Status::Ok();
  }
  if (t.chunk_bytes == 0 && !(t.blobs[0] == t.hash)) {
    return Corrupt("tensor '" + t.name + "'", "single blob does not match the tensor hash");
  }
  std::uint64_t expected_blobs =
      t.chunk_bytes == 0 ? 1 : (t.nbytes + t.chunk_bytes - 1) / t.chunk_bytes;
  if (t.blobs.size() != expected_blobs) {
    return Corrupt("tensor '" + t.name + "'", "blob count does not match its chunking");
  }
  return Status::Ok();
}

}  // namespace

Status CheckFrameSize(const std::string& framed, std::string_view what) {
  if (framed.size() > kFrameHeaderBytes + kMaxFrameBytes) {
    return Status::Error(ErrorCode::kLimit, std::string(what) + " of " +
                                                std::to_string(framed.size() >> 20) +
                                                " MiB exceeds the 1 GiB limit of one value");
  }
  return Status::Ok();
}

std::string EncodeRecord(const Record& record) {
  flatbuffers::FlatBufferBuilder fbb(256 + record.text.size() + record.attrs.size());
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (const TensorRef& t : record.tensors) {
    std::vector<fb::Hash128> blobs;
    for (const Hash128& h : t.blobs) blobs.push_back(ToFb(h));
    auto name = fbb.CreateString(t.name);
    auto shape = fbb.CreateVector(t.shape);
    auto blob_vec = fbb.CreateVectorOfStructs(blobs);
    flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>> inline_data;
    if (!t.inline_data.empty()) {
      inline_data = fbb.CreateVector(reinterpret_cast<const std::uint8_t*>(t.inline_data.data()),
                                     t.inline_data.size());
    }
    fb::Hash128 hash = ToFb(t.hash);
    tensors.push_back(fb::CreateTensor(fbb, name, static_cast<fb::DType>(t.dtype), shape, t.nbytes,
                                       &hash, t.chunk_bytes, blob_vec, inline_data));
  }
  auto text = fbb.CreateString(record.text);
  auto attrs = fbb.CreateVector(reinterpret_cast<const std::uint8_t*>(record.attrs.data()),
                                record.attrs.size());
  auto tensor_vec = fbb.CreateVector(tensors);
  fbb.Finish(fb::CreateRecord(fbb, record.tombstone, text, attrs, tensor_vec));
  return Frame(kRecordTag, fbb);
}

Result<Record> DecodeRecord(std::string_view framed) {
  AlignedBuffer buffer;
  ENGRAM_ASSIGN_OR_RETURN(const fb::Record* fbr,
                          Unframe<fb::Record>(framed, kRecordTag, "record", &buffer));
  Record out;
  out.tombstone = fbr->tombstone();
  out.text = Str(fbr->text());
  if (fbr->attrs() != nullptr) {
    const auto* a = fbr->attrs();
    out.attrs.resize(a->size());
    if (a->size() > 0) std::memcpy(out.attrs.data(), a->data(), a->size());
  }
  if (fbr->tensors() != nullptr) {
    for (const fb::Tensor* t : *fbr->tensors()) {
      if (t == nullptr) return Corrupt("record", "null tensor");
      TensorRef ref;
      ref.name = Str(t->name());
      if (!ValidDType(t->dtype())) return Corrupt("record", "unknown dtype");
      ref.dtype = static_cast<DType>(t->dtype());
      // The verifier checks vector alignment only to 4 bytes: copy 8-byte elements out.
      if (t->shape() != nullptr && t->shape()->size() > 0) {
        ref.shape.resize(t->shape()->size());
        std::memcpy(ref.shape.data(), t->shape()->Data(), ref.shape.size() * sizeof(std::uint64_t));
      }
      ref.nbytes = t->nbytes();
      if (t->hash() == nullptr) return Corrupt("record", "tensor without a hash");
      ref.hash = FromFb(*t->hash());
      ref.chunk_bytes = t->chunk_bytes();
      if (t->blobs() != nullptr) {
        for (std::uint32_t i = 0; i < t->blobs()->size(); ++i) {
          fb::Hash128 h;
          std::memcpy(&h, t->blobs()->Data() + i * sizeof(fb::Hash128), sizeof(h));
          ref.blobs.push_back(FromFb(h));
        }
      }
      if (t->inline_data() != nullptr) {
        const auto* d = t->inline_data();
        ref.inline_data.resize(d->size());
        if (d->size() > 0) std::memcpy(ref.inline_data.data(), d->data(), d->size());
      }
      ENGRAM_RETURN_IF_ERROR(CheckTensor(ref));
      out.tensors.push_back(std::move(ref));
    }
  }
  if (out.tombstone && !out.tensors.empty()) return Corrupt("record", "tombstone with tensors");
  return out;
}

std::string EncodeCommit(const CommitInfo& commit) {
  flatbuffers::FlatBufferBuilder fbb(256 + commit.statement.size());
  std::vector<flatbuffers::Offset<fb::ChangedKey>> changes;
  changes.reserve(commit.changes.size());
  for (const ChangedKey& c : commit.changes) {
    changes.push_back(fb::CreateChangedKey(fbb, fbb.CreateString(c.key.memory),
                                           static_cast<std::uint8_t>(c.key.kind), c.key.id,
                                           static_cast<fb::ChangeOp>(c.op)));
  }
  auto tenant = fbb.CreateString(commit.tenant);
  auto statement = fbb.CreateString(commit.statement);
  auto change_vec = fbb.CreateVector(changes);
  fbb.Finish(fb::CreateCommit(fbb, commit.version, commit.parent, commit.time_ns, tenant, statement,
                              static_cast<fb::CommitKind>(commit.kind), commit.rollback_to,
                              change_vec));
  return Frame(kCommitTag, fbb);
}

Result<CommitInfo> DecodeCommit(std::string_view framed) {
  AlignedBuffer buffer;
  ENGRAM_ASSIGN_OR_RETURN(const fb::Commit* c,
                          Unframe<fb::Commit>(framed, kCommitTag, "commit", &buffer));
  CommitInfo out;
  out.version = c->version();
  out.parent = c->parent();
  out.time_ns = c->time_ns();
  out.tenant = Str(c->tenant());
  out.statement = Str(c->statement());
  if (c->kind() < fb::CommitKind::Write || c->kind() > fb::CommitKind::Purge) {
    return Corrupt("commit", "unknown commit kind");
  }
  out.kind = static_cast<CommitKind>(c->kind());
  out.rollback_to = c->rollback_to();
  if (c->changes() != nullptr) {
    out.changes.reserve(c->changes()->size());
    for (const fb::ChangedKey* k : *c->changes()) {
      if (k == nullptr || k->kind() == 0) return Corrupt("commit", "bad changed key");
      if (k->op() < fb::ChangeOp::Put || k->op() > fb::ChangeOp::Purge) {
        return Corrupt("commit", "unknown change op");
      }
      out.changes.push_back(ChangedKey{
          RecordKey{Str(k->memory()), static_cast<RecordKind>(k->kind()), k->record_id()},
          static_cast<ChangeOp>(k->op())});
    }
  }
  return out;
}

std::string EncodeRef(const RefInfo& ref) {
  flatbuffers::FlatBufferBuilder fbb(64);
  fbb.Finish(fb::CreateRef(fbb, ref.version, ref.time_ns));
  return Frame(kRefTag, fbb);
}

Result<RefInfo> DecodeRef(std::string_view framed) {
  AlignedBuffer buffer;
  ENGRAM_ASSIGN_OR_RETURN(const fb::Ref* r, Unframe<fb::Ref>(framed, kRefTag, "ref", &buffer));
  RefInfo out;
  out.version = r->version();
  out.time_ns = r->time_ns();
  return out;
}

std::string EncodeAudit(const AuditInfo& audit) {
  flatbuffers::FlatBufferBuilder fbb(128);
  auto tenant = fbb.CreateString(audit.tenant);
  auto memory = fbb.CreateString(audit.key.memory);
  fbb.Finish(fb::CreateAudit(fbb, audit.version, audit.time_ns, tenant, memory,
                             static_cast<std::uint8_t>(audit.key.kind), audit.key.id,
                             audit.versions_deleted, audit.blobs_deleted));
  return Frame(kAuditTag, fbb);
}

Result<AuditInfo> DecodeAudit(std::string_view framed) {
  AlignedBuffer buffer;
  ENGRAM_ASSIGN_OR_RETURN(const fb::Audit* a,
                          Unframe<fb::Audit>(framed, kAuditTag, "audit", &buffer));
  AuditInfo out;
  out.version = a->version();
  out.time_ns = a->time_ns();
  out.tenant = Str(a->tenant());
  out.key = RecordKey{Str(a->memory()), static_cast<RecordKind>(a->kind()), a->record_id()};
  out.versions_deleted = a->versions_deleted();
  out.blobs_deleted = a->blobs_deleted();
  return out;
}

void EncodeBlobHeader(const Hash128& hash, std::uint64_t size, char* out) {
  std::string h;
  h.append("EBLB");
  h.push_back(1);
  h.push_back(0);
  h.append(2, '\0');
  AppendU32Le(&h, static_cast<std::uint32_t>(kBlobHeaderBytes));
  h.append(4, '\0');
  keys::AppendU64Le(&h, size);
  keys::AppendU64Le(&h, hash.high);
  keys::AppendU64Le(&h, hash.low);
  keys::AppendU64Le(&h, XXH3_64bits(h.data(), h.size()));
  std::memcpy(out, h.data(), kBlobHeaderBytes);
}

Result<std::string_view> CheckBlob(std::string_view value, const Hash128& key_hash,
                                   bool verify_payload) {
  const std::string what = "blob " + key_hash.ToHex();
  if (value.size() < kBlobHeaderBytes) return Corrupt(what, "shorter than its header");
  if (value.substr(0, 4) != "EBLB") return Corrupt(what, "bad magic");
  if (XXH3_64bits(value.data(), 40) != keys::ReadU64Le(value.substr(40, 8))) {
    return Corrupt(what, "header checksum mismatch");
  }
  if (value[4] != 1 || value[5] != 0) return Corrupt(what, "unknown blob format");
  if (ReadU32Le(value.data() + 8) != kBlobHeaderBytes) return Corrupt(what, "bad payload offset");
  std::uint64_t size = keys::ReadU64Le(value.substr(16, 8));
  Hash128 stored{keys::ReadU64Le(value.substr(24, 8)), keys::ReadU64Le(value.substr(32, 8))};
  if (size != value.size() - kBlobHeaderBytes) return Corrupt(what, "length mismatch");
  if (!(stored == key_hash)) return Corrupt(what, "header names another hash");
  std::string_view payload = value.substr(kBlobHeaderBytes);
  if (verify_payload && !(ContentHash(payload) == key_hash)) {
    return Corrupt(what, "payload checksum mismatch");
  }
  return payload;
}

}  // namespace engram::storage::codec
