#include "compute/model/checkpoint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include "compute/model/model_bundle.h"
#include "tests/compute/test_model.h"

namespace engram::compute {
namespace {

using testing::Model;
using testing::ModelDir;
using testing::ReadFileOrDie;
using testing::TempDir;

std::string Write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

bool SameWeights(const LlamaWeights& a, const LlamaWeights& b) {
  if (!(a.config() == b.config())) return false;
  for (int i = 0; i < kWeightCount; ++i) {
    auto x = a.Tensor(static_cast<WeightId>(i)), y = b.Tensor(static_cast<WeightId>(i));
    if (x.size() != y.size() || std::memcmp(x.data(), y.data(), x.size_bytes()) != 0) return false;
  }
  return true;
}

TEST(CheckpointTest, ReadsTheShippedLegacyModel) {
  const auto& model = Model();
  EXPECT_EQ(model.checkpoint.format, CheckpointFormat::kLegacy);
  const LlamaConfig& c = model.config();
  EXPECT_EQ(c.dim, 64);
  EXPECT_EQ(c.hidden_dim, 172);
  EXPECT_EQ(c.n_layers, 5);
  EXPECT_EQ(c.n_heads, 8);
  EXPECT_EQ(c.n_kv_heads, 4);
  EXPECT_EQ(c.vocab_size, 512);
  EXPECT_EQ(c.seq_len, 512);
  EXPECT_TRUE(c.shared_classifier);
  // The parameter count implied by the file size: (bytes - header - RoPE tables) / 4.
  const std::int64_t file_bytes =
      static_cast<std::int64_t>(ReadFileOrDie(ModelDir() + "/stories260K.bin").size());
  EXPECT_EQ(c.ParameterCount(), (file_bytes - 28 - 2 * 512 * 4 * 4) / 4);
  EXPECT_EQ(model.fingerprint.ToHex().size(), 32u);
}

TEST(CheckpointTest, V1RoundTripKeepsWeightsAndFingerprint) {
  const std::string dir = TempDir();
  const auto& model = Model();
  ASSERT_TRUE(
      WriteCheckpoint(model.checkpoint.weights, CheckpointFormat::kV1, dir + "/model.bin").ok());
  auto v1 = ReadCheckpoint(dir + "/model.bin");
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->format, CheckpointFormat::kV1);
  EXPECT_TRUE(SameWeights(v1->weights, model.checkpoint.weights));
  EXPECT_EQ(ModelFingerprint(v1->weights, model.tokenizer), model.fingerprint);

  // Writing the legacy format back reproduces the shipped file byte for byte, except for the
  // two RoPE tables (which engram never reads: llama2.c's exporter computed them in PyTorch).
  ASSERT_TRUE(WriteCheckpoint(v1->weights, CheckpointFormat::kLegacy, dir + "/legacy.bin").ok());
  const std::string written = ReadFileOrDie(dir + "/legacy.bin");
  const std::string shipped = ReadFileOrDie(ModelDir() + "/stories260K.bin");
  ASSERT_EQ(written.size(), shipped.size());
  const LlamaConfig& c = model.config();
  const std::size_t rope_bytes = 2u * c.seq_len * (c.head_size() / 2) * 4;
  const std::size_t rope_at = shipped.size() - rope_bytes;  // shared classifier: tables are last
  EXPECT_TRUE(written.compare(0, rope_at, shipped, 0, rope_at) == 0) << "header and weights differ";
  // The tables themselves agree to float rounding.
  float max_diff = 0;
  for (std::size_t at = rope_at; at < shipped.size(); at += 4) {
    float a, b;
    std::memcpy(&a, written.data() + at, 4);
    std::memcpy(&b, shipped.data() + at, 4);
    max_diff = std::max(max_diff, std::fabs(a - b));
  }
  EXPECT_LT(max_diff, 1e-4f);
}

TEST(CheckpointTest, SeparateClassifierInBothFormats) {
  const std::string dir = TempDir();
  const auto& model = Model();
  LlamaConfig c = model.config();
  c.shared_classifier = false;
  auto weights = LlamaWeights::Allocate(c);
  ASSERT_TRUE(weights.ok());
  for (int i = 0; i < kWeightCount; ++i) {
    auto id = static_cast<WeightId>(i);
    auto src = model.checkpoint.weights.Tensor(id);
    auto dst = weights->MutableTensor(id);
    std::memcpy(dst.data(), src.data(), src.size_bytes());
  }
  weights->MutableTensor(WeightId::kClassifier)[0] += 1.0f;  // now really separate
  for (auto format : {CheckpointFormat::kLegacy, CheckpointFormat::kV1}) {
    const std::string path = dir + "/sep-" + std::string(CheckpointFormatName(format)) + ".bin";
    ASSERT_TRUE(WriteCheckpoint(*weights, format, path).ok());
    auto back = ReadCheckpoint(path);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_FALSE(back->weights.config().shared_classifier);
    EXPECT_TRUE(SameWeights(back->weights, *weights));
    EXPECT_NE(ModelFingerprint(back->weights, model.tokenizer), model.fingerprint);
  }
}

class BadCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir();
    good_ = ReadFileOrDie(ModelDir() + "/stories260K.bin");
  }
  Status Load(const std::string& bytes) {
    return ReadCheckpoint(Write(dir_ + "/m.bin", bytes)).status();
  }
  void ExpectModelError(const std::string& bytes, const std::string& needle) {
    const Status s = Load(bytes);
    EXPECT_EQ(s.code(), ErrorCode::kModel) << s.ToString();
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.ToString();
  }
  std::string WithInt(int index, std::int32_t value) {
    std::string bytes = good_;
    std::memcpy(bytes.data() + 4 * index, &value, 4);
    return bytes;
  }
  std::string dir_;
  std::string good_;
};

TEST_F(BadCheckpointTest, MissingFile) {
  EXPECT_EQ(ReadCheckpoint(dir_ + "/nothing.bin").status().code(), ErrorCode::kNotFound);
}

TEST_F(BadCheckpointTest, SizeMismatches) {
  ExpectModelError(good_.substr(0, good_.size() - 4), "size mismatch");
  ExpectModelError(good_ + "junk", "size mismatch");
  ExpectModelError(good_.substr(0, 10), "too small");
  ExpectModelError("", "too small");
}

TEST_F(BadCheckpointTest, InvalidHeaders) {
  ExpectModelError(WithInt(0, 0), "dim");
  ExpectModelError(WithInt(0, -64), "dim");
  ExpectModelError(WithInt(3, 7), "n_heads");     // 7 does not divide 64
  ExpectModelError(WithInt(4, 3), "n_kv_heads");  // 3 does not divide 8
  ExpectModelError(WithInt(2, 1 << 30), "n_layers");
  ExpectModelError(WithInt(6, 0), "seq_len");
  ExpectModelError(WithInt(5, 2), "vocab_size");
  // A plausible header for a different model: the size check catches it.
  ExpectModelError(WithInt(1, 256), "size mismatch");
}

TEST_F(BadCheckpointTest, V1HeaderChecks) {
  std::string v1(256, '\0');
  const std::uint32_t magic = 0x616b3432;
  const std::int32_t version = 2;
  std::memcpy(v1.data(), &magic, 4);
  std::memcpy(v1.data() + 4, &version, 4);
  ExpectModelError(v1 + std::string(4096, '\0'), "version 2");
  ExpectModelError(v1.substr(0, 100), "truncated v1 header");
}

TEST_F(BadCheckpointTest, NonFiniteWeights) {
  std::string bytes = good_;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(bytes.data() + 28 + 4 * 1000, &nan, 4);  // inside the token embedding
  ExpectModelError(bytes, "non-finite value in token_embedding");
}

TEST(ModelFilesTest, ResolvesDirectoriesAndFiles) {
  auto from_dir = LoadModel(ModelDir());
  ASSERT_TRUE(from_dir.ok()) << from_dir.status().ToString();
  auto from_file = LoadModel(ModelDir() + "/stories260K.bin");
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ(from_dir->fingerprint, from_file->fingerprint);
  EXPECT_EQ(from_dir->tokenizer_path, ModelDir() + "/tok512.bin");

  const std::string empty = TempDir();
  EXPECT_EQ(LoadModel(empty).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(LoadModel(empty + "/missing").status().code(), ErrorCode::kNotFound);
  // Two checkpoints in one directory are ambiguous.
  Write(empty + "/a.bin", "x");
  Write(empty + "/b.bin", "y");
  Write(empty + "/tokenizer.bin", "z");
  EXPECT_EQ(LoadModel(empty).status().code(), ErrorCode::kModel);
}

TEST(ModelFilesTest, FingerprintCoversTheTokenizer) {
  const auto& model = Model();
  std::vector<std::string> pieces = model.tokenizer.pieces();
  std::vector<float> scores = model.tokenizer.scores();
  scores[300] += 1.0f;
  auto other = Tokenizer::FromPieces(std::move(pieces), std::move(scores));
  ASSERT_TRUE(other.ok());
  EXPECT_NE(ModelFingerprint(model.checkpoint.weights, *other), model.fingerprint);
  EXPECT_EQ(ModelFingerprint(model.checkpoint.weights, model.tokenizer), model.fingerprint);
}

}  // namespace
}  // namespace engram::compute
