// Unit tests of the record store: open/format checks, writes and as-of reads, tensors (inline,
// zero-copy, chunked), tenants, the single-writer lock and map growth.
#include <gtest/gtest.h>

#include <lmdb.h>

#include <cstring>
#include <filesystem>

#include "storage/store.h"
#include "tests/storage/test_store.h"

namespace engram::storage {
namespace {

using testing::FloatRecord;
using testing::Floats;
using testing::OpenOrDie;
using testing::PutOne;
using testing::Ramp;
using testing::TempDir;

const Tenant kAlice = *Tenant::Make("alice");
const Tenant kBob = *Tenant::Make("bob");
const RecordKey kFact{"agent", RecordKind::kEpisodicEntry, 1};

TEST(StoreOpen, CreatesAndReopensAnEmptyDatabase) {
  TempDir dir;
  {
    auto store = OpenOrDie(dir.Sub("db"));
    auto txn = store->BeginRead();
    ASSERT_TRUE(txn.ok());
    EXPECT_EQ(txn->head(), 0u);
  }
  auto store = OpenOrDie(dir.Sub("db"));
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("db/data.mdb")));
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("db/writer.lock")));
}

TEST(StoreOpen, MissingDatabaseIsNotFoundWhenNotCreating) {
  TempDir dir;
  OpenOptions options;
  options.create_if_missing = false;
  auto store = Store::Open(dir.Sub("nope"), options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kNotFound);
  options.read_only = true;
  store = Store::Open(dir.Sub("nope"), options);
  EXPECT_EQ(store.status().code(), ErrorCode::kNotFound);
}

TEST(StoreOpen, SecondWriterIsRefusedReadersAreFine) {
  TempDir dir;
  auto writer = OpenOrDie(dir.path());
  auto second = Store::Open(dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kConflict);
  EXPECT_NE(second.status().message().find("open for writing"), std::string::npos);
  OpenOptions read_only;
  read_only.read_only = true;
  // LMDB forbids opening one environment twice in a process, so the read-only open is checked
  // from a child process.
  pid_t pid = ::fork();
  if (pid == 0) {
    auto reader = Store::Open(dir.path(), read_only);
    _exit(reader.ok() ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(StoreOpen, ForeignAndNewerFilesAreRefused) {
  TempDir dir;
  // A foreign LMDB file: an environment with an unrelated named table.
  {
    MDB_env* env = nullptr;
    ASSERT_EQ(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 4);
    ASSERT_EQ(mdb_env_open(env, dir.path().c_str(), 0, 0644), 0);
    MDB_txn* txn = nullptr;
    mdb_txn_begin(env, nullptr, 0, &txn);
    MDB_dbi dbi;
    mdb_dbi_open(txn, "other", MDB_CREATE, &dbi);
    MDB_val k{1, const_cast<char*>("k")}, v{1, const_cast<char*>("v")};
    mdb_put(txn, dbi, &k, &v, 0);
    mdb_txn_commit(txn);
    mdb_env_close(env);
  }
  auto store = Store::Open(dir.path());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(store.status().message().find("not an engram database"), std::string::npos);

  // A newer format version.
  TempDir newer;
  { OpenOrDie(newer.path()); }
  {
    MDB_env* env = nullptr;
    mdb_env_create(&env);
    mdb_env_set_maxdbs(env, 16);
    ASSERT_EQ(mdb_env_open(env, newer.path().c_str(), 0, 0644), 0);
    MDB_txn* txn = nullptr;
    mdb_txn_begin(env, nullptr, 0, &txn);
    MDB_dbi meta;
    ASSERT_EQ(mdb_dbi_open(txn, "meta", 0, &meta), 0);
    char version[4] = {2, 0, 0, 0};
    MDB_val k{14, const_cast<char*>("format_version")}, v{4, version};
    ASSERT_EQ(mdb_put(txn, meta, &k, &v, 0), 0);
    mdb_txn_commit(txn);
    mdb_env_close(env);
  }
  store = Store::Open(newer.path());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(store.status().message().find("newer engram"), std::string::npos);
}

TEST(StoreNames, TenantAndMemoryNamesAreValidated) {
  EXPECT_FALSE(Tenant::Make("").ok());
  EXPECT_FALSE(Tenant::Make("a b").ok());
  EXPECT_FALSE(Tenant::Make(std::string(65, 'a')).ok());
  EXPECT_FALSE(Tenant::Make(std::string("a\0b", 3)).ok());
  EXPECT_TRUE(Tenant::Make("_tenant_1").ok());
  WriteBatch batch(kAlice);
  Status bad = batch.Put(RecordKey{"9lives", RecordKind::kMemory, 0}, RecordData{});
  EXPECT_EQ(bad.code(), ErrorCode::kSyntax);
}

TEST(StoreVersions, EachCommitTakesTheNextVersionAndReadsAreAsOf) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  Version v1 = PutOne(*store, kAlice, kFact, FloatRecord("one", {1}));
  Version v2 = PutOne(*store, kAlice, kFact, FloatRecord("two", {2}));
  Version v3 = PutOne(*store, kAlice, RecordKey{"agent", RecordKind::kEpisodicEntry, 2},
                      FloatRecord("other", {3}));
  EXPECT_EQ(v1, 1u);
  EXPECT_EQ(v2, 2u);
  EXPECT_EQ(v3, 3u);
  auto txn = store->BeginRead();
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ(txn->head(), 3u);
  EXPECT_EQ((*txn->Get(kAlice, kFact, 1))->text, "one");
  EXPECT_EQ((*txn->Get(kAlice, kFact, 2))->text, "two");
  EXPECT_EQ((*txn->Get(kAlice, kFact, 3))->text, "two");
  EXPECT_EQ((*txn->Get(kAlice, kFact))->version, 2u);
  EXPECT_FALSE(txn->Get(kAlice, RecordKey{"agent", RecordKind::kEpisodicEntry, 2}, 2)->has_value());
  EXPECT_EQ(txn->Get(kAlice, kFact, 9).status().code(), ErrorCode::kNotFound);
  auto all = txn->List(kAlice, "agent");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].text, "two");
  EXPECT_EQ((*all)[1].text, "other");
  EXPECT_EQ(txn->List(kAlice, "agent", RecordKind::kEpisodicEntry, 1)->size(), 1u);
}

TEST(StoreVersions, TombstoneHidesTheRecordButKeepsHistory) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  PutOne(*store, kAlice, kFact, FloatRecord("fact", {1}));
  WriteBatch batch(kAlice);
  ASSERT_TRUE(batch.Tombstone(kFact).ok());
  auto v = store->Commit(batch, "FORGET agent ID 1");
  ASSERT_TRUE(v.ok());
  auto txn = store->BeginRead();
  EXPECT_FALSE(txn->Get(kAlice, kFact)->has_value());
  EXPECT_TRUE(txn->Get(kAlice, kFact, 1)->has_value());
  EXPECT_TRUE(txn->List(kAlice, "agent")->empty());
  // A tombstone of a record that does not exist fails and changes nothing.
  WriteBatch again(kAlice);
  ASSERT_TRUE(again.Tombstone(kFact).ok());
  EXPECT_EQ(store->Commit(again, "FORGET").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store->BeginRead()->head(), 2u);
}

TEST(StoreVersions, BatchCommitsAtomically) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  WriteBatch batch(kAlice);
  for (std::uint64_t id = 1; id <= 100; ++id) {
    ASSERT_TRUE(batch
                    .Put(RecordKey{"agent", RecordKind::kContextChunk, id},
                         FloatRecord("chunk " + std::to_string(id), Ramp(300, 1, id)))
                    .ok());
  }
  // One bad tombstone makes the whole batch fail.
  ASSERT_TRUE(batch.Tombstone(RecordKey{"agent", RecordKind::kEditEntry, 7}).ok());
  EXPECT_EQ(store->Commit(batch, "WRITE").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store->BeginRead()->head(), 0u);
  EXPECT_TRUE(store->BeginRead()->List(kAlice, "agent")->empty());
  auto verify = store->Verify();
  EXPECT_TRUE(verify->clean());
}

TEST(StoreVersions, CommitLogHasStatementTenantAndChanges) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  PutOne(*store, kAlice, kFact, FloatRecord("fact", {1}), "WRITE agent 'fact';");
  auto txn = store->BeginRead();
  auto commit = txn->Commit(kAlice, 1);
  ASSERT_TRUE(commit.ok());
  EXPECT_EQ(commit->statement, "WRITE agent 'fact';");
  EXPECT_EQ(commit->tenant, "alice");
  EXPECT_EQ(commit->parent, 0u);
  ASSERT_EQ(commit->changes.size(), 1u);
  EXPECT_EQ(commit->changes[0].key, kFact);
  EXPECT_GT(commit->time_ns, 0);
  // Another tenant cannot see it.
  EXPECT_EQ(txn->Commit(kBob, 1).status().code(), ErrorCode::kNotFound);
}

TEST(StoreVersions, OptimisticConflictFirstCommitterWins) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  PutOne(*store, kAlice, kFact, FloatRecord("a", {1}));
  WriteBatch late(kAlice);
  late.ExpectUnchangedSince(1);
  ASSERT_TRUE(late.Put(kFact, FloatRecord("late", {2})).ok());
  PutOne(*store, kAlice, kFact, FloatRecord("first", {3}));
  auto result = store->Commit(late, "WRITE");
  EXPECT_EQ(result.status().code(), ErrorCode::kConflict);
}

TEST(StoreTenants, NoReadCrossesTenants) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  PutOne(*store, kAlice, RecordKey{"agent", RecordKind::kMemory, 0}, FloatRecord("alice", {1}));
  PutOne(*store, kAlice, kFact, FloatRecord("alice secret", {1}));
  PutOne(*store, kBob, RecordKey{"agent", RecordKind::kMemory, 0}, FloatRecord("bob", {2}));
  auto txn = store->BeginRead();
  EXPECT_FALSE(txn->Get(kBob, kFact)->has_value());
  auto bob = txn->List(kBob, "agent");
  ASSERT_EQ(bob->size(), 1u);
  EXPECT_EQ((*bob)[0].text, "bob");
  EXPECT_EQ(txn->History(kBob, "agent")->size(), 1u);
  EXPECT_EQ(txn->History(kAlice, "agent")->size(), 2u);
  EXPECT_EQ(*txn->ListMemories(kAlice), std::vector<std::string>{"agent"});
  ASSERT_TRUE(store->CreateSnapshot(kAlice, "agent", "s1").ok());
  auto after = store->BeginRead();
  EXPECT_EQ(after->GetRef(kBob, "agent", "s1").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(after->ListRefs(kBob, std::nullopt)->empty());
  // Bob's rollback of "agent" touches only his records.
  ASSERT_TRUE(store->Rollback(kBob, "agent", 0, "ROLLBACK").ok());
  auto end = store->BeginRead();
  EXPECT_TRUE(end->Get(kAlice, kFact)->has_value());
  EXPECT_TRUE(end->List(kBob, "agent")->empty());
}

TEST(StoreTensors, InlineZeroCopyAndChunkedRoundTrip) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  std::vector<float> small = Ramp(16);
  std::vector<float> big = Ramp(256 * 1024, 0.5f);  // 1 MiB
  RecordData data;
  data.tensors.push_back(TensorData::Copy("small", DType::kF32, {4, 4}, small.data(), 64));
  data.tensors.push_back(
      TensorData::Copy("big", DType::kF32, {512, 512}, big.data(), big.size() * 4));
  data.tensors.push_back(TensorData::Copy("chunked", DType::kF32, {big.size()}, big.data(),
                                          big.size() * 4, 64 * 1024));
  PutOne(*store, kAlice, kFact, std::move(data));
  auto txn = store->BeginRead();
  auto record = txn->Get(kAlice, kFact);
  ASSERT_TRUE(record.ok() && record->has_value());
  const auto& tensors = (*record)->tensors;
  ASSERT_EQ(tensors.size(), 3u);
  EXPECT_TRUE(tensors[0].blobs.empty());
  EXPECT_EQ(tensors[1].blobs.size(), 1u);
  EXPECT_EQ(tensors[2].blobs.size(), 16u);
  EXPECT_EQ(tensors[1].shape, (std::vector<std::uint64_t>{512, 512}));
  for (const TensorRef& ref : tensors) {
    auto view = txn->Tensor(ref);
    ASSERT_TRUE(view.ok()) << view.status().ToString();
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(view->data()) % 64, 0u) << ref.name;
    EXPECT_EQ(Floats(*view), ref.name == "small" ? small : big) << ref.name;
  }
  // The 1 MiB single-blob tensor is a view into the map, not a copy.
  EXPECT_TRUE(txn->Tensor(tensors[1])->zero_copy());
  EXPECT_FALSE(txn->Tensor(tensors[2])->zero_copy());
}

TEST(StoreTensors, ShapeMismatchAndOversizeAreRejected) {
  WriteBatch batch(kAlice);
  RecordData data;
  std::vector<float> v = Ramp(3);
  data.tensors.push_back(TensorData::Copy("t", DType::kF32, {4}, v.data(), 12));
  EXPECT_EQ(batch.Put(kFact, std::move(data)).code(), ErrorCode::kInternal);
  RecordData huge;
  huge.tensors.push_back(TensorData{"h", DType::kF32, {std::uint64_t{1} << 40}, nullptr, 0});
  EXPECT_EQ(batch.Put(kFact, std::move(huge)).code(), ErrorCode::kLimit);
}

TEST(StoreBlobs, IdenticalTensorsAreStoredOnceAndCounted) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  std::vector<float> same = Ramp(4096);
  for (std::uint64_t id = 1; id <= 5; ++id) {
    PutOne(*store, kAlice, RecordKey{"agent", RecordKind::kContextChunk, id},
           FloatRecord("c", same));
  }
  auto stats = store->Stat();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->blobs, 1u);
  EXPECT_EQ(stats->blob_bytes, same.size() * 4);
  EXPECT_EQ(stats->record_versions, 5u);
  EXPECT_TRUE(store->Verify()->clean());
}

TEST(StoreMap, GrowsWhenFullAndFailsCleanlyAtTheLimit) {
  TempDir dir;
  OpenOptions options;
  options.initial_map_bytes = 1 << 20;  // 1 MiB
  options.max_map_bytes = 64 << 20;
  auto store = OpenOrDie(dir.path(), options);
  // 8 MiB of distinct tensors: needs several doublings.
  for (std::uint64_t id = 1; id <= 8; ++id) {
    PutOne(*store, kAlice, RecordKey{"agent", RecordKind::kContextChunk, id},
           FloatRecord("c", Ramp(256 * 1024, 1, id)));
  }
  auto stats = store->Stat();
  EXPECT_GE(stats->map_bytes, 8u << 20);
  // Beyond the maximum: MAPFULL, nothing lost.
  WriteBatch too_big(kAlice);
  ASSERT_TRUE(too_big
                  .Put(RecordKey{"agent", RecordKind::kContextChunk, 99},
                       FloatRecord("c", Ramp(24 * 1024 * 1024, 1, 3)))
                  .ok());
  EXPECT_EQ(store->Commit(too_big, "WRITE").status().code(), ErrorCode::kMapFull);
  auto txn = store->BeginRead();
  EXPECT_EQ(txn->head(), 8u);
  EXPECT_TRUE(store->Verify()->clean());
}

TEST(StoreReadOnly, WritesAreRefused) {
  TempDir dir;
  {
    auto store = OpenOrDie(dir.path());
    PutOne(*store, kAlice, kFact, FloatRecord("f", {1}));
  }
  OpenOptions options;
  options.read_only = true;
  auto store = OpenOrDie(dir.path(), options);
  WriteBatch batch(kAlice);
  ASSERT_TRUE(batch.Put(kFact, FloatRecord("g", {2})).ok());
  EXPECT_EQ(store->Commit(batch, "WRITE").status().code(), ErrorCode::kReadOnly);
  EXPECT_EQ((*store->BeginRead()->Get(kAlice, kFact))->text, "f");
}

}  // namespace
}  // namespace engram::storage

namespace engram::storage {
namespace {

TEST(StoreMeta, EngineMetaRoundTripsAndSurvivesReopen) {
  testing::TempDir dir;
  {
    auto store = testing::OpenOrDie(dir.path());
    auto missing = store->GetEngineMeta("model_fingerprint");
    ASSERT_TRUE(missing.ok());
    EXPECT_FALSE(missing->has_value());
    ASSERT_TRUE(store->SetEngineMeta("model_fingerprint", "6ff400766333fe6fbc721a13a83757c2").ok());
    // Engine meta is not a commit: the head does not move.
    EXPECT_EQ(store->BeginRead()->head(), 0u);
  }
  auto store = testing::OpenOrDie(dir.path());
  auto value = store->GetEngineMeta("model_fingerprint");
  ASSERT_TRUE(value.ok() && value->has_value());
  EXPECT_EQ(**value, "6ff400766333fe6fbc721a13a83757c2");
  EXPECT_TRUE(store->Verify()->clean());
}

}  // namespace
}  // namespace engram::storage
