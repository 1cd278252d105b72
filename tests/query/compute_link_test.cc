// The engine's link to a real engram-compute co-process over a real socket: spawning, every
// op, streaming and cancelling, and supervision (the co-process is killed and comes back).

#include "query/compute_client/compute_link.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace engram::query {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Golden() {
  return Slurp(std::string(ENGRAM_SHARED_DIR) + "/models/stories260K/greedy_200.txt");
}

LinkOptions SpawnOptionsForTest() {
  LinkOptions options;
  options.spawn.binary = std::string(ENGRAM_BIN_DIR) + "/engram-compute";
  options.spawn.extra_args = {"--max-slots", "8"};
  return options;
}

// Waits until `pid`, a child of this process, has exited and can be reaped, without reaping it
// (the link does that). A thread-group leader shows 'Z' in /proc while its other threads are
// still exiting, so /proc is not enough.
void WaitUntilDead(pid_t pid) {
  for (int i = 0; i < 5000; ++i) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return;
    if (info.si_pid == pid) return;
    ::usleep(1000);
  }
}

GenerateParams Greedy(int max_new) {
  GenerateParams p;
  p.prompt_tokens = std::vector<int>{1};
  p.temperature = 0.0f;
  p.max_new_tokens = max_new;
  return p;
}

TEST(ComputeLinkTest, SpawnsAndReportsTheModel) {
  ComputeLink link(SpawnOptionsForTest());
  ASSERT_TRUE(link.Start().ok());
  EXPECT_GT(link.child_pid(), 0);
  auto model = link.Model();
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->fingerprint.size(), 32u);
  EXPECT_EQ(model->dim, 64);
  EXPECT_EQ(model->n_layers, 5);
  EXPECT_EQ(model->vocab_size, 512);
  EXPECT_EQ(model->seq_len, 512);
  EXPECT_EQ(model->max_slots, 8);
  EXPECT_EQ(model->device, "cpu");
  EXPECT_NE(model->server_name.find("engram-compute"), std::string::npos);
}

TEST(ComputeLinkTest, TokenizeDetokenizeRoundTrip) {
  ComputeLink link(SpawnOptionsForTest());
  const std::string text =
      Slurp(std::string(ENGRAM_SHARED_DIR) + "/data/books/pg11.txt").substr(0, 50'000);
  auto tokens = link.Tokenize(text);
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  ASSERT_GT(tokens->size(), 1000u);
  EXPECT_EQ((*tokens)[0], 1);
  auto back = link.Detokenize({tokens->data() + 1, tokens->size() - 1});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, text);
  auto bad = link.Detokenize(std::vector<int>{5, 9999});
  EXPECT_EQ(bad.status().code(), ErrorCode::kSyntax);
}

TEST(ComputeLinkTest, GreedyGenerationIsTheGoldenText) {
  ComputeLink link(SpawnOptionsForTest());
  std::string streamed;
  int chunks = 0;
  auto result = link.Generate(Greedy(200), [&](const GenerateChunk& c) {
    streamed += c.text;
    chunks += static_cast<int>(c.tokens.size());
    return true;
  });
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->text, Golden());
  EXPECT_EQ(streamed, result->text);
  EXPECT_EQ(chunks, 200);
  EXPECT_EQ(result->tokens.size(), 200u);
  EXPECT_EQ(result->stop_reason_name, "max_tokens");
  EXPECT_EQ(result->prompt_tokens, 1);
}

TEST(ComputeLinkTest, SeededSamplingIsReproducibleAcrossCalls) {
  ComputeLink link(SpawnOptionsForTest());
  GenerateParams p;
  p.prompt = "Once upon a time";
  p.temperature = 0.9f;
  p.seed = 1234;
  p.max_new_tokens = 60;
  p.stream = false;
  auto a = link.Generate(p);
  auto b = link.Generate(p);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->tokens, b->tokens);
  p.seed = 1235;
  auto c = link.Generate(p);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->tokens, c->tokens);
}

TEST(ComputeLinkTest, CancelFromTheStream) {
  ComputeLink link(SpawnOptionsForTest());
  GenerateParams p = Greedy(511);
  p.stop_at_bos = false;
  // The co-process may finish all 511 tokens before the cancel reaches it on a busy machine;
  // then the call still succeeds (the cancel's late reply is skipped). Cancelling must win in
  // at least one of a few tries, and every call, won or lost, must leave the link usable.
  bool cancelled = false;
  for (int attempt = 0; attempt < 5 && !cancelled; ++attempt) {
    int seen = 0;
    auto result = link.Generate(p, [&](const GenerateChunk&) { return ++seen < 2; });
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    if (result->stop_reason_name == "cancelled") {
      cancelled = true;
      EXPECT_LT(result->tokens.size(), 511u);
    } else {
      EXPECT_EQ(result->tokens.size(), 511u);
    }
    auto after = link.Generate(Greedy(3));
    ASSERT_TRUE(after.ok()) << after.status().ToString();
    EXPECT_EQ(after->tokens.size(), 3u);
  }
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(link.stats().starts, 1);
}

TEST(ComputeLinkTest, ACancelThatArrivesTooLateDoesNotConfuseTheNextCall) {
  ComputeLink link(SpawnOptionsForTest());
  // Cancel on the last chunk: the generation always finishes first, and the cancel's reply
  // arrives after the call returned.
  for (int i = 0; i < 10; ++i) {
    int seen = 0;
    auto result = link.Generate(Greedy(5), [&](const GenerateChunk&) { return ++seen < 5; });
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->tokens.size(), 5u);
    auto next = link.Tokenize("Lily");
    ASSERT_TRUE(next.ok()) << next.status().ToString();
  }
  EXPECT_EQ(link.stats().failures, 0);
}

TEST(ComputeLinkTest, InvalidGenerateRequestsAreRefusedCleanly) {
  ComputeLink link(SpawnOptionsForTest());
  GenerateParams p = Greedy(5);
  p.prompt_tokens = std::vector<int>{1, 9999};
  EXPECT_EQ(link.Generate(p).status().code(), ErrorCode::kSyntax);
  p = Greedy(-1);
  EXPECT_EQ(link.Generate(p).status().code(), ErrorCode::kSyntax);
  p = Greedy(5);
  p.temperature = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(link.Generate(p).status().code(), ErrorCode::kSyntax);
  p = Greedy(5);
  p.prompt_tokens = std::vector<int>(600, 50);
  auto too_long = link.Generate(p);
  EXPECT_EQ(too_long.status().code(), ErrorCode::kLimit);
  EXPECT_NE(too_long.status().message().find("context window"), std::string::npos);
  EXPECT_TRUE(link.Generate(Greedy(2)).ok());
  EXPECT_EQ(link.stats().starts, 1) << "refusals must not restart the co-process";
}

TEST(ComputeLinkTest, BlobsByContentHash) {
  ComputeLink link(SpawnOptionsForTest());
  std::vector<std::uint8_t> blob(1 << 20);
  for (std::size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<std::uint8_t>(i * 31 + 7);
  const Hash128 expected = ContentHash(blob.data(), blob.size());
  auto put = link.BlobPut(blob);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(*put, expected);
  const Hash128 missing = ContentHash("not stored");
  auto has = link.BlobHas(std::vector<Hash128>{expected, missing});
  ASSERT_TRUE(has.ok());
  EXPECT_EQ(*has, std::vector<bool>({true, false}));
  auto got = link.BlobGet(expected);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, blob);
  EXPECT_EQ(link.BlobGet(missing).status().code(), ErrorCode::kNotFound);
}

TEST(ComputeLinkTest, BlobWithWrongExpectedHashIsCorrupt) {
  auto process = ComputeProcess::Spawn(SpawnOptionsForTest().spawn);
  ASSERT_TRUE(process.ok());
  auto client = ComputeClient::Connect((*process)->address());
  ASSERT_TRUE(client.ok());
  const std::vector<std::uint8_t> data = {1, 2, 3};
  auto put = (*client)->BlobPut(data, ContentHash("something else"));
  EXPECT_EQ(put.status().code(), ErrorCode::kCorrupt);
  EXPECT_TRUE((*client)->BlobPut(data, ContentHash(data.data(), data.size())).ok());
}

TEST(ComputeLinkTest, KilledDuringARequestFailsThatCallAndTheNextSucceeds) {
  ComputeLink link(SpawnOptionsForTest());
  ASSERT_TRUE(link.Start().ok());
  GenerateParams p = Greedy(511);
  p.stop_at_bos = false;
  // Killed at the first chunk; on a very busy machine the whole stream may already sit in the
  // socket buffer, so the call can still succeed: a few tries, one must fail.
  int failures = 0;
  for (int attempt = 0; attempt < 5 && failures == 0; ++attempt) {
    const pid_t child = link.child_pid();
    bool killed = false;
    auto doomed = link.Generate(p, [&](const GenerateChunk&) {
      if (!killed) ::kill(child, SIGKILL);
      killed = true;
      return true;
    });
    if (doomed.ok()) continue;
    ++failures;
    EXPECT_EQ(doomed.status().code(), ErrorCode::kCompute);
    EXPECT_NE(doomed.status().message().find("restarted"), std::string::npos)
        << doomed.status().ToString();
    auto next = link.Generate(Greedy(200));
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    EXPECT_EQ(next->text, Golden());
    EXPECT_NE(link.child_pid(), child);
  }
  EXPECT_EQ(failures, 1);
  EXPECT_EQ(link.stats().failures, 1);
  EXPECT_GE(link.stats().starts, 2);
}

TEST(ComputeLinkTest, KilledWhileIdleIsRestartedTransparently) {
  ComputeLink link(SpawnOptionsForTest());
  auto before = link.Model();
  ASSERT_TRUE(before.ok());
  const pid_t first = link.child_pid();
  ::kill(first, SIGKILL);
  WaitUntilDead(first);  // so that the link can notice the death before the next call
  auto tokens = link.Tokenize("Lily");
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  EXPECT_EQ(link.stats().starts, 2);
  auto after = link.Model();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->fingerprint, before->fingerprint);
}

// Concurrent calls use connections of their own; when the co-process refuses one more (its
// --max-connections), the call waits for a connection in use instead of restarting the
// co-process under the calls that use it.
TEST(ComputeLinkTest, ARefusedExtraConnectionWaitsAndRestartsNothing) {
  LinkOptions options = SpawnOptionsForTest();
  options.spawn.extra_args.push_back("--max-connections");
  options.spawn.extra_args.push_back("1");
  options.max_connections = 4;
  ComputeLink link(options);
  ASSERT_TRUE(link.Start().ok());
  std::thread other;
  Result<std::vector<int>> tokens = ComputeError("not run");
  bool first = true;
  auto generated = link.Generate(Greedy(200), [&](const GenerateChunk&) {
    if (first) {
      first = false;
      // Another call while this one holds the only connection the co-process takes.
      other = std::thread([&] { tokens = link.Tokenize("Lily"); });
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    return true;
  });
  other.join();
  ASSERT_TRUE(generated.ok()) << generated.status().ToString();
  EXPECT_EQ(generated->text, Golden());
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  EXPECT_EQ(link.stats().starts, 1);
  EXPECT_EQ(link.stats().failures, 0);
}

TEST(ComputeLinkTest, ConnectModeDoesNotSpawn) {
  auto process = ComputeProcess::Spawn(SpawnOptionsForTest().spawn);
  ASSERT_TRUE(process.ok());
  LinkOptions options;
  options.address = (*process)->address();
  ComputeLink link(options);
  auto result = link.Generate(Greedy(10));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(link.child_pid(), -1);
  (*process)->Stop();
  auto after = link.Generate(Greedy(10));
  EXPECT_EQ(after.status().code(), ErrorCode::kCompute);
}

TEST(ComputeLinkTest, ChangedModelIsAModelError) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("engram-model-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path source = fs::path(ENGRAM_SOURCE_DIR) / "models/stories260K";
  fs::copy_file(source / "stories260K.bin", dir / "stories260K.bin",
                fs::copy_options::overwrite_existing);
  fs::copy_file(source / "tok512.bin", dir / "tok512.bin", fs::copy_options::overwrite_existing);
  LinkOptions options = SpawnOptionsForTest();
  options.spawn.model = dir.string();
  ComputeLink link(options);
  ASSERT_TRUE(link.Start().ok());

  // Change one weight on disk, then let the co-process die: the restart loads another model.
  {
    std::fstream f(dir / "stories260K.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(28 + 4 * 100);
    const float changed = 0.125f;
    f.write(reinterpret_cast<const char*>(&changed), 4);
  }
  const pid_t child = link.child_pid();
  ::kill(child, SIGKILL);
  WaitUntilDead(child);
  auto result = link.Tokenize("x");
  EXPECT_EQ(result.status().code(), ErrorCode::kModel) << result.status().ToString();
  fs::remove_all(dir);
}

TEST(ComputeProcessTest, StartFailuresAreReported) {
  SpawnOptions missing;
  missing.binary = "/nonexistent/engram-compute";
  EXPECT_EQ(ComputeProcess::Spawn(missing).status().code(), ErrorCode::kNotFound);

  SpawnOptions bad_model = SpawnOptionsForTest().spawn;
  bad_model.model = "/nonexistent/model";
  auto failed = ComputeProcess::Spawn(bad_model);
  EXPECT_EQ(failed.status().code(), ErrorCode::kCompute);
  EXPECT_NE(failed.status().message().find("exited with status"), std::string::npos)
      << failed.status().ToString();
}

}  // namespace
}  // namespace engram::query
