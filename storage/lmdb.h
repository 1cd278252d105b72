// Thin RAII wrappers over the LMDB C API, and the mapping of LMDB errors onto engram Status.
// Internal to storage/: nothing outside this folder includes lmdb.h.
//
// Ownership: a Txn aborts on destruction unless committed; a Cursor closes on destruction and
// must not outlive its Txn. Thread-safety: as LMDB's (a write Txn belongs to the thread that
// began it; read Txns may move between threads because the env uses MDB_NOTLS).
#ifndef ENGRAM_STORAGE_LMDB_H_
#define ENGRAM_STORAGE_LMDB_H_

#include <lmdb.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "engram/status.h"

namespace engram::storage::lmdb {

// OK for MDB_SUCCESS; otherwise the catalogue code for `rc` (MAPFULL for MDB_MAP_FULL, CORRUPT
// for MDB_CORRUPTED / MDB_PAGE_NOTFOUND / MDB_INVALID / MDB_VERSION_MISMATCH, LIMIT for
// MDB_READERS_FULL / MDB_TXN_FULL / MDB_BAD_VALSIZE, INTERNAL otherwise) with `what` and
// mdb_strerror in the message.
Status Check(int rc, std::string_view what);

inline MDB_val Val(std::string_view bytes) {
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}
inline std::string_view View(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

// A transaction handle. Move-only.
class Txn {
 public:
  Txn() = default;
  explicit Txn(MDB_txn* txn) : txn_(txn) {}
  Txn(Txn&& other) noexcept : txn_(std::exchange(other.txn_, nullptr)) {}
  Txn& operator=(Txn&& other) noexcept {
    if (this != &other) {
      Abort();
      txn_ = std::exchange(other.txn_, nullptr);
    }
    return *this;
  }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn() { Abort(); }

  static Result<Txn> Begin(MDB_env* env, unsigned flags);

  MDB_txn* get() const { return txn_; }
  explicit operator bool() const { return txn_ != nullptr; }
  // Commits and releases the handle (it is released on failure too, as LMDB frees it).
  Status Commit();
  void Abort() {
    if (txn_ != nullptr) mdb_txn_abort(std::exchange(txn_, nullptr));
  }
  // Gives up ownership without aborting (the read-transaction pool resets and keeps it).
  MDB_txn* Release() { return std::exchange(txn_, nullptr); }

  // Point lookup: NOTFOUND-free; returns false when the key is absent.
  Result<bool> Get(MDB_dbi dbi, std::string_view key, std::string_view* value) const;
  Status Put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0);
  // Reserves `size` bytes for `key` and returns where to write them (MDB_RESERVE).
  Result<char*> Reserve(MDB_dbi dbi, std::string_view key, std::size_t size);
  // Deletes `key`; returns false when it was absent.
  Result<bool> Delete(MDB_dbi dbi, std::string_view key);

 private:
  MDB_txn* txn_ = nullptr;
};

// A cursor over one database in one transaction. Move-only.
class Cursor {
 public:
  static Result<Cursor> Open(const Txn& txn, MDB_dbi dbi);
  Cursor(Cursor&& other) noexcept : cursor_(std::exchange(other.cursor_, nullptr)) {}
  Cursor& operator=(Cursor&& other) noexcept {
    if (this != &other) {
      Close();
      cursor_ = std::exchange(other.cursor_, nullptr);
    }
    return *this;
  }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() { Close(); }

  // Moves the cursor. Returns false at the end (MDB_NOTFOUND); key/value valid until the next
  // write in the transaction.
  Result<bool> Seek(std::string_view key);  // first key >= key
  Result<bool> First();
  Result<bool> Last();
  Result<bool> Next();
  Result<bool> Prev();
  std::string_view key() const { return View(key_); }
  std::string_view value() const { return View(value_); }
  // Deletes the entry under the cursor.
  Status Delete();

 private:
  explicit Cursor(MDB_cursor* cursor) : cursor_(cursor) {}
  Result<bool> Move(MDB_cursor_op op);
  void Close() {
    if (cursor_ != nullptr) mdb_cursor_close(std::exchange(cursor_, nullptr));
  }

  MDB_cursor* cursor_ = nullptr;
  MDB_val key_{0, nullptr};
  MDB_val value_{0, nullptr};
};

}  // namespace engram::storage::lmdb

#endif  // ENGRAM_STORAGE_LMDB_H_
