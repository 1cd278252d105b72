#include "storage/lmdb.h"

#include <string>

namespace engram::storage::lmdb {

Status Check(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS) return Status::Ok();
  std::string message = std::string(what) + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_KEYEXIST:
      return Status::Error(ErrorCode::kExists, std::move(message));
    case MDB_MAP_FULL:
      return Status::Error(ErrorCode::kMapFull, std::move(message));
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return Status::Error(ErrorCode::kCorrupt, std::move(message));
    case MDB_READERS_FULL:
    case MDB_TXN_FULL:
    case MDB_BAD_VALSIZE:
    case MDB_DBS_FULL:
      return Status::Error(ErrorCode::kLimit, std::move(message));
    default:
      return Status::Error(ErrorCode::kInternal, std::move(message));
  }
}

Result<Txn> Txn::Begin(MDB_env* env, unsigned flags) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env, nullptr, flags, &txn);
  if (rc == MDB_MAP_RESIZED) {
    // Another process grew the map: adopt its size and try once more.
    ENGRAM_RETURN_IF_ERROR(Check(mdb_env_set_mapsize(env, 0), "adopt grown map"));
    rc = mdb_txn_begin(env, nullptr, flags, &txn);
  }
  ENGRAM_RETURN_IF_ERROR(Check(rc, "begin transaction"));
  return Txn(txn);
}

Status Txn::Commit() {
  return Check(mdb_txn_commit(std::exchange(txn_, nullptr)), "commit");
}

Result<bool> Txn::Get(MDB_dbi dbi, std::string_view key, std::string_view* value) const {
  MDB_val k = Val(key);
  MDB_val v{0, nullptr};
  int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return false;
  ENGRAM_RETURN_IF_ERROR(Check(rc, "get"));
  *value = View(v);
  return true;
}

Status Txn::Put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags) {
  MDB_val k = Val(key);
  MDB_val v = Val(value);
  return Check(mdb_put(txn_, dbi, &k, &v, flags), "put");
}

Result<char*> Txn::Reserve(MDB_dbi dbi, std::string_view key, std::size_t size) {
  MDB_val k = Val(key);
  MDB_val v{size, nullptr};
  ENGRAM_RETURN_IF_ERROR(Check(mdb_put(txn_, dbi, &k, &v, MDB_RESERVE), "reserve"));
  return static_cast<char*>(v.mv_data);
}

Result<bool> Txn::Delete(MDB_dbi dbi, std::string_view key) {
  MDB_val k = Val(key);
  int rc = mdb_del(txn_, dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  ENGRAM_RETURN_IF_ERROR(Check(rc, "delete"));
  return true;
}

Result<Cursor> Cursor::Open(const Txn& txn, MDB_dbi dbi) {
  MDB_cursor* cursor = nullptr;
  ENGRAM_RETURN_IF_ERROR(Check(mdb_cursor_open(txn.get(), dbi, &cursor), "open cursor"));
  return Cursor(cursor);
}

Result<bool> Cursor::Move(MDB_cursor_op op) {
  int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
  if (rc == MDB_NOTFOUND) return false;
  ENGRAM_RETURN_IF_ERROR(Check(rc, "cursor"));
  return true;
}

Result<bool> Cursor::Seek(std::string_view key) {
  if (key.empty()) return First();  // LMDB rejects zero-length keys
  key_ = Val(key);
  return Move(MDB_SET_RANGE);
}
Result<bool> Cursor::First() {
  return Move(MDB_FIRST);
}
Result<bool> Cursor::Last() {
  return Move(MDB_LAST);
}
Result<bool> Cursor::Next() {
  return Move(MDB_NEXT);
}
Result<bool> Cursor::Prev() {
  return Move(MDB_PREV);
}

Status Cursor::Delete() {
  return Check(mdb_cursor_del(cursor_, 0), "cursor delete");
}

}  // namespace engram::storage::lmdb
