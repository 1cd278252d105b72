// Corruption: damaged bytes on disk must be reported as CORRUPT (by reads and by Verify), never
// handed out as data and never crash the process (docs/format.md §5, §7).
//
// LMDB has no page checksums, so these tests damage stored values in the places engram's own
// checksums must catch: a blob's payload (through LMDB, and in the raw data.mdb file), and a
// record's text inside its frame. Whole-file damage (garbage, truncation) must fail at open.
#include <fcntl.h>
#include <lmdb.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "storage/store.h"
#include "tests/storage/test_store.h"

namespace engram::storage {
namespace {

using testing::FloatRecord;
using testing::OpenOrDie;
using testing::PutOne;
using testing::Ramp;
using testing::TempDir;

const Tenant kTenant = *Tenant::Make("damage");
const RecordKey kVictim{"agent", RecordKind::kEpisodicState, 0};
const RecordKey kBystander{"agent", RecordKind::kEpisodicEntry, 7};
// The victim's tensor: four times the inline limit in bytes, so it is stored as blobs (one, or
// four chunks of kInlineTensorMaxBytes).
constexpr std::size_t kVictimFloats = kInlineTensorMaxBytes;

// The `blobs` key of a hash (docs/format.md §2): high then low, both big-endian.
std::string BlobKey(const Hash128& hash) {
  std::string key(16, '\0');
  for (int i = 0; i < 8; ++i) {
    key[i] = static_cast<char>(hash.high >> (56 - 8 * i));
    key[8 + i] = static_cast<char>(hash.low >> (56 - 8 * i));
  }
  return key;
}

// Positions of every occurrence of `needle` in `haystack`.
std::vector<std::size_t> FindAll(const std::string& haystack, const std::string& needle) {
  std::vector<std::size_t> found;
  for (std::size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    found.push_back(at);
  }
  return found;
}

// XORs the byte at `offset` of file `path` with 0xff, in place.
void FlipFileByte(const std::string& path, std::size_t offset) {
  int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0) << path;
  unsigned char byte = 0;
  ASSERT_EQ(::pread(fd, &byte, 1, static_cast<off_t>(offset)), 1);
  byte ^= 0xff;
  ASSERT_EQ(::pwrite(fd, &byte, 1, static_cast<off_t>(offset)), 1);
  ASSERT_EQ(::fsync(fd), 0);
  ::close(fd);
}

// Rewrites the value stored under `key` in named table `table` of the (closed) database in
// `dir`, through LMDB itself, with the byte at `offset` flipped. This is damage LMDB cannot
// notice: its own structures stay intact.
void FlipStoredValueByte(const std::string& dir, const char* table, const std::string& key,
                         std::size_t offset) {
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  ASSERT_EQ(mdb_env_set_maxdbs(env, 16), 0);
  ASSERT_EQ(mdb_env_open(env, dir.c_str(), 0, 0644), 0);
  MDB_txn* txn = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  MDB_dbi dbi;
  ASSERT_EQ(mdb_dbi_open(txn, table, 0, &dbi), 0);
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  MDB_val v;
  ASSERT_EQ(mdb_get(txn, dbi, &k, &v), 0) << "no such key in " << table;
  std::string value(static_cast<const char*>(v.mv_data), v.mv_size);
  ASSERT_LT(offset, value.size());
  value[offset] = static_cast<char>(value[offset] ^ 0x01);
  MDB_val nv{value.size(), value.data()};
  ASSERT_EQ(mdb_put(txn, dbi, &k, &nv, 0), 0);
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

// True when some problem line of `report` contains `needle`.
bool Mentions(const VerifyReport& report, const std::string& needle) {
  for (const std::string& line : report.problems) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string Problems(const VerifyReport& report) {
  std::string out;
  for (const std::string& line : report.problems) out += "\n  " + line;
  return out;
}

// The victim's tensor, read back: writes the victim and a bystander, returns the victim's
// tensor description.
TensorRef WriteVictimAndBystander(const std::string& dir, std::uint64_t chunk_bytes) {
  auto store = OpenOrDie(dir);
  EXPECT_NE(store, nullptr);
  if (store == nullptr) return {};
  PutOne(*store, kTenant, kVictim,
         FloatRecord("victim", Ramp(kVictimFloats, 0.5f, 3.0f), chunk_bytes));
  PutOne(*store, kTenant, kBystander, FloatRecord("bystander", Ramp(2048, 2.0f, 1.0f)));
  auto txn = store->BeginRead();
  auto record = txn->Get(kTenant, kVictim);
  EXPECT_TRUE(record.ok() && record->has_value());
  if (!record.ok() || !record->has_value()) return {};
  EXPECT_TRUE(txn->Tensor((*record)->tensors.at(0)).ok());
  EXPECT_TRUE(store->Verify()->clean());
  return (*record)->tensors.at(0);
}

// After damage to the victim's tensor: reading it is CORRUPT, the record itself and the
// bystander still read correctly, and Verify reports the damaged blob.
void ExpectVictimTensorCorrupt(const std::string& dir, const std::string& blob_hex) {
  auto store = OpenOrDie(dir);
  ASSERT_NE(store, nullptr);
  auto txn = store->BeginRead();
  ASSERT_TRUE(txn.ok());
  auto record = txn->Get(kTenant, kVictim);
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  ASSERT_TRUE(record->has_value());
  EXPECT_EQ((*record)->text, "victim");
  auto view = txn->Tensor((*record)->tensors.at(0));
  ASSERT_FALSE(view.ok()) << "damaged tensor bytes were handed out";
  EXPECT_EQ(view.status().code(), ErrorCode::kCorrupt) << view.status().ToString();

  auto bystander = txn->Get(kTenant, kBystander);
  ASSERT_TRUE(bystander.ok() && bystander->has_value());
  auto intact = txn->Tensor((*bystander)->tensors.at(0));
  ASSERT_TRUE(intact.ok()) << intact.status().ToString();
  EXPECT_EQ(testing::Floats(*intact), Ramp(2048, 2.0f, 1.0f));

  auto report = store->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->clean());
  EXPECT_TRUE(Mentions(*report, blob_hex)) << "problems:" << Problems(*report);
}

TEST(StoreCorruption, FlippedBlobPayloadByteIsCorruptNotGarbage) {
  TempDir dir;
  TensorRef tensor = WriteVictimAndBystander(dir.path(), 0);
  ASSERT_EQ(tensor.blobs.size(), 1u);
  // One byte in the middle of the payload, well past the 48-byte header.
  FlipStoredValueByte(dir.path(), "blobs", BlobKey(tensor.blobs[0]), 48 + kVictimFloats * 2);
  ExpectVictimTensorCorrupt(dir.path(), tensor.blobs[0].ToHex());
}

TEST(StoreCorruption, FlippedBlobHeaderByteIsCorrupt) {
  TempDir dir;
  TensorRef tensor = WriteVictimAndBystander(dir.path(), 0);
  ASSERT_EQ(tensor.blobs.size(), 1u);
  // The payload length field (offset 16): caught by the header checksum.
  FlipStoredValueByte(dir.path(), "blobs", BlobKey(tensor.blobs[0]), 17);
  ExpectVictimTensorCorrupt(dir.path(), tensor.blobs[0].ToHex());
}

TEST(StoreCorruption, FlippedChunkPayloadByteIsCorrupt) {
  TempDir dir;
  TensorRef tensor = WriteVictimAndBystander(dir.path(), kInlineTensorMaxBytes);
  ASSERT_EQ(tensor.blobs.size(), 4u);
  FlipStoredValueByte(dir.path(), "blobs", BlobKey(tensor.blobs[2]), 48 + 100);
  ExpectVictimTensorCorrupt(dir.path(), tensor.blobs[2].ToHex());
}

// A byte pattern no other value in the file contains: a PRNG stream with a fixed seed.
std::vector<std::uint32_t> UniquePattern(std::size_t words) {
  std::mt19937 rng(0xC0FFEE);
  std::vector<std::uint32_t> out(words);
  for (auto& w : out) w = rng();
  return out;
}

TEST(StoreCorruption, FlippedByteInDataFileTensorIsCorrupt) {
  TempDir dir;
  // Twice the inline limit: one blob on overflow pages.
  std::vector<std::uint32_t> pattern = UniquePattern(2 * kInlineTensorMaxBytes / 4);
  const std::string pattern_bytes(reinterpret_cast<const char*>(pattern.data()),
                                  pattern.size() * 4);
  Hash128 blob;
  {
    auto store = OpenOrDie(dir.path());
    ASSERT_NE(store, nullptr);
    PutOne(*store, kTenant, kBystander, FloatRecord("bystander", Ramp(2048, 2.0f, 1.0f)));
    RecordData data;
    data.text = "victim";
    data.tensors.push_back(TensorData::Copy("codes", DType::kI32, {pattern.size()}, pattern.data(),
                                            pattern_bytes.size()));
    PutOne(*store, kTenant, kVictim, std::move(data));
    auto record = store->BeginRead()->Get(kTenant, kVictim);
    ASSERT_TRUE(record.ok() && record->has_value());
    ASSERT_EQ((*record)->tensors.at(0).blobs.size(), 1u);
    blob = (*record)->tensors[0].blobs[0];
  }
  const std::string file = dir.Sub("data.mdb");
  // A 64-byte window from the middle of the payload, found by plain byte search.
  const std::string window = pattern_bytes.substr(2048, 64);
  std::vector<std::size_t> found = FindAll(testing::ReadFile(file), window);
  ASSERT_EQ(found.size(), 1u) << "the tensor's bytes should be in data.mdb exactly once";
  FlipFileByte(file, found[0] + 10);
  ExpectVictimTensorCorrupt(dir.path(), blob.ToHex());
}

TEST(StoreCorruption, FlippedByteInDataFileRecordTextIsCorrupt) {
  TempDir dir;
  const std::string marker = "MARKER-q7Zx31-unique-record-text";
  {
    auto store = OpenOrDie(dir.path());
    ASSERT_NE(store, nullptr);
    PutOne(*store, kTenant, kBystander, FloatRecord("bystander", Ramp(2048, 2.0f, 1.0f)));
    // A small record (leaf page, not overflow) whose text holds the marker; the statement
    // does not, so the marker is in the file once.
    PutOne(*store, kTenant, kVictim, FloatRecord("fact: " + marker, {1, 2, 3}), "WRITE");
  }
  const std::string file = dir.Sub("data.mdb");
  std::vector<std::size_t> found = FindAll(testing::ReadFile(file), marker);
  ASSERT_EQ(found.size(), 1u) << "the marker should be in data.mdb exactly once";
  FlipFileByte(file, found[0] + 3);

  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  auto txn = store->BeginRead();
  ASSERT_TRUE(txn.ok());
  auto record = txn->Get(kTenant, kVictim);
  ASSERT_FALSE(record.ok()) << "a damaged record was returned with text '"
                            << (record->has_value() ? (*record)->text : "") << "'";
  EXPECT_EQ(record.status().code(), ErrorCode::kCorrupt) << record.status().ToString();
  // A listing that passes over the damaged record fails the same way.
  auto listed = txn->List(kTenant, "agent");
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.status().code(), ErrorCode::kCorrupt);
  // The other record is untouched.
  auto bystander = txn->Get(kTenant, kBystander);
  ASSERT_TRUE(bystander.ok() && bystander->has_value()) << bystander.status().ToString();
  EXPECT_EQ((*bystander)->text, "bystander");

  auto report = store->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->clean());
  EXPECT_TRUE(Mentions(*report, "record damage.agent episodic_state 0")) << Problems(*report);
}

// What happened to a child process that opened a damaged database.
constexpr int kOpenedAndRead = 0;  // the open succeeded and a full Verify ran without crashing

// Opens `dir` in a child process and, if that succeeds, runs Verify (which reads every page
// the database names). Damaged LMDB files can crash a careless reader, and a crash must fail
// the test, not end the test binary. Returns the ErrorCode of a failed open, kOpenedAndRead,
// or -signal when the child died of a signal.
int OpenInChild(const std::string& dir, bool read_only) {
  pid_t pid = ::fork();
  if (pid == 0) {
    OpenOptions options;
    options.read_only = read_only;
    auto store = Store::Open(dir, options);
    if (!store.ok()) _exit(static_cast<int>(store.status().code()));
    (void)(*store)->Verify();
    _exit(kOpenedAndRead);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1000;
  return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

constexpr int kCorruptExit = static_cast<int>(ErrorCode::kCorrupt);

TEST(StoreCorruption, GarbageDataFileIsCorruptAtOpen) {
  TempDir dir;
  std::mt19937 rng(7);
  std::string garbage(64 * 1024, '\0');
  for (char& c : garbage) c = static_cast<char>(rng());
  std::ofstream(dir.Sub("data.mdb"), std::ios::binary) << garbage;
  // In this process too: the open must fail cleanly (no crash) with CORRUPT.
  auto store = Store::Open(dir.path());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kCorrupt) << store.status().ToString();
  EXPECT_NE(store.status().message().find("data.mdb"), std::string::npos)
      << store.status().ToString();
  OpenOptions read_only;
  read_only.read_only = true;
  auto reader = Store::Open(dir.path(), read_only);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), ErrorCode::kCorrupt) << reader.status().ToString();
  // The garbage was not overwritten by an "initialised" empty database.
  EXPECT_EQ(testing::ReadFile(dir.Sub("data.mdb")), garbage);
}

// Builds a database with some blobs, closes it and returns the size of data.mdb.
std::uintmax_t BuildDatabase(const std::string& dir) {
  auto store = OpenOrDie(dir);
  if (store == nullptr) return 0;
  for (std::uint64_t id = 1; id <= 20; ++id) {
    PutOne(*store, kTenant, RecordKey{"agent", RecordKind::kContextChunk, id},
           FloatRecord("chunk " + std::to_string(id), Ramp(8192, 1.0f, id)));
  }
  store.reset();
  return std::filesystem::file_size(dir + "/data.mdb");
}

TEST(StoreCorruption, DataFileCutInsideItsHeaderIsCorruptAtOpen) {
  TempDir dir;
  ASSERT_GT(BuildDatabase(dir.path()), 4096u * 4);
  // Shorter than LMDB's two meta pages.
  std::filesystem::resize_file(dir.Sub("data.mdb"), 100);
  std::filesystem::remove(dir.Sub("lock.mdb"));
  EXPECT_EQ(OpenInChild(dir.path(), /*read_only=*/false), kCorruptExit);
  EXPECT_EQ(OpenInChild(dir.path(), /*read_only=*/true), kCorruptExit);
}

TEST(StoreCorruption, DataFileTruncatedAfterItsHeaderIsCorruptAtOpen) {
  TempDir dir;
  std::uintmax_t size = BuildDatabase(dir.path());
  ASSERT_GT(size, 4096u * 4);
  // The meta pages survive, the pages they point to do not: the file ends before the last
  // page the meta page names. Touching a mapped page past the end of the file is SIGBUS, so
  // the open must notice the short file rather than hand out a store that dies on its first
  // read of a missing page.
  std::filesystem::resize_file(dir.Sub("data.mdb"), size / 2 / 4096 * 4096);
  std::filesystem::remove(dir.Sub("lock.mdb"));
  const int read_write = OpenInChild(dir.path(), /*read_only=*/false);
  const int read_only = OpenInChild(dir.path(), /*read_only=*/true);
  EXPECT_EQ(read_write, kCorruptExit);
  EXPECT_EQ(read_only, kCorruptExit);
}

}  // namespace
}  // namespace engram::storage
