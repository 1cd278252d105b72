// The engine's link to a real engram-compute co-process over a real socket: spawning, every
// op, streaming and cancelling, and supervision (the co-process is killed and comes back).

#include "query/compute_client/compute_link.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

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
  GenerateParams p = Greedy(400);
  p.stop_at_bos = false;
  int seen = 0;
  auto result = link.Generate(p, [&](const GenerateChunk&) { return ++seen < 5; });
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->stop_reason_name, "cancelled");
  EXPECT_LT(result->tokens.size(), 400u);
  // The connection is still good.
  auto after = link.Generate(Greedy(3));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->tokens.size(), 3u);
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
  const pid_t first = link.child_pid();
  GenerateParams p = Greedy(500);
  p.stop_at_bos = false;
  int seen = 0;
  auto doomed = link.Generate(p, [&](const GenerateChunk&) {
    if (++seen == 3) ::kill(first, SIGKILL);
    return true;
  });
  ASSERT_FALSE(doomed.ok());
  EXPECT_EQ(doomed.status().code(), ErrorCode::kCompute);
  EXPECT_NE(doomed.status().message().find("restarted"), std::string::npos)
      << doomed.status().ToString();

  auto next = link.Generate(Greedy(200));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->text, Golden());
  EXPECT_NE(link.child_pid(), first);
  EXPECT_EQ(link.stats().starts, 2);
  EXPECT_EQ(link.stats().failures, 1);
}

TEST(ComputeLinkTest, KilledWhileIdleIsRestartedTransparently) {
  ComputeLink link(SpawnOptionsForTest());
  auto before = link.Model();
  ASSERT_TRUE(before.ok());
  const pid_t first = link.child_pid();
  ::kill(first, SIGKILL);
  // Wait until the kernel reports the death, so the link can notice it.
  for (int i = 0; i < 200 && ::kill(first, 0) == 0; ++i) {
    int status;
    if (::waitpid(first, &status, WNOHANG) == first) break;
    ::usleep(5000);
  }
  auto tokens = link.Tokenize("Lily");
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  EXPECT_EQ(link.stats().starts, 2);
  auto after = link.Model();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->fingerprint, before->fingerprint);
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
  ::kill(link.child_pid(), SIGKILL);
  ::usleep(50'000);
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
