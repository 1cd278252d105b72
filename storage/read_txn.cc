// ReadTxn: as-of reads, listings, tensors, history, diff and snapshots on one read snapshot.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "storage/codec.h"
#include "storage/keys.h"
#include "storage/store_impl.h"

namespace engram::storage {

struct ReadTxn::Impl {
  const Store::Impl* store = nullptr;
  std::shared_lock<std::shared_timed_mutex> lock;
  lmdb::Txn txn;

  ~Impl() {
    if (store != nullptr && txn) store->ReturnRead(std::move(txn));
  }
  const Dbis& dbi() const { return store->dbi; }
};

namespace {

// Walks the entries of `dbi` whose keys start with `prefix`, in key order.
template <typename Fn>
Status ScanPrefix(const lmdb::Txn& txn, MDB_dbi dbi, std::string_view prefix, Fn&& fn) {
  ENGRAM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn, dbi));
  ENGRAM_ASSIGN_OR_RETURN(bool more, cursor.Seek(prefix));
  while (more && cursor.key().substr(0, prefix.size()) == prefix) {
    ENGRAM_RETURN_IF_ERROR(fn(cursor.key(), cursor.value()));
    ENGRAM_ASSIGN_OR_RETURN(more, cursor.Next());
  }
  return Status::Ok();
}

// A 64-byte aligned buffer, or null when memory runs out (the caller answers LIMIT).
std::shared_ptr<std::byte> AllocateAligned(std::size_t size) {
  void* p = std::aligned_alloc(64, (size + 63) / 64 * 64 + 64);
  if (p == nullptr) return nullptr;
  return std::shared_ptr<std::byte>(static_cast<std::byte*>(p), [](std::byte* q) { std::free(q); });
}

}  // namespace

Result<ReadTxn> Store::BeginRead() const {
  auto impl = std::make_unique<ReadTxn::Impl>();
  impl->store = impl_.get();
  ENGRAM_ASSIGN_OR_RETURN(impl->txn, impl_->BeginRead(&impl->lock));
  Result<Version> head = ReadMetaU64(impl->txn, impl_->dbi, "head");
  if (!head.ok()) return head.status();
  ReadTxn txn(std::move(impl));
  txn.head_ = *head;
  return txn;
}

ReadTxn::ReadTxn(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReadTxn::ReadTxn(ReadTxn&& other) noexcept : impl_(std::move(other.impl_)), head_(other.head_) {}
ReadTxn& ReadTxn::operator=(ReadTxn&& other) noexcept {
  impl_ = std::move(other.impl_);
  head_ = other.head_;
  return *this;
}
ReadTxn::~ReadTxn() = default;

Status ReadTxn::CheckReadable(const Tenant& tenant, Version version) const {
  return storage::CheckReadable(impl_->txn, impl_->dbi(), tenant, version, head_);
}

Result<std::optional<Record>> ReadTxn::Get(const Tenant& tenant, const RecordKey& key,
                                           Version as_of) const {
  ENGRAM_RETURN_IF_ERROR(CheckReadable(tenant, as_of));
  return GetAsOf(impl_->txn, impl_->dbi(), tenant, key, as_of == kHeadVersion ? head_ : as_of);
}

Result<std::vector<Record>> ReadTxn::List(const Tenant& tenant, std::string_view memory,
                                          std::optional<RecordKind> kind, Version as_of) const {
  ENGRAM_RETURN_IF_ERROR(ValidateName(memory, "memory"));
  ENGRAM_RETURN_IF_ERROR(CheckReadable(tenant, as_of));
  if (as_of == kHeadVersion) as_of = head_;
  std::string prefix = keys::MemoryPrefix(tenant, memory);
  if (kind) prefix.push_back(static_cast<char>(*kind));
  std::vector<Record> out;
  // Per record, the last entry seen with version <= as_of wins; emit it when the record ends.
  std::string group;
  // Values stay valid for the whole read transaction: keep views, decode only the winner.
  std::optional<std::pair<Version, std::string_view>> best;
  auto flush = [&]() -> Status {
    if (!best) return Status::Ok();
    ENGRAM_ASSIGN_OR_RETURN(Record record, codec::DecodeRecord(best->second));
    if (!record.tombstone) {
      auto decoded = keys::DecodeRecordKey(group + std::string(8, '\0'));
      if (!decoded) return Status::Error(ErrorCode::kCorrupt, "malformed record key");
      record.key = decoded->key;
      record.version = best->first;
      out.push_back(std::move(record));
    }
    best.reset();
    return Status::Ok();
  };
  ENGRAM_RETURN_IF_ERROR(ScanPrefix(impl_->txn, impl_->dbi().records, prefix,
                                    [&](std::string_view key, std::string_view value) -> Status {
                                      if (key.size() < 8)
                                        return Status::Error(ErrorCode::kCorrupt,
                                                             "short record key");
                                      std::string_view this_group = key.substr(0, key.size() - 8);
                                      if (this_group != group) {
                                        ENGRAM_RETURN_IF_ERROR(flush());
                                        group = std::string(this_group);
                                      }
                                      Version version = keys::ReadU64Be(key.substr(key.size() - 8));
                                      if (version <= as_of) best.emplace(version, value);
                                      return Status::Ok();
                                    }));
  ENGRAM_RETURN_IF_ERROR(flush());
  return out;
}

Result<std::optional<std::uint64_t>> ReadTxn::MaxRecordId(const Tenant& tenant,
                                                          std::string_view memory,
                                                          RecordKind kind) const {
  ENGRAM_RETURN_IF_ERROR(ValidateName(memory, "memory"));
  std::string prefix = keys::MemoryPrefix(tenant, memory);
  prefix.push_back(static_cast<char>(kind));
  ENGRAM_ASSIGN_OR_RETURN(lmdb::Cursor cursor,
                          lmdb::Cursor::Open(impl_->txn, impl_->dbi().records));
  // Keys are prefix | id:u64be | version:u64be: the last key below prefix | ff*16 is the largest.
  ENGRAM_ASSIGN_OR_RETURN(bool found, cursor.Seek(prefix + std::string(16, '\xff')));
  if (found) {
    ENGRAM_ASSIGN_OR_RETURN(found, cursor.Prev());
  } else {
    ENGRAM_ASSIGN_OR_RETURN(found, cursor.Last());
  }
  if (!found || cursor.key().size() != prefix.size() + 16 ||
      cursor.key().substr(0, prefix.size()) != prefix) {
    return std::optional<std::uint64_t>();
  }
  return std::optional<std::uint64_t>(keys::ReadU64Be(cursor.key().substr(prefix.size(), 8)));
}

Result<std::vector<std::string>> ReadTxn::ListMemories(const Tenant& tenant, Version as_of) const {
  ENGRAM_RETURN_IF_ERROR(CheckReadable(tenant, as_of));
  if (as_of == kHeadVersion) as_of = head_;
  std::vector<std::string> names;
  ENGRAM_ASSIGN_OR_RETURN(std::vector<std::string> candidates,
                          MemoriesWithHistory(impl_->txn, impl_->dbi(), tenant));
  for (std::string& memory : candidates) {
    ENGRAM_ASSIGN_OR_RETURN(auto record, GetAsOf(impl_->txn, impl_->dbi(), tenant,
                                                 RecordKey{memory, RecordKind::kMemory, 0}, as_of));
    if (record) names.push_back(std::move(memory));
  }
  return names;
}

Result<TensorView> ReadTxn::Tensor(const TensorRef& tensor) const {
  TensorView view;
  view.dtype_ = tensor.dtype;
  view.shape_ = tensor.shape;
  const bool verify = impl_->store->options.verify_tensor_reads;
  auto corrupt = [&](std::string why) {
    return Status::Error(ErrorCode::kCorrupt, "tensor '" + tensor.name + "': " + why);
  };
  auto out_of_memory = [&]() {
    return Status::Error(ErrorCode::kLimit, "tensor '" + tensor.name + "': no memory for a " +
                                                std::to_string(tensor.nbytes) + "-byte copy");
  };
  auto copy_into_owned = [&](const void* src, std::size_t size) -> Status {
    view.owned_ = AllocateAligned(size);
    if (view.owned_ == nullptr) return out_of_memory();
    if (size > 0) std::memcpy(view.owned_.get(), src, size);
    view.bytes_ = std::span<const std::byte>(view.owned_.get(), size);
    return Status::Ok();
  };
  if (tensor.blobs.empty()) {
    if (tensor.inline_data.size() != tensor.nbytes) return corrupt("inline size mismatch");
    ENGRAM_RETURN_IF_ERROR(copy_into_owned(tensor.inline_data.data(), tensor.inline_data.size()));
  } else if (tensor.blobs.size() == 1) {
    std::string_view value;
    ENGRAM_ASSIGN_OR_RETURN(
        bool found, impl_->txn.Get(impl_->dbi().blobs, keys::BlobKey(tensor.blobs[0]), &value));
    if (!found) return corrupt("blob " + tensor.blobs[0].ToHex() + " is missing");
    ENGRAM_ASSIGN_OR_RETURN(std::string_view payload,
                            codec::CheckBlob(value, tensor.blobs[0], verify));
    if (payload.size() != tensor.nbytes) return corrupt("blob size mismatch");
    if (reinterpret_cast<std::uintptr_t>(payload.data()) % 64 == 0) {
      view.bytes_ = std::span<const std::byte>(reinterpret_cast<const std::byte*>(payload.data()),
                                               payload.size());
    } else {
      ENGRAM_RETURN_IF_ERROR(copy_into_owned(payload.data(), payload.size()));
    }
  } else {
    view.owned_ = AllocateAligned(tensor.nbytes);
    if (view.owned_ == nullptr) return out_of_memory();
    std::size_t offset = 0;
    for (const Hash128& hash : tensor.blobs) {
      std::string_view value;
      ENGRAM_ASSIGN_OR_RETURN(bool found,
                              impl_->txn.Get(impl_->dbi().blobs, keys::BlobKey(hash), &value));
      if (!found) return corrupt("chunk blob " + hash.ToHex() + " is missing");
      ENGRAM_ASSIGN_OR_RETURN(std::string_view payload, codec::CheckBlob(value, hash, verify));
      if (offset + payload.size() > tensor.nbytes) return corrupt("chunks exceed the tensor");
      std::memcpy(view.owned_.get() + offset, payload.data(), payload.size());
      offset += payload.size();
    }
    if (offset != tensor.nbytes) return corrupt("chunks do not fill the tensor");
    view.bytes_ = std::span<const std::byte>(view.owned_.get(), tensor.nbytes);
  }
  if (verify && tensor.blobs.size() != 1 &&
      !(ContentHash(view.data(), view.size()) == tensor.hash)) {
    return corrupt("payload checksum mismatch");
  }
  return view;
}

Result<std::vector<HistoryEntry>> ReadTxn::History(const Tenant& tenant, std::string_view memory,
                                                   std::size_t limit, Version as_of) const {
  ENGRAM_RETURN_IF_ERROR(ValidateName(memory, "memory"));
  std::vector<HistoryEntry> out;
  std::string prefix = keys::MemoryPrefix(tenant, memory);
  ENGRAM_ASSIGN_OR_RETURN(lmdb::Cursor cursor,
                          lmdb::Cursor::Open(impl_->txn, impl_->dbi().memory_log));
  const Version last = std::min(as_of, head_);
  // The first key past `last`: the entry for version last + 1, or past every version.
  std::string past = prefix;
  if (last < kHeadVersion) {
    keys::AppendU64Be(&past, last + 1);
  } else {
    past += std::string(8, '\xff') + '\0';
  }
  ENGRAM_ASSIGN_OR_RETURN(bool found, cursor.Seek(past));
  bool more = false;
  if (found) {
    ENGRAM_ASSIGN_OR_RETURN(more, cursor.Prev());
  } else {
    ENGRAM_ASSIGN_OR_RETURN(more, cursor.Last());
  }
  while (more && cursor.key().size() == prefix.size() + 8 &&
         cursor.key().substr(0, prefix.size()) == prefix && (limit == 0 || out.size() < limit)) {
    Version version = keys::ReadU64Be(cursor.key().substr(prefix.size()));
    if (version <= last) {
      std::string_view value;
      ENGRAM_ASSIGN_OR_RETURN(
          bool has, impl_->txn.Get(impl_->dbi().commits, keys::CommitKey(version), &value));
      if (!has) return Status::Error(ErrorCode::kCorrupt, "history names a missing commit");
      ENGRAM_ASSIGN_OR_RETURN(CommitInfo commit, codec::DecodeCommit(value));
      std::uint32_t count = 0;
      if (cursor.value().size() == 4) {
        for (int i = 3; i >= 0; --i)
          count = (count << 8) | static_cast<unsigned char>(cursor.value()[i]);
      }
      out.push_back(HistoryEntry{version, commit.time_ns, commit.statement, commit.kind, count});
    }
    ENGRAM_ASSIGN_OR_RETURN(more, cursor.Prev());
  }
  return out;
}

Result<CommitInfo> ReadTxn::Commit(const Tenant& tenant, Version version) const {
  std::string_view value;
  ENGRAM_ASSIGN_OR_RETURN(bool found,
                          impl_->txn.Get(impl_->dbi().commits, keys::CommitKey(version), &value));
  if (found && version <= head_) {
    ENGRAM_ASSIGN_OR_RETURN(CommitInfo commit, codec::DecodeCommit(value));
    if (commit.tenant == tenant.name()) return commit;
  }
  return Status::Error(ErrorCode::kNotFound, "no commit " + std::to_string(version));
}

Result<std::vector<DiffEntry>> ReadTxn::Diff(const Tenant& tenant, std::string_view memory,
                                             Version from, Version to) const {
  ENGRAM_RETURN_IF_ERROR(ValidateName(memory, "memory"));
  if (from == kHeadVersion) from = head_;
  if (to == kHeadVersion) to = head_;
  ENGRAM_RETURN_IF_ERROR(CheckReadable(tenant, from));
  ENGRAM_RETURN_IF_ERROR(CheckReadable(tenant, to));
  ENGRAM_ASSIGN_OR_RETURN(std::set<RecordKey> changed,
                          ChangedBetween(impl_->txn, impl_->dbi(), tenant, memory,
                                         std::min(from, to), std::max(from, to)));
  std::vector<DiffEntry> out;
  for (const RecordKey& key : changed) {
    std::string prefix = keys::RecordPrefix(tenant, key);
    ENGRAM_ASSIGN_OR_RETURN(auto a, FindAsOf(impl_->txn, impl_->dbi(), prefix, from));
    ENGRAM_ASSIGN_OR_RETURN(auto b, FindAsOf(impl_->txn, impl_->dbi(), prefix, to));
    auto live = [](const auto& found) -> Result<bool> {
      if (!found) return false;
      ENGRAM_ASSIGN_OR_RETURN(Record record, codec::DecodeRecord(found->second));
      return !record.tombstone;
    };
    ENGRAM_ASSIGN_OR_RETURN(bool in_a, live(a));
    ENGRAM_ASSIGN_OR_RETURN(bool in_b, live(b));
    DiffEntry entry{key, DiffChange::kAdded, in_a ? a->first : 0, in_b ? b->first : 0};
    if (!in_a && in_b) {
      entry.change = DiffChange::kAdded;
    } else if (in_a && !in_b) {
      entry.change = DiffChange::kRemoved;
    } else if (in_a && in_b && a->second != b->second) {
      entry.change = DiffChange::kChanged;
    } else {
      continue;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

Result<RefInfo> ReadTxn::GetRef(const Tenant& tenant, std::string_view scope,
                                std::string_view name) const {
  std::string_view value;
  ENGRAM_ASSIGN_OR_RETURN(
      bool found, impl_->txn.Get(impl_->dbi().refs, keys::RefKey(tenant, scope, name), &value));
  if (!found) {
    return Status::Error(ErrorCode::kNotFound,
                         "no snapshot '" + std::string(name) + "'" +
                             (scope.empty() ? std::string() : " of " + std::string(scope)));
  }
  ENGRAM_ASSIGN_OR_RETURN(RefInfo ref, codec::DecodeRef(value));
  ref.scope = std::string(scope);
  ref.name = std::string(name);
  return ref;
}

Result<std::vector<RefInfo>> ReadTxn::ListRefs(const Tenant& tenant,
                                               std::optional<std::string_view> scope) const {
  std::vector<RefInfo> out;
  std::string prefix = scope ? keys::RefScopePrefix(tenant, *scope) : keys::TenantPrefix(tenant);
  ENGRAM_RETURN_IF_ERROR(ScanPrefix(impl_->txn, impl_->dbi().refs, prefix,
                                    [&](std::string_view key, std::string_view value) -> Status {
                                      auto decoded = keys::DecodeRefKey(key);
                                      if (!decoded) {
                                        return Status::Error(ErrorCode::kCorrupt, "bad ref key");
                                      }
                                      ENGRAM_ASSIGN_OR_RETURN(RefInfo ref, codec::DecodeRef(value));
                                      ref.scope = decoded->scope;
                                      ref.name = decoded->name;
                                      out.push_back(std::move(ref));
                                      return Status::Ok();
                                    }));
  return out;
}

Result<std::vector<PurgedRecord>> ReadTxn::PurgedSince(const Tenant& tenant,
                                                       std::string_view memory,
                                                       Version as_of) const {
  if (as_of > head_) {
    return Status::Error(ErrorCode::kNotFound, "version " + std::to_string(as_of) +
                                                   " does not exist yet (head is " +
                                                   std::to_string(head_) + ")");
  }
  return storage::PurgedSince(impl_->txn, impl_->dbi(), tenant, memory, as_of, head_);
}

Result<std::vector<AuditInfo>> ReadTxn::Audit(const Tenant& tenant) const {
  std::vector<AuditInfo> out;
  ENGRAM_RETURN_IF_ERROR(ScanPrefix(
      impl_->txn, impl_->dbi().audit, "", [&](std::string_view, std::string_view value) -> Status {
        ENGRAM_ASSIGN_OR_RETURN(AuditInfo audit, codec::DecodeAudit(value));
        if (audit.tenant == tenant.name()) {
          out.push_back(std::move(audit));
        }
        return Status::Ok();
      }));
  return out;
}

}  // namespace engram::storage
