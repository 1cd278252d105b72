// The episodic text encoder (compute/episodic/ngram_encoder.h) and its IDF table file.
#include "compute/episodic/ngram_encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "compute/episodic/idf_table.h"

namespace engram::compute::episodic {
namespace {

std::vector<std::string> Keys(const std::map<std::string, FeatureOccurrence>& block) {
  std::vector<std::string> out;
  for (const auto& [key, occurrence] : block) out.push_back(key);
  return out;
}

double Norm(const SparseCode& z) {
  return std::sqrt(Dot(z, z));
}

TEST(NgramEncoderTest, WordsLowercaseAsciiAndKeepHighBytes) {
  EXPECT_EQ(NormalisedWords("Hello, World! foo_bar 42x"),
            (std::vector<std::string>{"hello", "world", "foo_bar", "42x"}));
  EXPECT_EQ(NormalisedWords("Caf\xc3\xa9 d'Or"),
            (std::vector<std::string>{"caf\xc3\xa9", "d", "or"}));
  EXPECT_TRUE(NormalisedWords(" ,.-! ").empty());
}

TEST(NgramEncoderTest, PinnedFeatures) {
  const TextFeatures f = ExtractFeatures("Ab ab, CD");
  EXPECT_EQ(Keys(f.word_block), (std::vector<std::string>{"bab ab", "bab cd", "wab", "wcd"}));
  EXPECT_EQ(f.word_block.at("wab").tf, 2);
  EXPECT_EQ(f.word_block.at("bab cd").words, (std::vector<std::string>{"ab", "cd"}));
  // "<ab>": <ab, ab>, <ab>; "<cd>": <cd, cd>, <cd>.
  EXPECT_EQ(Keys(f.char_block),
            (std::vector<std::string>{"c<ab", "c<ab>", "c<cd", "c<cd>", "cab>", "ccd>"}));
  EXPECT_EQ(f.char_block.at("c<ab>").tf, 2);

  const TextFeatures w = ExtractFeatures("Paris");
  EXPECT_EQ(Keys(w.char_block),
            (std::vector<std::string>{"c<pa", "c<par", "c<pari", "cari", "caris", "caris>", "cis>",
                                      "cpar", "cpari", "cparis", "cris", "cris>"}));
  EXPECT_EQ(w.char_block.size(), 5u + 4u + 3u);  // n = 3, 4, 5 over 7 code points
  // Char n-grams are over code points: "é" is one unit.
  EXPECT_EQ(ExtractFeatures("\xc3\xa9t\xc3\xa9").char_block.size(), 3u + 2u + 1u);
}

TEST(NgramEncoderTest, HashIsPinned) {
  // The encoder's identity: these change only with kEncoderVersion.
  const SignedBucket a = HashFeature("wparis", kDefaultCodeDim);
  const SignedBucket b = HashFeature("wparis", kDefaultCodeDim);
  EXPECT_EQ(a.bucket, b.bucket);
  EXPECT_EQ(a.sign, b.sign);
  EXPECT_LT(a.bucket, kDefaultCodeDim);
  EXPECT_EQ(kEncoderVersion, 1u);
}

TEST(NgramEncoderTest, DeterministicUnitNormAndSelfCosine) {
  auto enc = NgramEncoder::Create({}, nullptr, nullptr);
  ASSERT_TRUE(enc.ok());
  const std::string text = "Vinson Massif is located in the continent of Antarctica";
  const SparseCode z1 = enc->Encode(text);
  const SparseCode z2 = enc->Encode(text);
  EXPECT_EQ(z1.index, z2.index);
  EXPECT_EQ(z1.value, z2.value);
  EXPECT_NEAR(Norm(z1), 1.0, 1e-12);
  EXPECT_NEAR(Cosine(z1, z1), 1.0, 1e-12);
  EXPECT_TRUE(std::is_sorted(z1.index.begin(), z1.index.end()));
  EXPECT_TRUE(std::adjacent_find(z1.index.begin(), z1.index.end()) == z1.index.end());
  const std::vector<double> dense = ToDense(z1, kDefaultCodeDim);
  double sum = 0;
  for (double x : dense) sum += x * x;
  EXPECT_NEAR(sum, 1.0, 1e-12);
  EXPECT_TRUE(enc->Encode("?!").index.empty());

  auto words_only = NgramEncoder::Create({.dim = 1024, .use_char = false}, nullptr, nullptr);
  ASSERT_TRUE(words_only.ok());
  EXPECT_NEAR(Norm(words_only->Encode(text)), 1.0, 1e-12);
  EXPECT_FALSE(NgramEncoder::Create({.dim = 0}, nullptr, nullptr).ok());
}

IdfTable SmallTable() {
  IdfTable table(12, 5.0, kIdfHashSeed, 100, kEncoderVersion);
  for (const char* w : {"the", "is", "of", "in", "located", "continent", "owned", "by", "a"}) {
    table.SetWeight(std::string(1, kWordKind) + w, 1.0);
  }
  return table;
}

TEST(IdfTableTest, QuantisationAndUnseen) {
  const IdfTable t = SmallTable();
  EXPECT_NEAR(t.Weight("wthe"), 1.0, 5.0 / 255);
  EXPECT_EQ(t.Weight("wsomething-unseen-xyz"), 5.0);
  std::vector<std::uint32_t> df(16, 0);
  df[3] = 9;
  const IdfTable built = IdfTable::FromDocumentFrequencies(df, 9, 7, kEncoderVersion);
  EXPECT_EQ(built.bucket_bits(), 4u);
  EXPECT_NEAR(built.max_value(), std::log(10.0) + 1, 1e-12);
  EXPECT_NEAR(built.WeightAt(3), 1.0, built.max_value() / 255);
  EXPECT_EQ(built.WeightAt(0), built.max_value());
}

TEST(IdfTableTest, RoundTripAndCorruption) {
  const IdfTable t = SmallTable();
  const std::string bytes = t.Serialize();
  ASSERT_EQ(bytes.size(), 45u + 4096u + 8u);
  EXPECT_EQ(bytes.substr(0, 9), "ENGRAMIDF");
  auto back = IdfTable::Parse(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->entries(), t.entries());
  EXPECT_EQ(back->max_value(), 5.0);
  EXPECT_EQ(back->documents(), 100u);
  EXPECT_EQ(back->hash_seed(), kIdfHashSeed);

  auto corrupt = [](std::string b) { return IdfTable::Parse(b).status().code(); };
  std::string bad = bytes;
  bad[0] = 'X';
  EXPECT_EQ(corrupt(bad), ErrorCode::kCorrupt);  // magic
  bad = bytes;
  bad[9] = 2;
  EXPECT_EQ(corrupt(bad), ErrorCode::kCorrupt);  // format version
  bad = bytes;
  bad[100] ^= 1;
  EXPECT_EQ(corrupt(bad), ErrorCode::kCorrupt);                                // checksum
  EXPECT_EQ(corrupt(bytes.substr(0, bytes.size() - 1)), ErrorCode::kCorrupt);  // size
  EXPECT_EQ(corrupt(bytes + "x"), ErrorCode::kCorrupt);
  EXPECT_EQ(corrupt(bytes.substr(0, 20)), ErrorCode::kCorrupt);  // truncated header
  bad = bytes;
  bad[17] = 30;
  EXPECT_EQ(corrupt(bad), ErrorCode::kCorrupt);  // bucket bits out of range

  const std::string path =
      (std::filesystem::temp_directory_path() / "engram_idf_table_test.idf").string();
  ASSERT_TRUE(t.Save(path).ok());
  auto loaded = IdfTable::Load(path);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->entries(), t.entries());
  std::remove(path.c_str());
  EXPECT_EQ(IdfTable::Load(path).status().code(), ErrorCode::kNotFound);

  const auto other = std::make_shared<IdfTable>(4, 1.0, 1, 1, kEncoderVersion + 1);
  EXPECT_EQ(NgramEncoder::Create({}, other, nullptr).status().code(), ErrorCode::kModel);
}

TEST(NgramEncoderTest, ParaphrasesScoreAboveUnrelated) {
  auto table = std::make_shared<const IdfTable>(SmallTable());
  auto enc = NgramEncoder::Create({}, table, nullptr);
  ASSERT_TRUE(enc.ok());
  const SparseCode fact = enc->Encode("Vinson Massif is located in the continent of Antarctica");
  const SparseCode para = enc->Encode("Vinson Massif belongs to the continent of");
  const SparseCode other = enc->Encode("Beats Music is owned by Apple");
  const SparseCode book = enc->Encode("It was the best of times, it was the worst of times.");
  EXPECT_GT(Cosine(fact, para), Cosine(fact, other));
  EXPECT_GT(Cosine(fact, para), Cosine(fact, book));
  EXPECT_GT(Cosine(other, enc->Encode("Beats Music, owned by")), Cosine(other, para));
}

}  // namespace
}  // namespace engram::compute::episodic
