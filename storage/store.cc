// Store: opening, the single-writer lock, the LMDB environment, pooled read transactions, the
// write path with map growth, and engine metadata.
#include "storage/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "storage/keys.h"
#include "storage/store_impl.h"

namespace engram::storage {
namespace {

constexpr unsigned kMaxDbs = 16;
constexpr std::size_t kMaxPooledReaders = 32;
constexpr auto kGrowWait = std::chrono::seconds(10);
constexpr int kMaxGrowRetries = 48;

Status Errno(std::string what) {
  return Status::Error(ErrorCode::kInternal, what + ": " + std::strerror(errno));
}

// Takes the single-writer lock of `dir` (docs/format.md §1): an exclusive flock held for the
// life of the store, with our pid in the file for the message another process gets.
Result<int> LockForWriting(const std::string& dir) {
  std::string path = dir + "/writer.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("open " + path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char pid[32] = {0};
    ssize_t n = ::pread(fd, pid, sizeof(pid) - 1, 0);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      std::string holder = n > 0 ? " (process " + std::string(pid, std::strlen(pid)) + ")" : "";
      return Status::Error(ErrorCode::kConflict,
                           "database " + dir + " is open for writing by another process" + holder +
                               "; only one writer is allowed (readers may open it "
                               "read-only)");
    }
    errno = err;
    return Errno("lock " + path);
  }
  std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    ::close(fd);
    return Errno("write " + path);
  }
  return fd;
}

// A data file shorter than the pages its meta page names would fault (SIGBUS) on the first
// read of a missing page: refuse it at open. (engram never uses MDB_WRITEMAP, so the file
// always holds every page up to the last one in use.)
Status CheckFileCoversMap(MDB_env* env, const std::string& dir) {
  MDB_envinfo info;
  MDB_stat stat;
  mdb_filehandle_t fd;
  ENGRAM_RETURN_IF_ERROR(lmdb::Check(mdb_env_info(env, &info), "env info"));
  ENGRAM_RETURN_IF_ERROR(lmdb::Check(mdb_env_stat(env, &stat), "env stat"));
  ENGRAM_RETURN_IF_ERROR(lmdb::Check(mdb_env_get_fd(env, &fd), "env fd"));
  struct stat file;
  if (::fstat(fd, &file) != 0) return Errno("stat " + dir + "/data.mdb");
  const std::uint64_t needed = (info.me_last_pgno + 1) * std::uint64_t{stat.ms_psize};
  if (static_cast<std::uint64_t>(file.st_size) < needed) {
    return Status::Error(ErrorCode::kCorrupt,
                         dir + "/data.mdb is truncated (" + std::to_string(file.st_size) +
                             " bytes, its pages need " + std::to_string(needed) + ")");
  }
  return Status::Ok();
}

// Takes the shared open lock (docs/format.md §1), waiting up to 10 s while a compaction in
// another process holds it exclusively. A directory we cannot write to (a read-only mount)
// gets no open lock: such a reader cannot be protected from, or race with, a compaction that
// could not run there either.
Result<int> LockOpen(const std::string& dir) {
  std::string path = dir + "/open.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (::flock(fd, LOCK_SH | LOCK_NB) == 0) return fd;
    if (errno != EWOULDBLOCK) break;
    ::usleep(100 * 1000);
  }
  ::close(fd);
  return Status::Error(ErrorCode::kConflict,
                       "database " + dir + " is being compacted by another process; try again");
}

}  // namespace

Status CheckStoreMeta(lmdb::Txn& txn, const Dbis& dbi) {
  return InitialiseOrCheckMeta(txn, dbi, /*fresh=*/false);
}

Status InitialiseOrCheckMeta(lmdb::Txn& txn, const Dbis& dbi, bool fresh) {
  std::string_view magic;
  ENGRAM_ASSIGN_OR_RETURN(bool has_magic, txn.Get(dbi.meta, "magic", &magic));
  if (!has_magic && fresh) {
    ENGRAM_RETURN_IF_ERROR(txn.Put(dbi.meta, "magic", kMagic));
    std::string version;
    for (int i = 0; i < 4; ++i) version.push_back(static_cast<char>(kFormatVersion >> (8 * i)));
    ENGRAM_RETURN_IF_ERROR(txn.Put(dbi.meta, "format_version", version));
    ENGRAM_RETURN_IF_ERROR(PutMetaU64(txn, dbi, "head", 0));
    ENGRAM_RETURN_IF_ERROR(PutMetaU64(txn, dbi, "retain_versions", 0));
    return PutMetaU64(txn, dbi, "retained_from", 0);
  }
  if (!has_magic || magic != kMagic) {
    return Status::Error(ErrorCode::kCorrupt, "not an engram database (no engram.store magic)");
  }
  std::string_view version;
  ENGRAM_ASSIGN_OR_RETURN(bool has_version, txn.Get(dbi.meta, "format_version", &version));
  if (!has_version || version.size() != 4) {
    return Status::Error(ErrorCode::kCorrupt, "engram database without a format version");
  }
  std::uint32_t found = 0;
  for (int i = 3; i >= 0; --i) found = (found << 8) | static_cast<unsigned char>(version[i]);
  if (found > kFormatVersion) {
    return Status::Error(ErrorCode::kCorrupt,
                         "written by a newer engram (format " + std::to_string(found) +
                             "); this build reads format " + std::to_string(kFormatVersion));
  }
  if (found != kFormatVersion) {
    return Status::Error(ErrorCode::kCorrupt,
                         "unknown store format version " + std::to_string(found));
  }
  return Status::Ok();
}

Store::Impl::~Impl() {
  CloseEnv();
  if (writer_lock_fd >= 0) ::close(writer_lock_fd);
  if (open_lock_fd >= 0) ::close(open_lock_fd);
}

void Store::Impl::CloseEnv() {
  std::lock_guard<std::mutex> guard(pool_mutex);
  for (MDB_txn* txn : pool) mdb_txn_abort(txn);
  pool.clear();
  if (env != nullptr) mdb_env_close(std::exchange(env, nullptr));
}

Status Store::Impl::OpenEnv() {
  ENGRAM_RETURN_IF_ERROR(lmdb::Check(mdb_env_create(&env), "create environment"));
  ENGRAM_RETURN_IF_ERROR(lmdb::Check(mdb_env_set_maxdbs(env, kMaxDbs), "set max dbs"));
  ENGRAM_RETURN_IF_ERROR(
      lmdb::Check(mdb_env_set_maxreaders(env, options.max_readers), "set max readers"));
  ENGRAM_RETURN_IF_ERROR(
      lmdb::Check(mdb_env_set_mapsize(env, options.initial_map_bytes), "set map size"));
  unsigned flags = MDB_NOTLS | MDB_NORDAHEAD | (options.read_only ? MDB_RDONLY : 0);
  int rc = mdb_env_open(env, dir.c_str(), flags, 0644);
  if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH) {
    return Status::Error(
        ErrorCode::kCorrupt,
        dir + "/data.mdb is not an LMDB file this build can read (" + mdb_strerror(rc) + ")");
  }
  ENGRAM_RETURN_IF_ERROR(lmdb::Check(rc, "open " + dir));
  ENGRAM_RETURN_IF_ERROR(CheckFileCoversMap(env, dir));
  // Clear reader slots left by processes that died with a transaction open.
  int dead = 0;
  ENGRAM_RETURN_IF_ERROR(lmdb::Check(mdb_reader_check(env, &dead), "reader check"));

  // Open the named databases (creating them in a new database) and check meta.
  ENGRAM_ASSIGN_OR_RETURN(lmdb::Txn txn, lmdb::Txn::Begin(env, options.read_only ? MDB_RDONLY : 0));
  bool fresh = false;
  {
    MDB_dbi main = 0;
    ENGRAM_RETURN_IF_ERROR(lmdb::Check(mdb_dbi_open(txn.get(), nullptr, 0, &main), "open main"));
    MDB_stat stat;
    ENGRAM_RETURN_IF_ERROR(lmdb::Check(mdb_stat(txn.get(), main, &stat), "stat main"));
    fresh = stat.ms_entries == 0;
  }
  if (fresh && options.read_only) {
    return Status::Error(ErrorCode::kNotFound, "no engram database in " + dir);
  }
  const unsigned create = options.read_only ? 0 : MDB_CREATE;
  struct Named {
    const char* name;
    MDB_dbi* dbi;
  };
  for (Named named : {Named{"meta", &dbi.meta}, Named{"records", &dbi.records},
                      Named{"blobs", &dbi.blobs}, Named{"blob_refs", &dbi.blob_refs},
                      Named{"commits", &dbi.commits}, Named{"memory_log", &dbi.memory_log},
                      Named{"refs", &dbi.refs}, Named{"audit", &dbi.audit}}) {
    int open_rc = mdb_dbi_open(txn.get(), named.name, fresh ? create : 0, named.dbi);
    if (open_rc == MDB_NOTFOUND || open_rc == MDB_INCOMPATIBLE) {
      return Status::Error(ErrorCode::kCorrupt, "not an engram database: " + dir + " has no '" +
                                                    named.name + "' table (a foreign LMDB file?)");
    }
    ENGRAM_RETURN_IF_ERROR(lmdb::Check(open_rc, std::string("open table ") + named.name));
  }
  ENGRAM_RETURN_IF_ERROR(InitialiseOrCheckMeta(txn, dbi, fresh));
  return txn.Commit();
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir, const OpenOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    if (options.read_only || !options.create_if_missing) {
      return Status::Error(ErrorCode::kNotFound, "no database at " + dir);
    }
    if (!std::filesystem::create_directories(dir, ec) && ec) {
      return Status::Error(ErrorCode::kInternal, "create " + dir + ": " + ec.message());
    }
  } else if (!std::filesystem::is_directory(dir, ec)) {
    return Status::Error(ErrorCode::kCorrupt, dir + " is not a database directory");
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  if (!options.read_only) {
    ENGRAM_ASSIGN_OR_RETURN(impl->writer_lock_fd, LockForWriting(dir));
  }
  ENGRAM_ASSIGN_OR_RETURN(impl->open_lock_fd, LockOpen(dir));
  ENGRAM_RETURN_IF_ERROR(impl->OpenEnv());
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

const std::string& Store::dir() const {
  return impl_->dir;
}
bool Store::read_only() const {
  return impl_->options.read_only;
}

Result<lmdb::Txn> Store::Impl::BeginRead(std::shared_lock<std::shared_timed_mutex>* lock) const {
  if (env == nullptr) {
    return Status::Error(ErrorCode::kInternal, "the store is closed after a failed reopen");
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    {
      // Wait behind a resize that is waiting for the readers already in.
      std::unique_lock<std::timed_mutex> gate(resize_gate, std::defer_lock);
      if (!gate.try_lock_for(kGrowWait)) {
        return Status::Error(ErrorCode::kConflict, "the map is being resized; try again");
      }
    }
    *lock = std::shared_lock<std::shared_timed_mutex>(env_mutex);
    MDB_txn* pooled = nullptr;
    {
      std::lock_guard<std::mutex> guard(pool_mutex);
      if (!pool.empty()) {
        pooled = pool.back();
        pool.pop_back();
      }
    }
    int rc = MDB_SUCCESS;
    if (pooled != nullptr) {
      rc = mdb_txn_renew(pooled);
      if (rc == MDB_SUCCESS) return lmdb::Txn(pooled);
      mdb_txn_abort(pooled);
    } else {
      MDB_txn* txn = nullptr;
      rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
      if (rc == MDB_SUCCESS) return lmdb::Txn(txn);
    }
    if (rc != MDB_MAP_RESIZED) return lmdb::Check(rc, "begin read transaction");
    // Another process grew the map: adopt the new size with no transaction of ours alive.
    lock->unlock();
    std::unique_lock<std::shared_timed_mutex> exclusive(env_mutex, std::defer_lock);
    if (!exclusive.try_lock_for(kGrowWait)) break;
    ENGRAM_RETURN_IF_ERROR(lmdb::Check(mdb_env_set_mapsize(env, 0), "adopt grown map"));
  }
  return Status::Error(ErrorCode::kConflict, "could not adopt a map grown by another process");
}

void Store::Impl::ReturnRead(lmdb::Txn txn) const {
  MDB_txn* raw = txn.Release();
  if (raw == nullptr) return;
  std::lock_guard<std::mutex> guard(pool_mutex);
  if (pool.size() < kMaxPooledReaders) {
    mdb_txn_reset(raw);
    pool.push_back(raw);
  } else {
    mdb_txn_abort(raw);
  }
}

Status Store::Impl::Grow() {
  std::lock_guard<std::timed_mutex> gate(resize_gate);
  std::unique_lock<std::shared_timed_mutex> exclusive(env_mutex, std::defer_lock);
  if (!exclusive.try_lock_for(kGrowWait)) {
    return Status::Error(ErrorCode::kMapFull,
                         "the database map is full and could not grow: read transactions "
                         "stayed open for " +
                             std::to_string(kGrowWait.count()) + " s");
  }
  MDB_envinfo info;
  ENGRAM_RETURN_IF_ERROR(lmdb::Check(mdb_env_info(env, &info), "env info"));
  if (info.me_mapsize >= options.max_map_bytes) {
    return Status::Error(ErrorCode::kMapFull, "the database reached its maximum size of " +
                                                  std::to_string(options.max_map_bytes >> 20) +
                                                  " MiB");
  }
  std::uint64_t next = std::min<std::uint64_t>(options.max_map_bytes, info.me_mapsize * 2);
  return lmdb::Check(mdb_env_set_mapsize(env, next), "grow map");
}

Status Store::Impl::RunWrite(const std::function<Status(lmdb::Txn&)>& fn) {
  if (options.read_only) {
    return Status::Error(ErrorCode::kReadOnly, "the database is open read-only");
  }
  if (env == nullptr) {
    return Status::Error(ErrorCode::kInternal, "the store is closed after a failed reopen");
  }
  std::lock_guard<std::mutex> writer(write_mutex);
  for (int attempt = 0; attempt < kMaxGrowRetries; ++attempt) {
    Status status;
    {
      std::shared_lock<std::shared_timed_mutex> lock(env_mutex);
      Result<lmdb::Txn> txn = lmdb::Txn::Begin(env, 0);
      if (!txn.ok()) {
        status = txn.status();
      } else {
        status = fn(*txn);
        if (status.ok()) status = txn->Commit();
      }
    }
    if (status.code() != ErrorCode::kMapFull) return status;
    ENGRAM_RETURN_IF_ERROR(Grow());
  }
  return Status::Error(ErrorCode::kMapFull, "the database map is full");
}

Result<std::optional<std::string>> Store::GetEngineMeta(std::string_view key) const {
  std::shared_lock<std::shared_timed_mutex> lock;
  ENGRAM_ASSIGN_OR_RETURN(lmdb::Txn txn, impl_->BeginRead(&lock));
  std::string_view value;
  Result<bool> found = txn.Get(impl_->dbi.meta, "engine." + std::string(key), &value);
  std::optional<std::string> out;
  if (found.ok() && *found) out = std::string(value);
  impl_->ReturnRead(std::move(txn));
  if (!found.ok()) return found.status();
  return out;
}

Status Store::SetEngineMeta(std::string_view key, std::string_view value) {
  return impl_->RunWrite([&](lmdb::Txn& txn) {
    return txn.Put(impl_->dbi.meta, "engine." + std::string(key), value);
  });
}

Status Store::SetRetention(std::uint64_t versions) {
  return impl_->RunWrite(
      [&](lmdb::Txn& txn) { return PutMetaU64(txn, impl_->dbi, "retain_versions", versions); });
}

}  // namespace engram::storage
