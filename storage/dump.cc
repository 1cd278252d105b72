// Dump and Load (docs/format.md §10): every named database, byte for byte.
#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "storage/keys.h"
#include "storage/maintenance_ops.h"
#include "storage/store_impl.h"

namespace engram::storage {
namespace {

constexpr std::string_view kDumpMagic = "ENGRAM-DUMP\n";
constexpr std::uint32_t kDumpVersion = 1;
constexpr char kTableTag = 'D';
constexpr char kEndTag = 'E';
constexpr std::uint64_t kMaxDumpValue = std::uint64_t{8} << 30;

Status Malformed(std::string why) {
  return Status::Error(ErrorCode::kCorrupt, "malformed dump: " + std::move(why));
}

struct XxhFree {
  void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
};
using XxhState = std::unique_ptr<XXH3_state_t, XxhFree>;

XxhState NewState() {
  XxhState state(XXH3_createState());
  XXH3_64bits_reset(state.get());
  return state;
}

class DumpWriter {
 public:
  explicit DumpWriter(std::FILE* out) : out_(out), hash_(NewState()) {}
  bool Write(std::string_view bytes) {
    XXH3_64bits_update(hash_.get(), bytes.data(), bytes.size());
    return bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), out_) == bytes.size();
  }
  bool WriteInt(std::uint64_t value, int bytes) {
    std::string s;
    for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>(value >> (8 * i)));
    return Write(s);
  }
  std::uint64_t Digest() const { return XXH3_64bits_digest(hash_.get()); }

 private:
  std::FILE* out_;
  XxhState hash_;
};

class DumpReader {
 public:
  explicit DumpReader(std::FILE* in) : in_(in), hash_(NewState()) {}
  // Reads `size` bytes in bounded steps, so a damaged length field meets the end of the input
  // before it can make us allocate gigabytes.
  Status Read(std::size_t size, std::string* out) {
    constexpr std::size_t kStep = std::size_t{1} << 20;
    out->clear();
    while (out->size() < size) {
      const std::size_t at = out->size();
      const std::size_t n = std::min(kStep, size - at);
      out->resize(at + n);
      if (std::fread(out->data() + at, 1, n, in_) != n) return Malformed("unexpected end of input");
    }
    XXH3_64bits_update(hash_.get(), out->data(), size);
    return Status::Ok();
  }
  bool AtEnd() { return std::fgetc(in_) == EOF; }
  Result<std::uint64_t> ReadInt(int bytes) {
    std::string s;
    ENGRAM_RETURN_IF_ERROR(Read(bytes, &s));
    std::uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(s[i]);
    return value;
  }
  std::uint64_t Digest() const { return XXH3_64bits_digest(hash_.get()); }

 private:
  std::FILE* in_;
  XxhState hash_;
};

Status LoadTables(DumpReader& reader, lmdb::Txn& txn, const Dbis& dbi) {
  std::string buffer;
  ENGRAM_RETURN_IF_ERROR(reader.Read(kDumpMagic.size(), &buffer));
  if (buffer != kDumpMagic) return Malformed("not an engram dump");
  ENGRAM_ASSIGN_OR_RETURN(std::uint64_t dump_version, reader.ReadInt(4));
  if (dump_version != kDumpVersion) {
    return Malformed("dump version " + std::to_string(dump_version) + " (this build reads 1)");
  }
  ENGRAM_ASSIGN_OR_RETURN(std::uint64_t format, reader.ReadInt(4));
  if (format != kFormatVersion) {
    return Malformed("store format " + std::to_string(format) + " (this build reads " +
                     std::to_string(kFormatVersion) + ")");
  }
  for (const auto& [name, handle] : dbi.All()) {
    ENGRAM_RETURN_IF_ERROR(reader.Read(1, &buffer));
    if (buffer[0] != kTableTag) return Malformed("expected table " + std::string(name));
    ENGRAM_ASSIGN_OR_RETURN(std::uint64_t name_size, reader.ReadInt(2));
    ENGRAM_RETURN_IF_ERROR(reader.Read(name_size, &buffer));
    if (buffer != name) return Malformed("expected table " + std::string(name) + ", got " + buffer);
    ENGRAM_ASSIGN_OR_RETURN(std::uint64_t entries, reader.ReadInt(8));
    std::string key;
    std::string value;
    for (std::uint64_t i = 0; i < entries; ++i) {
      ENGRAM_ASSIGN_OR_RETURN(std::uint64_t key_size, reader.ReadInt(4));
      if (key_size == 0 || key_size > 511) return Malformed("bad key length");
      ENGRAM_RETURN_IF_ERROR(reader.Read(key_size, &key));
      ENGRAM_ASSIGN_OR_RETURN(std::uint64_t value_size, reader.ReadInt(8));
      if (value_size > kMaxDumpValue) return Malformed("value too large");
      ENGRAM_RETURN_IF_ERROR(reader.Read(value_size, &value));
      Status put = txn.Put(handle, key, value, MDB_APPEND);
      if (put.code() == ErrorCode::kExists)
        return Malformed("keys out of order in " + std::string(name));
      ENGRAM_RETURN_IF_ERROR(put);
    }
  }
  ENGRAM_RETURN_IF_ERROR(reader.Read(1, &buffer));
  if (buffer[0] != kEndTag) return Malformed("missing end marker");
  std::uint64_t expected = reader.Digest();
  ENGRAM_ASSIGN_OR_RETURN(std::uint64_t digest, reader.ReadInt(8));
  if (digest != expected) return Malformed("checksum mismatch");
  if (!reader.AtEnd()) return Malformed("bytes after the end marker");
  return Status::Ok();
}

}  // namespace

Status Store::Dump(std::FILE* out) const {
  std::shared_lock<std::shared_timed_mutex> lock;
  ENGRAM_ASSIGN_OR_RETURN(lmdb::Txn txn, impl_->BeginRead(&lock));
  DumpWriter writer(out);
  Status status = [&]() -> Status {
    bool ok = writer.Write(kDumpMagic) && writer.WriteInt(kDumpVersion, 4) &&
              writer.WriteInt(kFormatVersion, 4);
    for (const auto& [name, handle] : impl_->dbi.All()) {
      MDB_stat stat;
      ENGRAM_RETURN_IF_ERROR(lmdb::Check(mdb_stat(txn.get(), handle, &stat), "stat"));
      ok = ok && writer.Write(std::string(1, kTableTag)) && writer.WriteInt(name.size(), 2) &&
           writer.Write(name) && writer.WriteInt(stat.ms_entries, 8);
      ENGRAM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn, handle));
      ENGRAM_ASSIGN_OR_RETURN(bool more, cursor.First());
      while (more && ok) {
        ok = writer.WriteInt(cursor.key().size(), 4) && writer.Write(cursor.key()) &&
             writer.WriteInt(cursor.value().size(), 8) && writer.Write(cursor.value());
        ENGRAM_ASSIGN_OR_RETURN(more, cursor.Next());
      }
    }
    ok = ok && writer.Write(std::string(1, kEndTag));
    std::uint64_t digest = writer.Digest();
    ok = ok && writer.WriteInt(digest, 8) && std::fflush(out) == 0;
    if (!ok) return Status::Error(ErrorCode::kInternal, "writing the dump failed");
    return Status::Ok();
  }();
  impl_->ReturnRead(std::move(txn));
  return status;
}

Status Store::Load(std::FILE* in) {
  // The write may have to be retried after the map grows, so the input must be re-readable:
  // spool a pipe to a temporary file first.
  std::FILE* source = in;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> spool(nullptr, &std::fclose);
  long start = std::ftell(in);
  if (start < 0) {
    spool.reset(std::tmpfile());
    if (!spool) return Status::Error(ErrorCode::kInternal, "cannot create a temporary file");
    char chunk[1 << 16];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof(chunk), in)) > 0) {
      if (std::fwrite(chunk, 1, n, spool.get()) != n) {
        return Status::Error(ErrorCode::kInternal, "spooling the dump failed");
      }
    }
    source = spool.get();
    start = 0;
  }
  const Dbis& dbi = impl_->dbi;
  return impl_->RunWrite([&](lmdb::Txn& txn) -> Status {
    ENGRAM_ASSIGN_OR_RETURN(Version head, ReadMetaU64(txn, dbi, "head"));
    for (const auto& [name, handle] : dbi.All()) {
      if (name == "meta") continue;
      MDB_stat stat;
      ENGRAM_RETURN_IF_ERROR(lmdb::Check(mdb_stat(txn.get(), handle, &stat), "stat"));
      if (stat.ms_entries != 0 || head != 0) {
        return Status::Error(ErrorCode::kExists, "load needs an empty database");
      }
    }
    // A fresh database's meta is replaced by the dump's.
    ENGRAM_RETURN_IF_ERROR(lmdb::Check(mdb_drop(txn.get(), dbi.meta, 0), "clear meta"));
    if (std::fseek(source, start, SEEK_SET) != 0) {
      return Status::Error(ErrorCode::kInternal, "cannot rewind the dump");
    }
    DumpReader reader(source);
    ENGRAM_RETURN_IF_ERROR(LoadTables(reader, txn, dbi));
    Status meta = CheckStoreMeta(txn, dbi);
    if (!meta.ok()) return Malformed("its meta table: " + meta.message());
    VerifyReport report;
    ENGRAM_RETURN_IF_ERROR(VerifyTxn(txn, dbi, &report));
    if (!report.clean()) return Malformed("the loaded data fails verify: " + report.problems[0]);
    return Status::Ok();
  });
}

}  // namespace engram::storage
