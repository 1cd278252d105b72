// Operator work on the whole store: garbage collection under retention, statistics,
// verification and the compacting copy.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>

#include "storage/codec.h"
#include "storage/keys.h"
#include "storage/maintenance_ops.h"
#include "storage/store_impl.h"

namespace engram::storage {
namespace {

struct VersionEntry {
  Version version = 0;
  std::string key;
  bool tombstone = false;
  std::vector<Hash128> blobs;
};

// Visits each record (all tenants) with all its versions, oldest first.
template <typename Fn>
Status ForEachRecordGroup(const lmdb::Txn& txn, const Dbis& dbi, Fn&& fn) {
  ENGRAM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn, dbi.records));
  ENGRAM_ASSIGN_OR_RETURN(bool more, cursor.First());
  std::string group;
  std::string tenant;
  std::vector<VersionEntry> versions;
  auto flush = [&]() -> Status {
    if (versions.empty()) return Status::Ok();
    Status status = fn(tenant, versions);
    versions.clear();
    return status;
  };
  while (more) {
    auto decoded = keys::DecodeRecordKey(cursor.key());
    if (!decoded) return Status::Error(ErrorCode::kCorrupt, "malformed record key");
    std::string_view this_group = cursor.key().substr(0, cursor.key().size() - 8);
    if (this_group != group) {
      ENGRAM_RETURN_IF_ERROR(flush());
      group = std::string(this_group);
      tenant = decoded->tenant;
    }
    ENGRAM_ASSIGN_OR_RETURN(Record record, codec::DecodeRecord(cursor.value()));
    versions.push_back(VersionEntry{decoded->version, std::string(cursor.key()), record.tombstone,
                                    BlobsOf(record)});
    ENGRAM_ASSIGN_OR_RETURN(more, cursor.Next());
  }
  return flush();
}

struct GcPlan {
  GcReport report;
  std::vector<VersionEntry> doomed;
};

Result<GcPlan> PlanGc(const lmdb::Txn& txn, const Dbis& dbi) {
  GcPlan plan;
  ENGRAM_ASSIGN_OR_RETURN(Version head, ReadMetaU64(txn, dbi, "head"));
  ENGRAM_ASSIGN_OR_RETURN(std::uint64_t window, ReadMetaU64(txn, dbi, "retain_versions"));
  if (window == 0 || head <= window) return plan;
  const Version cutoff = head - window;
  plan.report.cutoff = cutoff;
  // Snapshot versions per tenant.
  std::map<std::string, std::set<Version>> snapshots;
  {
    ENGRAM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn, dbi.refs));
    ENGRAM_ASSIGN_OR_RETURN(bool more, cursor.First());
    while (more) {
      auto decoded = keys::DecodeRefKey(cursor.key());
      if (!decoded) return Status::Error(ErrorCode::kCorrupt, "malformed ref key");
      ENGRAM_ASSIGN_OR_RETURN(RefInfo ref, codec::DecodeRef(cursor.value()));
      snapshots[decoded->tenant].insert(ref.version);
      ENGRAM_ASSIGN_OR_RETURN(more, cursor.Next());
    }
  }
  ENGRAM_RETURN_IF_ERROR(ForEachRecordGroup(
      txn, dbi, [&](const std::string& tenant, std::vector<VersionEntry>& versions) -> Status {
        std::vector<bool> keep(versions.size(), false);
        std::set<Version> points = snapshots[tenant];
        points.insert(cutoff);
        for (std::size_t i = 0; i < versions.size(); ++i) {
          if (versions[i].version > cutoff) keep[i] = true;
        }
        for (Version point : points) {
          // The newest version <= point.
          for (std::size_t i = versions.size(); i-- > 0;) {
            if (versions[i].version <= point) {
              keep[i] = true;
              break;
            }
          }
        }
        // A tombstone with nothing kept before it says nothing: drop it.
        for (std::size_t i = 0; i < versions.size(); ++i) {
          if (!keep[i]) continue;
          if (!versions[i].tombstone) break;
          keep[i] = false;
        }
        for (std::size_t i = 0; i < versions.size(); ++i) {
          if (!keep[i]) plan.doomed.push_back(std::move(versions[i]));
        }
        return Status::Ok();
      }));
  plan.report.versions_deleted = plan.doomed.size();
  return plan;
}

Status Errno(const std::string& what) {
  return Status::Error(ErrorCode::kInternal, what + ": " + std::strerror(errno));
}

// Counts the reader slots in use, from mdb_reader_list's lines (one per slot, starting with a
// pid; the header line does not).
int CountReader(const char* line, void* ctx) {
  const char* p = line;
  while (*p == ' ') ++p;
  if (std::isdigit(static_cast<unsigned char>(*p))) ++*static_cast<unsigned*>(ctx);
  return 0;
}

// Plans garbage collection in `txn` and, with `apply`, carries it out there; either way fills
// `report` with what is (or would be) removed. Stat runs it dry inside its own snapshot.
Status RunGc(lmdb::Txn& txn, const Dbis& dbi, bool apply, GcReport* report) {
  ENGRAM_ASSIGN_OR_RETURN(GcPlan plan, PlanGc(txn, dbi));
  *report = plan.report;
  std::map<std::string, std::uint64_t> drops;  // blob key -> references dropped (dry run)
  for (const VersionEntry& entry : plan.doomed) {
    for (const Hash128& hash : entry.blobs) {
      if (apply) {
        std::uint64_t freed = 0;
        ENGRAM_ASSIGN_OR_RETURN(bool deleted, DropBlobRef(txn, dbi, hash, &freed));
        report->blobs_deleted += deleted ? 1 : 0;
        report->blob_bytes_freed += freed;
      } else {
        ++drops[keys::BlobKey(hash)];
      }
    }
    if (apply) ENGRAM_RETURN_IF_ERROR(txn.Delete(dbi.records, entry.key).status());
  }
  for (const auto& [key, dropped] : drops) {
    std::string_view count;
    ENGRAM_ASSIGN_OR_RETURN(bool found, txn.Get(dbi.blob_refs, key, &count));
    if (found && count.size() == 8 && keys::ReadU64Le(count) <= dropped) {
      ++report->blobs_deleted;
      std::string_view blob;
      ENGRAM_ASSIGN_OR_RETURN(bool has_blob, txn.Get(dbi.blobs, key, &blob));
      if (has_blob && blob.size() >= codec::kBlobHeaderBytes) {
        report->blob_bytes_freed += blob.size() - codec::kBlobHeaderBytes;
      }
    }
  }
  if (apply && report->cutoff > 0) {
    ENGRAM_ASSIGN_OR_RETURN(Version retained, ReadMetaU64(txn, dbi, "retained_from"));
    if (report->cutoff > retained) {
      ENGRAM_RETURN_IF_ERROR(PutMetaU64(txn, dbi, "retained_from", report->cutoff));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<GcReport> Store::CollectGarbage(bool dry_run) {
  GcReport report;
  const Dbis& dbi = impl_->dbi;
  if (dry_run || impl_->options.read_only) {
    std::shared_lock<std::shared_timed_mutex> lock;
    ENGRAM_ASSIGN_OR_RETURN(lmdb::Txn txn, impl_->BeginRead(&lock));
    Status status = RunGc(txn, dbi, /*apply=*/false, &report);
    impl_->ReturnRead(std::move(txn));
    if (!status.ok()) return status;
    if (!dry_run) return Status::Error(ErrorCode::kReadOnly, "the database is open read-only");
    return report;
  }
  ENGRAM_RETURN_IF_ERROR(
      impl_->RunWrite([&](lmdb::Txn& txn) { return RunGc(txn, dbi, /*apply=*/true, &report); }));
  return report;
}

Result<StoreStats> Store::Stat() const {
  StoreStats stats;
  stats.dir = impl_->dir;
  std::shared_lock<std::shared_timed_mutex> lock;
  ENGRAM_ASSIGN_OR_RETURN(lmdb::Txn txn, impl_->BeginRead(&lock));
  const Dbis& dbi = impl_->dbi;
  Status status = [&]() -> Status {
    MDB_envinfo info;
    MDB_stat env_stat;
    ENGRAM_RETURN_IF_ERROR(lmdb::Check(mdb_env_info(impl_->env, &info), "env info"));
    ENGRAM_RETURN_IF_ERROR(lmdb::Check(mdb_env_stat(impl_->env, &env_stat), "env stat"));
    stats.page_size = env_stat.ms_psize;
    stats.map_bytes = info.me_mapsize;
    stats.used_bytes = (info.me_last_pgno + 1) * stats.page_size;
    stats.max_readers = info.me_maxreaders;
    struct stat file;
    if (::stat((impl_->dir + "/data.mdb").c_str(), &file) == 0) stats.file_bytes = file.st_size;
    unsigned readers = 0;
    mdb_reader_list(impl_->env, &CountReader, &readers);
    stats.readers = readers;
    stats.format_version = kFormatVersion;
    ENGRAM_ASSIGN_OR_RETURN(stats.head, ReadMetaU64(txn, dbi, "head"));
    ENGRAM_ASSIGN_OR_RETURN(stats.retain_versions, ReadMetaU64(txn, dbi, "retain_versions"));
    ENGRAM_ASSIGN_OR_RETURN(stats.retained_from, ReadMetaU64(txn, dbi, "retained_from"));
    auto entries = [&](MDB_dbi d) -> Result<std::uint64_t> {
      MDB_stat s;
      ENGRAM_RETURN_IF_ERROR(lmdb::Check(mdb_stat(txn.get(), d, &s), "stat"));
      return std::uint64_t{s.ms_entries};
    };
    ENGRAM_ASSIGN_OR_RETURN(stats.record_versions, entries(dbi.records));
    ENGRAM_ASSIGN_OR_RETURN(stats.blobs, entries(dbi.blobs));
    ENGRAM_ASSIGN_OR_RETURN(stats.commits, entries(dbi.commits));
    ENGRAM_ASSIGN_OR_RETURN(stats.snapshots, entries(dbi.refs));
    ENGRAM_ASSIGN_OR_RETURN(stats.audit_markers, entries(dbi.audit));
    std::set<std::string> tenants;
    ENGRAM_RETURN_IF_ERROR(ForEachRecordGroup(
        txn, dbi, [&](const std::string& tenant, std::vector<VersionEntry>& versions) -> Status {
          ++stats.record_keys;
          tenants.insert(tenant);
          if (!versions.back().tombstone) ++stats.live_records;
          for (const VersionEntry& v : versions) stats.tombstones += v.tombstone ? 1 : 0;
          return Status::Ok();
        }));
    stats.tenants = tenants.size();
    ENGRAM_RETURN_IF_ERROR(RunGc(txn, dbi, /*apply=*/false, &stats.prunable));
    ENGRAM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn, dbi.blobs));
    ENGRAM_ASSIGN_OR_RETURN(bool more, cursor.First());
    while (more) {
      if (cursor.value().size() >= codec::kBlobHeaderBytes) {
        stats.blob_bytes += cursor.value().size() - codec::kBlobHeaderBytes;
      }
      ENGRAM_ASSIGN_OR_RETURN(more, cursor.Next());
    }
    return Status::Ok();
  }();
  impl_->ReturnRead(std::move(txn));
  if (!status.ok()) return status;
  return stats;
}

Result<VerifyReport> Store::Verify() const {
  std::shared_lock<std::shared_timed_mutex> lock;
  ENGRAM_ASSIGN_OR_RETURN(lmdb::Txn txn, impl_->BeginRead(&lock));
  VerifyReport report;
  Status status = VerifyTxn(txn, impl_->dbi, &report);
  impl_->ReturnRead(std::move(txn));
  if (!status.ok()) return status;
  return report;
}

Status Store::Compact() {
  if (impl_->options.read_only) {
    return Status::Error(ErrorCode::kReadOnly, "the database is open read-only");
  }
  if (impl_->open_lock_fd < 0) {
    return Status::Error(ErrorCode::kConflict, "no open lock: cannot prove the database is ours");
  }
  // Every open Store of any process holds open.lock shared: exclusive means we are alone, and
  // stay alone (new openers wait) until the swapped file is open again.
  if (::flock(impl_->open_lock_fd, LOCK_EX | LOCK_NB) != 0) {
    return Status::Error(ErrorCode::kConflict,
                         "another process has the database open; compaction needs it alone");
  }
  Status status = impl_->CompactAlone();
  ::flock(impl_->open_lock_fd, LOCK_SH);
  return status;
}

Status Store::Impl::CompactAlone() {
  std::lock_guard<std::mutex> writer(write_mutex);
  std::lock_guard<std::timed_mutex> gate(resize_gate);
  std::unique_lock<std::shared_timed_mutex> exclusive(env_mutex, std::defer_lock);
  if (!exclusive.try_lock_for(std::chrono::seconds(10))) {
    return Status::Error(ErrorCode::kConflict, "read transactions stayed open; cannot compact");
  }
  const std::string data = dir + "/data.mdb";
  const std::string copy = dir + "/data.mdb.compact";
  int fd = ::open(copy.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("create " + copy);
  int rc = mdb_env_copyfd2(env, fd, MDB_CP_COMPACT);
  if (rc != MDB_SUCCESS || ::fsync(fd) != 0) {
    ::close(fd);
    ::unlink(copy.c_str());
    if (rc != MDB_SUCCESS) return lmdb::Check(rc, "compacting copy");
    return Errno("fsync " + copy);
  }
  ::close(fd);
  CloseEnv();
  Status renamed = Status::Ok();
  if (::rename(copy.c_str(), data.c_str()) != 0) {
    renamed = Errno("rename " + copy);
  } else if (int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  Status reopened = OpenEnv();
  if (!reopened.ok()) {
    // Leave no half-open environment behind: later calls fail cleanly instead.
    CloseEnv();
    return reopened.WithContext("reopen after compaction");
  }
  return renamed;
}

}  // namespace engram::storage
