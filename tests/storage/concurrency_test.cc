// Concurrency: one writer commits continuously while readers, in threads of the writer's
// process and in another process with a read-only Store, hold transactions. Every reader must
// see one unchanging snapshot per ReadTxn, versions that never go back across transactions,
// and a writer that keeps committing while they hold their snapshots (LMDB's MVCC: readers
// never block the writer).
//
// Nothing here asserts speed. Waits for the writer to advance have a long deadline only so that
// a deadlock fails the test instead of hanging it.
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "storage/store.h"
#include "tests/storage/test_store.h"

namespace engram::storage {
namespace {

using testing::OpenOrDie;
using testing::TempDir;

const Tenant kTenant = *Tenant::Make("conc");
constexpr int kKeys = 3;
// Twice the inline limit: a blob on overflow pages, read zero-copy from the map.
constexpr std::size_t kTensorFloats = 2 * kInlineTensorMaxBytes / sizeof(float);
// A deadlock guard, not a speed limit: the writer needs a few fsyncs' time to advance.
constexpr auto kHangGuard = std::chrono::seconds(30);

RecordKey Key(int i) {
  return RecordKey{"shared", RecordKind::kContextChunk, static_cast<std::uint64_t>(i)};
}

std::string TextFor(Version version, int key) {
  return "version " + std::to_string(version) + " key " + std::to_string(key);
}

std::vector<float> TensorFor(Version version, int key) {
  std::vector<float> values(kTensorFloats);
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<float>(version) + static_cast<float>(key) * 0.5f +
                static_cast<float>(i) * 1e-3f;
  }
  return values;
}

// Every commit rewrites all keys, so in any consistent snapshot every key names the head.
Status CommitVersion(Store& store, Version version) {
  WriteBatch batch(kTenant);
  for (int k = 0; k < kKeys; ++k) {
    std::vector<float> values = TensorFor(version, k);
    RecordData data;
    data.text = TextFor(version, k);
    data.tensors.push_back(TensorData::Copy("kv", DType::kF32, {kTensorFloats}, values.data(),
                                            values.size() * sizeof(float)));
    ENGRAM_RETURN_IF_ERROR(batch.Put(Key(k), std::move(data)));
  }
  auto committed = store.Commit(batch, "WRITE shared " + std::to_string(version));
  if (!committed.ok()) return committed.status();
  if (*committed != version) {
    return Status::Error(ErrorCode::kInternal, "committed " + std::to_string(*committed) +
                                                   ", expected " + std::to_string(version));
  }
  return Status::Ok();
}

// What one snapshot shows for every key: text, record version and tensor bytes.
struct Observation {
  std::vector<std::string> texts;
  std::vector<Version> versions;
  std::vector<std::vector<std::byte>> tensors;
  friend bool operator==(const Observation&, const Observation&) = default;
};

// Reads every key through `txn`; an error says what failed. Also checks that the snapshot is
// consistent: every key was written by the commit of txn.head().
Result<Observation> Observe(const ReadTxn& txn) {
  Observation out;
  for (int k = 0; k < kKeys; ++k) {
    auto record = txn.Get(kTenant, Key(k));
    if (!record.ok()) return record.status();
    if (!record->has_value() || (*record)->tensors.size() != 1) {
      return Status::Error(ErrorCode::kInternal, "key " + std::to_string(k) + " missing");
    }
    auto view = txn.Tensor((*record)->tensors[0]);
    if (!view.ok()) return view.status();
    out.texts.push_back((*record)->text);
    out.versions.push_back((*record)->version);
    out.tensors.emplace_back(view->bytes().begin(), view->bytes().end());
    std::vector<float> expected = TensorFor(txn.head(), k);
    if ((*record)->text != TextFor(txn.head(), k) || (*record)->version != txn.head() ||
        view->size() != expected.size() * sizeof(float) ||
        std::memcmp(view->data(), expected.data(), view->size()) != 0) {
      return Status::Error(ErrorCode::kInternal,
                           "inconsistent snapshot: head " + std::to_string(txn.head()) +
                               " but key " + std::to_string(k) + " reads '" + (*record)->text +
                               "' @" + std::to_string((*record)->version));
    }
  }
  return out;
}

// A writer thread committing versions next, next+1, ... until stopped.
class Writer {
 public:
  Writer(Store& store, Version next) : store_(store), next_(next) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Writer() { Stop(); }

  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  std::uint64_t commits() const { return commits_.load(); }
  const Status& error() const { return error_; }  // read after Stop()

  // Blocks until `count` more commits happened, or the hang guard expires (false).
  bool AwaitCommits(std::uint64_t count) const {
    const std::uint64_t target = commits() + count;
    const auto deadline = std::chrono::steady_clock::now() + kHangGuard;
    while (commits() < target) {
      if (stop_.load() || std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }

 private:
  void Run() {
    while (!stop_.load()) {
      Status status = CommitVersion(store_, next_);
      if (!status.ok()) {
        error_ = status;
        stop_.store(true);
        return;
      }
      ++next_;
      commits_.fetch_add(1);
    }
  }

  Store& store_;
  Version next_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> commits_{0};
  Status error_;
  std::thread thread_;
};

TEST(StoreConcurrency, ThreadReadersSeeStableSnapshotsWhileTheWriterCommits) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(CommitVersion(*store, 1).ok());

  constexpr int kReaders = 4;
  constexpr int kTxnsPerReader = 12;
  Writer writer(*store, 2);
  std::vector<std::string> failures(kReaders);
  std::vector<int> advanced_while_held(kReaders, 0);
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      auto fail = [&](std::string why) {
        failures[r] = "reader " + std::to_string(r) + ": " + why;
      };
      Version last_head = 0;
      for (int t = 0; t < kTxnsPerReader; ++t) {
        auto txn = store->BeginRead();
        if (!txn.ok()) return fail(txn.status().ToString());
        const Version head = txn->head();
        if (head < last_head) {
          return fail("head went back from " + std::to_string(last_head) + " to " +
                      std::to_string(head));
        }
        last_head = head;
        auto first = Observe(*txn);
        if (!first.ok()) return fail(first.status().ToString());
        // Every other transaction is held until the writer has committed several times; the
        // rest just pause briefly. Either way the second read must match the first.
        if (t % 2 == 0) {
          const std::uint64_t before = writer.commits();
          if (!writer.AwaitCommits(3)) return fail("the writer did not advance while held");
          if (writer.commits() >= before + 3) ++advanced_while_held[r];
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(5 + 3 * r));
        }
        auto second = Observe(*txn);
        if (!second.ok()) return fail(second.status().ToString());
        if (txn->head() != head) return fail("head() changed inside one transaction");
        if (!(*first == *second)) return fail("a snapshot changed inside one transaction");
        // An old version stays readable as of itself in the same snapshot.
        auto old = txn->Get(kTenant, Key(0), 1);
        if (!old.ok() || !old->has_value() || (*old)->text != TextFor(1, 0)) {
          return fail("version 1 no longer reads as of 1");
        }
      }
    });
  }
  for (std::thread& t : readers) t.join();
  const std::uint64_t commits_during_reads = writer.commits();
  writer.Stop();
  ASSERT_TRUE(writer.error().ok()) << writer.error().ToString();
  for (int r = 0; r < kReaders; ++r) {
    EXPECT_EQ(failures[r], "");
    EXPECT_EQ(advanced_while_held[r], kTxnsPerReader / 2) << "reader " << r;
  }
  EXPECT_GE(commits_during_reads, 3u);

  // After the writer stops, a fresh transaction sees the last commit, and history is whole.
  auto txn = store->BeginRead();
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ(txn->head(), 1 + writer.commits());
  auto final_view = Observe(*txn);
  EXPECT_TRUE(final_view.ok()) << final_view.status().ToString();
  auto report = store->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->clean()) << report->problems.front();
}

// The process test starts both sides on a small map, so that the writer grows it while the
// reader process is running and the reader must adopt the grown map (docs/format.md §1).
constexpr std::uint64_t kSmallMap = std::uint64_t{1} << 20;

// Messages from the reader child to the parent, one byte each, then the child's verdict.
constexpr char kHolding = 'H';  // a transaction is open and has been read once
constexpr char kGoOn = 'G';     // parent: the writer has committed while you held it

// The child process: a read-only Store. Returns an exit code: 0 when every check passed.
// Failure codes say which check failed (the parent prints them).
int RunReaderChild(const std::string& dir, int to_parent, int from_parent) {
  OpenOptions options;
  options.read_only = true;
  options.initial_map_bytes = kSmallMap;
  auto store = Store::Open(dir, options);
  if (!store.ok()) return 20;
  constexpr int kHeldTxns = 3;
  constexpr int kShortTxns = 20;
  Version last_head = 0;
  for (int t = 0; t < kHeldTxns + kShortTxns; ++t) {
    auto txn = (*store)->BeginRead();
    if (!txn.ok()) return 21;
    const Version head = txn->head();
    if (head < last_head) return 22;  // versions went back across transactions
    if (t > 0 && t <= kHeldTxns && head <= last_head) return 23;  // the writer's commits unseen
    last_head = head;
    auto first = Observe(*txn);
    if (!first.ok()) return 24;
    if (t < kHeldTxns) {
      // Hold this snapshot until the parent has seen the writer commit past it.
      char c = kHolding;
      if (::write(to_parent, &c, 1) != 1) return 25;
      if (::read(from_parent, &c, 1) != 1 || c != kGoOn) return 26;
    } else {
      ::usleep(2000);
    }
    auto second = Observe(*txn);
    if (!second.ok()) return 27;
    if (txn->head() != head) return 28;
    if (!(*first == *second)) return 29;
  }
  // The writer grew the map while the first snapshot was held; later transactions adopted it.
  auto stats = (*store)->Stat();
  if (!stats.ok()) return 30;
  if (stats->map_bytes <= kSmallMap) return 31;
  return 0;
}

// Waits (with the hang guard) until the writer has grown the map past kSmallMap.
bool AwaitMapGrowth(const Store& store, const Writer& writer) {
  const auto deadline = std::chrono::steady_clock::now() + kHangGuard;
  while (std::chrono::steady_clock::now() < deadline) {
    auto stats = store.Stat();
    if (!stats.ok()) return false;
    if (stats->map_bytes > kSmallMap) return true;
    if (!writer.AwaitCommits(1)) return false;
  }
  return false;
}

TEST(StoreConcurrency, ReadOnlyProcessSeesStableSnapshotsAndAdoptsAGrownMap) {
  TempDir dir;
  OpenOptions small_map;
  small_map.initial_map_bytes = kSmallMap;
  // Create the database and its first version, then close it: the child is forked while this
  // process has no LMDB environment open (environments must not cross fork()).
  {
    auto store = OpenOrDie(dir.path(), small_map);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(CommitVersion(*store, 1).ok());
  }
  int up[2];    // child -> parent
  int down[2];  // parent -> child
  ASSERT_EQ(::pipe2(up, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(down, O_CLOEXEC), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(up[0]);
    ::close(down[1]);
    _exit(RunReaderChild(dir.path(), up[1], down[0]));
  }
  ::close(up[1]);
  ::close(down[0]);

  auto store = OpenOrDie(dir.path(), small_map);
  ASSERT_NE(store, nullptr);
  int held = 0;
  {
    Writer writer(*store, 2);
    // Serve the child: each time it holds a snapshot, let the writer commit several times
    // before telling it to re-read. If the child's snapshot blocked the writer, AwaitCommits
    // would run into the hang guard.
    for (;;) {
      char c = 0;
      if (::read(up[0], &c, 1) != 1) break;  // the child is done (EOF)
      // On any failure stop serving: closing the pipes below makes the child exit.
      if (c != kHolding) {
        ADD_FAILURE() << "unexpected message from the reader process: " << int{c};
        break;
      }
      if (!writer.AwaitCommits(3)) {
        ADD_FAILURE() << "the writer stalled while a reader process held a transaction: "
                      << writer.error().ToString();
        break;
      }
      // While the first snapshot is held, let the writer grow the map: the child's next
      // transactions then read pages beyond the map it opened with.
      if (held == 0 && !AwaitMapGrowth(*store, writer)) {
        ADD_FAILURE() << "the map did not grow: " << writer.error().ToString();
        break;
      }
      ++held;
      c = kGoOn;
      if (::write(down[1], &c, 1) != 1) break;
    }
    writer.Stop();
    EXPECT_TRUE(writer.error().ok()) << writer.error().ToString();
  }
  ::close(up[0]);
  ::close(down[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "the reader process crashed";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "reader process check failed (see RunReaderChild codes)";
  EXPECT_EQ(held, 3);
  auto stats = store->Stat();
  ASSERT_TRUE(stats.ok());
  EXPECT_GT(stats->map_bytes, kSmallMap);
  auto report = store->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->clean()) << report->problems.front();
}

}  // namespace
}  // namespace engram::storage
