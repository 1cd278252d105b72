// The operator subcommands of the real `engram` binary: stat, verify (clean and damaged),
// dump/load byte-identity, gc and compact.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "storage/store.h"
#include "tests/storage/test_store.h"

namespace engram::storage {
namespace {

using testing::FloatRecord;
using testing::OpenOrDie;
using testing::PutOne;
using testing::Ramp;
using testing::ReadFile;
using testing::TempDir;

const std::string kEngram = std::string(ENGRAM_BIN_DIR) + "/engram";
const Tenant kAlice = *Tenant::Make("alice");

struct CliRun {
  int exit_code = -1;
  std::string out;
};

// Runs `engram ARGS` through the shell; captures stdout (stderr goes to stdout with 2>&1 when
// the caller asks for it in `args`).
CliRun Engram(const std::string& args) {
  CliRun run;
  std::FILE* pipe = ::popen((kEngram + " " + args).c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.out.append(buffer, n);
  int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// A database with two memories' worth of history and a snapshot; closed when this returns.
void MakeDatabase(const std::string& dir) {
  auto store = OpenOrDie(dir);
  for (std::uint64_t i = 1; i <= 6; ++i) {
    PutOne(*store, kAlice, RecordKey{"agent", RecordKind::kEpisodicEntry, i % 3},
           FloatRecord("fact " + std::to_string(i), Ramp(3000, 1, static_cast<float>(i))));
  }
  ASSERT_TRUE(store->CreateSnapshot(kAlice, "agent", "s").ok());
}

TEST(OperatorTools, StatReportsCountsAsJson) {
  TempDir dir;
  MakeDatabase(dir.path());
  CliRun run = Engram("stat --json --db " + dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("\"ok\": true"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"head\": 6"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"records\": 3"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"versions\": 6"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"blobs\": 6"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"snapshots\": 1"), std::string::npos) << run.out;
  CliRun text = Engram("stat --db " + dir.path());
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("retention       every version kept"), std::string::npos) << text.out;
}

TEST(OperatorTools, VerifyIsCleanThenReportsDamage) {
  TempDir dir;
  MakeDatabase(dir.path());
  CliRun clean = Engram("verify --db " + dir.path());
  EXPECT_EQ(clean.exit_code, 0) << clean.out;
  EXPECT_EQ(clean.out.rfind("ok:", 0), 0u) << clean.out;
  // Flip one byte of a tensor payload in the data file.
  std::string file = ReadFile(dir.Sub("data.mdb"));
  std::vector<float> payload = Ramp(3000, 1, 4.0f);
  std::string pattern(reinterpret_cast<const char*>(payload.data() + 1000), 32);
  std::size_t at = file.find(pattern);
  ASSERT_NE(at, std::string::npos);
  file[at + 5] ^= 0x01;
  std::ofstream(dir.Sub("data.mdb"), std::ios::binary | std::ios::trunc) << file;
  CliRun damaged = Engram("verify --db " + dir.path());
  EXPECT_EQ(damaged.exit_code, 1) << damaged.out;
  EXPECT_NE(damaged.out.find("CORRUPT: blob"), std::string::npos) << damaged.out;
  EXPECT_NE(damaged.out.find("payload checksum mismatch"), std::string::npos) << damaged.out;
  CliRun json = Engram("verify --json --db " + dir.path());
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_NE(json.out.find("\"code\": \"CORRUPT\""), std::string::npos) << json.out;
}

TEST(OperatorTools, DumpLoadDumpIsByteIdentical) {
  TempDir dir;
  MakeDatabase(dir.Sub("a"));
  ASSERT_EQ(Engram("dump --db " + dir.Sub("a") + " > " + dir.Sub("one")).exit_code, 0);
  // Through a pipe, as an operator would.
  CliRun load = Engram("load --db " + dir.Sub("b") + " < " + dir.Sub("one"));
  ASSERT_EQ(load.exit_code, 0) << load.out;
  ASSERT_EQ(Engram("dump --db " + dir.Sub("b") + " > " + dir.Sub("two")).exit_code, 0);
  std::string one = ReadFile(dir.Sub("one"));
  EXPECT_GT(one.size(), 6u * 12000u);
  EXPECT_EQ(one, ReadFile(dir.Sub("two")));
  EXPECT_EQ(Engram("load --db " + dir.Sub("b") + " < " + dir.Sub("one") + " 2>&1").exit_code, 1);
  EXPECT_EQ(Engram("verify --db " + dir.Sub("b")).exit_code, 0);
}

TEST(OperatorTools, GcAndCompactShrinkTheFile) {
  TempDir dir;
  MakeDatabase(dir.path());
  CliRun gc = Engram("gc --json --keep-versions 1 --db " + dir.path());
  ASSERT_EQ(gc.exit_code, 0) << gc.out;
  EXPECT_NE(gc.out.find("\"cutoff\": 5"), std::string::npos) << gc.out;
  CliRun compact = Engram("compact --json --db " + dir.path());
  ASSERT_EQ(compact.exit_code, 0) << compact.out;
  EXPECT_EQ(Engram("verify --db " + dir.path()).exit_code, 0);
  CliRun stat = Engram("stat --json --db " + dir.path());
  EXPECT_NE(stat.out.find("\"retain_versions\": 1"), std::string::npos) << stat.out;
}

TEST(OperatorTools, UsageErrorsAndMissingDatabase) {
  TempDir dir;
  EXPECT_EQ(Engram("frobnicate 2>&1").exit_code, 2);
  EXPECT_EQ(Engram("stat --db " + dir.path() + " extra 2>&1").exit_code, 2);
  CliRun missing = Engram("stat --json --db " + dir.Sub("none"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("\"code\": \"NOTFOUND\""), std::string::npos) << missing.out;
}

}  // namespace
}  // namespace engram::storage
