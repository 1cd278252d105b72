// VerifyTxn: the consistency check behind `engram verify` and `engram load`.
#include <map>

#include "storage/codec.h"
#include "storage/keys.h"
#include "storage/maintenance_ops.h"

namespace engram::storage {
namespace {

constexpr std::size_t kMaxProblems = 1000;

class Checker {
 public:
  Checker(const lmdb::Txn& txn, const Dbis& dbi, VerifyReport* report)
      : txn_(txn), dbi_(dbi), report_(report) {}

  void Problem(std::string line) {
    if (report_->problems.size() < kMaxProblems) report_->problems.push_back(std::move(line));
  }

  // Visits every entry of `dbi` in key order.
  template <typename Fn>
  Status Scan(MDB_dbi dbi, Fn&& fn) {
    ENGRAM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn_, dbi));
    ENGRAM_ASSIGN_OR_RETURN(bool more, cursor.First());
    while (more) {
      fn(cursor.key(), cursor.value());
      ENGRAM_ASSIGN_OR_RETURN(more, cursor.Next());
    }
    return Status::Ok();
  }

  Status Run() {
    ENGRAM_ASSIGN_OR_RETURN(Version head, ReadMetaU64(txn_, dbi_, "head"));
    std::map<std::string, std::uint64_t> references;  // blob key -> record versions naming it
    ENGRAM_RETURN_IF_ERROR(Scan(dbi_.records, [&](std::string_view key, std::string_view value) {
      ++report_->records_checked;
      auto decoded = keys::DecodeRecordKey(key);
      if (!decoded || !ValidateName(decoded->tenant, "tenant").ok() ||
          !ValidateName(decoded->key.memory, "memory").ok()) {
        Problem("records: malformed key " + Hex(key));
        return;
      }
      std::string where = "record " + decoded->tenant + "." + decoded->key.memory + " " +
                          std::string(RecordKindName(decoded->key.kind)) + " " +
                          std::to_string(decoded->key.id) + " @" + std::to_string(decoded->version);
      if (decoded->version == 0 || decoded->version > head) {
        Problem(where + ": version outside 1.." + std::to_string(head));
      }
      Result<Record> record = codec::DecodeRecord(value);
      if (!record.ok()) {
        Problem(where + ": " + record.status().message());
        return;
      }
      for (const TensorRef& tensor : record->tensors) {
        if (tensor.blobs.empty() &&
            !(ContentHash(tensor.inline_data.data(), tensor.inline_data.size()) == tensor.hash)) {
          Problem(where + ": inline tensor '" + tensor.name + "' fails its checksum");
        }
        for (const Hash128& hash : tensor.blobs) ++references[keys::BlobKey(hash)];
      }
    }));
    ENGRAM_RETURN_IF_ERROR(Scan(dbi_.blobs, [&](std::string_view key, std::string_view value) {
      ++report_->blobs_checked;
      auto hash = keys::DecodeBlobKey(key);
      if (!hash) {
        Problem("blobs: malformed key " + Hex(key));
        return;
      }
      Result<std::string_view> payload = codec::CheckBlob(value, *hash, true);
      if (!payload.ok()) Problem(payload.status().message());
      if (references.count(std::string(key)) == 0) {
        Problem("blob " + hash->ToHex() + " is stored but no record names it");
      }
    }));
    std::map<std::string, std::uint64_t> counts;
    ENGRAM_RETURN_IF_ERROR(Scan(dbi_.blob_refs, [&](std::string_view key, std::string_view value) {
      if (value.size() != 8) {
        Problem("blob_refs: malformed count for " + Hex(key));
        return;
      }
      counts[std::string(key)] = keys::ReadU64Le(value);
    }));
    for (const auto& [key, expected] : references) {
      std::string_view blob;
      Result<bool> stored = txn_.Get(dbi_.blobs, key, &blob);
      std::string name = keys::DecodeBlobKey(key) ? keys::DecodeBlobKey(key)->ToHex() : Hex(key);
      if (!stored.ok() || !*stored) Problem("blob " + name + " is named by records but missing");
      auto it = counts.find(key);
      std::uint64_t found = it == counts.end() ? 0 : it->second;
      if (found != expected) {
        Problem("blob " + name + ": reference count " + std::to_string(found) +
                ", records name it " + std::to_string(expected) + " time(s)");
      }
    }
    for (const auto& [key, count] : counts) {
      if (references.count(key) == 0)
        Problem("blob_refs: count for an unreferenced blob " + Hex(key));
    }
    Version last_commit = 0;
    ENGRAM_RETURN_IF_ERROR(Scan(dbi_.commits, [&](std::string_view key, std::string_view value) {
      ++report_->commits_checked;
      Result<CommitInfo> commit = codec::DecodeCommit(value);
      if (key.size() != 8 || !commit.ok()) {
        Problem("commit " + Hex(key) + ": " +
                (commit.ok() ? std::string("malformed key") : commit.status().message()));
        return;
      }
      Version version = keys::ReadU64Be(key);
      if (commit->version != version)
        Problem("commit " + std::to_string(version) + ": wrong version");
      if (version > head) Problem("commit " + std::to_string(version) + " is beyond the head");
      last_commit = version;
    }));
    if (last_commit != head) {
      Problem("meta head is " + std::to_string(head) + " but the last commit is " +
              std::to_string(last_commit));
    }
    ENGRAM_RETURN_IF_ERROR(Scan(dbi_.memory_log, [&](std::string_view key, std::string_view) {
      auto decoded = keys::DecodeMemoryLogKey(key);
      std::string_view commit;
      if (!decoded) {
        Problem("memory_log: malformed key " + Hex(key));
      } else if (Result<bool> found =
                     txn_.Get(dbi_.commits, keys::CommitKey(decoded->version), &commit);
                 !found.ok() || !*found) {
        Problem("memory_log of " + decoded->tenant + "." + decoded->memory +
                " names missing commit " + std::to_string(decoded->version));
      }
    }));
    ENGRAM_RETURN_IF_ERROR(Scan(dbi_.refs, [&](std::string_view key, std::string_view value) {
      auto decoded = keys::DecodeRefKey(key);
      Result<RefInfo> ref = codec::DecodeRef(value);
      if (!decoded || !ref.ok()) {
        Problem("refs: malformed entry " + Hex(key));
      } else if (ref->version > head) {
        Problem("snapshot " + decoded->name + " names version " + std::to_string(ref->version) +
                " beyond the head");
      }
    }));
    return Scan(dbi_.audit, [&](std::string_view key, std::string_view value) {
      if (!codec::DecodeAudit(value).ok()) Problem("audit: malformed entry " + Hex(key));
    });
  }

 private:
  static std::string Hex(std::string_view bytes) {
    static const char* kDigits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
      if (c >= 0x20 && c < 0x7f && c != '\\') {
        out.push_back(static_cast<char>(c));
      } else {
        out += "\\x";
        out.push_back(kDigits[c >> 4]);
        out.push_back(kDigits[c & 15]);
      }
    }
    return out;
  }

  const lmdb::Txn& txn_;
  const Dbis& dbi_;
  VerifyReport* report_;
};

}  // namespace

Status VerifyTxn(const lmdb::Txn& txn, const Dbis& dbi, VerifyReport* report) {
  return Checker(txn, dbi, report).Run();
}

}  // namespace engram::storage
