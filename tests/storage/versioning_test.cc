// Tests of history: snapshots, rollback, diff, history, PURGE with compaction, retention and
// garbage collection, and dump/load.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "storage/store.h"
#include "tests/storage/test_store.h"

namespace engram::storage {
namespace {

using testing::FloatRecord;
using testing::Floats;
using testing::OpenOrDie;
using testing::PutOne;
using testing::Ramp;
using testing::ReadFile;
using testing::TempDir;

const Tenant kAlice = *Tenant::Make("alice");
RecordKey Entry(std::uint64_t id) {
  return RecordKey{"agent", RecordKind::kEpisodicEntry, id};
}
const RecordKey kState{"agent", RecordKind::kEpisodicState, 0};

// Every live record of "agent" with its tensor bytes, as text: equal strings mean equal state.
std::string StateOf(Store& store, Version as_of = kHeadVersion) {
  auto txn = store.BeginRead();
  EXPECT_TRUE(txn.ok());
  auto records = txn->List(kAlice, "agent", std::nullopt, as_of);
  EXPECT_TRUE(records.ok()) << records.status().ToString();
  std::string out;
  for (const Record& r : *records) {
    out += std::string(RecordKindName(r.key.kind)) + "/" + std::to_string(r.key.id) + ":" + r.text;
    for (const TensorRef& t : r.tensors) {
      auto view = txn->Tensor(t);
      EXPECT_TRUE(view.ok());
      out += "[" + ContentHash(view->data(), view->size()).ToHex() + "]";
    }
    out += ";";
  }
  return out;
}

TEST(Snapshots, CreateListDeleteAndExists) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  PutOne(*store, kAlice, Entry(1), FloatRecord("a", {1}));
  auto v = store->CreateSnapshot(kAlice, "agent", "s1");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 1u);
  EXPECT_EQ(store->CreateSnapshot(kAlice, "agent", "s1").status().code(), ErrorCode::kExists);
  EXPECT_EQ(store->CreateSnapshot(kAlice, "agent", "bad name").status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(store->CreateSnapshot(kAlice, "agent", "future", 7).status().code(),
            ErrorCode::kNotFound);
  ASSERT_TRUE(store->CreateSnapshot(kAlice, "", "everything").ok());
  auto txn = store->BeginRead();
  auto refs = txn->ListRefs(kAlice, std::nullopt);
  ASSERT_EQ(refs->size(), 2u);
  EXPECT_EQ(txn->ListRefs(kAlice, std::string_view("agent"))->size(), 1u);
  EXPECT_EQ(txn->GetRef(kAlice, "agent", "s1")->version, 1u);
  ASSERT_TRUE(store->DeleteSnapshot(kAlice, "agent", "s1").ok());
  EXPECT_EQ(store->DeleteSnapshot(kAlice, "agent", "s1").code(), ErrorCode::kNotFound);
}

TEST(Rollback, RestoresChangedRecordsAndTombstonesNewOnes) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  PutOne(*store, kAlice, kState, FloatRecord("M", Ramp(4096)));
  PutOne(*store, kAlice, Entry(1), FloatRecord("fact one", Ramp(8)));
  Version snap = *store->CreateSnapshot(kAlice, "agent", "before");
  const std::string before = StateOf(*store);
  PutOne(*store, kAlice, kState, FloatRecord("M", Ramp(4096, 2)));        // changed
  PutOne(*store, kAlice, Entry(2), FloatRecord("fact two", Ramp(8, 3)));  // created
  WriteBatch forget(kAlice);
  ASSERT_TRUE(forget.Tombstone(Entry(1)).ok());  // removed
  ASSERT_TRUE(store->Commit(forget, "FORGET").ok());
  ASSERT_NE(StateOf(*store), before);

  auto v = store->Rollback(kAlice, "agent", snap, "ROLLBACK agent TO before");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(StateOf(*store), before);
  // History is kept: the intermediate state is still readable, and the rollback is logged.
  EXPECT_NE(StateOf(*store, *v - 1), before);
  auto txn = store->BeginRead();
  auto history = txn->History(kAlice, "agent");
  ASSERT_EQ(history->size(), 6u);
  EXPECT_EQ((*history)[0].statement, "ROLLBACK agent TO before");
  EXPECT_EQ((*history)[0].kind, CommitKind::kRollback);
  EXPECT_EQ((*history)[0].records_changed, 3u);
  EXPECT_EQ(txn->Commit(kAlice, *v)->rollback_to, snap);
  // The restored tensors are the same blobs: nothing new was stored.
  EXPECT_TRUE(store->Verify()->clean());
  // Rolling back again to the same version changes nothing.
  auto again = store->Rollback(kAlice, "agent", snap, "ROLLBACK again");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(store->BeginRead()->Commit(kAlice, *again)->changes.empty());
}

TEST(Rollback, WholeTenantAndOtherMemoriesUntouched) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  RecordKey other{"notes", RecordKind::kEpisodicEntry, 1};
  PutOne(*store, kAlice, Entry(1), FloatRecord("a1", {1}));
  Version snap = *store->CreateSnapshot(kAlice, "", "all");
  PutOne(*store, kAlice, Entry(1), FloatRecord("a2", {2}));
  PutOne(*store, kAlice, other, FloatRecord("n1", {3}));
  // Rolling back only "agent" keeps "notes".
  Version v = *store->Rollback(kAlice, "agent", snap, "ROLLBACK agent");
  auto txn = store->BeginRead();
  EXPECT_EQ((*txn->Get(kAlice, Entry(1)))->text, "a1");
  EXPECT_TRUE(txn->Get(kAlice, other)->has_value());
  // Rolling back everything removes "notes" too.
  ASSERT_TRUE(store->Rollback(kAlice, "", snap, "ROLLBACK").ok());
  auto end = store->BeginRead();
  EXPECT_FALSE(end->Get(kAlice, other)->has_value());
  EXPECT_EQ((*end->Get(kAlice, Entry(1)))->text, "a1");
  EXPECT_EQ(store->Rollback(kAlice, "agent", v + 10, "x").status().code(), ErrorCode::kNotFound);
}

TEST(Diff, AddedChangedRemoved) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  PutOne(*store, kAlice, Entry(1), FloatRecord("keep", {1}));
  PutOne(*store, kAlice, Entry(2), FloatRecord("change", {2}));
  PutOne(*store, kAlice, Entry(3), FloatRecord("remove", {3}));
  Version from = 3;
  PutOne(*store, kAlice, Entry(2), FloatRecord("changed", {4}));
  PutOne(*store, kAlice, Entry(4), FloatRecord("added", {5}));
  WriteBatch forget(kAlice);
  ASSERT_TRUE(forget.Tombstone(Entry(3)).ok());
  ASSERT_TRUE(store->Commit(forget, "FORGET").ok());
  // A change that is undone is no change.
  PutOne(*store, kAlice, Entry(1), FloatRecord("temp", {1}));
  PutOne(*store, kAlice, Entry(1), FloatRecord("keep", {1}));
  auto txn = store->BeginRead();
  auto diff = txn->Diff(kAlice, "agent", from, kHeadVersion);
  ASSERT_TRUE(diff.ok()) << diff.status().ToString();
  ASSERT_EQ(diff->size(), 3u);
  EXPECT_EQ((*diff)[0].key, Entry(2));
  EXPECT_EQ((*diff)[0].change, DiffChange::kChanged);
  EXPECT_EQ((*diff)[1].key, Entry(3));
  EXPECT_EQ((*diff)[1].change, DiffChange::kRemoved);
  EXPECT_EQ((*diff)[2].key, Entry(4));
  EXPECT_EQ((*diff)[2].change, DiffChange::kAdded);
  // Reversed direction swaps added and removed.
  auto back = txn->Diff(kAlice, "agent", kHeadVersion, from);
  EXPECT_EQ((*back)[1].change, DiffChange::kAdded);
  EXPECT_EQ((*back)[2].change, DiffChange::kRemoved);
}

TEST(Purge, DeletesAllVersionsBlobsAndStatementsThenCompactionErasesBytes) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  const std::string secret = "Zanzibar-secret-fact-7731";
  std::vector<float> secret_tensor = Ramp(2048, 0.001f, 12345.678f);  // 8 KiB, one blob
  PutOne(*store, kAlice, Entry(1), FloatRecord(secret, secret_tensor),
         "WRITE agent '" + secret + "';");
  PutOne(*store, kAlice, Entry(1), FloatRecord(secret + " v2", secret_tensor));
  PutOne(*store, kAlice, Entry(2), FloatRecord("innocent", Ramp(2048)));
  auto purged = store->Purge(kAlice, "agent", {Entry(1)});
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();

  auto txn = store->BeginRead();
  ASSERT_TRUE(txn.ok()) << txn.status().ToString();
  auto purged_read = txn->Get(kAlice, Entry(1), 1);
  ASSERT_TRUE(purged_read.ok()) << purged_read.status().ToString();
  EXPECT_FALSE(purged_read->has_value());  // every version is gone
  EXPECT_TRUE(txn->Get(kAlice, Entry(2))->has_value());
  auto first = txn->Commit(kAlice, 1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->statement, "[redacted by PURGE at version " + std::to_string(*purged) + "]");
  auto audit = txn->Audit(kAlice);
  ASSERT_TRUE(audit.ok()) << audit.status().ToString();
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].key, Entry(1));
  EXPECT_EQ((*audit)[0].versions_deleted, 2u);
  EXPECT_EQ((*audit)[0].blobs_deleted, 1u);
  EXPECT_EQ(store->Purge(kAlice, "agent", {Entry(9)}).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store->Verify()->clean());
  txn = store->BeginRead();  // Compact waits for open snapshots: release the old one.
  txn = Status::Error(ErrorCode::kInternal, "released");

  Status compacted = store->Compact();
  ASSERT_TRUE(compacted.ok()) << compacted.ToString();
  const std::string file = ReadFile(dir.Sub("data.mdb"));
  EXPECT_EQ(file.find(secret), std::string::npos);
  std::string pattern(reinterpret_cast<const char*>(secret_tensor.data() + 100), 64);
  EXPECT_EQ(file.find(pattern), std::string::npos);
  // The innocent record survives compaction intact.
  auto after = store->BeginRead();
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  auto innocent = after->Get(kAlice, Entry(2));
  ASSERT_TRUE(innocent.ok()) << innocent.status().ToString();
  ASSERT_TRUE(innocent->has_value());
  EXPECT_EQ((*innocent)->text, "innocent");
  EXPECT_TRUE(store->Verify()->clean());
}

TEST(Purge, WholeMemory) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  PutOne(*store, kAlice, RecordKey{"agent", RecordKind::kMemory, 0}, FloatRecord("def", {1}));
  PutOne(*store, kAlice, Entry(1), FloatRecord("a", Ramp(1000)));
  PutOne(*store, kAlice, Entry(2), FloatRecord("b", Ramp(1000, 2)));
  ASSERT_TRUE(store->Purge(kAlice, "agent", {}).ok());
  auto txn = store->BeginRead();
  EXPECT_TRUE(txn->List(kAlice, "agent", std::nullopt, 3)->empty());
  EXPECT_TRUE(txn->ListMemories(kAlice)->empty());
  EXPECT_EQ(store->Stat()->blobs, 0u);
}

// What each purged record was at an older version, read from the commit log.
TEST(Purge, PurgedSinceTellsWhatARollbackCannotRestore) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  auto tombstone = [&](const RecordKey& key) {
    WriteBatch batch(kAlice);
    ASSERT_TRUE(batch.Tombstone(key).ok());
    ASSERT_TRUE(store->Commit(batch, "FORGET").ok());
  };
  const Version v1 = PutOne(*store, kAlice, Entry(1), FloatRecord("live at v2", {1}));
  PutOne(*store, kAlice, Entry(2), FloatRecord("forgotten before v2", {2}));
  tombstone(Entry(2));
  PutOne(*store, kAlice, kState, FloatRecord("header", {3}));
  const Version v2 = PutOne(*store, kAlice, Entry(4), FloatRecord("changed, then purged", {4}));
  PutOne(*store, kAlice, Entry(4), FloatRecord("changed", {5}));
  PutOne(*store, kAlice, Entry(5), FloatRecord("born after v2", {6}));
  tombstone(Entry(1));
  ASSERT_TRUE(store->Purge(kAlice, "agent", {Entry(1), Entry(2)}).ok());
  const Version purge2 = *store->Purge(kAlice, "agent", {Entry(4), Entry(5)});
  const Version purge1 = purge2 - 1;

  auto txn = store->BeginRead();
  ASSERT_TRUE(txn.ok());
  auto at_v2 = txn->PurgedSince(kAlice, "agent", v2);
  ASSERT_TRUE(at_v2.ok()) << at_v2.status().ToString();
  ASSERT_EQ(at_v2->size(), 3u);  // entry 5 did not exist at v2
  EXPECT_EQ((*at_v2)[0].key, Entry(1));
  EXPECT_EQ((*at_v2)[0].purged_at, purge1);
  EXPECT_TRUE((*at_v2)[0].live_then);  // tombstoned after v2: found forwards
  EXPECT_EQ((*at_v2)[1].key, Entry(2));
  EXPECT_FALSE((*at_v2)[1].live_then);  // a tombstone at v2: found backwards
  EXPECT_TRUE((*at_v2)[1].existed_then);
  EXPECT_EQ((*at_v2)[2].key, Entry(4));
  EXPECT_EQ((*at_v2)[2].purged_at, purge2);
  EXPECT_TRUE((*at_v2)[2].live_then);  // changed after v2, live at v2

  auto at_v1 = txn->PurgedSince(kAlice, "agent", v1);
  ASSERT_TRUE(at_v1.ok());
  ASSERT_EQ(at_v1->size(), 1u);
  EXPECT_EQ((*at_v1)[0].key, Entry(1));
  EXPECT_TRUE(txn->PurgedSince(kAlice, "agent", purge2)->empty());
  EXPECT_TRUE(txn->PurgedSince(kAlice, "other", v1)->empty());
  EXPECT_EQ(txn->PurgedSince(kAlice, "agent", purge2 + 1).status().code(), ErrorCode::kNotFound);
}

TEST(Retention, GcKeepsLatestWindowAndSnapshots) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  for (int i = 1; i <= 10; ++i) {
    PutOne(*store, kAlice, kState, FloatRecord("M" + std::to_string(i), Ramp(2048, i)));
    if (i == 3) ASSERT_TRUE(store->CreateSnapshot(kAlice, "agent", "three").ok());
  }
  const std::string at3 = StateOf(*store, 3);
  const std::string at8 = StateOf(*store, 8);
  ASSERT_TRUE(store->SetRetention(2).ok());  // keep versions > 8
  auto dry = store->CollectGarbage(true);
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(dry->cutoff, 8u);
  EXPECT_EQ(dry->versions_deleted, 6u);  // 1,2,4,5,6,7 (3 is a snapshot, 8 the base)
  EXPECT_EQ(dry->blobs_deleted, 6u);
  auto stat = store->Stat();
  EXPECT_EQ(stat->prunable.versions_deleted, 6u);
  EXPECT_EQ(stat->record_versions, 10u);  // a dry run prunes nothing
  auto gc = store->CollectGarbage();
  ASSERT_TRUE(gc.ok());
  EXPECT_EQ(gc->versions_deleted, 6u);
  EXPECT_EQ(gc->blobs_deleted, 6u);
  EXPECT_EQ(gc->blob_bytes_freed, 6u * 2048 * 4);
  EXPECT_EQ(StateOf(*store, 3), at3);
  EXPECT_EQ(StateOf(*store, 8), at8);
  auto txn = store->BeginRead();
  EXPECT_EQ(txn->Get(kAlice, kState, 5).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store->Rollback(kAlice, "agent", 5, "x").status().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(store->Rollback(kAlice, "agent", 3, "ROLLBACK agent TO three").ok());
  EXPECT_EQ(StateOf(*store), at3);
  EXPECT_EQ(store->Stat()->retained_from, 8u);
  EXPECT_TRUE(store->Verify()->clean());
}

TEST(DumpLoad, RoundTripIsByteIdentical) {
  TempDir dir;
  auto store = OpenOrDie(dir.Sub("a"));
  const Tenant bob = *Tenant::Make("bob");
  PutOne(*store, kAlice, kState, FloatRecord("M", Ramp(100000)));
  PutOne(*store, kAlice, Entry(1), FloatRecord("a", Ramp(10)));
  PutOne(*store, bob, Entry(1), FloatRecord("b", Ramp(3000, 1, 3), 4096));
  ASSERT_TRUE(store->CreateSnapshot(kAlice, "agent", "s").ok());
  ASSERT_TRUE(store->Purge(kAlice, "agent", {Entry(1)}).ok());
  const std::string dump1 = dir.Sub("dump1");
  const std::string dump2 = dir.Sub("dump2");
  {
    std::FILE* out = std::fopen(dump1.c_str(), "wb");
    ASSERT_TRUE(store->Dump(out).ok());
    std::fclose(out);
  }
  auto loaded = OpenOrDie(dir.Sub("b"));
  {
    std::FILE* in = std::fopen(dump1.c_str(), "rb");
    Status load = loaded->Load(in);
    std::fclose(in);
    ASSERT_TRUE(load.ok()) << load.ToString();
  }
  {
    std::FILE* out = std::fopen(dump2.c_str(), "wb");
    ASSERT_TRUE(loaded->Dump(out).ok());
    std::fclose(out);
  }
  EXPECT_EQ(ReadFile(dump1), ReadFile(dump2));
  EXPECT_EQ(StateOf(*loaded), StateOf(*store));
  EXPECT_TRUE(loaded->Verify()->clean());
  // Loading into a non-empty database is refused.
  std::FILE* in = std::fopen(dump1.c_str(), "rb");
  EXPECT_EQ(loaded->Load(in).code(), ErrorCode::kExists);
  std::fclose(in);
}

TEST(DumpLoad, DamagedDumpIsRefusedAndLeavesTheStoreEmpty) {
  TempDir dir;
  auto store = OpenOrDie(dir.Sub("a"));
  PutOne(*store, kAlice, Entry(1), FloatRecord("a", Ramp(5000)));
  const std::string path = dir.Sub("dump");
  {
    std::FILE* out = std::fopen(path.c_str(), "wb");
    ASSERT_TRUE(store->Dump(out).ok());
    std::fclose(out);
  }
  std::string bytes = ReadFile(path);
  for (std::size_t offset : {std::size_t{0}, bytes.size() / 2, bytes.size() - 3}) {
    std::string damaged = bytes;
    damaged[offset] ^= 0x40;
    const std::string damaged_path = dir.Sub("damaged");
    std::FILE* f = std::fopen(damaged_path.c_str(), "wb");
    std::fwrite(damaged.data(), 1, damaged.size(), f);
    std::fclose(f);
    auto target = OpenOrDie(dir.Sub("t" + std::to_string(offset)));
    std::FILE* in = std::fopen(damaged_path.c_str(), "rb");
    Status load = target->Load(in);
    std::fclose(in);
    EXPECT_EQ(load.code(), ErrorCode::kCorrupt) << "offset " << offset << ": " << load.ToString();
    EXPECT_EQ(target->BeginRead()->head(), 0u);
    EXPECT_EQ(target->Stat()->record_versions, 0u);
  }
}

}  // namespace
}  // namespace engram::storage
