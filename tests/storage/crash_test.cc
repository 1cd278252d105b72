// Crash safety: a writer process is SIGKILLed at random moments while it commits, and every
// version whose Store::Commit returned OK must survive, byte for byte (docs/format.md §1: every
// write transaction is synced before its commit returns).
//
// The writer is a fork()ed child of the test that uses nothing but the store and a pipe: after
// each acknowledged commit it writes the version (8 bytes, atomic on a pipe) so the parent knows
// exactly which versions it may demand after the crash.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "storage/store.h"
#include "tests/storage/test_store.h"

namespace engram::storage {
namespace {

using testing::OpenOrDie;
using testing::TempDir;

constexpr std::uint32_t kSeed = 20240611;
constexpr int kRounds = 60;
constexpr int kMaxKillDelayMs = 40;
// Twice the inline limit (8 KiB today): the tensor is a blob of its own on LMDB overflow pages
// (the path a torn write would damage), not inline in the record.
constexpr std::size_t kTensorFloats = 2 * kInlineTensorMaxBytes / sizeof(float);
static_assert(kTensorFloats % 32 == 0);
constexpr std::uint64_t kInitialMapBytes = std::uint64_t{1} << 20;

const Tenant kTenant = *Tenant::Make("crash");
const RecordKey kStateKey{"agent", RecordKind::kEpisodicState, 0};
const RecordKey kNoteKey{"agent", RecordKind::kEditState, 0};

RecordKey EntryKey(Version version) {
  return RecordKey{"agent", RecordKind::kEpisodicEntry, version};
}

// The big tensor written by the commit of `version`: different for every version.
std::vector<float> StateTensor(Version version) {
  std::vector<float> values(kTensorFloats);
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<float>(version) * 1000.0f + static_cast<float>(i) * 0.25f;
  }
  return values;
}

std::string StateText(Version version) {
  return "state written by version " + std::to_string(version);
}
std::string EntryText(Version version) {
  return "entry " + std::to_string(version);
}
std::string NoteText(Version version) {
  return "note " + std::to_string(version);
}
std::string Statement(Version version) {
  return "WRITE agent iteration " + std::to_string(version);
}

// The child: opens the store and commits until it is killed. Exit codes name what went wrong
// (it never returns normally; the parent expects death by SIGKILL).
[[noreturn]] void RunWriterChild(const std::string& dir, int ack_fd) {
  // A small initial map: the writer grows it (remaps and retries the commit) over and over,
  // so some kills land in the middle of a growth.
  OpenOptions options;
  options.initial_map_bytes = kInitialMapBytes;
  auto store = Store::Open(dir, options);
  if (!store.ok()) _exit(10);
  Version head = 0;
  {
    auto txn = (*store)->BeginRead();
    if (!txn.ok()) _exit(11);
    head = txn->head();
  }
  // "Open and ready": the parent starts the kill delay only now, so that a slow start (a loaded
  // machine) does not eat the window in which commits should happen.
  const std::uint64_t ready = head;
  if (::write(ack_fd, &ready, sizeof(ready)) != sizeof(ready)) _exit(16);
  for (;;) {
    const Version next = head + 1;
    WriteBatch batch(kTenant);
    std::vector<float> state = StateTensor(next);
    RecordData state_data;
    state_data.text = StateText(next);
    state_data.tensors.push_back(TensorData::Copy("M", DType::kF32, {32, kTensorFloats / 32},
                                                  state.data(), state.size() * sizeof(float)));
    float small[4] = {static_cast<float>(next), 1, 2, 3};
    RecordData entry;
    entry.text = EntryText(next);
    entry.tensors.push_back(TensorData::Copy("z", DType::kF32, {4}, small, sizeof(small)));
    RecordData note;
    note.text = NoteText(next);
    if (!batch.Put(kStateKey, std::move(state_data)).ok() ||
        !batch.Put(EntryKey(next), std::move(entry)).ok() ||
        !batch.Put(kNoteKey, std::move(note)).ok()) {
      _exit(12);
    }
    auto version = (*store)->Commit(batch, Statement(next));
    if (!version.ok()) _exit(13);
    if (*version != next) _exit(14);
    std::uint64_t ack = *version;
    if (::write(ack_fd, &ack, sizeof(ack)) != sizeof(ack)) _exit(15);
    head = next;
  }
}

// Reads whole 8-byte acknowledgements from `fd` into `acked` until `deadline` (or EOF when
// `until_eof`). Returns false on a torn read, which a pipe never produces for 8-byte writes.
bool ReadAcks(int fd, std::chrono::steady_clock::time_point deadline, bool until_eof,
              std::vector<Version>* acked) {
  for (;;) {
    int timeout_ms = -1;
    if (!until_eof) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return true;
      timeout_ms = static_cast<int>(left.count());
    }
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return true;  // timed out
    std::uint64_t version = 0;
    ssize_t n = ::read(fd, &version, sizeof(version));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return true;  // EOF: the child is gone and everything is read
    if (n != sizeof(version)) return false;
    acked->push_back(version);
  }
}

// Checks that everything the commit of `version` wrote reads back as of `version`.
void ExpectVersionIntact(const ReadTxn& txn, Version version) {
  SCOPED_TRACE("version " + std::to_string(version));
  auto commit = txn.Commit(kTenant, version);
  ASSERT_TRUE(commit.ok()) << commit.status().ToString();
  EXPECT_EQ(commit->statement, Statement(version));
  EXPECT_EQ(commit->version, version);
  EXPECT_EQ(commit->changes.size(), 3u);

  auto state = txn.Get(kTenant, kStateKey, version);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ((*state)->version, version);
  EXPECT_EQ((*state)->text, StateText(version));
  ASSERT_EQ((*state)->tensors.size(), 1u);
  auto view = txn.Tensor((*state)->tensors[0]);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  std::vector<float> expected = StateTensor(version);
  ASSERT_EQ(view->size(), expected.size() * sizeof(float));
  EXPECT_EQ(std::memcmp(view->data(), expected.data(), view->size()), 0);

  auto entry = txn.Get(kTenant, EntryKey(version), version);
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  ASSERT_TRUE(entry->has_value());
  EXPECT_EQ((*entry)->text, EntryText(version));
  ASSERT_EQ((*entry)->tensors.size(), 1u);
  auto small = txn.Tensor((*entry)->tensors[0]);
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(testing::Floats(*small),
            (std::vector<float>{static_cast<float>(version), 1.0f, 2.0f, 3.0f}));

  auto note = txn.Get(kTenant, kNoteKey, version);
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  ASSERT_TRUE(note->has_value());
  EXPECT_EQ((*note)->text, NoteText(version));
}

TEST(StoreCrash, AcknowledgedCommitsSurviveSigkill) {
  SCOPED_TRACE("random seed " + std::to_string(kSeed) + " (crash_test.cc kSeed)");
  std::mt19937 rng(kSeed);
  std::uniform_int_distribution<int> delay_ms(0, kMaxKillDelayMs);
  TempDir dir;
  const std::string db = dir.Sub("db");
  // Create the database up front, so that most kills land in commits rather than in creation.
  { ASSERT_NE(OpenOrDie(db), nullptr); }

  std::set<Version> acked_all;
  int rounds_with_acks = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    // No Store is open in this process while it forks: LMDB environments must not cross fork().
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      RunWriterChild(db, fds[1]);
    }
    ::close(fds[1]);
    const int delay = delay_ms(rng);
    std::vector<Version> acked;
    // The child's first message says it has opened the store, so the kills land in commits and
    // map growth, however long the start took (opening an existing database writes nothing).
    std::uint64_t ready = 0;
    ASSERT_EQ(::read(fds[0], &ready, sizeof(ready)), static_cast<ssize_t>(sizeof(ready)))
        << "the writer child did not start";
    bool whole =
        ReadAcks(fds[0], std::chrono::steady_clock::now() + std::chrono::milliseconds(delay),
                 /*until_eof=*/false, &acked);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    // What the child wrote before it died is still in the pipe: those versions were acknowledged.
    whole = ReadAcks(fds[0], {}, /*until_eof=*/true, &acked) && whole;
    ::close(fds[0]);
    ASSERT_TRUE(whole) << "torn acknowledgement on the pipe";
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer child stopped on its own (exit code "
        << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << ") after " << delay << " ms";
    for (std::size_t i = 1; i < acked.size(); ++i) {
      ASSERT_EQ(acked[i], acked[i - 1] + 1) << "acknowledged versions are not consecutive";
    }
    if (!acked.empty()) ++rounds_with_acks;
    acked_all.insert(acked.begin(), acked.end());

    auto store = OpenOrDie(db);
    ASSERT_NE(store, nullptr) << "reopen after kill " << delay << " ms into round " << round;
    auto txn = store->BeginRead();
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    if (!acked_all.empty()) {
      ASSERT_GE(txn->head(), *acked_all.rbegin()) << "the head lost acknowledged commits";
    }
    // Every version up to the head, in every round: a version acknowledged earlier must not be
    // damaged by a later crash, and versions committed but never acknowledged (the kill fell
    // between the commit and the pipe write) are committed all the same and must be whole too.
    for (Version version = 1; version <= txn->head(); ++version) {
      ExpectVersionIntact(*txn, version);
      if (::testing::Test::HasFailure()) return;
    }
    auto report = store->Verify();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->clean()) << "after round " << round << ": " << report->problems.front();
    if (::testing::Test::HasFailure()) return;
  }
  // The test is only meaningful if the kills interrupted a writer that was making progress.
  EXPECT_GT(acked_all.size(), static_cast<std::size_t>(kRounds));
  EXPECT_GT(rounds_with_acks, kRounds / 2);
}

}  // namespace
}  // namespace engram::storage
