// The golden test: greedy decoding of 200 steps from an empty prompt reproduces llama2.c's own
// test expectation byte for byte — through the engram-compute binary and through every engine.

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <memory>

#include "compute/runtime/cpu_forward.h"
#include "compute/runtime/engine_factory.h"
#include "compute/runtime/generation.h"
#include "tests/compute/test_model.h"

namespace engram::compute {
namespace {

using testing::GoldenGreedy200;
using testing::Model;

std::string RunCommand(const std::string& command, int* exit_status) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe.get())) > 0) out.append(buf, n);
  *exit_status = ::pclose(pipe.release());
  return out;
}

std::string Binary() {
  return std::string(ENGRAM_BIN_DIR) + "/engram-compute";
}

TEST(GoldenTest, BinaryPrintsTheGoldenGreedyOutput) {
  int status = -1;
  const std::string out =
      RunCommand(Binary() + " generate --steps 200 --temperature 0 2>/dev/null", &status);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(out, GoldenGreedy200());
}

TEST(GoldenTest, BinaryWithExplicitModelAndTorchEngine) {
  int status = -1;
  const std::string out = RunCommand(Binary() + " generate --model " + testing::ModelDir() +
                                         "/stories260K.bin --engine torch --steps 200 "
                                         "--temperature 0 2>/dev/null",
                                     &status);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(out, GoldenGreedy200());
}

TEST(GoldenTest, EveryEngineInProcess) {
  std::vector<EngineOptions> configs;
  for (const char* isa : {"avx512", "avx2", "generic"}) {
    if (CpuForwardByName(isa) == nullptr) continue;
    EngineOptions o;
    o.engine = "cpu";
    o.isa = isa;
    configs.push_back(o);
  }
  EngineOptions torch;
  torch.engine = "torch";
  configs.push_back(torch);
  for (EngineOptions options : configs) {
    options.max_slots = 1;
    auto engine = CreateDecodeEngine(Model().checkpoint.weights, options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    GenerationRequest request;
    request.prompt_tokens = {1};
    request.sampling.temperature = 0.0f;
    request.max_new_tokens = 1000;
    std::string text;
    auto result = GenerateSync(
        **engine, request,
        [&](int prev, int token) { text += Model().tokenizer.DecodePiece(prev, token); }, 200);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->tokens.size(), 200u);  // llama2.c samples at every one of the 200 positions
    EXPECT_EQ(result->stop_reason, StopReason::kContext);
    EXPECT_EQ(text + "\n", GoldenGreedy200()) << (*engine)->name();
  }
}

TEST(GoldenTest, BadModelGivesAModelErrorAndExitStatus) {
  const std::string dir = testing::TempDir();
  std::FILE* f = std::fopen((dir + "/model.bin").c_str(), "wb");
  std::fputs("this is not a checkpoint at all, but long enough", f);
  std::fclose(f);
  std::FILE* t = std::fopen((dir + "/tokenizer.bin").c_str(), "wb");
  std::fclose(t);
  int status = -1;
  const std::string err = RunCommand(Binary() + " generate --model " + dir + " 2>&1", &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(err.find("MODEL"), std::string::npos) << err;
  const std::string usage = RunCommand(Binary() + " generate --steps=abc 2>&1", &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(usage.find("SYNTAX"), std::string::npos) << usage;
}

}  // namespace
}  // namespace engram::compute
